// Congestion control behind a small interface, so another algorithm is one more file (see ./cubic.ts).
// All sizes in bytes, times in µs. The connection owns loss detection and recovery (RFC 6675 with SACK,
// RFC 6582 NewReno without); an algorithm only decides how cwnd and ssthresh move.

export interface CongestionControl {
  readonly name: string;
  cwnd: number;
  ssthresh: number;
  /** Set once the MSS is known (after the handshake): the initial window (RFC 6928). */
  init(mss: number, now: number): void;
  /**
   * New data cumulatively acknowledged outside loss recovery. `srtt` is the smoothed RTT in µs (0 when
   * no sample exists yet); `inFlight` the bytes outstanding after this ACK.
   */
  onAck(acked: number, mss: number, now: number, srtt: number, inFlight: number): void;
  /**
   * Loss detected by duplicate ACKs or SACK (RFC 5681 §3.2 step 2, RFC 6675 §5 step 4.2): set ssthresh
   * and cwnd = ssthresh. Classic NewReno's temporary inflation by 3·SMSS is the caller's business.
   */
  onLoss(inFlight: number, mss: number, now: number): void;
  /** Retransmission timeout (RFC 5681 §3.1 equation 4; cwnd becomes the loss window, 1 SMSS). */
  onTimeout(inFlight: number, mss: number, now: number): void;
  /** Recovery ended by a full ACK (RFC 6582 §3.2 step 3, RFC 6675 §5 step 2): cwnd = ssthresh. */
  onRecoveryEnd(mss: number, now: number): void;
  /** Sending restarts after an idle period longer than the RTO (RFC 5681 §4.1): cwnd = min(cwnd, IW). */
  onRestartAfterIdle(mss: number, now: number): void;
}

/** RFC 6928 §2: IW = min(N·MSS, max(2·MSS, 14600)) for N = 10; with N ≤ 4 the RFC 5681 rule applies. */
export function initialWindow(segments: number, mss: number): number {
  if (segments <= 4) return segments * mss;
  return Math.min(segments * mss, Math.max(2 * mss, segments * 1460));
}

export class NewReno implements CongestionControl {
  readonly name = "newreno";
  cwnd = 0;
  ssthresh = 0x7fffffff;
  private bytesAcked = 0;

  constructor(private readonly initialSegments: number) {}

  init(mss: number): void {
    this.cwnd = initialWindow(this.initialSegments, mss);
    this.ssthresh = 0x7fffffff;
  }

  onAck(acked: number, mss: number): void {
    if (this.cwnd < this.ssthresh) {
      this.cwnd += Math.min(acked, mss); // slow start, RFC 5681 §3.1 (appropriate byte counting, L = 1 SMSS)
    } else {
      this.bytesAcked += acked; // congestion avoidance: one MSS per cwnd of data acknowledged
      if (this.bytesAcked >= this.cwnd) {
        this.bytesAcked -= this.cwnd;
        this.cwnd += mss;
      }
    }
  }

  onLoss(inFlight: number, mss: number): void {
    this.ssthresh = Math.max(Math.floor(inFlight / 2), 2 * mss); // RFC 5681 equation 4
    this.cwnd = this.ssthresh;
    this.bytesAcked = 0;
  }

  onTimeout(inFlight: number, mss: number): void {
    this.ssthresh = Math.max(Math.floor(inFlight / 2), 2 * mss);
    this.cwnd = mss;
    this.bytesAcked = 0;
  }

  onRecoveryEnd(): void {
    this.cwnd = this.ssthresh;
  }

  onRestartAfterIdle(mss: number): void {
    this.cwnd = Math.min(this.cwnd, initialWindow(this.initialSegments, mss));
  }
}
