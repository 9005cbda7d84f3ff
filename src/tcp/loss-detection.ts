// When loss is declared and how fast recovery sends, beyond RFC 6675's DupThresh: the tail loss probe
// (./tlp.ts), RACK's time-based detection and reordering timer (./rack.ts), proportional rate reduction
// (./prr.ts) and limited transmit — each a profile setting (./profile.ts). One object per connection,
// gVisor-style: the connection calls it from a few hooks (a segment sent, an ACK processed, recovery
// started, a timer fired, an RTO) and it acts back through the LossDetectionPort below. It owns no timer
// slot and sends nothing itself: the connection keeps its timers and its one way of building segments.
import type { Profile } from "./profile.js";
import type { Sender } from "./sender.js";
import type { Counters } from "./counters.js";
import type { SackScoreboard } from "./sack-scoreboard.js";
import { DUP_THRESH } from "./sack-scoreboard.js";
import { Rack, reorderingWindow } from "./rack.js";
import { TailLossProbe, TLP_MIN_EXTRA } from "./tlp.js";
import { Prr } from "./prr.js";
import { seqAdd, seqDiff, seqGe, seqGt, seqLt } from "./seq.js";
import type { Segment } from "../wire/segment.js";

/** The two timers this object asks its connection to run. */
export type LossTimer = "loss-probe" | "reorder";

/** What the connection lends its loss detection. */
export interface LossDetectionPort {
  readonly profile: Profile;
  readonly snd: Sender;
  readonly counters: Counters;
  readonly now: number;
  readonly sackOk: boolean;
  readonly scoreboard: SackScoreboard | null;
  /** Fast recovery is under way. */
  readonly inRecovery: boolean;
  /** Duplicate ACKs in a row (RFC 5681 §2; ./recovery.ts counts them). */
  readonly dupAcks: number;
  /** SND.UNA has not passed the recovery point of the last recovery or RTO (Linux CA_Recovery / CA_Loss). */
  readonly belowRecoveryPoint: boolean;
  /** A synchronized state that sends data or a FIN. */
  readonly sending: boolean;
  lossTimer(which: LossTimer, deadline: number): void;
  /** When the running RTO fires (Infinity: not running), and what a freshly armed one would wait. */
  readonly rtoDeadline: number;
  readonly rtoNow: number;
  armRetransmit(): void;
  /** One new segment of at most `maxLen` bytes, Nagle and cwnd aside; false when none went out. */
  sendNewSegment(maxLen: number, why: string): boolean;
  retransmit(seq: number, len: number, why: string): void;
  /** Room the SACK option takes in our segments (the probe's MSS shrinks by it, as data did). */
  readonly sackRoom: number;
  enterRecovery(delivered: number, reduceNow: boolean): void;
  output(): void;
}

export class LossDetection {
  /** RACK's send log (RFC 8985), made at the first segment once SACK is on and RACK or TLP is. */
  private rack: Rack | null = null;
  /** Recovery was on at the previous ACK (to see one end). */
  private recoveryWas = false;
  private tlp: TailLossProbe | null = null;
  private prr: Prr | null = null;

  constructor(private readonly port: LossDetectionPort) {}

  /** Segments sent and not cumulatively acknowledged, when RACK's log is kept (else 0). */
  get packetsOut(): number {
    return this.rack?.packetsOut ?? 0;
  }

  /** A data or FIN segment [seq, seq + len) went out. */
  sent(seq: number, len: number, retransmission: boolean): void {
    if (len <= 0) return;
    const port = this.port;
    if (this.prr !== null && port.inRecovery) this.prr.sent(len);
    let rack = this.rack;
    if (rack === null) {
      const p = port.profile;
      if (!port.sackOk || !(p.rack || p.tailLossProbe)) return;
      rack = this.rack = new Rack();
      this.tlp = new TailLossProbe();
    }
    rack.sent(seq, seqAdd(seq, len), port.now, retransmission);
  }

  /**
   * Bytes beyond cwnd that new data may use before recovery (the profile's limitedTransmit). RFC 3042:
   * one segment on each of the first two duplicate ACKs. Linux: packets in flight exclude every segment
   * the peer reported received — SACKed ones, or one per duplicate ACK without SACK (tcp_packets_in_flight).
   */
  limitedTransmitCredit(): number {
    const { snd, inRecovery, dupAcks, profile, sackOk, scoreboard } = this.port;
    if (inRecovery) return 0;
    switch (profile.limitedTransmit) {
      case "rfc3042":
        return Math.min(dupAcks, 2) * snd.mss;
      case "linux":
        return sackOk ? (scoreboard?.sackedBytes ?? 0) : dupAcks * snd.mss;
      default:
        return 0;
    }
  }

  /**
   * Linux counts a duplicate ACK without SACK as a delivered segment (tcp_add_reno_sack), and in slow
   * start that segment also grows cwnd, as observed on 6.18 (recovery/limited-transmit.pkt).
   */
  onDupAck(): void {
    const { snd, inRecovery, sackOk, profile } = this.port;
    if (!inRecovery && !sackOk && profile.limitedTransmit === "linux" && snd.cc.cwnd < snd.cc.ssthresh)
      snd.cc.cwnd += snd.mss;
  }

  /** Linux's CA_Open (or CWR): not in recovery, not after an RTO, no duplicate ACK or SACK outstanding. */
  private caOpen(): boolean {
    const port = this.port;
    return (
      !port.inRecovery &&
      !port.belowRecoveryPoint &&
      port.dupAcks === 0 &&
      (port.scoreboard?.sackedBytes ?? 0) === 0
    );
  }

  /**
   * RFC 8985 §7.2 / Linux tcp_schedule_loss_probe: after new data went out, or an ACK advanced SND.UNA,
   * arm the probe timer — with SACK, segments out, and no recovery under way. `advancingRto`: the RTO was
   * just restarted, so the probe may wait a full RTO; else only what is left of the running one.
   */
  scheduleProbe(advancingRto: boolean): void {
    const port = this.port;
    const { tlp, rack } = this;
    if (
      !port.profile.tailLossProbe ||
      !tlp ||
      !rack ||
      rack.packetsOut === 0 ||
      !this.caOpen() ||
      !port.sending
    ) {
      port.lossTimer("loss-probe", Infinity);
      return;
    }
    const rto = port.snd.rto;
    const rtoLeft = advancingRto ? port.rtoNow : port.rtoDeadline - port.now;
    // Linux adds tcp_rto_min() with one segment out: the peer's delayed ACK may hold a lone segment.
    const pto = tlp.timeout(rto.srtt, rto.hasSample, rack.packetsOut, port.profile.rtoMin, rtoLeft);
    port.lossTimer("loss-probe", port.now + Math.max(1, pto));
  }

  /**
   * The probe timer fired (RFC 8985 §7.3 / Linux tcp_send_loss_probe): one probe per episode — a new
   * segment if the peer's window takes one (cwnd and Nagle aside), else the last segment sent again (its
   * last MSS, FIN included). The RTO then restarts from the probe.
   */
  onProbeTimer(): void {
    const port = this.port;
    const snd = port.snd;
    const { tlp, rack } = this;
    if (!tlp || !rack || tlp.highSeq !== undefined || rack.packetsOut === 0) return;
    const before = snd.sndMax;
    if (snd.unsent > 0 && !seqLt(snd.sndNxt, snd.sndMax)) {
      const room = seqDiff(seqAdd(snd.sndUna, snd.sndWnd), snd.sndNxt);
      port.sendNewSegment(Math.min(room, snd.mss), "loss-probe");
    }
    if (snd.sndMax !== before) {
      tlp.sent(snd.sndNxt, false);
    } else {
      const last = rack.last!;
      const fin = snd.finSent && !snd.finAcked && last.end === seqAdd(snd.finSeq, 1) ? 1 : 0;
      const dataLen = seqDiff(last.end, last.seq) - fin;
      const mss = snd.mss - port.sackRoom;
      const seq = dataLen > mss ? seqAdd(last.seq, Math.floor((dataLen - 1) / mss) * mss) : last.seq;
      // Never past the peer's window: the probe is a retransmission, not a window probe.
      if (seq !== snd.sndUna && seqGt(last.end, seqAdd(snd.sndUna, snd.sndWnd))) return;
      port.retransmit(seq, seqDiff(last.end, seq), "loss-probe");
      tlp.sent(snd.sndMax, true);
    }
    port.counters.lossProbes++;
    port.armRetransmit();
  }

  /**
   * An acceptable ACK, after the scoreboard took its SACK blocks: RACK sees what it delivered and marks
   * what is now lost (RFC 8985 §6.2), and the probe episode may end (Linux tcp_process_tlp_ack).
   * Returns whether RACK deemed anything lost on this ACK.
   */
  onAck(seg: Segment, advanced: boolean): boolean {
    const newlyLost = this.rackOnAck();
    this.tlpOnAck(seg, advanced);
    return newlyLost;
  }

  /**
   * The ACKs after a probe close its episode; one beyond the probe's SND.NXT after a retransmitted probe
   * means a loss the probe repaired, and cwnd comes down as for a recovery.
   */
  private tlpOnAck(seg: Segment, advanced: boolean): void {
    const tlp = this.tlp;
    if (!tlp || tlp.highSeq === undefined) return;
    const { snd, scoreboard, counters, now } = this.port;
    const pureDup = !advanced && seg.payload.length === 0 && !seg.options.sack;
    const verdict = tlp.onAck(
      seqGe(seg.ack, tlp.highSeq),
      seqGt(seg.ack, tlp.highSeq),
      scoreboard?.lastDsack === true,
      pureDup,
    );
    if (verdict === "loss-repaired") {
      counters.lossProbeRecoveries++;
      snd.cc.onLoss(snd.inFlight, snd.mss, now);
    }
  }

  private rackOnAck(): boolean {
    const rack = this.rack;
    const { profile, scoreboard: sb, snd, now } = this.port;
    if (!rack || !profile.rack) return false;
    // A recovery this ACK ended counts down the D-SACK-widened reordering window's life (Linux
    // tcp_try_undo_recovery; Linux spares a recovery it undoes as spurious, which is not modelled here).
    const active = this.port.inRecovery;
    if (this.recoveryWas && !active) rack.recoveryEnded();
    this.recoveryWas = active;
    rack.acked(snd.sndUna, sb !== null && sb.sackedBytes > 0 ? sb : null, now, snd.rto.minRtt);
    if (!sb) return false;
    // RFC 8985 §6.2 step 4: a D-SACK (counted as one segment) may widen the reordering window. Linux
    // runs this on every ACK with queued data that delivered something; here on each ACK with SACK.
    rack.updateReoWnd(sb.lastDsack && rack.dsackSeen(1), now);
    return this.rackDetect(sb, false);
  }

  /** RACK's loss check (on an ACK, or `force`d by the reordering timer): true when it marked something lost. */
  private rackDetect(sb: SackScoreboard, force: boolean): boolean {
    const rack = this.rack!;
    const port = this.port;
    const rto = port.snd.rto;
    const reoWnd = reorderingWindow(
      port.inRecovery || port.belowRecoveryPoint,
      rack.sackedOut,
      rto.minRtt,
      rto.srtt,
      DUP_THRESH,
      rack.reordSeen,
      rack.reoWndSteps,
    );
    const reoWait = rack.detectLossInto(port.now, reoWnd, force, sb);
    if (reoWait > 0) {
      // Linux rounds the wait up to jiffies and adds TCP_TIMEOUT_MIN; the slot it shares is the probe's.
      port.lossTimer("loss-probe", Infinity);
      port.lossTimer("reorder", port.now + reoWait + TLP_MIN_EXTRA);
    } else if (force || rack.newlyLost) {
      port.lossTimer("reorder", Infinity);
    }
    return rack.newlyLost;
  }

  /**
   * The reordering timer fired (RFC 8985 §6.3 / Linux tcp_rack_reo_timeout): mark what is lost now and
   * repair it. Linux 6.18 enters recovery here without reducing cwnd yet (the next ACK does), so every
   * segment just deemed lost may go out (recovery/rack-reo-retransmits-all-lost.pkt).
   */
  onReorderTimer(): void {
    const port = this.port;
    const sb = port.scoreboard;
    const snd = port.snd;
    if (!this.rack || !sb || snd.sndUna === snd.sndMax) return;
    if (!this.rackDetect(sb, true)) return;
    if (!port.inRecovery && !port.belowRecoveryPoint) port.enterRecovery(snd.mss, false);
    port.output();
  }

  /**
   * Fast recovery starts (Linux tcp_init_cwnd_reduction): the probe episode ends, and PRR (RFC 6937 §3,
   * "at the beginning of recovery") takes over cwnd — from this ACK's `delivered` bytes when `reduceNow`,
   * else from the next ACK, keeping `priorCwnd` until then.
   */
  onRecoveryStart(priorCwnd: number, delivered: number, reduceNow: boolean): void {
    const port = this.port;
    const snd = port.snd;
    this.tlp?.reset();
    port.lossTimer("loss-probe", Infinity);
    const sb = port.scoreboard;
    if (!port.sackOk || !port.profile.prr || !sb) return;
    this.prr ??= new Prr();
    this.prr.start(priorCwnd);
    if (!reduceNow) {
      snd.cc.cwnd = priorCwnd;
      return;
    }
    const pipe = sb.pipe(snd.sndUna, snd.sndMax, snd.mss);
    const cwnd = this.prr.cwnd(Math.max(delivered, 1), pipe, snd.cc.ssthresh, snd.mss, false, true);
    if (cwnd !== undefined) snd.cc.cwnd = cwnd;
  }

  /** RFC 6937 §3 on every ACK in SACK recovery: cwnd lets out what PRR allows. */
  onRecoveryAck(delivered: number, advanced: boolean, newlyLost: boolean): void {
    const { snd, scoreboard: sb } = this.port;
    if (!this.prr || !sb || delivered <= 0) return;
    const pipe = sb.pipe(snd.sndUna, snd.sndMax, snd.mss);
    const cwnd = this.prr.cwnd(delivered, pipe, snd.cc.ssthresh, snd.mss, advanced, newlyLost);
    if (cwnd !== undefined) snd.cc.cwnd = cwnd;
  }

  /** A retransmission timeout ends a probe episode and RACK's wait (Linux tcp_retransmit_timer, tcp_enter_loss). */
  onTimeout(): void {
    this.tlp?.reset();
    this.rack?.clearMarks();
    this.port.lossTimer("loss-probe", Infinity);
    this.port.lossTimer("reorder", Infinity);
  }
}
