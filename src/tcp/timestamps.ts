// RFC 7323 §3–§5 per-connection timestamp state: our TSval clock, TS.Recent for PAWS, and the rules
// that keep TS.Recent honest. Linux's TS clock ticks every millisecond and carries a random offset per
// 4-tuple (since 4.10), so values reveal no uptime yet keep increasing across incarnations of one
// 4-tuple — which is what makes TIME_WAIT reuse by timestamps safe (RFC 6191).
import { MS } from "./profile.js";

/** RFC 7323 §5.5: a TS.Recent idle for longer than 24 days is too old to judge by. */
export const PAWS_IDLE_LIMIT = 24 * 24 * 3600 * 1_000_000;

/** Does timestamp a come before b in the 32-bit modular space (RFC 7323 §5.3)? */
export function tsBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** Our TS clock at `now` (µs): 1 ms ticks plus the 4-tuple's offset, mod 2^32 (Linux since 4.10). */
export function tsClock(now: number, offset: number): number {
  return (Math.floor(now / MS) + offset) >>> 0;
}

/**
 * RFC 7323 §5.3 R1 with §5.5's 24-day rule: is `tsval` older than a TS.Recent (set at `recentAt`, −1 when
 * never) that is still a valid reference? One rule for connections and TIME_WAIT records.
 */
export function pawsRejects(recent: number, recentAt: number, tsval: number, now: number): boolean {
  if (recentAt < 0) return false;
  if (now - recentAt > PAWS_IDLE_LIMIT) return false;
  return tsBefore(tsval, recent);
}

export class Timestamps {
  /** Both SYNs carried the option: every later segment carries it (RFC 7323 §3.2). */
  ok = false;
  /** Random per-4-tuple offset added to the 1 ms clock. */
  offset = 0;
  /** TS.Recent: the peer's TSval to echo, and the floor PAWS compares against. */
  recent = 0;
  /** When TS.Recent was last set (µs); -1 when never (Linux ts_recent_stamp = 0). */
  recentAt = -1;

  /** The last TSval we produced: ours never go back (RFC 7323 §5.4 wants them monotonic). */
  private last = -1;

  /** Our TSval at `now` (µs); never below one given before, even if a caller's clock steps back. */
  val(now: number): number {
    const v = tsClock(now, this.offset);
    if (this.last >= 0 && tsBefore(v, this.last)) return this.last;
    this.last = v;
    return v;
  }

  /** The time (µs, our clock) at which we sent `tsecr`, or -1 if it cannot be one of ours. */
  sentAt(tsecr: number, now: number): number {
    const age = (this.val(now) - tsecr) >>> 0;
    if (age > 0x7fffffff) return -1;
    return now - age * MS;
  }

  /**
   * RFC 7323 §5.3 R1: PAWS rejects a segment whose TSval is older than TS.Recent, unless TS.Recent is
   * more than 24 days old (§5.5), in which case it is no longer a valid reference.
   */
  pawsReject(tsval: number, now: number): boolean {
    return pawsRejects(this.recent, this.recentAt, tsval, now);
  }

  /** RFC 7323 §4.3 (2): record TSval when the segment covers Last.ACK.sent and is not older. */
  update(tsval: number, now: number): void {
    // §5.5 (R3's reference): a TS.Recent idle for 24 days is replaced by whatever arrives, older or not.
    if (this.recentAt < 0 || now - this.recentAt > PAWS_IDLE_LIMIT || !tsBefore(tsval, this.recent)) {
      this.recent = tsval;
      this.recentAt = now;
    }
  }
}
