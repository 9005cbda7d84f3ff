// Targeted faults: "drop the 3rd segment from A", "delay P's FIN by 90 s", "corrupt every SYN-ACK".
//
// A fault looks at every segment a host transmits. Its scope (`from`, `to`) and its predicate
// (`match`) decide whether the segment is a candidate; it skips the first `nth - 1` candidates and
// then acts on the next `times` of them. Each fault has a name, and every trace event it causes
// carries that name, so a scenario's ladder says which deliberate fault did what.
import type { Segment } from "../wire/segment.js";
import { SimError } from "./sim-error.js";

/**
 * "reorder": hold the segment until the next segment on the same link direction leaves, then send it
 * right behind that one (the two swap places); if none leaves within `delay` µs (default 200 ms), it
 * goes then, late but alone.
 */
export type FaultAction = "drop" | "delay" | "duplicate" | "corrupt" | "reorder";

/** How long a "reorder" fault waits at most for a segment to swap with. */
export const DEFAULT_REORDER_WAIT = 200_000;

/** What a fault's predicate may look at besides the segment itself. Valid only during the call. */
export interface FaultContext {
  /** Virtual time of the transmission, µs. */
  readonly now: number;
  /** Sending host's name. */
  readonly from: string;
  /** Receiving host's name ("" when no host owns the destination address). */
  readonly to: string;
  /** 0-based index of this segment among all segments offered to this link direction. */
  readonly linkIndex: number;
  /** 0-based index of this segment among all segments the sending host has transmitted. */
  readonly hostIndex: number;
  /**
   * The sending host's TCP state for this segment's connection ("ESTABLISHED", "LAST_ACK"...): from
   * the host's `stateOf` hook if it was added with one, else from the trace's state events for the
   * connection named by the segment-sent event; undefined when neither knows (stateless replies).
   */
  stateOf(): string | undefined;
}

/** Selects segments for a fault (see the match helpers). */
export type SegmentPredicate = (seg: Segment, ctx: FaultContext) => boolean;

/** A targeted fault: which segments (scope, match, nth, times) and what to do with them. */
export interface FaultSpec {
  /** Appears as `fault` in every network trace event this fault causes. */
  name: string;
  action: FaultAction;
  /** Only segments sent by this host. */
  from?: string;
  /** Only segments addressed to this host. */
  to?: string;
  match?: SegmentPredicate;
  /** Act from the nth candidate on (1-based; default 1, the first). */
  nth?: number;
  /** How many candidates to act on (default 1); Infinity means every one from the nth on. */
  times?: number;
  /**
   * "delay": the extra delay in µs (required). "duplicate": extra delay of the copy (default 0).
   * "reorder": the longest wait for a segment to swap with (default 200 ms).
   */
  delay?: number;
}

/** A registered fault; `hits` counts the segments it acted on. */
export class Fault {
  readonly name: string;
  readonly action: FaultAction;
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly match: SegmentPredicate | undefined;
  readonly nth: number;
  readonly times: number;
  readonly delay: number;
  /** Candidates seen so far (matched scope and predicate). */
  candidates = 0;
  hits = 0;
  cancelled = false;

  constructor(spec: FaultSpec) {
    if (typeof spec.name !== "string" || spec.name.length === 0) {
      throw new SimError("ERR_SIM_BAD_OPTION", "a fault needs a non-empty name");
    }
    if (!["drop", "delay", "duplicate", "corrupt", "reorder"].includes(spec.action)) {
      throw new SimError(
        "ERR_SIM_BAD_OPTION",
        `fault ${spec.name}: action must be drop, delay, duplicate, corrupt or reorder, got ${String(spec.action)}`,
      );
    }
    const nth = spec.nth ?? 1;
    if (!Number.isSafeInteger(nth) || nth < 1) {
      throw new SimError("ERR_SIM_BAD_OPTION", `fault ${spec.name}: nth must be an integer ≥ 1, got ${nth}`);
    }
    const times = spec.times ?? 1;
    if (!(times === Infinity || (Number.isSafeInteger(times) && times >= 1))) {
      throw new SimError(
        "ERR_SIM_BAD_OPTION",
        `fault ${spec.name}: times must be an integer ≥ 1 or Infinity, got ${times}`,
      );
    }
    const delay = spec.delay ?? (spec.action === "reorder" ? DEFAULT_REORDER_WAIT : 0);
    if (!Number.isSafeInteger(delay) || delay < 0 || (spec.action === "delay" && delay === 0)) {
      throw new SimError(
        "ERR_SIM_BAD_OPTION",
        `fault ${spec.name}: delay must be a ${spec.action === "delay" ? "positive" : "non-negative"} integer (µs), got ${spec.delay}`,
      );
    }
    this.name = spec.name;
    this.action = spec.action;
    this.from = spec.from;
    this.to = spec.to;
    this.match = spec.match;
    this.nth = nth;
    this.times = times;
    this.delay = delay;
  }

  /** No further segment can be acted on. */
  get exhausted(): boolean {
    return this.cancelled || this.hits >= this.times;
  }

  /** Stop the fault: it acts on no further segment. */
  cancel(): void {
    this.cancelled = true;
  }

  /** Decide whether to act on this segment; counts it as a candidate if it is one. */
  applies(seg: Segment, ctx: FaultContext): boolean {
    if (this.exhausted) return false;
    if (this.from !== undefined && this.from !== ctx.from) return false;
    if (this.to !== undefined && this.to !== ctx.to) return false;
    if (this.match !== undefined && !this.match(seg, ctx)) return false;
    this.candidates++;
    if (this.candidates < this.nth) return false;
    this.hits++;
    return true;
  }
}
