// TIME_WAIT as a pure verdict function over a handful of numbers, in the manner of Linux's
// tcp_timewait_state_process: what the state must remember is no buffers, only sequence numbers, the last
// window, and TS.Recent. The host keeps those numbers in a compact table (src/tcp/time-wait-table.ts)
// and hands the verdict a read-only view of one record.
import type { Profile } from "./profile.js";
import { ACK, FIN, RST, SYN, type Segment } from "../wire/segment.js";
import { seqAdd, seqGt, seqInRange } from "./seq.js";
import { pawsRejects, tsBefore } from "./timestamps.js";

/** What TIME_WAIT knows about the connection it replaced. */
export interface TimeWaitView {
  readonly localPort: number;
  readonly remoteAddr: number;
  readonly remotePort: number;
  /** Our SND.NXT after our FIN. */
  readonly sndNxt: number;
  /** RCV.NXT after the peer's FIN. */
  readonly rcvNxt: number;
  /** The last window we advertised, in bytes: the range in which an RST is "in window" (RFC 5961 §3.2). */
  readonly rcvWnd: number;
  /** Our receive window shift (RFC 7323 §2): the window field of an ACK is rcvWnd >>> rcvWscale. */
  readonly rcvWscale: number;
  /** Both SYNs carried timestamps: every segment we send carries one (RFC 7323 §3.2). */
  readonly tsOk: boolean;
  /** TS.Recent. */
  readonly tsRecent: number;
  /** When TS.Recent was set (µs, possibly coarsened); -1 when never. */
  readonly tsRecentAt: number;
}

export type TimeWaitVerdict =
  /** The peer retransmitted its FIN (our last ACK was lost): ACK it again and restart 2·MSL (RFC 9293 §3.10.7.4). */
  | { action: "ack-and-restart" }
  /**
   * Linux: an acceptable bare ACK restarts the TIME_WAIT timer without a reply. `takeTs`: it carried a
   * timestamp that becomes TS.Recent (the only segment Linux's TIME_WAIT accepts as in window).
   */
  | { action: "restart"; takeTs: boolean }
  /** An old duplicate, a segment outside the window or text after the FIN: ACK it (§3.10.7.4 first check), keep waiting. */
  | { action: "ack" }
  /** RFC 7323 §5.3 R1: TSval older than TS.Recent, not acceptable: ACK it (Linux does), keep waiting. */
  | { action: "paws" }
  /** A SYN in TIME_WAIT that is not a valid new incarnation: RFC 5961 §4 challenge ACK. */
  | { action: "challenge-ack" }
  /** RST with the exact sequence number: TIME_WAIT ends (RFC 9293 §3.10.7.4; Linux tcp_rfc1337=0). */
  | { action: "kill" }
  /** RST ignored to avoid TIME_WAIT assassination (RFC 1337). */
  | { action: "ignore-rst" }
  /**
   * A new SYN may reopen the 4-tuple: by sequence number above the old RCV.NXT (RFC 1122 §4.2.2.13) or by
   * a newer timestamp (RFC 6191). The new ISS must exceed `isnFloor`.
   */
  | { action: "accept-syn"; isnFloor: number }
  | { action: "drop"; why: string };

/** RFC 7323 §5.3 R1 with §5.5's 24-day rule: is `tsval` older than a TS.Recent that is still valid? */
export function timeWaitPawsRejects(tw: TimeWaitView, tsval: number, now: number): boolean {
  return tw.tsOk && pawsRejects(tw.tsRecent, tw.tsRecentAt, tsval, now);
}

/**
 * What TIME_WAIT does with an arriving segment. Pure: no side effects, nothing but its arguments.
 */
export function timeWaitVerdict(
  tw: TimeWaitView,
  seg: Segment,
  profile: Profile,
  now: number,
): TimeWaitVerdict {
  const flags = seg.flags;
  // Timestamps count only when the connection negotiated them (Linux parses them only then).
  const ts = tw.tsOk ? seg.options.timestamp : undefined;
  if (flags & RST) {
    // RFC 7323 §5.3 R1 exempts RSTs from PAWS. RFC 5961 §3.2: exact match resets (or is ignored per
    // RFC 1337), in window draws a challenge ACK.
    if (seg.seq === tw.rcvNxt) return profile.rfc1337 ? { action: "ignore-rst" } : { action: "kill" };
    if (tw.rcvWnd > 0 && seqInRange(seg.seq, tw.rcvNxt, seqAdd(tw.rcvNxt, tw.rcvWnd))) {
      // Linux's tcp_timewait_state_process and FreeBSD's tcp_twcheck send nothing for any other RST.
      if (!profile.timeWaitChallengeAck) return { action: "drop", why: "in-window RST, not exact: ignored" };
      return { action: "challenge-ack" };
    }
    return { action: "drop", why: "RST outside the window" };
  }
  const paws = ts !== undefined && timeWaitPawsRejects(tw, ts.val, now);
  if (flags & SYN) {
    // RFC 6191 §2: with timestamps on both incarnations a SYN whose TSval is newer than TS.Recent opens a
    // new one whatever its sequence number; one with an older TSval never does (PAWS). An equal TSval, or
    // no timestamps, falls back to RFC 1122 §4.2.2.13's sequence rule — as Linux's TCP_TW_SYN test does.
    const newerTs = ts !== undefined && tw.tsRecentAt >= 0 && tsBefore(tw.tsRecent, ts.val);
    if (!(flags & ACK) && !paws && (newerTs || seqGt(seg.seq, tw.rcvNxt))) {
      // The new ISS must be larger than the old SND.NXT; Linux adds 65535 + 2.
      return { action: "accept-syn", isnFloor: seqAdd(tw.sndNxt, 65537) };
    }
    return paws ? { action: "paws" } : { action: "challenge-ack" };
  }
  if (paws) return { action: "paws" };
  if (!(flags & ACK)) return { action: "drop", why: "no ACK flag" };
  const end = seqAdd(seg.seq, seg.payload.length + (flags & FIN ? 1 : 0));
  if (flags & FIN && end === tw.rcvNxt) return { action: "ack-and-restart" };
  if (seg.seq === tw.rcvNxt && seg.payload.length === 0 && !(flags & FIN)) {
    return profile.name === "linux"
      ? { action: "restart", takeTs: ts !== undefined }
      : { action: "drop", why: "bare ACK" };
  }
  // Anything else is an old duplicate (left of the window) or not acceptable (right of it), or text after
  // the peer's FIN: §3.10.7.4's first check answers the unacceptable ones with an ACK, and Linux's
  // tcp_timewait_state_process ACKs every such non-RST segment.
  return { action: "ack" };
}

/** What decides whether connect() may take over a TIME_WAIT 4-tuple (RFC 6191's timestamp-based reuse). */
export interface TimeWaitReuseQuery {
  /** The connecting socket was bound to its local port before connect() (bind(), not an ephemeral pick). */
  readonly bound: boolean;
  /** The old connection recorded a TS.Recent (it used timestamps), so PAWS can guard the new one. */
  readonly tsRecentSeen: boolean;
  /** tcp_tw_reuse covers this destination (on, or loopback under the default 2). */
  readonly policyCovers: boolean;
  /** When the record entered TIME_WAIT, and now (µs). */
  readonly enteredAt: number;
  readonly now: number;
}

/**
 * Linux tcp_twsk_unique: with timestamps on the old connection, a socket bound to the port (inet_hash_connect
 * checks its 4-tuple with twp == NULL) takes the record over at once, whatever tcp_tw_reuse says, when
 * `profile.timeWaitReuseBound`; an ephemeral pick (twp set) only when tcp_tw_reuse covers the destination
 * and the record is older than tcp_tw_reuse_delay. Without timestamps, never. The new connection then
 * starts at the old SND.NXT + 65537 with the old TS.Recent (the caller's part).
 */
export function timeWaitReusable(profile: Profile, q: TimeWaitReuseQuery): boolean {
  if (!q.tsRecentSeen) return false;
  if (q.bound && profile.timeWaitReuseBound) return true;
  return q.policyCovers && q.now >= q.enteredAt + profile.timeWaitReuseDelay;
}
