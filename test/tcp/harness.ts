// smoltcp-style harness: one host, segments fed in by hand at explicit times, every segment it sends captured.
import { Host, type HostOptions } from "../../src/tcp/engine.js";
import type { Connection, ConnectionHandlers } from "../../src/tcp/connection.js";
import type { Listener } from "../../src/tcp/listen.js";
import {
  Trace,
  isConnectionStateEvent,
  type SegmentDroppedEvent,
  type SegmentSentEvent,
  type StateChangeEvent,
  type TimerEvent,
  type TraceEvent,
} from "../../src/tcp/events.js";
import { parseIPv4 } from "../../src/wire/address.js";
import { ACK, EMPTY_PAYLOAD, FIN, SYN, type Segment, type TcpOptions } from "../../src/wire/segment.js";
import type { Profile } from "../../src/tcp/profile.js";
import type { TcpState } from "../../src/tcp/state.js";

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

  /**
   * Exactly one segment went to remote port `port` since the last call; returns it. Segments to other
   * ports (other connections' timers) are discarded: helpers that set up one connection among many use this.
   */
  oneTo(port: number): Segment {
    const out = this.take().filter((s) => s.dstPort === port);
    if (out.length !== 1)
      throw new Error(
        `expected one segment to ${port}, got ${out.length}: ${JSON.stringify(out.map(brief))}`,
      );
    return out[0]!;
  }

  noneTo(port: number): void {
    const out = this.take().filter((s) => s.dstPort === port);
    if (out.length !== 0)
      throw new Error(`expected no segment to ${port}, got ${JSON.stringify(out.map(brief))}`);
  }

  /** Trace position, for `since`. */
  mark(): number {
    return this.trace.events.length;
  }

  since(mark: number): TraceEvent[] {
    return this.trace.events.slice(mark);
  }

  /** The connections' state transitions since `mark` as "FROM>TO" (a listener's own are left out). */
  transitions(mark: number): string[] {
    return this.since(mark)
      .filter((e): e is StateChangeEvent => isConnectionStateEvent(e))
      .map((e) => `${e.from}>${e.to}`);
  }

  drops(mark: number): SegmentDroppedEvent[] {
    return this.since(mark).filter((e): e is SegmentDroppedEvent => e.kind === "segment-dropped");
  }

  sentEvents(mark: number): SegmentSentEvent[] {
    return this.since(mark).filter((e): e is SegmentSentEvent => e.kind === "segment-sent");
  }

  timers(mark: number, name?: TimerEvent["timer"]): TimerEvent[] {
    return this.since(mark).filter(
      (e): e is TimerEvent => e.kind === "timer" && (name === undefined || e.timer === name),
    );
  }

  /** Feed at time `t` (timers due before it fire first). */
  feedAt(t: number, fields: Partial<Segment> & { flags: number }): void {
    this.runTo(t);
    this.feed(fields);
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

/**
 * A connection driven into some state, with both ends' next sequence numbers as the test's remote end
 * sees them: `peerNxt` is the sequence number of the remote's next octet (our RCV.NXT once in order),
 * `ourNxt` is our SND.NXT (what the remote must ACK to cover everything we sent).
 */
export interface Placed {
  conn: Connection;
  log: AppLog;
  /** Our ISS. */
  iss: number;
  peerNxt: number;
  ourNxt: number;
  /** The listener that spawned it (passive opens), else null. */
  listener: Listener | null;
}

/** How the remote end opens: a SYN with MSS 1460 and no other option (no timestamps, no wscale). */
export const PEER_SYN_OPTIONS: TcpOptions = { mss: 1460 };

type Listening = { listener: Listener; accepted: Array<{ conn: Connection; log: AppLog }> };
const listening = new WeakMap<Bench, Listening>();

/** Listens on LOCAL_PORT; every accepted child gets recording handlers, pushed to `accepted`. */
export function listenRecording(
  bench: Bench,
  options: { backlog?: number; reuseAddress?: boolean } = {},
): Listening {
  const accepted: Array<{ conn: Connection; log: AppLog }> = [];
  const listener = bench.host.listen(LOCAL_PORT, options, {
    onConnection(conn) {
      const h = recordingHandlers();
      accepted.push({ conn, log: h.log });
      return h;
    },
  });
  const l = { listener, accepted };
  listening.set(bench, l);
  return l;
}

/**
 * Passive open (RFC 9293 §3.5 Figure 6 seen from the server): SYN from `remotePort` at `now`, SYN,ACK out,
 * the final ACK `rtt` µs later. Reuses the bench's listener if it has one. Leaves the clock at the ACK's
 * time and the send log empty.
 */
export function passiveOpen(bench: Bench, rtt = 100_000, remotePort = REMOTE_PORT): Placed {
  const current = listening.get(bench);
  const { listener, accepted } = current && !current.listener.closed ? current : listenRecording(bench);
  const before = accepted.length;
  bench.feed({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS, srcPort: remotePort });
  const synAck = bench.oneTo(remotePort);
  bench.at(bench.now + rtt);
  bench.feed({ flags: ACK, seq: REMOTE_ISS + 1, ack: (synAck.seq + 1) >>> 0, srcPort: remotePort });
  bench.noneTo(remotePort);
  const child = accepted[before];
  if (!child || child.conn.state !== "ESTABLISHED") throw new Error("passive open did not establish");
  return {
    conn: child.conn,
    log: child.log,
    iss: synAck.seq,
    peerNxt: REMOTE_ISS + 1,
    ourNxt: (synAck.seq + 1) >>> 0,
    listener,
  };
}

/** Active open from LOCAL_PORT to the remote: SYN out, SYN,ACK in `rtt` µs later, ACK out. */
export function activeOpen(
  bench: Bench,
  rtt = 100_000,
  connectOptions: { keepAlive?: boolean } = {},
): Placed {
  const h = recordingHandlers();
  const conn = bench.host.connect(
    { address: REMOTE, port: REMOTE_PORT, localPort: LOCAL_PORT, ...connectOptions },
    h,
  );
  const syn = bench.one();
  bench.at(bench.now + rtt);
  bench.feed({
    flags: SYN | ACK,
    seq: REMOTE_ISS,
    ack: (syn.seq + 1) >>> 0,
    options: PEER_SYN_OPTIONS,
  });
  bench.one(); // the handshake's ACK
  if (conn.state !== "ESTABLISHED") throw new Error(`active open ended in ${conn.state}`);
  return {
    conn,
    log: h.log,
    iss: syn.seq,
    peerNxt: REMOTE_ISS + 1,
    ourNxt: (syn.seq + 1) >>> 0,
    listener: null,
  };
}

/** The synchronized states a test can ask `placeIn` for (TIME_WAIT becomes a record: see placeIn). */
export type PlaceableState =
  "ESTABLISHED" | "FIN_WAIT_1" | "FIN_WAIT_2" | "CLOSE_WAIT" | "CLOSING" | "LAST_ACK" | "TIME_WAIT";

/**
 * A passively opened connection driven into `state` by the application calls and crafted segments of
 * RFC 9293 Figure 5, 10 ms apart. The send log is emptied; the clock stays at the last step.
 */
export function placeIn(
  bench: Bench,
  state: PlaceableState,
  opts: { orphan?: boolean; remotePort?: number } = {},
): Placed {
  const port = opts.remotePort ?? REMOTE_PORT;
  const p = passiveOpen(bench, 100_000, port);
  const step = (): void => void bench.at(bench.now + 10_000);
  const ourFin = (): void => {
    step();
    if (opts.orphan) p.conn.close(bench.now);
    else p.conn.shutdown(bench.now);
    const fin = bench.oneTo(port);
    if (!(fin.flags & FIN)) throw new Error("expected our FIN");
    p.ourNxt = (p.ourNxt + 1) >>> 0;
  };
  const peerFin = (ack: number): void => {
    step();
    bench.feed({ flags: FIN | ACK, seq: p.peerNxt, ack, srcPort: port });
    p.peerNxt = (p.peerNxt + 1) >>> 0;
    bench.take();
  };
  switch (state) {
    case "ESTABLISHED":
      break;
    case "FIN_WAIT_1":
      ourFin();
      break;
    case "FIN_WAIT_2":
      ourFin();
      step();
      bench.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, srcPort: port });
      bench.noneTo(port);
      break;
    case "CLOSE_WAIT":
      peerFin(p.ourNxt);
      break;
    case "CLOSING":
      ourFin();
      peerFin((p.ourNxt - 1) >>> 0); // the peer's FIN does not yet cover ours: the FINs crossed
      break;
    case "LAST_ACK":
      peerFin(p.ourNxt);
      ourFin();
      break;
    case "TIME_WAIT":
      ourFin();
      step();
      bench.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, srcPort: port });
      peerFin(p.ourNxt);
      break;
  }
  const now = bench.host.stateOf(p.conn);
  if (now !== state) throw new Error(`placeIn(${state}) ended in ${now}`);
  return p;
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
export type { TcpState };
