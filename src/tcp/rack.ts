// RACK: loss detection by time (RFC 8985 §6; Linux tcp_recovery.c with net.ipv4.tcp_recovery=1).
//
// A segment is deemed lost once a segment *sent after it* has been delivered (cumulatively ACKed or
// SACKed) and more than RACK.rtt + reo_wnd has passed since the segment itself was sent. Counting in
// time instead of duplicate ACKs also finds a lost retransmission, and a small reordering window lets a
// late segment arrive before it is retransmitted. What this object needs is the send time of every
// segment in flight: the SentLog below, one record per transmitted segment, kept in sequence order.
//
// Pure bookkeeping, like ./sack-scoreboard.ts: it never sends or arms a timer. The connection tells it
// what went out (`sent`), what an ACK delivered (`acked`), asks `detectLoss`, and arms the reordering
// timer with the wait it returns (RFC 8985 §6.3 "RACK reordering timer", Linux ICSK_TIME_REO_TIMEOUT).
import { seqGt, seqLe, seqLt } from "./seq.js";

/** One transmitted segment (Linux: an skb in the retransmission queue). */
export interface SentSegment {
  seq: number;
  /** One past its last sequence number, a FIN included. */
  end: number;
  /** When it was (last) sent, µs. */
  xmit: number;
  /** Sent more than once (Linux TCPCB_RETRANS / TCPCB_EVER_RETRANS). */
  retransmitted: boolean;
  sacked: boolean;
  /** Deemed lost and not yet retransmitted since (Linux TCPCB_LOST without TCPCB_SACKED_RETRANS). */
  lost: boolean;
}

/** What detectLoss found: the ranges newly deemed lost, and how long the next check must wait (µs, 0: none). */
export interface RackVerdict {
  lost: Array<readonly [number, number]>;
  reoWait: number;
}

/** The RFC 8985 §6.2 state, and the send log it reads. */
export class Rack {
  /** Outstanding segments in sequence order; [head, length) are live, below head acknowledged. */
  private readonly log: SentSegment[] = [];
  private head = 0;
  /** RACK.xmit_ts / RACK.end_seq / RACK.rtt of the most recently sent segment delivered so far. */
  private xmitTs = -1;
  private endSeq = 0;
  private rtt = 0;
  /** A delivery moved the RACK state since the last check (Linux rack.advanced): only then scan. */
  private advanced = false;

  /** Segments sent and not cumulatively acknowledged (Linux packets_out). */
  get packetsOut(): number {
    return this.log.length - this.head;
  }

  /** Of those, how many the peer SACKed (Linux sacked_out). */
  get sackedOut(): number {
    let n = 0;
    for (let i = this.head; i < this.log.length; i++) if (this.log[i]!.sacked) n++;
    return n;
  }

  /** The newest outstanding segment (the one a tail loss probe re-sends), or undefined. */
  get last(): Readonly<SentSegment> | undefined {
    return this.head < this.log.length ? this.log[this.log.length - 1] : undefined;
  }

  /**
   * A segment [seq, end) went out at `now`. New data extends the log; a retransmission re-stamps the
   * records it covers (a range that straddles a record splits it, so each part keeps its own time).
   */
  sent(seq: number, end: number, now: number, retransmission: boolean): void {
    const log = this.log;
    const tail = log.length > this.head ? log[log.length - 1]! : undefined;
    if (!retransmission || !tail || !seqLt(seq, tail.end)) {
      log.push({ seq, end, xmit: now, retransmitted: retransmission, sacked: false, lost: false });
      return;
    }
    for (let i = this.head; i < log.length; i++) {
      const r = log[i]!;
      if (seqLe(r.end, seq)) continue;
      if (seqLe(end, r.seq)) break;
      if (seqLt(r.seq, seq)) {
        log.splice(i + 1, 0, { ...r, seq });
        r.end = seq;
        continue; // the part at seq is next
      }
      if (seqLt(end, r.end)) {
        log.splice(i + 1, 0, { ...r, seq: end });
        r.end = end;
      }
      r.xmit = now;
      r.retransmitted = true;
      r.lost = false;
    }
  }

  /**
   * An ACK arrived: `una` is the new SND.UNA, `isSacked` says whether the scoreboard holds an octet as
   * SACKed (null when nothing is). RFC 8985 §6.2 step 2: every segment this ACK newly delivered may advance RACK.xmit_ts, the
   * newest send time delivered — except a retransmission whose RTT is below min_RTT, which the original
   * may have drawn (Linux tcp_rack_advance's ambiguity rule).
   */
  acked(una: number, isSacked: ((seq: number) => boolean) | null, now: number, minRtt: number): void {
    const log = this.log;
    let i = this.head;
    for (; i < log.length && seqLe(log[i]!.end, una); i++) {
      if (!log[i]!.sacked) this.advance(log[i]!, now, minRtt);
    }
    this.head = i;
    // An ACK inside a record delivered its front part: the record keeps only what is outstanding (Linux
    // tcp_trim_head), so a probe or a loss mark built from it never reaches below SND.UNA.
    if (i < log.length && seqLt(log[i]!.seq, una)) log[i]!.seq = una;
    if (this.head === log.length) {
      log.length = 0;
      this.head = 0;
    } else if (this.head >= 256 && this.head * 2 >= log.length) {
      log.splice(0, this.head);
      this.head = 0;
    }
    if (isSacked === null) return; // nothing SACKed: no need to walk the log
    for (let k = this.head; k < log.length; k++) {
      const r = log[k]!;
      if (!r.sacked && isSacked(r.seq) && isSacked(r.end - 1)) {
        r.sacked = true;
        r.lost = false;
        this.advance(r, now, minRtt);
      }
    }
  }

  private advance(r: SentSegment, now: number, minRtt: number): void {
    const rtt = now - r.xmit;
    if (r.retransmitted && rtt < minRtt) return;
    if (this.xmitTs >= 0 && !sentAfter(r.xmit, r.end, this.xmitTs, this.endSeq)) return;
    this.xmitTs = r.xmit;
    this.endSeq = r.end;
    this.rtt = rtt;
    this.advanced = true;
  }

  /**
   * RFC 8985 §6.2 step 5 (Linux tcp_rack_detect_loss): every segment sent before the newest delivered
   * one, neither SACKed nor already marked lost, is lost once RACK.rtt + `reoWnd` has passed since it
   * was sent; the others give the wait for the reordering timer. `force`: run even if no delivery moved
   * the state (the reordering timer's check).
   */
  detectLoss(now: number, reoWnd: number, force: boolean): RackVerdict {
    const verdict: RackVerdict = { lost: [], reoWait: 0 };
    if (!force && !this.advanced) return verdict;
    this.advanced = false;
    if (this.xmitTs < 0) return verdict;
    for (let i = this.head; i < this.log.length; i++) {
      const r = this.log[i]!;
      if (r.sacked || r.lost) continue;
      if (!sentAfter(this.xmitTs, this.endSeq, r.xmit, r.end)) continue;
      const remaining = this.rtt + reoWnd - (now - r.xmit);
      if (remaining <= 0) {
        r.lost = true;
        const prev = verdict.lost[verdict.lost.length - 1];
        if (prev && prev[1] === r.seq) verdict.lost[verdict.lost.length - 1] = [prev[0], r.end];
        else verdict.lost.push([r.seq, r.end]);
      } else {
        verdict.reoWait = Math.max(verdict.reoWait, remaining);
      }
    }
    return verdict;
  }

  /** Segments deemed lost and not yet acknowledged (Linux lost_out > 0). */
  get anyLost(): boolean {
    for (let i = this.head; i < this.log.length; i++) if (this.log[i]!.lost) return true;
    return false;
  }

  /** A retransmission timeout: SACK information is forgotten (RFC 6675 §5.1), and so are the lost marks. */
  clearMarks(): void {
    for (let i = this.head; i < this.log.length; i++) {
      this.log[i]!.sacked = false;
      this.log[i]!.lost = false;
    }
  }
}

/** Was (t1, end1) sent after (t2, end2)? Equal times (one burst) are ordered by sequence (RFC 8985 §6.2). */
function sentAfter(t1: number, end1: number, t2: number, end2: number): boolean {
  return t1 > t2 || (t1 === t2 && seqGt(end1, end2));
}

/**
 * RACK.reo_wnd (RFC 8985 §6.2 step 4; Linux tcp_rack_reo_wnd): with no reordering seen, none at all
 * during recovery or once DupThresh segments are SACKed (the classic three-duplicate-ACK rule, kept);
 * otherwise min_RTT/4, at most SRTT.
 */
export function reorderingWindow(
  inRecovery: boolean,
  sackedOut: number,
  minRtt: number,
  srtt: number,
  dupThresh: number,
): number {
  if (inRecovery || sackedOut >= dupThresh) return 0;
  if (!Number.isFinite(minRtt)) return 0;
  return Math.min(Math.floor(minRtt / 4), srtt);
}
