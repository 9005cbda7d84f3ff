// Congestion control behind a small interface, so another algorithm is one more file.
// NewReno (RFC 5681 + RFC 6582) for now; all sizes in bytes.

export interface CongestionControl {
  readonly name: string;
  cwnd: number;
  ssthresh: number;
  /** Set once the MSS is known (after the handshake). */
  init(mss: number): void;
  /** New data acknowledged outside recovery. */
  onAck(acked: number, mss: number): void;
  /** Third duplicate ACK: enter fast recovery. */
  onFastRetransmit(inFlight: number, mss: number): void;
  /** Retransmission timeout (RFC 5681 §3.1, equation 4, and cwnd = loss window). */
  onTimeout(inFlight: number, mss: number): void;
  /** Recovery ended by a full ACK (RFC 6582 §3.2 step 3). */
  onRecoveryEnd(): void;
}

export class NewReno implements CongestionControl {
  readonly name = "newreno";
  cwnd = 0;
  ssthresh = 0x7fffffff;
  private bytesAcked = 0;

  constructor(private readonly initialSegments: number) {}

  init(mss: number): void {
    this.cwnd = this.initialSegments * mss; // RFC 6928 initial window
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

  onFastRetransmit(inFlight: number, mss: number): void {
    this.ssthresh = Math.max(Math.floor(inFlight / 2), 2 * mss);
    this.cwnd = this.ssthresh + 3 * mss;
  }

  onTimeout(inFlight: number, mss: number): void {
    this.ssthresh = Math.max(Math.floor(inFlight / 2), 2 * mss);
    this.cwnd = mss;
    this.bytesAcked = 0;
  }

  onRecoveryEnd(): void {
    this.cwnd = this.ssthresh;
  }
}
