// Small predicates for targeted faults, so scenarios read like the ladder they describe:
// `match: all(hasFlags(FIN), fromState("LAST_ACK"))`.
import { ACK, FIN, RST, SYN } from "../wire/segment.js";
import type { FaultContext, SegmentPredicate } from "./faults.js";

/** Every bit of `mask` is set. */
export function hasFlags(mask: number): SegmentPredicate {
  return (seg) => (seg.flags & mask) === mask;
}

/** The flags are exactly `flags` (e.g. a bare ACK: `flagsAre(ACK)`). */
export function flagsAre(flags: number): SegmentPredicate {
  return (seg) => seg.flags === flags;
}

/** A segment with payload (optionally exactly `length` bytes). */
export function withPayload(length?: number): SegmentPredicate {
  return length === undefined ? (seg) => seg.payload.length > 0 : (seg) => seg.payload.length === length;
}

/** A pure ACK: ACK set, no SYN/FIN/RST and no payload (the last ACK of a close, for instance). */
export const pureAck: SegmentPredicate = (seg) =>
  (seg.flags & (ACK | SYN | FIN | RST)) === ACK && seg.payload.length === 0;

/** The sequence number is `seq`. */
export function seqIs(seq: number): SegmentPredicate {
  return (seg) => seg.seq === seq >>> 0;
}

/** The segment carries ACK and acknowledges `ack`. */
export function ackIs(ack: number): SegmentPredicate {
  return (seg) => (seg.flags & ACK) !== 0 && seg.ack === ack >>> 0;
}

/** Sent by a connection in this TCP state (needs the host's `stateOf` hook). */
export function fromState(state: string): SegmentPredicate {
  return (_seg, ctx: FaultContext) => ctx.stateOf() === state;
}

/** Every predicate holds. */
export function all(...predicates: SegmentPredicate[]): SegmentPredicate {
  return (seg, ctx) => predicates.every((p) => p(seg, ctx));
}

/** At least one predicate holds. */
export function any(...predicates: SegmentPredicate[]): SegmentPredicate {
  return (seg, ctx) => predicates.some((p) => p(seg, ctx));
}

/** The predicate does not hold. */
export function not(predicate: SegmentPredicate): SegmentPredicate {
  return (seg, ctx) => !predicate(seg, ctx);
}
