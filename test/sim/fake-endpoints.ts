// Small stand-ins for a Host, enough to drive the simulator in tests: they record what arrives,
// transmit on request, keep explicit deadlines, and emit the trace events a real host would.
import type { Endpoint, Transmit } from "../../src/tcp/endpoint.js";
import type { TraceSink } from "../../src/tcp/events.js";
import { decodePacket } from "../../src/wire/codec.js";
import type { DecodeReason } from "../../src/wire/decode-error.js";
import { ACK, NO_OPTIONS, type Segment, segmentLength } from "../../src/wire/segment.js";

export interface Arrival {
  t: number;
  id: number;
  seg: Segment;
}

export interface Rejection {
  t: number;
  id: number;
  reason: DecodeReason;
}

/** Records every arrival; sends what the test tells it to; wakes at the deadlines it is given. */
export class RecordingEndpoint implements Endpoint {
  readonly arrivals: Arrival[] = [];
  readonly rejections: Rejection[] = [];
  readonly wakes: number[] = [];
  /** Pending timer deadlines (unsorted); advance() fires every one that is due. */
  readonly deadlines: number[] = [];
  /** What to do when a timer fires (default: nothing). */
  onTimer: (now: number) => void = () => {};
  protected transmit: Transmit | null = null;

  constructor(
    readonly name: string,
    readonly address: number,
    readonly trace: TraceSink,
    readonly mtu = 1500,
  ) {}

  /** The driver's clock, when it gave one. */
  clock: (() => number) | null = null;

  attach(transmit: Transmit, clock?: () => number): void {
    this.transmit = transmit;
    this.clock = clock ?? null;
  }

  /** Transmit a segment now, as a host would: fresh packet id, segment-sent event, then the wire. */
  send(seg: Segment, now: number, conn: string | null = null): number {
    const id = this.trace.nextPacketId();
    if (this.trace.enabled) {
      this.trace.emit({
        kind: "segment-sent",
        t: now,
        host: this.name,
        id,
        seg,
        conn,
        retransmission: false,
        why: "test",
      });
    }
    if (this.transmit === null) throw new Error(`${this.name} is not attached`);
    this.transmit(seg, id);
    return id;
  }

  input(seg: Segment, now: number, packetId = -1): void {
    if (this.trace.enabled) {
      this.trace.emit({ kind: "segment-received", t: now, host: this.name, id: packetId, seg, conn: null });
    }
    this.arrivals.push({ t: now, id: packetId, seg });
    this.received(seg, now);
  }

  inputPacket(bytes: Uint8Array, now: number, packetId = -1): void {
    const r = decodePacket(bytes);
    if (r.ok) {
      this.input(r.segment, now, packetId);
      return;
    }
    if (this.trace.enabled) {
      this.trace.emit({
        kind: "segment-dropped",
        t: now,
        host: this.name,
        id: packetId,
        reason: r.reason,
        seg: null,
        conn: null,
        detail: r.detail,
      });
    }
    this.rejections.push({ t: now, id: packetId, reason: r.reason });
  }

  /** Hook for subclasses: a decoded segment arrived. */
  protected received(_seg: Segment, _now: number): void {}

  advance(now: number): void {
    this.wakes.push(now);
    let fired = false;
    for (let i = this.deadlines.length - 1; i >= 0; i--) {
      if ((this.deadlines[i] as number) <= now) {
        this.deadlines.splice(i, 1);
        fired = true;
      }
    }
    if (fired) this.onTimer(now);
  }

  nextDeadline(): number {
    let d = Infinity;
    for (const x of this.deadlines) if (x < d) d = x;
    return d;
  }
}

/** Answers every segment that carries sequence space with a pure ACK (and echoes any payload back). */
export class EchoEndpoint extends RecordingEndpoint {
  echoPayload = true;

  protected override received(seg: Segment, now: number): void {
    const len = segmentLength(seg);
    if (len === 0) return;
    this.send(
      {
        srcAddr: seg.dstAddr,
        dstAddr: seg.srcAddr,
        srcPort: seg.dstPort,
        dstPort: seg.srcPort,
        seq: seg.ack,
        ack: (seg.seq + len) >>> 0,
        flags: ACK,
        window: 65535,
        urgent: 0,
        options: NO_OPTIONS,
        payload: this.echoPayload ? seg.payload : new Uint8Array(0),
      },
      now,
    );
  }
}

/** A segment from `src` to `dst` with the given fields, defaults for the rest. */
export function makeSegment(src: Endpoint, dst: Endpoint, fields: Partial<Segment> = {}): Segment {
  return {
    srcAddr: src.address,
    dstAddr: dst.address,
    srcPort: 40000,
    dstPort: 80,
    seq: 1000,
    ack: 0,
    flags: ACK,
    window: 65535,
    urgent: 0,
    options: NO_OPTIONS,
    payload: new Uint8Array(0),
    ...fields,
  };
}
