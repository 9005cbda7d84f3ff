// The engine's debug mode: invariants asserted after every entry into a connection (a segment, a timer,
// an application call) and on every segment it sends. On in tests (test/setup/engine-invariants.ts turns
// it on for every host a test makes), off in benchmarks and the product: a host without a sink pays one
// null check per entry. A violation goes to the sink with the connection's recent trace; the default sink
// throws, so the test that provoked it fails there, with the story of how it got there.
import type { DropReason, TraceEvent, TraceSink } from "./events.js";
import { ACK, FIN, RST, SYN, type Segment } from "../wire/segment.js";
import type { Connection } from "./connection.js";
import { seqAdd, seqDiff, seqGt } from "./seq.js";
import { T_PERSIST } from "./timers.js";

/** Invariants, by the name a violation reports. */
export type InvariantRule =
  /** SND.UNA ≤ SND.NXT ≤ SND.MAX. */
  | "send-sequence-order"
  /** Nothing sent beyond SND.UNA + SND.WND, except a permitted probe (the head, resent by a timer). */
  | "beyond-send-window"
  /** Nothing sent above what the application wrote (and its FIN). */
  | "beyond-written"
  /** A retransmission never reaches beyond SND.MAX (issue 10, F3). */
  | "retransmission-beyond-snd-max"
  /** A fired retransmission timer sent something, armed the persist timer, or ended the connection (F1, F2). */
  | "silent-retransmission-timeout"
  /**
   * An acceptable ACK that advances SND.UNA leaves SND.WND at the window it carries (RFC 9293 §3.10.7.4
   * with Linux's tcp_may_update_window; F2: SND.UNA moved on with a stale window).
   */
  | "stale-send-window"
  /** TS.Recent moves only for an acceptable segment (RFC 7323 §4.3 via RFC 5961's checks; F4). */
  | "ts-recent-moved-by-unacceptable"
  /** A connection with data or a FIN to deliver has a deadline: only one waiting on its application may have none. */
  | "no-deadline"
  /** Receiver side (peerRules only): the peer's data lies beyond the right edge we advertised (F2's symptom). */
  | "peer-beyond-receive-window";

export interface InvariantViolation {
  rule: InvariantRule;
  host: string;
  conn: string;
  /** Virtual time, µs. */
  t: number;
  /** Which entry: "segment", "timer", "send", "close"... */
  entry: string;
  detail: string;
  /** The connection's last trace events as text lines (empty when the host does not record a trace). */
  trace: string[];
}

export interface InvariantSink {
  violation(v: InvariantViolation): void;
  /** Also check what the peer sent (only where every host runs this engine, as in `tcplab explore`). */
  readonly peerRules?: boolean;
}

export class EngineInvariantError extends Error {
  readonly code = "ERR_TCPLAB_INVARIANT";
  constructor(readonly violation: InvariantViolation) {
    super(
      `engine invariant ${violation.rule} broken on ${violation.host} ${violation.conn} at ${violation.t} µs ` +
        `(after ${violation.entry}): ${violation.detail}` +
        (violation.trace.length > 0
          ? `\nrecent trace of the connection:\n  ${violation.trace.join("\n  ")}`
          : ""),
    );
  }
}

/** The sink of the tests: the first violation throws out of the engine call that made it. */
export const THROWING_SINK: InvariantSink = {
  violation(v) {
    throw new EngineInvariantError(v);
  },
};

/**
 * The sink a host gets when its options name none: null (off) unless a test setup or a tool such as
 * `tcplab explore` sets one for the hosts it is about to make.
 */
export const invariantDefaults: { sink: InvariantSink | null } = { sink: null };

/** The last `max` events of one connection, one line each, oldest first. */
export function recentTrace(trace: TraceSink, conn: string, max = 40): string[] {
  const events = (trace as { events?: readonly TraceEvent[] }).events;
  if (!trace.enabled || events === undefined) return [];
  const out: string[] = [];
  for (let i = events.length - 1; i >= 0 && i >= events.length - 20_000 && out.length < max; i--) {
    const e = events[i]!;
    if (e.kind === "network" || e.kind === "note" || e.conn !== conn) continue;
    out.push(describe(e));
  }
  return out.reverse();
}

function describe(e: TraceEvent): string {
  const head = `${e.t} ${e.host}`;
  switch (e.kind) {
    case "segment-sent":
      return `${head} sent ${brief(e.seg)} (${e.why}${e.retransmission ? ", retransmission" : ""})`;
    case "segment-received":
      return `${head} received ${brief(e.seg)}`;
    case "segment-dropped":
      return `${head} dropped ${brief(e.seg)}: ${e.reason}${e.detail ? ` (${e.detail})` : ""}`;
    case "state":
      return `${head} ${e.from} → ${e.to} (${e.cause})`;
    case "timer":
      return `${head} timer ${e.timer} ${e.action}${e.deadline !== undefined ? ` → ${e.deadline}` : ""}`;
    case "app":
      return `${head} app ${e.call}${e.detail ? ` ${e.detail}` : ""}${e.error ? ` error ${e.error}` : ""}`;
    default:
      return `${head} ${e.kind}`;
  }
}

function brief(s: Segment | null): string {
  if (s === null) return "(undecodable)";
  const f = ["SYN", "FIN", "RST", "ACK"].filter((_, i) => s.flags & [2, 1, 4, 16][i]!).join(",");
  return `[${f}] seq=${s.seq >>> 0} ack=${s.ack >>> 0} len=${s.payload.length} win=${s.window}`;
}

// ---------------------------------------------------------------- the checks

/** Drop reasons that mean "this segment was not acceptable" (RFC 9293 §3.10.7.4 checks, RFC 5961, PAWS). */
const UNACCEPTABLE: readonly DropReason[] = [
  "paws",
  "out-of-window",
  "duplicate",
  "rst-out-of-window",
  "rst-challenged",
  "syn-challenged",
  "no-ack-flag",
  "ack-unsent-data",
  "ack-too-old",
];

/** What the checks read of a connection before an entry, to compare after it. */
export interface EntrySnapshot {
  sndUna: number;
  tsRecent: number;
  tsRecentAt: number;
  unacceptable: number;
}

export function unacceptableDrops(c: Connection): number {
  let n = 0;
  for (const r of UNACCEPTABLE) n += c.env.counters.dropCount(r);
  return n;
}

export function snapshot(c: Connection): EntrySnapshot {
  return {
    sndUna: c.snd.sndUna,
    tsRecent: c.ts.recent,
    tsRecentAt: c.ts.recentAt,
    unacceptable: unacceptableDrops(c),
  };
}

function report(
  c: Connection,
  sink: InvariantSink,
  rule: InvariantRule,
  entry: string,
  detail: string,
): void {
  sink.violation({
    rule,
    host: c.env.hostName,
    conn: c.label,
    t: c.now,
    entry,
    detail,
    trace: recentTrace(c.env.trace, c.label),
  });
}

/**
 * Debug mode: runs one entry of a connection (an application call, a segment, a timer), then asserts the
 * invariants that must hold after it. Entries nested inside it (a handler writing) are checked with it.
 */
export function checkedEntry<T>(c: Connection, entry: string, seg: Segment | null, run: () => T): T {
  const before = snapshot(c);
  c.inEntry = true;
  let result: T;
  try {
    result = run();
  } finally {
    c.inEntry = false;
  }
  checkAfterEntry(c, c.env.invariants!, entry, before, seg);
  return result;
}

/** After an entry: sequence order, TS.Recent, and that a connection with work to do has a deadline. */
export function checkAfterEntry(
  c: Connection,
  sink: InvariantSink,
  entry: string,
  before: EntrySnapshot,
  seg: Segment | null,
): void {
  if (c.state === "CLOSED" || c.state === "TIME_WAIT" || c.state === "LISTEN") return;
  const snd = c.snd;
  if (seqGt(snd.sndUna, snd.sndNxt) || seqGt(snd.sndNxt, snd.sndMax)) {
    report(
      c,
      sink,
      "send-sequence-order",
      entry,
      `SND.UNA ${snd.sndUna} SND.NXT ${snd.sndNxt} SND.MAX ${snd.sndMax}`,
    );
  }
  if (
    seg !== null &&
    (c.ts.recent !== before.tsRecent || c.ts.recentAt !== before.tsRecentAt) &&
    unacceptableDrops(c) !== before.unacceptable
  ) {
    report(
      c,
      sink,
      "ts-recent-moved-by-unacceptable",
      entry,
      `TS.Recent ${before.tsRecent} → ${c.ts.recent} by a segment the connection dropped as not acceptable`,
    );
  }
  if (
    seg !== null &&
    seg.flags & ACK &&
    !(seg.flags & SYN) &&
    seg.ack === snd.sndUna &&
    seqGt(snd.sndUna, before.sndUna) &&
    unacceptableDrops(c) === before.unacceptable &&
    snd.sndWnd !== seg.window << snd.wscale
  ) {
    report(
      c,
      sink,
      "stale-send-window",
      entry,
      `the ACK moved SND.UNA to ${snd.sndUna} with window ${seg.window << snd.wscale}, SND.WND stayed ${snd.sndWnd}`,
    );
  }
  const work = snd.sndUna !== snd.sndMax || snd.unsent > 0 || (snd.finQueued && !snd.finSent);
  // Output the outbox still holds for after the application (Notice.AfterApplication) is pending, not lost.
  if (work && c.nextDeadline() === Infinity && c.outputQueued === 0) {
    report(
      c,
      sink,
      "no-deadline",
      entry,
      `${c.state} with ${seqDiff(snd.sndMax, snd.sndUna)} in flight, ${snd.unsent} unsent${snd.finQueued && !snd.finSent ? ", FIN due" : ""} and no timer`,
    );
  }
}

/**
 * A fired retransmission timer must have sent something, armed the persist timer, or ended the
 * connection: else data waits on a timer that will again do nothing (issue 10, F1).
 */
export function checkRetransmissionTimeout(c: Connection, sink: InvariantSink, sentBefore: number): void {
  if (
    c.isClosed() ||
    c.state === "TIME_WAIT" ||
    c.env.counters.outSegs !== sentBefore ||
    c.timers.armed(T_PERSIST)
  )
    return;
  const snd = c.snd;
  report(
    c,
    sink,
    "silent-retransmission-timeout",
    "timer",
    `the retransmission timer fired and sent nothing (SND.UNA ${snd.sndUna}, SND.MAX ${snd.sndMax}, SND.WND ${snd.sndWnd}, ${snd.unsent} unsent)`,
  );
}

/** Every segment with data or a FIN a connection sends (SYN and RST excluded). */
export function checkSent(
  c: Connection,
  sink: InvariantSink,
  seg: Segment,
  why: string,
  retransmission: boolean,
): void {
  const len = seg.payload.length + (seg.flags & FIN ? 1 : 0);
  if (len === 0 || seg.flags & (SYN | RST)) return;
  const snd = c.snd;
  const dataEnd = seqAdd(seg.seq, seg.payload.length);
  const end = seqAdd(seg.seq, len);
  const written = seqAdd(snd.bufSeq, snd.buffer.length);
  if (seqGt(dataEnd, written)) {
    report(
      c,
      sink,
      "beyond-written",
      "send",
      `${why} ends at ${dataEnd}, the application wrote up to ${written}`,
    );
  }
  if (retransmission && seqGt(end, snd.sndMax)) {
    report(
      c,
      sink,
      "retransmission-beyond-snd-max",
      "send",
      `${why} [${seg.seq}, ${end}) reaches past SND.MAX ${snd.sndMax}`,
    );
  }
  // A permitted probe: the head of the queue, resent (RTO into a window the peer shut under it).
  const probe = retransmission && seg.seq === snd.sndUna;
  if (!probe && seqGt(end, seqAdd(snd.sndUna, snd.sndWnd))) {
    report(
      c,
      sink,
      "beyond-send-window",
      "send",
      `${why} [${seg.seq}, ${end}) beyond SND.UNA ${snd.sndUna} + SND.WND ${snd.sndWnd}`,
    );
  }
}

/**
 * Receiver side, for worlds where every host runs this engine: data beyond the right edge we advertised
 * (which never moves left) can only come from a sender that overran our window — except the head at
 * RCV.NXT, a permitted probe. Reported only to sinks that ask for it (`peerRules`): crafted and fuzzed
 * segments in tests do this on purpose.
 */
export function checkArrivedData(c: Connection, sink: InvariantSink, seg: Segment): void {
  if (!sink.peerRules || seg.payload.length === 0 || seg.seq === c.rcv.rcvNxt) return;
  const edge = c.rcv.rightEdge;
  const end = seqAdd(seg.seq, seg.payload.length);
  if (seqGt(end, edge) && seqGt(end, c.rcv.rcvNxt)) {
    report(
      c,
      sink,
      "peer-beyond-receive-window",
      "segment",
      `the peer sent [${seg.seq}, ${end}), ${seqDiff(end, edge)} bytes beyond the right edge ${edge} we advertised`,
    );
  }
}
