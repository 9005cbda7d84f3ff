// Proportional Rate Reduction (RFC 6937; Linux tcp_cwnd_reduction). During loss recovery the sender
// does not drop cwnd to ssthresh at once (a silence of half an RTT) nor keep sending at the old rate:
// it sends in proportion to what the receiver reports delivered, so that by the end of recovery the
// data in flight has come down to ssthresh. In bytes here; Linux counts segments.

export class Prr {
  /** cwnd when recovery began (RFC 6937 RecoverFS's role, Linux prior_cwnd). */
  private priorCwnd = 0;
  /** Bytes the receiver reported delivered since recovery began (prr_delivered). */
  private delivered = 0;
  /** Bytes sent since recovery began (prr_out). */
  private out = 0;

  /** Recovery starts (Linux tcp_init_cwnd_reduction). */
  start(cwnd: number): void {
    this.priorCwnd = Math.max(1, cwnd);
    this.delivered = 0;
    this.out = 0;
  }

  /** Bytes sent during recovery, new or retransmitted. */
  sent(bytes: number): void {
    this.out += bytes;
  }

  /**
   * RFC 6937 §3 on an ACK that reported `newlyDelivered` bytes: the cwnd that lets out exactly the
   * bytes PRR allows now, given `pipe` bytes in flight. Above ssthresh the proportional part; at or
   * below it the slow-start reduction bound (PRR-SSRB: one more segment when SND.UNA advanced without a
   * new loss). The first call sends at least one segment: the fast retransmission.
   */
  cwnd(
    newlyDelivered: number,
    pipe: number,
    ssthresh: number,
    mss: number,
    unaAdvanced: boolean,
    newlyLost: boolean,
  ): number | undefined {
    if (newlyDelivered <= 0) return undefined;
    this.delivered += newlyDelivered;
    let sndcnt: number;
    if (pipe > ssthresh) {
      // Rounded up to whole segments, as Linux's packet count is (RFC 6937's CEIL).
      sndcnt = Math.ceil((ssthresh * this.delivered) / this.priorCwnd / mss) * mss - this.out;
    } else {
      sndcnt = Math.max(this.delivered - this.out, newlyDelivered);
      if (unaAdvanced && !newlyLost) sndcnt += mss;
      sndcnt = Math.min(ssthresh - pipe, sndcnt);
    }
    if (this.out === 0) sndcnt = Math.max(sndcnt, mss);
    return pipe + Math.max(0, sndcnt);
  }
}
