// Loss recovery on duplicate ACKs and SACK: one object owning its state, as gVisor's sender keeps
// FastRecovery, the duplicate-ACK count and the SACK scoreboard together. RFC 6675 (conservative SACK
// recovery) when SACK is in use, RFC 6582 NewReno with RFC 5681 §3.2's fast retransmit and inflation
// without it. It decides; the connection sends (./retransmit.ts retransmitHead, retransmitRange, and the
// NextSeg loop of recoveryOutput), and its retransmissions are recorded here (onRetransmit). An ACK goes
// through it in two phases (onAck, then shouldEnter), so that the connection's loss detection
// (./loss-detection.ts: RACK, PRR, TLP) sees the ACK in between, as its hooks need.
import type { Segment } from "../wire/segment.js";
import { FIN, SYN } from "../wire/segment.js";
import { DUP_THRESH, SackScoreboard } from "./sack-scoreboard.js";
import type { Sender } from "./sender.js";
import { seqAdd, seqGe } from "./seq.js";

/**
 * What an ACK was to recovery: a NewReno partial ACK (the connection retransmits from SND.UNA at once,
 * the name is the segment's `why`), a duplicate ACK (counted here; ./loss-detection.ts onDupAck hears of
 * it), or neither.
 */
export type RecoveryAck = "retransmit-partial-ack" | "duplicate" | null;

export class Recovery {
  /** In recovery until SND.UNA reaches `recover` (RFC 6582's "recover", RFC 6675's RecoveryPoint). */
  active = false;
  recover = 0;
  /** RFC 6675 HighRxt (exclusive): one past the highest octet retransmitted in this recovery. */
  highRxt = 0;
  /** Duplicate ACKs in a row (RFC 5681 §2, RFC 6675 §2). */
  dupAcks = 0;
  /** The SACK scoreboard (1 KiB of ranges), made when the first SACK block arrives, not per connection. */
  scoreboard: SackScoreboard | null = null;

  constructor(private readonly snd: Sender) {}

  /** A new sequence space (our ISS): no recovery for anything before it. */
  start(iss: number): void {
    this.recover = iss;
  }

  /** SACK recovery is running: output() sends by NextSeg (RFC 6675 §5 step (C)). */
  get sackRecovery(): SackScoreboard | null {
    return this.active ? this.scoreboard : null;
  }

  /**
   * An acceptable ACK (§3.10.7.4 fifth check), after SND.UNA moved (`advanced`), first phase. RFC 6675
   * §5: every one updates the scoreboard; then the end of recovery (a full ACK), a NewReno partial ACK, a
   * duplicate ACK (`sameWindow`: the advertised window did not change, RFC 5681 §2). The entry into
   * recovery is the second phase (shouldEnter), after the connection's loss detection saw the ACK.
   */
  onAck(seg: Segment, advanced: boolean, sameWindow: boolean, sackOk: boolean, now: number): RecoveryAck {
    const snd = this.snd;
    if (advanced) this.dupAcks = 0;
    if (sackOk && !this.scoreboard && seg.options.sack) this.scoreboard = new SackScoreboard();
    const sb = this.scoreboard;
    const newlySacked = sb ? sb.update(snd.sndUna, seg.options.sack ?? [], snd.sndMax) : 0;
    if (advanced && this.active) {
      if (seqGe(seg.ack, this.recover)) {
        // A full ACK: recovery is over (RFC 6582 §3.2 step 3, RFC 6675 §5 step (2)).
        this.active = false;
        snd.cc.onRecoveryEnd(snd.mss, now);
      } else if (!sackOk) {
        // NewReno partial ACK (RFC 6582 §3.2 step 5): retransmit the next hole at once.
        return "retransmit-partial-ack";
      }
    } else if (
      !advanced &&
      seg.ack === snd.sndUna &&
      seg.payload.length === 0 &&
      !(seg.flags & (SYN | FIN)) &&
      snd.sndUna !== snd.sndMax &&
      // RFC 5681 §2's duplicate ACK ("the advertised window … does not change": compared scaled, as
      // SND.WND is), or RFC 6675 §2's: one that SACKs new data.
      (sameWindow || newlySacked > 0)
    ) {
      this.dupAcks++;
      if (this.active && !sackOk && this.dupAcks > DUP_THRESH) {
        snd.cc.cwnd += snd.mss; // fast recovery inflation (RFC 5681 §3.2 step 4)
      }
      return "duplicate";
    }
    return null;
  }

  /**
   * Second phase: does this ACK start recovery? DupThresh duplicate ACKs (RFC 5681 §3.2), RACK's verdict
   * that something is lost (`newlyLost`, RFC 8985 §6.2), or with SACK as soon as the scoreboard deems the
   * first unacknowledged segment lost (RFC 6675 §5 step (3)) — never for data below the recovery point.
   */
  shouldEnter(newlyLost: boolean): boolean {
    const snd = this.snd;
    const sb = this.scoreboard;
    return (
      !this.active &&
      snd.sndUna !== snd.sndMax &&
      seqGe(snd.sndUna, this.recover) &&
      (this.dupAcks >= DUP_THRESH || newlyLost || (sb !== null && sb.isLost(snd.sndUna, snd.mss)))
    );
  }

  /**
   * Loss detected by duplicate ACKs, SACK or RACK. RFC 6675 §5 steps (4.1)–(4.3) with SACK: RecoveryPoint =
   * HighData, cwnd = ssthresh; the connection retransmits the first unacknowledged segment, and later ACKs
   * let output() run NextSeg while the pipe leaves room. Without SACK, RFC 6582 NewReno with RFC 5681's
   * inflation. `recover` also stops a second reduction for losses from the same window (RFC 6582 §3.2
   * step 2).
   */
  enter(sackOk: boolean, now: number): void {
    const snd = this.snd;
    this.active = true;
    this.recover = snd.sndMax;
    snd.cc.onLoss(snd.inFlight, snd.mss, now);
    if (sackOk) this.scoreboard ??= new SackScoreboard();
    else snd.cc.cwnd += DUP_THRESH * snd.mss; // RFC 5681 §3.2 step 2: the three segments that left
    this.highRxt = snd.sndUna;
  }

  /** RFC 6675 §4 NextSeg for SACK recovery: the next range to send, or null. */
  nextSeg(sb: SackScoreboard, canSendNew: boolean): ReturnType<SackScoreboard["nextSeg"]> {
    const snd = this.snd;
    return sb.nextSeg(snd.sndUna, snd.sndMax, this.highRxt, snd.mss, canSendNew);
  }

  /** [seq, seq + len) was retransmitted: the scoreboard's retransmitted octets, HighRxt (RFC 6675 §4). */
  onRetransmit(seq: number, len: number): void {
    this.scoreboard?.markRetransmitted(seq, len);
    this.highRxt = seqAdd(seq, len);
  }

  /** A retransmission timeout ends recovery (the connection has already collapsed cwnd). */
  onTimeout(): void {
    this.active = false;
    // RFC 6675 §5.1 (RFC 2018 §8): after a timeout the receiver may have reneged; forget the SACKs.
    this.scoreboard?.clear();
    // RFC 6582 §3.2 step 1 / RFC 6675 §5.1: no new recovery for losses of the data sent before the timeout.
    this.recover = this.snd.sndMax;
    this.dupAcks = 0;
  }
}
