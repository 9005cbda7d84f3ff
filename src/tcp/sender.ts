// Send-side state of one connection (RFC 9293 §3.3.1 "Send Sequence Variables"), kept apart from the
// receive side as gVisor's netstack does. The connection decides *when* to send; this object knows *what*.
import type { Profile } from "./profile.js";
import { RtoEstimator } from "./rto.js";
import { SendBuffer } from "./send-buffer.js";
import { seqAdd, seqDiff, seqGt } from "./seq.js";
import { NewReno, type CongestionControl } from "./congestion.js";
import { Cubic } from "./cubic.js";

/** The empty push-point list every Sender starts with, shared and never written (markPush swaps in its own). */
const NO_PUSH_POINTS: number[] = [];

export class Sender {
  iss = 0;
  sndUna = 0;
  sndNxt = 0;
  /** The highest sequence number sent so far (BSD's snd_max): after an RTO, SND.NXT goes back to SND.UNA. */
  sndMax = 0;
  sndWnd = 0;
  sndWl1 = 0;
  sndWl2 = 0;
  /** The peer's window shift (RFC 7323 §2.3): SND.WND = SEG.WND << wscale for every non-SYN segment. */
  wscale = 0;
  /** Largest window the peer has offered (RFC 5961 §5.2's MAX.SND.WND). */
  maxSndWnd = 0;
  /** Effective send MSS: the peer's MSS option, our path MTU, whichever is smaller. */
  mss = 536;
  readonly buffer: SendBuffer;
  /** Sequence number of the first byte held in `buffer`. */
  bufSeq = 0;

  /** The application asked to close its sending side; the FIN goes out once the data before it has. */
  finQueued = false;
  /** Our FIN has been transmitted at least once. A fact of its own, not implied by the state. */
  finSent = false;
  /** Our FIN has been acknowledged. LAST_ACK and CLOSING leave only on this. */
  finAcked = false;

  readonly rto: RtoEstimator;
  /** Consecutive retransmission timeouts without progress (drives backoff and giving up). */
  backoffs = 0;
  /** Time of the first transmission of the oldest unacknowledged SYN (Linux's give-up clock for SYN). */
  firstSendTime = 0;
  /** RTT timing of one segment at a time (Karn's rule: never a retransmitted one). */
  rttSeq = 0;
  rttTime = -1;
  /** A retransmission voided the timed segment (Karn): the next sample may come from a timestamp echo. */
  karnHold = false;

  /** End of the last sub-MSS segment sent (Linux snd_sml), for Minshall's Nagle check. */
  sndSml = 0;
  readonly cc: CongestionControl;
  /** When new data last went out (µs), −1 before any: RFC 5681 §4.1's idle test. */
  lastDataSent = -1;
  /**
   * Push points (profile pushRule "write-end"): sequence numbers where Linux marked a buffer PSH — the end
   * of each write (tcp_push → tcp_mark_push) and forced pushes (forced_push). A segment, first sent or
   * retransmitted, carries PSH when it reaches one, as the marked skb keeps its flag. Ascending.
   */
  pushPoints: number[] = NO_PUSH_POINTS;
  /** Index of the first push point not yet acknowledged: points are dropped from the front in batches. */
  private pushHead = 0;
  /** Where the last reachesPush found the first point after its segment: where the next one looks first. */
  private pushHint = 0;
  /** Linux pushed_seq: the write sequence last marked for a push. */
  pushedSeq = 0;

  /** `sendBuffer`: a per-socket SO_SNDBUF size in place of the profile's. */

  constructor(profile: Profile, sendBuffer?: number) {
    this.buffer = new SendBuffer(sendBuffer ?? profile.sendBuffer);
    this.rto = new RtoEstimator(profile);
    // Pluggable (RFC 5681 leaves the algorithm open): a new one is a file and a line here.
    this.cc =
      profile.congestionControl === "cubic"
        ? new Cubic(profile.initialWindowSegments)
        : new NewReno(profile.initialWindowSegments);
  }

  init(iss: number): void {
    this.iss = iss;
    this.sndUna = iss;
    this.sndNxt = seqAdd(iss, 1);
    this.sndMax = this.sndNxt;
    this.sndSml = iss;
    this.bufSeq = seqAdd(iss, 1);
    this.pushedSeq = this.bufSeq;
  }

  /**
   * Records the push points of a write of `len` bytes that ended at the buffer's end (Linux
   * tcp_sendmsg_locked, which fills buffers of the MSS bounded by the peer's window): each full buffer that leaves more than half the peer's largest window unpushed
   * is forced out with PSH (forced_push), and the write's last byte is marked unless MSG_MORE says more
   * follows (tcp_push). `boundToWindow`: profile.mssBoundToWindow, buffers cut at the window-bounded MSS
   * (boundToHalfWindow).
   */
  markWrite(len: number, more: boolean, boundToWindow: boolean): void {
    if (len <= 0) return;
    const end = this.finSeq;
    const start = seqAdd(end, -len);
    let forced = false;
    const step = boundToWindow ? boundToHalfWindow(this.mss, this.maxSndWnd) : this.mss;
    for (let at = step; at < len; at += step) {
      const seq = seqAdd(start, at);
      forced = seqDiff(seq, this.pushedSeq) > this.maxSndWnd >> 1;
      if (forced) this.markPush(seq);
    }
    forced = seqDiff(end, this.pushedSeq) > this.maxSndWnd >> 1;
    if (!more || forced) this.markPush(end);
  }

  private markPush(seq: number): void {
    this.pushedSeq = seq;
    const last =
      this.pushHead < this.pushPoints.length ? this.pushPoints[this.pushPoints.length - 1] : undefined;
    if (last !== undefined && !seqGt(seq, last)) return;
    if (this.pushPoints === NO_PUSH_POINTS) this.pushPoints = [];
    this.pushPoints.push(seq);
  }

  /** A push point inside data already written (Linux: a chunk sent with PSH keeps it; tso-chunk-push.ts). */
  addPushPoint(seq: number): void {
    const points = this.pushPoints;
    let lo = this.pushHead;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqGt(seq, points[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    if (lo < points.length && points[lo] === seq) return;
    points.splice(lo, 0, seq);
  }

  /** Does the segment [seq, seq + len) reach a push point? */
  reachesPush(seq: number, len: number): boolean {
    // Binary search for the first point after seq: a small window forces a push point every MSS, so a
    // full send buffer can hold thousands of them, and a scan per segment cost more than the segment.
    // New data goes out in sequence order, so the answer is almost always where the last one was, or
    // just after it: that is checked first (a hint only; a miss falls back to the search).
    const points = this.pushPoints;
    const head = this.pushHead;
    const n = points.length;
    let lo = this.pushHint;
    if (lo < head || lo > n || (lo > head && seqGt(points[lo - 1]!, seq))) lo = head;
    else if (lo < n && !seqGt(points[lo]!, seq) && (lo + 1 === n || seqGt(points[lo + 1]!, seq))) lo++;
    if (!((lo === head || !seqGt(points[lo - 1]!, seq)) && (lo === n || seqGt(points[lo]!, seq)))) {
      let hi = n;
      lo = head;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (seqGt(points[mid]!, seq)) hi = mid;
        else lo = mid + 1;
      }
    }
    this.pushHint = lo;
    return lo < n && seqDiff(points[lo]!, seq) <= len;
  }

  /** Sequence number our FIN occupies (valid once finQueued). */
  get finSeq(): number {
    return seqAdd(this.bufSeq, this.buffer.length);
  }

  /** Bytes and SYN/FIN sent but not acknowledged. */
  get inFlight(): number {
    return seqDiff(this.sndMax, this.sndUna);
  }

  /** Data written by the application and not yet sent for the first time or since go-back. */
  get unsent(): number {
    return this.buffer.length - seqDiff(this.sndNxt, this.bufSeq);
  }

  /** Applies an acceptable cumulative ACK; returns the number of data bytes it acknowledged. */
  acknowledge(ack: number): number {
    const dataAcked = Math.max(0, Math.min(seqDiff(ack, this.bufSeq), this.buffer.length));
    if (dataAcked > 0) {
      this.buffer.consume(dataAcked);
      this.bufSeq = seqAdd(this.bufSeq, dataAcked);
      const points = this.pushPoints;
      while (this.pushHead < points.length && !seqGt(points[this.pushHead]!, this.bufSeq)) this.pushHead++;
      if (this.pushHead === points.length) {
        if (points.length > 0) points.length = 0; // the shared empty list stays unwritten
        this.pushHead = 0;
      } else if (this.pushHead >= 1024 && this.pushHead * 2 >= points.length) {
        points.splice(0, this.pushHead); // in batches: shift() per acknowledged point was O(points)
        this.pushHead = 0;
      }
    }
    if (this.finSent && seqGt(ack, this.finSeq)) this.finAcked = true;
    this.sndUna = ack;
    if (seqGt(ack, this.sndNxt)) this.sndNxt = ack;
    return dataAcked;
  }
}

/** Linux's TCP_MSS_DEFAULT: a peer window up to this size is not halved (tcp_bound_to_half_wnd). */
const MSS_DEFAULT = 536;

/**
 * The size of the buffers a write is cut into, and so where forced pushes can fall (Linux
 * tcp_bound_to_half_wnd, applied by tcp_sync_mss): against a tiny peer window, at most half its largest
 * window, or the whole of it when that is no more than 536 bytes. A peer window of 500 thus makes every
 * 500-byte segment end a buffer, and forced_push marks it PSH.
 */
export function boundToHalfWindow(mss: number, maxWindow: number): number {
  const cutoff = maxWindow > MSS_DEFAULT ? maxWindow >> 1 : maxWindow;
  return cutoff > 0 && mss > cutoff ? cutoff : mss;
}
