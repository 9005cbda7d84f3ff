// The output path (RFC 9293 §3.8.6 windows, §3.7.4 Nagle, §3.8.6.2.1 sender SWS avoidance, PSH, the
// FIN rules, TCP_CORK/MSG_MORE, RFC 5681 §4.1 restart after idle): what new data may go now, cut into
// segments. The persist timer is armed here when data waits with nothing in flight (§3.8.6.1). SACK
// recovery's sending loop (RFC 6675 §5 (C)) is ./retransmit.ts's.
import type { Connection } from "./connection.js";
import { emit, sackRoom } from "./emit.js";
import { regressions } from "./regressions.js";
import { armRetransmit, recoveryOutput } from "./retransmit.js";
import { seqAdd, seqDiff, seqGt, seqLe, seqLt } from "./seq.js";
import { isSynchronized } from "./state.js";
import { T_PERSIST, T_RTX } from "./timers.js";
import { chunkPushApplies, markChunkPush } from "./tso-chunk-push.js";
import { sendsFin } from "./transitions.js";
import { ACK, EMPTY_PAYLOAD, FIN, NO_OPTIONS, PSH } from "../wire/segment.js";

/** Sends what the windows, Nagle and the FIN rules allow (§3.8.6, §3.7.4). */
export function output(c: Connection): void {
  const snd = c.snd;
  if (c.outputQueued === 1) c.outputQueued = 2; // AfterApplication need not run it again
  if (!isSynchronized(c.current) || c.current === "TIME_WAIT") return; // CLOSED or TIME_WAIT alike
  const sentBefore = snd.sndMax;
  const sb = c.recovery.sackRecovery;
  if (sb !== null) {
    recoveryOutput(c, sb);
  } else {
    restartAfterIdle(c);
    // Nothing new to send and no FIN to go (a receiver's output after every segment): nothing below acts.
    if (snd.unsent <= 0 && !snd.finQueued) return;
    // Linux's chunks of what an ACK releases end in PSH (tso-chunk-push.ts); not for a write's own burst.
    const chunked = chunkPushApplies(c.env.profile.pushRule === "write-end", c.writing, snd.rto.srtt);
    let chunk = chunked ? 0 : -1;
    // Limited transmit's credit is zero without a duplicate ACK or a SACK scoreboard (every rule of
    // LossDetection.limitedTransmitCredit); sending does not change it, so it is read once per call — and
    // a connection that never saw either does not build its loss detection for it.
    const rec = c.recovery;
    const credit = rec.dupAcks > 0 || rec.scoreboard !== null ? c.loss.limitedTransmitCredit() : 0;
    for (;;) {
      const offset = seqDiff(snd.sndNxt, snd.bufSeq);
      const unsent = snd.buffer.length - offset;
      if (unsent <= 0 && !finMayGo(c)) break;
      const wnd = Math.min(snd.sndWnd, snd.cc.cwnd + credit);
      const usable = seqDiff(seqAdd(snd.sndUna, wnd), snd.sndNxt);
      if (unsent > 0 && usable <= 0) break; // the window is full: sendNew would refuse (its len is 0)
      if (chunk >= 0 && !seqLt(snd.sndNxt, snd.sndMax)) {
        const mss = snd.mss - sackRoom(c);
        chunk = markChunkPush(snd, chunk, Math.min(mss, unsent, usable), mss);
      }
      if (!sendNew(c, usable, "data")) break;
    }
  }
  if (snd.sndMax !== sentBefore) {
    if (!c.timers.armed(T_RTX)) armRetransmit(c);
    c.loss.scheduleProbe(false);
  }
  // Data waiting and nothing in flight (a zero window, or a window too small to be worth a segment):
  // the persist timer probes the zero window (§3.8.6.1) or forces the sliver out (§3.8.6.2.1's override).
  if (snd.sndUna === snd.sndMax && (snd.unsent > 0 || finHeldBack(c))) {
    if (!c.timers.armed(T_PERSIST)) c.timers.set(T_PERSIST, c.now + snd.rto.backedOff(snd.backoffs));
  }
}

/**
 * Sends one segment at SND.NXT of at most `usable` bytes, if Nagle, silly window avoidance and the FIN
 * rules allow; returns false when nothing (more) may go now. Also used by SACK recovery's NextSeg rule 2.
 */
export function sendNew(c: Connection, usable: number, why: string): boolean {
  const snd = c.snd;
  const offset = seqDiff(snd.sndNxt, snd.bufSeq);
  const unsent = snd.buffer.length - offset;
  const finPending = finMayGo(c);
  if (unsent <= 0 && !finPending) return false;
  const mss = snd.mss - sackRoom(c);
  let len = Math.min(mss, Math.max(0, unsent), Math.max(0, usable));
  if (unsent > 0 && len <= 0) return false;
  const retransmission = seqLt(snd.sndNxt, snd.sndMax);
  // Nagle (§3.7.4): hold back a small final piece while data is unacknowledged (not when a FIN follows).
  // Minshall's variant, as Linux's tcp_nagle_check: only an unacknowledged *small* segment holds it.
  const smallTail = len > 0 && len < mss && len === unsent;
  if (smallTail && !c.noDelay && !retransmission && seqGt(snd.sndSml, snd.sndUna) && !snd.finQueued)
    return false;
  // TCP_CORK / MSG_MORE: a partial segment waits for more data (or the FIN, or uncorking), Nagle or not —
  // but not past the persist timer: with nothing in flight Linux arms its probe timer at max(RTO, 200 ms)
  // (tcp_check_probe_timer) and tcp_write_wakeup sends the held data (tcp(7): TCP_CORK's 200 ms ceiling).
  if (
    smallTail &&
    (c.corked || c.moreComing) &&
    !retransmission &&
    !snd.finQueued &&
    !(c.swsOverride && c.env.profile.corkProbeTimer)
  )
    return false;
  // Sender-side silly window avoidance (§3.8.6.2.1): do not send a sliver of a larger backlog —
  // unless the override timeout (the persist timer) fired. It governs *new* data only: a retransmission
  // re-sends what the peer's window already took once (a persist-forced sliver whose ACK was lost), and
  // holding it back left an RTO that sent nothing until ETIMEDOUT (issue 10, F1).
  if (
    len > 0 &&
    len < mss &&
    len < unsent &&
    len < snd.maxSndWnd / 2 &&
    !c.swsOverride &&
    (!retransmission || regressions.swsHoldsRetransmission)
  )
    return false;
  if (len < 0) len = 0;
  // A FIN occupies a sequence number: it is not sent past the peer's window (a zero window holds it
  // back; the persist timer probes until the window opens, MUST-37), though it needs no room in cwnd.
  const withFin =
    finPending && len === unsent && seqDiff(seqAdd(snd.sndUna, snd.sndWnd), seqAdd(snd.sndNxt, len)) >= 1;
  if (len === 0 && !withFin) return false;
  let flags = ACK;
  if (len > 0 && (c.env.profile.pushRule === "write-end" ? snd.reachesPush(snd.sndNxt, len) : len === unsent))
    flags |= PSH;
  if (withFin) flags |= FIN;
  const payload = len > 0 ? snd.buffer.read(offset, len) : EMPTY_PAYLOAD;
  if (snd.rttTime < 0 && !retransmission && len > 0) {
    snd.rttSeq = snd.sndNxt;
    snd.rttTime = c.now;
  }
  if (withFin) snd.finSent = true;
  const seqNo = snd.sndNxt;
  snd.sndNxt = seqAdd(snd.sndNxt, len + (withFin ? 1 : 0));
  if (len > 0 && len < mss) snd.sndSml = snd.sndNxt;
  if (seqGt(snd.sndNxt, snd.sndMax)) snd.sndMax = snd.sndNxt;
  if (retransmission) c.env.counters.retransSegs++;
  if (len > 0) snd.lastDataSent = c.now;
  // Linux tcp_event_data_sent: a reply sent within the ATO of the last data received is interactive.
  if (
    len > 0 &&
    !retransmission &&
    c.env.profile.pingPong &&
    c.lastDataReceivedAt >= 0 &&
    c.now - c.lastDataReceivedAt < c.env.profile.delayedAckTimeout
  )
    c.pingPong = true;
  emit(c, seqNo, c.rcv.rcvNxt, flags, payload, NO_OPTIONS, withFin ? "fin" : why, retransmission);
  c.loss.sent(seqNo, len + (withFin ? 1 : 0), retransmission);
  return !withFin;
}

/**
 * RFC 5681 §4.1 (RFC 7661's problem): after an idle period longer than the RTO the ACK clock is gone,
 * so cwnd is cut back to the restart window before a new burst — unless the profile turns it off
 * (Linux tcp_slow_start_after_idle=0, the usual test-host setting).
 */
export function restartAfterIdle(c: Connection): void {
  const snd = c.snd;
  if (!c.env.profile.slowStartAfterIdle || snd.sndUna !== snd.sndMax || snd.lastDataSent < 0) return;
  if (c.now - snd.lastDataSent > snd.rto.rto) {
    snd.cc.onRestartAfterIdle(snd.mss, c.now);
    snd.lastDataSent = c.now;
  }
}

/**
 * Our FIN may go now: the application queued it, SND.NXT has not passed it (never sent, or sent and gone
 * back to by a timeout), and the state sends FINs (./transitions.ts sendsFin: not while a close waits
 * for the handshake). Whether the window has room for it is the sender's to judge.
 */
export function finMayGo(c: Connection): boolean {
  const snd = c.snd;
  return snd.finQueued && seqLe(snd.sndNxt, snd.finSeq) && sendsFin(c.current);
}

/** Our FIN is due but the peer's window has no room for its sequence number. */
export function finHeldBack(c: Connection): boolean {
  const snd = c.snd;
  return snd.unsent <= 0 && finMayGo(c);
}
