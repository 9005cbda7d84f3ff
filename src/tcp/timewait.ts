// TIME_WAIT as a compact record and a pure verdict function, in the manner of Linux's
// tcp_timewait_state_process: what the state must remember is a handful of numbers, not buffers.
import type { Profile } from "./profile.js";
import { ACK, FIN, RST, SYN, type Segment } from "../wire/segment.js";
import { seqAdd, seqGt, seqInRange } from "./seq.js";

export class TimeWaitRecord {
  /** Set when the record was removed early (killed by RST, reused by a new SYN). */
  dead = false;
  constructor(
    readonly localPort: number,
    readonly remoteAddr: number,
    readonly remotePort: number,
    /** Our SND.NXT after our FIN. */
    readonly sndNxt: number,
    /** RCV.NXT after the peer's FIN. */
    readonly rcvNxt: number,
    /** The last window we advertised: the range in which an RST is "in window" (RFC 5961 §3.2). */
    readonly rcvWnd: number,
    public expiresAt: number,
  ) {}
}

export type TimeWaitVerdict =
  /** The peer retransmitted its FIN (our last ACK was lost): ACK it again and restart 2·MSL (RFC 9293 §3.10.7.4). */
  | { action: "ack-and-restart" }
  /** Linux: an acceptable bare ACK restarts the TIME_WAIT timer without a reply. */
  | { action: "restart" }
  /** An old duplicate, a segment outside the window or text after the FIN: ACK it (§3.10.7.4 first check), keep waiting. */
  | { action: "ack" }
  /** A SYN in TIME_WAIT that is not a valid new incarnation: RFC 5961 §4 challenge ACK. */
  | { action: "challenge-ack" }
  /** RST with the exact sequence number: TIME_WAIT ends (RFC 9293 §3.10.7.4; Linux tcp_rfc1337=0). */
  | { action: "kill" }
  /** RST ignored to avoid TIME_WAIT assassination (RFC 1337). */
  | { action: "ignore-rst" }
  /** A new SYN with a sequence number above the old RCV.NXT may reopen the 4-tuple (RFC 1122 §4.2.2.13). */
  | { action: "accept-syn"; isnFloor: number }
  | { action: "drop"; why: string };

/**
 * What TIME_WAIT does with an arriving segment. Pure: no side effects, nothing but its arguments.
 */
export function timeWaitVerdict(tw: TimeWaitRecord, seg: Segment, profile: Profile): TimeWaitVerdict {
  const flags = seg.flags;
  if (flags & RST) {
    // RFC 5961 §3.2: exact match resets (or is ignored per RFC 1337), in window draws a challenge ACK.
    if (seg.seq === tw.rcvNxt) return profile.rfc1337 ? { action: "ignore-rst" } : { action: "kill" };
    if (tw.rcvWnd > 0 && seqInRange(seg.seq, tw.rcvNxt, seqAdd(tw.rcvNxt, tw.rcvWnd))) {
      return { action: "challenge-ack" };
    }
    return { action: "drop", why: "RST outside the window" };
  }
  if (flags & SYN) {
    if (!(flags & ACK) && seqGt(seg.seq, tw.rcvNxt)) {
      // RFC 1122 §4.2.2.13: the new ISS must be larger than the old SND.NXT; Linux adds 65535 + 2.
      return { action: "accept-syn", isnFloor: seqAdd(tw.sndNxt, 65537) };
    }
    return { action: "challenge-ack" };
  }
  if (!(flags & ACK)) return { action: "drop", why: "no ACK flag" };
  const end = seqAdd(seg.seq, seg.payload.length + (flags & FIN ? 1 : 0));
  if (flags & FIN && end === tw.rcvNxt) return { action: "ack-and-restart" };
  if (seg.seq === tw.rcvNxt && seg.payload.length === 0 && !(flags & FIN)) {
    return profile.name === "linux" ? { action: "restart" } : { action: "drop", why: "bare ACK" };
  }
  // Anything else is an old duplicate (left of the window) or not acceptable (right of it), or text after
  // the peer's FIN: §3.10.7.4's first check answers the unacceptable ones with an ACK, and Linux's
  // tcp_timewait_state_process ACKs every such non-RST segment.
  return { action: "ack" };
}
