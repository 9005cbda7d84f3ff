// Retransmission: entering loss recovery (fast retransmit, RFC 5681 §3.2, RFC 6675 §5, RFC 6582), the SACK
// recovery sending loop with NextSeg (RFC 6675 §5 (C)), resending a range or the head of the queue, and
// the retransmission timer — its arming (RFC 6298 §5.1, TCP_USER_TIMEOUT's clamp) and its expiry (RFC
// 6298 §5.4–5.7, RFC 5681 §3.1, the SYN and SYN,ACK retries, RFC 5482's user timeout, the retry limits).
// The recovery state itself is ./recovery.ts's; loss detection by time ./loss-detection.ts's.
import type { Connection } from "./connection.js";
import { emit, sackRoom, sendSyn } from "./emit.js";
import { TcpError } from "./errors.js";
import { finMayGo, output, sendNew } from "./output.js";
import { regressions } from "./regressions.js";
import type { SackScoreboard } from "./sack-scoreboard.js";
import { seqAdd, seqDiff } from "./seq.js";
import { isSynchronized } from "./state.js";
import { synGivesUp, T_RTX } from "./timers.js";
import { ACK, EMPTY_PAYLOAD, FIN, NO_OPTIONS, PSH } from "../wire/segment.js";

/**
 * Loss detected: DupThresh duplicate ACKs, the SACK scoreboard, RACK on an ACK, or RACK's reordering
 * timer (./loss-detection.ts, `reduceNow` false: cwnd is kept until the next ACK, as Linux 6.18 does).
 * ./recovery.ts enter sets RecoveryPoint and cwnd (RFC 6675 §5 steps (4.1)–(4.3), RFC 6582 without
 * SACK); PRR takes cwnd over from there (RFC 6937 §3), and the first unacknowledged segment goes again.
 */
export function enterRecovery(c: Connection, delivered: number, reduceNow = true): void {
  const priorCwnd = c.snd.cc.cwnd;
  c.recovery.enter(c.sackOk, c.now);
  c.env.counters.fastRetransmits++;
  // No tail loss probe in recovery; PRR takes cwnd over (the first quota includes this retransmission).
  c.loss.onRecoveryStart(priorCwnd, delivered, reduceNow);
  retransmitHead(c, "fast-retransmit");
}

/**
 * RFC 6675 §5 step (C): in SACK recovery, send while cwnd − pipe ≥ 1 SMSS, choosing each segment with
 * NextSeg — lost holes first, then new data, then holes not yet deemed lost.
 */
export function recoveryOutput(c: Connection, sb: SackScoreboard): void {
  const snd = c.snd;
  const mss = snd.mss;
  for (let budget = 1024; budget > 0; budget--) {
    const pipe = sb.pipe(snd.sndUna, snd.sndMax, mss);
    if (snd.cc.cwnd - pipe < mss) return;
    const unsent = snd.unsent;
    const windowRoom = seqDiff(seqAdd(snd.sndUna, snd.sndWnd), snd.sndMax);
    const canSendNew = (unsent > 0 && windowRoom >= Math.min(mss, unsent)) || (unsent <= 0 && finMayGo(c));
    const next = c.recovery.nextSeg(sb, canSendNew);
    if (!next) return;
    if (next.rule === 2) {
      if (!sendNew(c, Math.min(mss, unsent > 0 ? windowRoom : 0), "data")) return;
      continue;
    }
    retransmitRange(c, next.seq, next.len, next.rule === 1 ? "retransmit-sack" : "retransmit-sack-hole", 0);
  }
}

/**
 * Resends [seq, seq + len) from the send buffer (the FIN too if the range reaches it), and records it
 * for SACK recovery: the scoreboard's retransmitted octets and HighRxt (RFC 6675 §4 NextSeg).
 */
export function retransmitRange(c: Connection, seq: number, len: number, why: string, push: number): void {
  const snd = c.snd;
  const offset = seqDiff(seq, snd.bufSeq);
  const dataLen = Math.max(0, Math.min(len, snd.buffer.length - offset));
  const withFin = snd.finSent && !snd.finAcked && seqAdd(seq, dataLen) === snd.finSeq && dataLen < len;
  if (dataLen === 0 && !withFin) return;
  const payload = dataLen > 0 ? snd.buffer.read(offset, dataLen) : EMPTY_PAYLOAD;
  c.env.counters.retransSegs++;
  snd.rttTime = -1; // Karn: no sample across a retransmission
  snd.karnHold = true;
  c.recovery.onRetransmit(seq, len);
  const pushed =
    c.env.profile.pushRule === "write-end" ? snd.reachesPush(seq, dataLen) : withFin || push !== 0;
  const flags = ACK | (withFin ? FIN : 0) | (dataLen > 0 && pushed ? PSH : 0);
  emit(c, seq, c.rcv.rcvNxt, flags, payload, NO_OPTIONS, why, true);
  c.loss.sent(seq, dataLen + (withFin ? 1 : 0), true);
}

/**
 * Retransmits one segment's worth from SND.UNA (fast retransmit, NewReno partial ACK, an RTO that found
 * nothing else to send). A retransmission never reaches beyond SND.MAX: bytes never sent are new data,
 * and a peer ACKing them would ACK "unsent data" by our SND.MAX and be dropped — both ends then time
 * out (F3). It leaves the SACK option its room, as the original segment did.
 */
export function retransmitHead(c: Connection, why: string): void {
  const snd = c.snd;
  const remaining = snd.buffer.length - seqDiff(snd.sndUna, snd.bufSeq);
  const sentData = seqDiff(snd.sndMax, snd.sndUna) - (snd.finSent && !snd.finAcked ? 1 : 0);
  const dataLen = regressions.headBeyondSndMax
    ? Math.max(0, Math.min(snd.mss, remaining))
    : Math.max(0, Math.min(snd.mss - sackRoom(c), remaining, sentData));
  const fin = snd.finSent && !snd.finAcked && dataLen === remaining ? 1 : 0;
  retransmitRange(c, snd.sndUna, dataLen + fin, why, PSH);
}

/**
 * The retransmission timer expired (RFC 6298 §5.4–5.7, RFC 9293 §3.8.3): the SYN or SYN,ACK again, or give
 * up; else back off, collapse cwnd (RFC 5681 §3.1), go back to SND.UNA and resend.
 */
export function retransmitTimeout(c: Connection): void {
  const snd = c.snd;
  const p = c.env.profile;
  c.env.counters.timeouts++;
  if (c.state === "SYN_SENT") {
    if (synGivesUp(snd, p, p.synRetries, c.now)) {
      c.env.counters.attemptFails++;
      c.terminate("SYN retries exhausted", new TcpError("ETIMEDOUT", "connect"));
      return;
    }
    snd.backoffs++;
    snd.rttTime = -1;
    sendSyn(c, true);
    armRetransmit(c);
    return;
  }
  if (c.state === "SYN_RECEIVED") {
    if (snd.backoffs >= p.synAckRetries) {
      c.env.counters.attemptFails++;
      // A passive child just disappears (Linux drops the request sock); an active one fails.
      c.terminate("SYN,ACK retries exhausted", c.passive ? null : new TcpError("ETIMEDOUT", "connect"));
      return;
    }
    snd.backoffs++;
    sendSyn(c, true);
    armRetransmit(c);
    return;
  }
  // TCP_USER_TIMEOUT (RFC 5482, Linux tcp_retransmits_timed_out): retransmitting for that long without
  // progress ends the connection, however many retries the count would still allow. Linux counts from
  // the first retransmission (retrans_stamp), so do we.
  if (c.rtxStartedAt < 0) c.rtxStartedAt = c.now;
  if (c.userTimeout > 0 && c.now - c.rtxStartedAt >= c.userTimeout) {
    c.terminate("user timeout", c.orphaned ? null : new TcpError("ETIMEDOUT", "read"));
    return;
  }
  const limit = c.orphaned ? p.orphanRetries : p.dataRetries;
  // Linux tcp_retransmit_timer: against a zero window (the receiver shrank it under our data or FIN)
  // the retransmissions are zero-window probes, and a peer that keeps answering is alive (MUST-37): give
  // up only when nothing was heard for the maximum RTO — or at once for an orphan.
  const probing = snd.sndWnd === 0 && !c.orphaned && c.now - c.lastHeard <= p.rtoMax;
  if (snd.backoffs >= limit && !probing) {
    c.terminate("retransmission limit", c.orphaned ? null : new TcpError("ETIMEDOUT", "read"));
    return;
  }
  snd.backoffs++;
  // RFC 5681 §3.1 / RFC 6298 §5.4–5.6: back off, collapse cwnd, go back to SND.UNA.
  snd.cc.onTimeout(snd.inFlight, snd.mss, c.now);
  c.recovery.onTimeout();
  c.loss.onTimeout();
  snd.rttTime = -1;
  snd.karnHold = true;
  snd.sndNxt = snd.sndUna;
  armRetransmit(c);
  const sentBefore = c.env.counters.outSegs;
  output(c);
  if (
    c.env.counters.outSegs === sentBefore &&
    snd.sndUna !== snd.sndMax &&
    !regressions.swsHoldsRetransmission
  ) {
    // output() sent nothing although data or our FIN is outstanding — a window the peer closed under it
    // (F2's end). Linux's tcp_retransmit_timer retransmits the head of the queue regardless, which then
    // doubles as a zero-window probe: an RTO never fires without sending.
    retransmitHead(c, "retransmit");
  }
}

/** Arms the retransmission timer for the current RTO (RFC 6298 §5.1), never past TCP_USER_TIMEOUT. */
export function armRetransmit(c: Connection): void {
  let deadline = c.now + c.currentRto();
  // Linux tcp_clamp_rto_to_user_timeout: the timer never runs past the user timeout.
  if (c.userTimeout > 0 && c.rtxStartedAt >= 0 && isSynchronized(c.state)) {
    deadline = Math.min(deadline, Math.max(c.now + 1, c.rtxStartedAt + c.userTimeout));
  }
  c.timers.set(T_RTX, deadline);
}
