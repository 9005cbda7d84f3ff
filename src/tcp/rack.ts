// RACK: loss detection by time (RFC 8985 §6; Linux tcp_recovery.c with net.ipv4.tcp_recovery=1).
//
// A segment is deemed lost once a segment *sent after it* has been delivered (cumulatively ACKed or
// SACKed) and more than RACK.rtt + reo_wnd has passed since the segment itself was sent. Counting in
// time instead of duplicate ACKs also finds a lost retransmission, and a small reordering window lets a
// late segment arrive before it is retransmitted. What this object needs is the send time of every
// segment in flight: the send log below, one record per transmitted segment, kept in sequence order.
//
// Pure bookkeeping, like ./sack-scoreboard.ts: it never sends or arms a timer. The connection tells it
// what went out (`sent`), what an ACK delivered (`acked`), asks `detectLossInto`, and arms the reordering
// timer with the wait it returns (RFC 8985 §6.3 "RACK reordering timer", Linux ICSK_TIME_REO_TIMEOUT).
import { seqGt, seqLe, seqLt } from "./seq.js";

/** One transmitted segment (Linux: an skb in the retransmission queue), as `last` reports it. */
export interface SentRange {
  seq: number;
  /** One past its last sequence number, a FIN included. */
  end: number;
}

/** What detectLoss found: the ranges newly deemed lost, and how long the next check must wait (µs, 0: none). */
export interface RackVerdict {
  lost: Array<readonly [number, number]>;
  reoWait: number;
}

/** Where RACK reports the ranges it deems lost (the SACK scoreboard's markLost), merged where they touch. */
export interface LostSink {
  markLost(left: number, right: number): void;
}

/** Which octets the peer SACKed (the SACK scoreboard). */
export interface SackedOctets {
  isSacked(seq: number): boolean;
}

// The send log is a ring of records in one Float64Array, STRIDE numbers each: nothing is allocated per
// segment (an object per sent segment was a third of the lifecycle benchmark's allocation), and an ACK
// drops acknowledged records by moving the head. Sequence numbers and µs times are exact in a double.
const SEQ = 0;
const END = 1;
/** When it was (last) sent, µs. */
const XMIT = 2;
const FLAGS = 3;
const STRIDE = 4;
/** Sent more than once (Linux TCPCB_RETRANS / TCPCB_EVER_RETRANS). */
const RETRANSMITTED = 1;
const SACKED = 2;
/** Deemed lost and not yet retransmitted since (Linux TCPCB_LOST without TCPCB_SACKED_RETRANS). */
const LOST = 4;
/** Recoveries a grown reordering window lasts (RFC 8985 §6.2 step 4: 16; Linux TCP_RACK_RECOVERY_THRESH). */
const RECOVERY_THRESH = 16;
/** Records a new log holds before it grows: two fit V8's on-heap typed arrays (64 bytes). */
const INITIAL_RECORDS = 2;

/** The RFC 8985 §6.2 state, and the send log it reads. */
export class Rack {
  /** Outstanding segments in sequence order: `count` records from ring slot `head` on. */
  private log = new Float64Array(INITIAL_RECORDS * STRIDE);
  /** Ring capacity in records (a power of two) less one. */
  private mask = INITIAL_RECORDS - 1;
  private head = 0;
  private count = 0;
  /** Records flagged SACKED (Linux sacked_out), kept as flags change rather than counted per ACK. */
  private sacked = 0;
  /** RACK.xmit_ts / RACK.end_seq / RACK.rtt of the most recently sent segment delivered so far. */
  private xmitTs = -1;
  private endSeq = 0;
  private rtt = 0;
  /** A delivery moved the RACK state since the last check (Linux rack.advanced): only then scan. */
  private advanced = false;
  /** The last detectLossInto marked anything lost. */
  newlyLost = false;
  /**
   * Reordering was observed (Linux tp->reord_seen): a never-retransmitted segment below the highest
   * SACKed one was delivered after it (tcp_check_sack_reordering). Only then do D-SACKs grow reo_wnd.
   */
  reordSeen = false;
  /** RFC 8985 §6.2 RACK.reo_wnd_mult (Linux rack.reo_wnd_steps): reo_wnd is min_rtt/4 times this. */
  reoWndSteps = 1;
  /** Recoveries left before reoWndSteps decays back to 1 (RACK.reo_wnd_persist, TCP_RACK_RECOVERY_THRESH). */
  private reoWndPersist = 0;
  /** When reoWndSteps last grew (−1: never); stands for Linux's rack.last_delivered. */
  private lastGrowAt = -1;
  /** Segments retransmitted, and D-SACKed (Linux total_retrans, dsack_dups): a D-SACK beyond them is ignored. */
  private retransmits = 0;
  private dsackDups = 0;
  /** The highest SACKed sequence end (Linux tcp_highest_sack_seq; −1 before any SACK). */
  private fack = -1;
  /** The lost range detectLoss is merging (−1: none yet), reported to the sink when the next one does not touch it. */
  private lostLeft = -1;
  private lostRight = 0;

  /** Segments sent and not cumulatively acknowledged (Linux packets_out). */
  get packetsOut(): number {
    return this.count;
  }

  /** Of those, how many the peer SACKed (Linux sacked_out). */
  get sackedOut(): number {
    return this.sacked;
  }

  /** The newest outstanding segment (the one a tail loss probe re-sends), or undefined. */
  get last(): SentRange | undefined {
    if (this.count === 0) return undefined;
    const at = this.at(this.count - 1);
    return { seq: this.log[at + SEQ]!, end: this.log[at + END]! };
  }

  /** Where the `i`th outstanding record starts in `log`. */
  private at(i: number): number {
    return ((this.head + i) & this.mask) * STRIDE;
  }

  /** Room for one more record: the ring doubles, its records copied in order to the front. */
  private grow(): void {
    const old = this.log;
    const cap = (this.mask + 1) * 2;
    const log = new Float64Array(cap * STRIDE);
    for (let i = 0; i < this.count; i++) {
      const from = this.at(i);
      for (let f = 0; f < STRIDE; f++) log[i * STRIDE + f] = old[from + f]!;
    }
    this.log = log;
    this.mask = cap - 1;
    this.head = 0;
  }

  /** A record after the `i`th, a copy of it whose start is `seq` (a retransmission split it). */
  private splitAfter(i: number, seq: number): void {
    if (this.count > this.mask) this.grow();
    const log = this.log;
    for (let k = this.count; k > i + 1; k--)
      log.copyWithin(this.at(k), this.at(k - 1), this.at(k - 1) + STRIDE);
    const from = this.at(i);
    const to = this.at(i + 1);
    log.copyWithin(to, from, from + STRIDE);
    log[to + SEQ] = seq;
    this.count++;
    if (log[from + FLAGS]! & SACKED) this.sacked++;
  }

  /**
   * A segment [seq, end) went out at `now`. New data extends the log; a retransmission re-stamps the
   * records it covers (a range that straddles a record splits it, so each part keeps its own time).
   */
  sent(seq: number, end: number, now: number, retransmission: boolean): void {
    if (retransmission) this.retransmits++;
    const n = this.count;
    if (!retransmission || n === 0 || !seqLt(seq, this.log[this.at(n - 1) + END]!)) {
      if (n > this.mask) this.grow();
      const at = this.at(n);
      const log = this.log;
      log[at + SEQ] = seq;
      log[at + END] = end;
      log[at + XMIT] = now;
      log[at + FLAGS] = retransmission ? RETRANSMITTED : 0;
      this.count = n + 1;
      return;
    }
    for (let i = 0; i < this.count; i++) {
      let at = this.at(i);
      if (seqLe(this.log[at + END]!, seq)) continue;
      if (seqLe(end, this.log[at + SEQ]!)) break;
      if (seqLt(this.log[at + SEQ]!, seq)) {
        this.splitAfter(i, seq);
        this.log[this.at(i) + END] = seq;
        continue; // the part at seq is next
      }
      if (seqLt(end, this.log[at + END]!)) {
        this.splitAfter(i, end);
        at = this.at(i); // the ring may have grown
        this.log[at + END] = end;
      }
      const log = this.log;
      log[at + XMIT] = now;
      log[at + FLAGS] = (log[at + FLAGS]! | RETRANSMITTED) & ~LOST;
    }
  }

  /**
   * An ACK arrived: `una` is the new SND.UNA, `sacked` says which octets the scoreboard holds as SACKed
   * (null when none are). RFC 8985 §6.2 step 2: every segment this ACK newly delivered may advance
   * RACK.xmit_ts, the newest send time delivered — except a retransmission whose RTT is below min_RTT,
   * which the original may have drawn (Linux tcp_rack_advance's ambiguity rule).
   */
  acked(una: number, sacked: SackedOctets | null, now: number, minRtt: number): void {
    const log = this.log;
    const fack = this.fack;
    while (this.count > 0) {
      const at = this.head * STRIDE;
      if (!seqLe(log[at + END]!, una)) break;
      if (log[at + FLAGS]! & SACKED) this.sacked--;
      else {
        this.noteReordering(at, fack);
        this.advance(at, now, minRtt);
      }
      this.head = (this.head + 1) & this.mask;
      this.count--;
    }
    // An ACK inside a record delivered its front part: the record keeps only what is outstanding (Linux
    // tcp_trim_head), so a probe or a loss mark built from it never reaches below SND.UNA.
    if (this.count > 0 && seqLt(log[this.head * STRIDE + SEQ]!, una)) log[this.head * STRIDE + SEQ] = una;
    if (sacked === null) return; // nothing SACKed: no need to walk the log
    for (let i = 0; i < this.count; i++) {
      const at = this.at(i);
      const flags = log[at + FLAGS]!;
      if (flags & SACKED) continue;
      if (sacked.isSacked(log[at + SEQ]!) && sacked.isSacked(log[at + END]! - 1)) {
        log[at + FLAGS] = (flags | SACKED) & ~LOST;
        this.sacked++;
        this.noteReordering(at, fack);
        if (this.fack < 0 || seqGt(log[at + END]!, this.fack)) this.fack = log[at + END]!;
        this.advance(at, now, minRtt);
      }
    }
  }

  /**
   * A record delivered (cumulatively or by SACK) that was never retransmitted and lies below what had
   * been SACKed before this ACK arrived was reordered, not lost (Linux tcp_clean_rtx_queue's `reord` and
   * tcp_sacktag_one → tcp_check_sack_reordering). Linux also raises its DupThresh (tp->reordering) by the
   * distance; that is not modelled.
   */
  private noteReordering(at: number, fack: number): void {
    if (fack < 0 || this.log[at + FLAGS]! & RETRANSMITTED) return;
    if (seqLt(this.log[at + SEQ]!, fack)) this.reordSeen = true;
  }

  /**
   * An ACK carried a D-SACK of `segments` segments (Linux tcp_dsack_seen): one that reports more
   * duplicates than were ever retransmitted is ignored, and it counts for RACK only once reordering was
   * seen — a spurious retransmission then suggests the reordering window was too short.
   */
  dsackSeen(segments: number): boolean {
    this.dsackDups += segments;
    return this.dsackDups <= this.retransmits && this.reordSeen;
  }

  /**
   * RFC 8985 §6.2 step 4 (Linux tcp_rack_update_reo_wnd), on an ACK that delivered something: a D-SACK
   * (`dsack`, from dsackSeen) grows reo_wnd by one step — once per round trip, so not when the newest
   * segment this ACK delivered was sent before the last growth — and keeps it for 16 recoveries; with
   * none left the window is back to one step. Linux dates the round by its delivered counter; here the
   * send time of the newest delivered segment stands for it.
   */
  updateReoWnd(dsack: boolean, now: number): void {
    let grow = dsack;
    if (grow && this.lastGrowAt >= 0 && this.xmitTs < this.lastGrowAt) grow = false;
    if (grow) {
      this.reoWndSteps = Math.min(0xff, this.reoWndSteps + 1);
      this.lastGrowAt = now;
      this.reoWndPersist = RECOVERY_THRESH;
    } else if (this.reoWndPersist === 0) {
      this.reoWndSteps = 1;
    }
  }

  /** A recovery ended without being undone (Linux tcp_try_undo_recovery): one fewer left at the wider window. */
  recoveryEnded(): void {
    if (this.reoWndPersist > 0) this.reoWndPersist--;
  }

  /** The record at `at` was delivered: RACK moves to it if it was sent after the newest delivered so far. */
  private advance(at: number, now: number, minRtt: number): void {
    const log = this.log;
    const xmit = log[at + XMIT]!;
    const end = log[at + END]!;
    const rtt = now - xmit;
    if (log[at + FLAGS]! & RETRANSMITTED && rtt < minRtt) return;
    if (this.xmitTs >= 0 && !sentAfter(xmit, end, this.xmitTs, this.endSeq)) return;
    this.xmitTs = xmit;
    this.endSeq = end;
    this.rtt = rtt;
    this.advanced = true;
  }

  /**
   * RFC 8985 §6.2 step 5 (Linux tcp_rack_detect_loss): every segment sent before the newest delivered
   * one, neither SACKed nor already marked lost, is lost once RACK.rtt + `reoWnd` has passed since it
   * was sent; `sink` hears of each lost range (touching ones merged). Returns the wait for the reordering
   * timer (0: none) for the others. `force`: run even if no delivery moved the state (the reordering
   * timer's check). `newlyLost` says afterwards whether anything was marked.
   */
  detectLossInto(now: number, reoWnd: number, force: boolean, sink: LostSink): number {
    this.newlyLost = false;
    if (!force && !this.advanced) return 0;
    this.advanced = false;
    if (this.xmitTs < 0) return 0;
    const log = this.log;
    let reoWait = 0;
    this.lostLeft = -1;
    for (let i = 0; i < this.count; i++) {
      const at = this.at(i);
      const flags = log[at + FLAGS]!;
      const xmit = log[at + XMIT]!;
      const end = log[at + END]!;
      if (!sentAfter(this.xmitTs, this.endSeq, xmit, end)) {
        // Records never retransmitted were sent in sequence order: once one is not before RACK's, no later
        // one is (Linux walks its time-sorted queue and stops there too).
        if (!(flags & RETRANSMITTED)) break;
        continue;
      }
      if (flags & (SACKED | LOST)) continue;
      const remaining = this.rtt + reoWnd - (now - xmit);
      if (remaining <= 0) {
        log[at + FLAGS] = flags | LOST;
        this.noteLost(log[at + SEQ]!, end, sink);
      } else if (remaining > reoWait) {
        reoWait = remaining;
      }
    }
    if (this.lostLeft >= 0) sink.markLost(this.lostLeft, this.lostRight);
    return reoWait;
  }

  /** One lost record: it extends the range being merged, or that range goes to the sink and it starts a new one. */
  private noteLost(seq: number, end: number, sink: LostSink): void {
    this.newlyLost = true;
    if (this.lostLeft >= 0 && this.lostRight === seq) {
      this.lostRight = end;
      return;
    }
    if (this.lostLeft >= 0) sink.markLost(this.lostLeft, this.lostRight);
    this.lostLeft = seq;
    this.lostRight = end;
  }

  /** detectLossInto with the lost ranges collected into a list (tests, and anything off the hot path). */
  detectLoss(now: number, reoWnd: number, force: boolean): RackVerdict {
    const lost: Array<readonly [number, number]> = [];
    const reoWait = this.detectLossInto(now, reoWnd, force, { markLost: (l, r) => lost.push([l, r]) });
    return { lost, reoWait };
  }

  /** A retransmission timeout: SACK information is forgotten (RFC 6675 §5.1), and so are the lost marks. */
  clearMarks(): void {
    for (let i = 0; i < this.count; i++) {
      const at = this.at(i);
      this.log[at + FLAGS] = this.log[at + FLAGS]! & RETRANSMITTED;
    }
    this.sacked = 0;
  }
}

/** Was (t1, end1) sent after (t2, end2)? Equal times (one burst) are ordered by sequence (RFC 8985 §6.2). */
function sentAfter(t1: number, end1: number, t2: number, end2: number): boolean {
  return t1 > t2 || (t1 === t2 && seqGt(end1, end2));
}

/**
 * RACK.reo_wnd (RFC 8985 §6.2 step 4; Linux tcp_rack_reo_wnd): with no reordering seen, none at all
 * during recovery or once DupThresh segments are SACKed (the classic three-duplicate-ACK rule, kept);
 * otherwise min_RTT/4 times the steps D-SACKs have added, at most SRTT.
 */
export function reorderingWindow(
  inRecovery: boolean,
  sackedOut: number,
  minRtt: number,
  srtt: number,
  dupThresh: number,
  reordSeen = false,
  steps = 1,
): number {
  if (!reordSeen && (inRecovery || sackedOut >= dupThresh)) return 0;
  if (!Number.isFinite(minRtt)) return 0;
  // Whole µs, as Linux's srtt_us >> 3: a fractional SRTT here would put timers between µs ticks.
  return Math.min(Math.floor(minRtt / 4) * steps, Math.floor(srtt));
}
