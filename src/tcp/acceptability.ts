// Is an arriving segment acceptable? The checks of RFC 9293 §3.10.7.3–§3.10.7.4 that judge a segment
// against the TCB before anything changes, with the rules later RFCs folded in: RFC 5961 (blind RST, SYN
// and ACK injection: challenge ACKs) and RFC 7323 §5 (PAWS). Pure functions of a few TCB numbers and the
// segment — no side effects — so each rule is unit-tested on its own (test/tcp/acceptability.test.ts);
// the connection acts on the verdict (./segment-arrives.ts, ./ack-step.ts).
import { ACK, FIN, RST, SYN, segmentLength, type Segment } from "../wire/segment.js";
import { seqAdd, seqGt, seqInRange, seqLe, seqLt } from "./seq.js";

/** The receive side the first check reads (RFC 9293 §3.3.1 receive sequence variables). */
export interface ReceiveView {
  /** IRS: the peer's initial sequence number. */
  readonly irs: number;
  readonly rcvNxt: number;
  /** RCV.WND: the window we last advertised, in bytes. */
  readonly window: number;
  /** Linux's receive accounting (./receiver.ts): a bare FIN at RCV.NXT passes a zero window. */
  readonly acceptsBareFinAtZeroWindow?: boolean;
}

/** The send side the ACK checks read (RFC 9293 §3.3.1 send sequence variables, RFC 5961's MAX.SND.WND). */
export interface SendView {
  readonly iss: number;
  readonly sndUna: number;
  /** The highest sequence number sent (SND.NXT before any go-back). */
  readonly sndMax: number;
  readonly maxSndWnd: number;
}

/** The timestamp state PAWS reads (./timestamps.ts). */
export interface PawsView {
  readonly ok: boolean;
  pawsReject(tsval: number, now: number): boolean;
}

/**
 * §3.10.7.4 first check, the four cases of the acceptability table:
 *
 *     SEG.LEN  RCV.WND  test
 *     0        0        SEG.SEQ = RCV.NXT
 *     0        >0       RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
 *     >0       0        not acceptable
 *     >0       >0       the first or the last octet of the segment lies in the window
 */
export function sequenceAcceptable(
  seg: Segment,
  rcvNxt: number,
  rcvWnd: number,
  bareFinAtZeroWindow = false,
): boolean {
  const segLen = segmentLength(seg);
  if (segLen === 0) {
    return rcvWnd === 0 ? seg.seq === rcvNxt : seqInRange(seg.seq, rcvNxt, seqAdd(rcvNxt, rcvWnd));
  }
  if (rcvWnd === 0) {
    // Linux accepts a bare FIN at RCV.NXT even then (tcp_data_queue: "Some stacks are known to send bare
    // FIN packets in a loop even if we send RWIN 0"); the RFC's table does not.
    return bareFinAtZeroWindow && seg.payload.length === 0 && !!(seg.flags & FIN) && seg.seq === rcvNxt;
  }
  const end = seqAdd(rcvNxt, rcvWnd);
  return seqInRange(seg.seq, rcvNxt, end) || seqInRange(seqAdd(seg.seq, segLen - 1), rcvNxt, end);
}

/**
 * RFC 7323 §5.3 R1 (PAWS), which precedes the sequence number check: a segment whose TSval is older than
 * TS.Recent is an old duplicate even if its sequence number looks acceptable (wrapped, or an earlier
 * incarnation's). An RST is still judged by its sequence number, as Linux does.
 */
export function pawsDrops(ts: PawsView, seg: Segment, now: number): boolean {
  const tsopt = seg.options.timestamp;
  return ts.ok && tsopt !== undefined && !(seg.flags & RST) && ts.pawsReject(tsopt.val, now);
}

/** What the first check makes of a segment in SYN_RECEIVED or a synchronized state. */
export type FirstCheck =
  /** Passed: go on to the RST, SYN and ACK checks. */
  | "acceptable"
  /** RFC 7323 §5.3 R1: drop, and ACK it (rate-limited when it carries nothing). */
  | "paws"
  /** RFC 5961 §3.2: an RST outside the window is dropped silently. */
  | "rst-out-of-window"
  /** RFC 5961 §4: a SYN draws a challenge ACK whatever its sequence number (§3.10.7.4 fourth check). */
  | "syn-challenged"
  /** §3.10.7.4: not acceptable — drop, and send an ACK (the zero-window allowance may still take its ACK). */
  | "unacceptable";

/**
 * §3.10.7.4 first check with PAWS before it (RFC 7323 §5.3) and RFC 5961's answers to an unacceptable RST
 * or SYN. A SYN,ACK that repeats the peer's SYN (SEG.SEQ = IRS) is an old duplicate, not a SYN to challenge.
 */
export function firstCheck(rcv: ReceiveView, ts: PawsView, seg: Segment, now: number): FirstCheck {
  if (pawsDrops(ts, seg, now)) return "paws";
  if (sequenceAcceptable(seg, rcv.rcvNxt, rcv.window, rcv.acceptsBareFinAtZeroWindow)) return "acceptable";
  if (seg.flags & RST) return "rst-out-of-window";
  if (seg.flags & SYN && !(seg.flags & ACK && seg.seq === rcv.irs)) return "syn-challenged";
  return "unacceptable";
}

/** An unacceptable segment that lies entirely left of RCV.NXT: an old duplicate (re-ACKed, D-SACKed). */
export function entirelyOld(seg: Segment, rcvNxt: number): boolean {
  const segLen = segmentLength(seg);
  return segLen > 0 && seqLe(seqAdd(seg.seq, segLen), rcvNxt);
}

/**
 * §3.10.7.4 second check as RFC 5961 §3.2 rewrote it: only an RST whose SEG.SEQ is exactly RCV.NXT resets
 * the connection; one elsewhere in the window draws a challenge ACK.
 */
export function resetCheck(seg: Segment, rcvNxt: number): "reset" | "rst-challenged" {
  return seg.seq === rcvNxt ? "reset" : "rst-challenged";
}

/**
 * §3.10.7.4 fifth check, synchronized states, with RFC 5961 §5.2: an ACK is acceptable only if
 * SND.UNA − MAX.SND.WND =< SEG.ACK =< SND.NXT (SND.MAX here: what we have sent). Anything else is dropped
 * with a challenge ACK, named by its drop reason.
 */
export function ackCheck(snd: SendView, ack: number): "acceptable" | "ack-unsent-data" | "ack-too-old" {
  if (seqGt(ack, snd.sndMax)) return "ack-unsent-data";
  if (seqLt(ack, seqAdd(snd.sndUna, -snd.maxSndWnd))) return "ack-too-old";
  return "acceptable";
}

/** §3.10.7.4 fifth check in SYN_RECEIVED: SND.UNA < SEG.ACK =< SND.NXT acknowledges our SYN. */
export function synReceivedAckAcceptable(snd: SendView, ack: number): boolean {
  return seqLt(snd.sndUna, ack) && seqLe(ack, snd.sndMax);
}

/** §3.10.7.3 first check, SYN_SENT: an ACK with SEG.ACK =< ISS or SEG.ACK > SND.NXT is unacceptable. */
export function synSentAckUnacceptable(snd: SendView, seg: Segment): boolean {
  return (seg.flags & ACK) !== 0 && (seqLe(seg.ack, snd.iss) || seqGt(seg.ack, snd.sndMax));
}

/** The send window fields the update rule reads (SND.WL1, SND.WL2). */
export interface WindowView {
  readonly sndUna: number;
  readonly sndWl1: number;
  readonly sndWl2: number;
}

/**
 * §3.10.7.4 fifth check, the window update: only from a segment newer than the last one that updated it
 * (SND.WL1 < SEG.SEQ, or SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK) — or, as Linux's
 * tcp_may_update_window, from any ACK that advances SND.UNA (`advanced`). Without that, a hole-filling
 * retransmission (SEG.SEQ below an SND.WL1 that out-of-order segments moved on) advanced SND.UNA but kept
 * the old SND.WND, and SND.UNA + that stale window lay far right of the peer's edge (F2).
 * `staleSendWindow`: the regression switch that restores the RFC's plain rule (./regressions.ts).
 */
export function mayUpdateWindow(
  snd: WindowView,
  seg: Segment,
  advanced: boolean,
  staleSendWindow: boolean,
): boolean {
  return (
    seqLe(snd.sndUna, seg.ack) &&
    ((advanced && !staleSendWindow) ||
      seqLt(snd.sndWl1, seg.seq) ||
      (snd.sndWl1 === seg.seq && seqLe(snd.sndWl2, seg.ack)))
  );
}

/** RFC 5961 §7 (and Linux's tcp_invalid_ratelimit): may one more rate-limited ACK go at `now`? */
export function ackRateAllows(lastAckAt: number, now: number, interval: number): boolean {
  return now - lastAckAt >= interval;
}
