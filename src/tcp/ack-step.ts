// RFC 9293 §3.10.7.4 fifth step, "check the ACK field", for the synchronized states: SND.UNA advances,
// the RTT is sampled, the retransmission timer restarts (RFC 6298 §5.2–5.3), loss recovery and detection
// hear of the ACK (./recovery.ts, ./loss-detection.ts), the send window is updated (SND.WL1/SND.WL2 rule),
// TS.Recent moves (RFC 7323 §4.3), and an acknowledged FIN takes its Figure 5 edge (./transitions.ts).
// The acceptability verdicts themselves are ./acceptability.ts's.
import { ackCheck, mayUpdateWindow } from "./acceptability.js";
import type { Connection } from "./connection.js";
import { notifyApp } from "./delivery.js";
import { challengeAck } from "./emit.js";
import { Notice } from "./outbox.js";
import { output } from "./output.js";
import { regressions } from "./regressions.js";
import { armRetransmit, enterRecovery, retransmitHead } from "./retransmit.js";
import { sampleRtt } from "./rto.js";
import { seqDiff, seqGe, seqGt, seqLe } from "./seq.js";
import { armFinWait2 } from "./timer-actions.js";
import { T_PERSIST, T_RTX } from "./timers.js";
import { finAcked } from "./transitions.js";
import { type Segment, SYN } from "../wire/segment.js";

/**
 * §3.10.7.4 fifth check for the synchronized states. Returns false when the segment must be dropped.
 * `windowOnly`: the zero-window allowance (only the ACK and window are taken from the segment).
 */
export function processAck(c: Connection, seg: Segment, windowOnly: boolean): boolean {
  const snd = c.snd;
  // RFC 5961 §5.2: acceptable only if SND.UNA − MAX.SND.WND =< SEG.ACK =< SND.NXT.
  const ackVerdict = ackCheck(snd, seg.ack);
  if (ackVerdict !== "acceptable") {
    if (windowOnly) return false;
    c.env.dropped(seg, ackVerdict, c);
    challengeAck(c);
    return false;
  }
  const wasWindow = snd.sndWnd;
  const unaBefore = snd.sndUna;
  const sackedBefore = c.recovery.scoreboard?.sackedBytes ?? 0;
  c.probesOut = 0; // the peer is alive
  const advanced = seqGt(seg.ack, snd.sndUna);
  // The segment passed the sequence, RST, SYN and ACK checks: only now may it move TS.Recent (F4).
  // Linux likewise updates it inside tcp_ack, after tcp_validate_incoming and the ACK checks, and only
  // for an ACK not older than SND.UNA (its "old_ack" path leaves it; kernel selftest
  // tcp_ts_recent_invalid_ack). Earlier, one blind segment with a bad ACK could poison TS.Recent so
  // that every genuine segment failed PAWS: RFC 793's odds, which RFC 5961 exists to remove.
  if (!windowOnly && seqGe(seg.ack, snd.sndUna)) takeTimestamp(c, seg);
  let drained = false;
  if (advanced) {
    const acked = snd.acknowledge(seg.ack);
    rttSample(c, seg);
    snd.backoffs = 0;
    if (!c.recovery.active) snd.cc.onAck(acked, snd.mss, c.now, snd.rto.srtt, snd.inFlight);
    c.rtxStartedAt = -1; // progress: the user timeout's clock stops

    // Restart or stop the retransmission timer (RFC 6298 §5.2, §5.3).
    if (snd.sndUna === snd.sndMax) c.timers.set(T_RTX, Infinity);
    else armRetransmit(c);
    if (acked > 0 && c.writeRefused && snd.buffer.free > 0) {
      c.writeRefused = false;
      drained = true;
    }
  }
  // Loss recovery in two phases (./recovery.ts) with the loss detection's hooks (./loss-detection.ts)
  // between them: the ACK's effect on recovery (scoreboard, full or partial ACK, duplicate count), then
  // RACK's verdict on it, then the entry into recovery (DupThresh, RACK, IsLost) or PRR's share of an ACK
  // in recovery, then the probe timer.
  const verdict = c.recovery.onAck(seg, advanced, peerWindow(c, seg) === wasWindow, c.sackOk, c.now);
  if (verdict === "retransmit-partial-ack") retransmitHead(c, verdict);
  else if (verdict === "duplicate") c.loss.onDupAck();
  // RFC 6675 delivered: what SND.UNA passed plus what was newly SACKed (PRR's DeliveredData).
  const delivered =
    seqDiff(snd.sndUna, unaBefore) + ((c.recovery.scoreboard?.sackedBytes ?? 0) - sackedBefore);
  const newlyLost = c.loss.onAck(seg, advanced);
  if (c.recovery.shouldEnter(newlyLost)) enterRecovery(c, delivered);
  else if (c.recovery.active) c.loss.onRecoveryAck(delivered, advanced, newlyLost);
  if (advanced) c.loss.scheduleProbe(true);
  // Window update (§3.10.7.4, with Linux's rule for an ACK that advances SND.UNA: ./acceptability.ts).
  if (mayUpdateWindow(snd, seg, advanced, regressions.staleSendWindow)) updateWindow(c, seg);
  // The application hears of free buffer space only now: a write from onDrain sends at once, and must
  // see the window this ACK brought, not the old one (SND.UNA + old SND.WND can lie beyond the peer's
  // right edge when the new window is smaller, and the peer drops what lands there).
  if (drained) notifyApp(c, Notice.Writable);
  if (c.isClosed()) return false;
  if (windowOnly) {
    if (c.snd.sndWnd > 0) c.timers.set(T_PERSIST, Infinity);
    output(c);
    return false;
  }

  // State-specific parts of the fifth check: our FIN acknowledged (./transitions.ts finAcked).
  const edge = snd.finAcked ? finAcked(c.current) : null;
  if (edge !== null) {
    c.follow(edge);
    if (edge.to !== "FIN_WAIT_2") return false; // TIME_WAIT or CLOSED: nothing more to process
    if (c.orphaned) armFinWait2(c);
  }
  return true;
}

/** Takes the peer's window from an acceptable segment (SND.WND, SND.WL1, SND.WL2; §3.10.7.4); an open window stops the persist timer. */
export function updateWindow(c: Connection, seg: Segment): void {
  const snd = c.snd;
  const wnd = peerWindow(c, seg);
  snd.sndWnd = wnd;
  if (wnd > snd.maxSndWnd) snd.maxSndWnd = wnd;
  snd.sndWl1 = seg.seq;
  snd.sndWl2 = seg.ack;
  if (snd.sndWnd > 0 && c.timers.armed(T_PERSIST)) {
    c.timers.set(T_PERSIST, Infinity);
    snd.backoffs = 0;
  }
}

/** The window a segment offers, in bytes. RFC 7323 §2.3: a SYN's is never scaled; every other one is. */
export function peerWindow(c: Connection, seg: Segment): number {
  return seg.flags & SYN ? seg.window : seg.window << c.snd.wscale; // < 2^30: no overflow
}

/**
 * RFC 7323 §4.3 (2): an acceptable segment that covers Last.ACK.sent updates TS.Recent, so the echo
 * reflects the earliest segment this ACK acknowledges (and delayed ACKs still time the RTT right).
 * Called only once the segment is known acceptable (see processAck).
 */
export function takeTimestamp(c: Connection, seg: Segment): void {
  const tsopt = seg.options.timestamp;
  if (!c.ts.ok || !tsopt) return;
  if (seqLe(seg.seq, c.lastAckSent === -1 ? c.rcv.rcvNxt : c.lastAckSent)) {
    c.ts.update(tsopt.val, c.now);
  }
}

/** The RTT sample an acceptable ACK carries (./rto.ts sampleRtt); the ACK of our SYN seeds SRTT. */
function rttSample(c: Connection, seg: Segment): void {
  sampleRtt(c.snd, c.ts, c.current === "SYN_SENT" || c.current === "SYN_RECEIVED", c.now, seg);
}
