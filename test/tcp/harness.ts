// smoltcp-style harness: one host, segments fed in by hand at explicit times, every segment it sends captured.
import { Host, type HostOptions } from "../../src/stack/host.js";
import type { Connection, ConnectionHandlers } from "../../src/tcp/connection.js";
import { Trace } from "../../src/trace/events.js";
import { parseIPv4 } from "../../src/wire/address.js";
import { ACK, EMPTY_PAYLOAD, type Segment, type TcpOptions } from "../../src/wire/segment.js";
import type { Profile } from "../../src/tcp/profile.js";

export const LOCAL = parseIPv4("10.0.0.1");
export const REMOTE = parseIPv4("10.0.0.2");
export const LOCAL_PORT = 80;
export const REMOTE_PORT = 40000;
/** The remote end's ISN in every test. */
export const REMOTE_ISS = 1000;

export interface AppLog {
  established: number;
  data: Uint8Array[];
  ends: number;
  closes: Array<string | null>;
  drains: number;
}

export class Bench {
  readonly host: Host;
  readonly trace = new Trace();
  readonly sent: Segment[] = [];
  now = 0;

  constructor(overrides: Partial<Profile> = {}, options: Partial<HostOptions> = {}) {
    this.host = new Host({
      name: "local",
      address: LOCAL,
      trace: this.trace,
      overrides,
      seed: 7,
      ...options,
    });
    this.host.attach(
      (seg) => this.sent.push(seg),
      () => this.now,
    );
  }

  /** Segments sent since the last call. */
  take(): Segment[] {
    return this.sent.splice(0, this.sent.length);
  }

  /** Exactly one segment was sent since the last call; returns it. */
  one(): Segment {
    const out = this.take();
    if (out.length !== 1)
      throw new Error(`expected one segment, got ${out.length}: ${JSON.stringify(out.map(brief))}`);
    return out[0]!;
  }

  none(): void {
    const out = this.take();
    if (out.length !== 0) throw new Error(`expected no segment, got ${JSON.stringify(out.map(brief))}`);
  }

  at(t: number): this {
    this.now = t;
    this.host.advance(t);
    return this;
  }

  /** Feed a segment from the remote end at the current time. */
  feed(fields: Partial<Segment> & { flags: number }): void {
    this.host.input(remoteSegment(fields), this.now);
  }

  /** Advance time to `t`, firing whatever timers fall due on the way, in order. */
  runTo(t: number): void {
    for (;;) {
      const d = this.host.nextDeadline();
      if (d > t) break;
      this.now = d;
      this.host.advance(d);
    }
    this.now = t;
    this.host.advance(t);
  }
}

export function remoteSegment(fields: Partial<Segment> & { flags: number }): Segment {
  return {
    srcAddr: REMOTE,
    dstAddr: LOCAL,
    srcPort: REMOTE_PORT,
    dstPort: LOCAL_PORT,
    seq: 0,
    ack: 0,
    window: 65535,
    urgent: 0,
    options: {} as TcpOptions,
    payload: EMPTY_PAYLOAD,
    ...fields,
  };
}

export function recordingHandlers(log: AppLog = newLog()): ConnectionHandlers & { log: AppLog } {
  return {
    log,
    onEstablished: () => void log.established++,
    onData: (_c: Connection, d: Uint8Array) => void log.data.push(d),
    onEnd: () => void log.ends++,
    onDrain: () => void log.drains++,
    onClose: (_c: Connection, e) => void log.closes.push(e ? e.code : null),
  };
}

export function newLog(): AppLog {
  return { established: 0, data: [], ends: 0, closes: [], drains: 0 };
}

export function brief(s: Segment): string {
  const f = [
    s.flags & 2 ? "S" : "",
    s.flags & 1 ? "F" : "",
    s.flags & 4 ? "R" : "",
    s.flags & 16 ? "." : "",
  ].join("");
  return `[${f}] seq=${s.seq} ack=${s.ack} len=${s.payload.length} win=${s.window}`;
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (chunks: Uint8Array[]): string => new TextDecoder().decode(concat(chunks));
export function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
export { ACK };
