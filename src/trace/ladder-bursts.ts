// The event stream cut into what a host did at one instant in answer to one stimulus (a burst), and
// each burst into parts around its segment events: the raw material of the ladder's steps.
import type {
  SegmentDroppedEvent,
  SegmentReceivedEvent,
  SegmentSentEvent,
  TraceEvent,
} from "../tcp/events.js";

export type MainEvent = SegmentSentEvent | SegmentReceivedEvent | SegmentDroppedEvent;

export interface Part {
  /** Parts of one burst share this number. */
  burst: number;
  host: string;
  t: number;
  main: MainEvent | null;
  /** The host's verdict on a segment it has just reported as received (discarded after decoding). */
  verdict: SegmentDroppedEvent | null;
  /** Non-main events of the burst before the main one (only the burst's first part has them). */
  before: TraceEvent[];
  after: TraceEvent[];
}

/** A drop that judges the segment just received (the engine reports the arrival, then its verdict). */
function isVerdictOn(drop: SegmentDroppedEvent, received: MainEvent | null): boolean {
  if (received?.kind !== "segment-received" || drop.seg === null) return false;
  if (drop.id !== received.id && drop.id !== -1) return false;
  const a = drop.seg;
  const b = received.seg;
  return (
    a === b ||
    (a.seq === b.seq &&
      a.ack === b.ack &&
      a.flags === b.flags &&
      a.srcAddr === b.srcAddr &&
      a.srcPort === b.srcPort &&
      a.dstPort === b.dstPort &&
      a.payload.length === b.payload.length)
  );
}

function isMain(e: TraceEvent): e is MainEvent {
  return e.kind === "segment-sent" || e.kind === "segment-received" || e.kind === "segment-dropped";
}

/** Split the stream into per-host bursts and each burst into parts around its segment events. */
export function partsOf(events: readonly TraceEvent[]): Part[] {
  const parts: Part[] = [];
  let bursts = 0;
  let burst: TraceEvent[] = [];
  const flush = (): void => {
    if (burst.length === 0) return;
    const first = burst[0] as TraceEvent;
    const id = ++bursts;
    let current: Part = {
      burst: id,
      host: first.host,
      t: first.t,
      main: null,
      verdict: null,
      before: [],
      after: [],
    };
    let seenMain = false;
    for (const e of burst) {
      if (isMain(e)) {
        if (
          e.kind === "segment-dropped" &&
          current.verdict === null &&
          current.after.length === 0 &&
          isVerdictOn(e, current.main)
        ) {
          current.verdict = e;
        } else if (seenMain) {
          parts.push(current);
          current = { burst: id, host: e.host, t: e.t, main: e, verdict: null, before: [], after: [] };
        } else {
          current.main = e;
          seenMain = true;
        }
      } else if (seenMain) current.after.push(e);
      else current.before.push(e);
    }
    parts.push(current);
    burst = [];
  };
  for (const e of events) {
    // The simulator's verdicts on packets are read by packet id, not placed in bursts: a drop decided
    // while the sender is still emitting must not split the sender's burst. A delivery, though, is a
    // new stimulus (the simulator reports it just before the receiver's events), even at the same
    // instant as the receiver's previous reaction: a SYN arriving right after listen() was not caused by it.
    if (e.kind === "network") {
      if (e.action === "deliver") flush();
      continue;
    }
    const head = burst[0];
    if (head && (head.host !== e.host || head.t !== e.t)) flush();
    burst.push(e);
  }
  flush();
  return parts;
}
