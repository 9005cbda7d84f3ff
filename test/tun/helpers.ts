// Shared pieces of the TUN tests: the skip decision, and a scripted stand-in for the Host.
import { readFileSync } from "node:fs";
import { tunAvailability } from "../../src/tun/addon.js";
import { findProgram } from "../../src/tun/tools.js";
import type { Endpoint, Transmit } from "../../src/tcp/endpoint.js";
import { decodePacket } from "../../src/wire/codec.js";
import { EMPTY_PAYLOAD, NO_OPTIONS, type Segment } from "../../src/wire/segment.js";

/** Why the root-only TUN tests cannot run here, or undefined when they can. */
export function tunSkipReason(): string | undefined {
  const a = tunAvailability();
  if (!a.ok) return `TUN unavailable (${a.reason}): ${a.message}`;
  for (const [tool, pkg] of [
    ["nsenter", "util-linux"],
    ["ip", "iproute2"],
  ]) {
    if (findProgram(tool!) === undefined) return `${tool} is not installed (${pkg})`;
  }
  return undefined;
}

/** Skip the test with the reason printed (CI logs show why), or return false when it may run. */
export function skipWithoutTun(t: { skip(message?: string): void }): boolean {
  const reason = tunSkipReason();
  if (reason === undefined) return false;
  console.log(`skipping: ${reason}`);
  t.skip(reason);
  return true;
}

export function segment(fields: Partial<Segment>): Segment {
  return {
    srcAddr: 0,
    dstAddr: 0,
    srcPort: 0,
    dstPort: 0,
    seq: 0,
    ack: 0,
    flags: 0,
    window: 65535,
    urgent: 0,
    options: NO_OPTIONS,
    payload: EMPTY_PAYLOAD,
    ...fields,
  };
}

/**
 * An Endpoint whose behaviour the test scripts: it decodes what arrives and hands it to onSegment,
 * keeps one explicit deadline, and sends what it is told through the driver's transmit.
 */
export class ScriptedEndpoint implements Endpoint {
  readonly name = "scripted";
  readonly mtu = 1500;
  readonly received: Segment[] = [];
  readonly rejected: string[] = [];
  readonly advances: number[] = [];
  deadline = Infinity;
  onSegment: (seg: Segment, now: number) => void = () => {};
  onDeadline: (now: number) => void = () => {};
  clock: (() => number) | undefined;
  private transmit: Transmit | undefined;
  private packetIds = 0;

  constructor(readonly address: number) {}

  attach(transmit: Transmit, clock?: () => number): void {
    this.transmit = transmit;
    this.clock = clock;
  }

  send(seg: Segment): void {
    if (this.transmit === undefined) throw new Error("not attached");
    this.transmit(seg, ++this.packetIds);
  }

  input(seg: Segment, now: number): void {
    this.received.push(seg);
    this.onSegment(seg, now);
  }

  inputPacket(bytes: Uint8Array, now: number): void {
    const r = decodePacket(bytes);
    if (r.ok) this.input(r.segment, now);
    else this.rejected.push(r.reason);
  }

  advance(now: number): void {
    this.advances.push(now);
    if (now >= this.deadline) {
      this.deadline = Infinity;
      this.onDeadline(now);
    }
  }

  nextDeadline(): number {
    return this.deadline;
  }
}

/** The packets of a classic pcap file (either byte order, microsecond or nanosecond magic). */
export function readPcapPackets(path: string): { linktype: number; packets: Uint8Array[] } {
  const bytes = new Uint8Array(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!little && view.getUint32(0, false) !== 0xa1b2c3d4 && view.getUint32(0, false) !== 0xa1b23c4d) {
    throw new Error(`${path}: not a pcap file (magic ${magic.toString(16)})`);
  }
  const packets: Uint8Array[] = [];
  for (let at = 24; at + 16 <= bytes.length;) {
    const captured = view.getUint32(at + 8, little);
    packets.push(bytes.subarray(at + 16, at + 16 + captured));
    at += 16 + captured;
  }
  return { linktype: view.getUint32(20, little), packets };
}
