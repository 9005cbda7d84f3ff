// CUBIC congestion control (RFC 9438). Sizes in bytes, times in µs; the cubic function itself is written in
// segments and seconds as the RFC does (§4.1), scaled by the MSS where a window in bytes is needed.
//
// Choices where the RFC leaves room:
// - ssthresh after a congestion event is β·cwnd, not Figure 5's β·flight_size: §4.6 permits cwnd (Linux and
//   Windows use it; it does not collapse the window of an application-limited sender). The MUST that comes
//   with it — cwnd may not grow while the flight is smaller than cwnd — is `cwndLimited` in onAck; the time
//   spent application-limited is also left out of the cubic clock (§4.2: t "MUST NOT include" it; §5.8).
// - Fast convergence (§4.7) is on: the engine cannot know whether it is the only flow on the path.
// - Slow start is RFC 5681's with ABC (L = 1 SMSS); HyStart++ (§4.10's SHOULD) is not implemented.
// - No spurious-loss undo (§4.9): the interface has no event for it.
import { initialWindow, type CongestionControl } from "./congestion.js";

/** §5.1: C = 0.4 segments/s³. */
const C = 0.4;
/** §4.6: β_cubic = 0.7. */
const BETA = 0.7;
/** §4.3: α_cubic = 3·(1 − β)/(1 + β), the AIMD increase that matches Reno's average window. */
const ALPHA = (3 * (1 - BETA)) / (1 + BETA);
const US_PER_S = 1_000_000;
const NO_EPOCH = -1;

export class Cubic implements CongestionControl {
  readonly name = "cubic";
  cwnd = 0;
  ssthresh = 0x7fffffff;

  /** W_max in bytes (§4.1); 0 while unknown (no loss yet, or reset by a timeout, §4.8). */
  private maxWnd = 0;
  /** K in seconds (§4.2, Figure 2) for the current epoch. */
  private kSec = 0;
  /** t_epoch in µs: start of the current congestion avoidance stage, NO_EPOCH until the first ACK in it. */
  private epochStart = NO_EPOCH;
  /** W_est in bytes (§4.3), the Reno-friendly estimate. */
  private wEst = 0;
  /** cwnd_prior in bytes (§4.6): cwnd when ssthresh was last set; W_est beyond it switches α to 1 (§4.3). */
  private cwndPrior = 0;
  /** Fractional growth (bytes) not yet added to the integer cwnd. */
  private growth = 0;
  /** Time of the previous ACK, to take application-limited intervals out of t. */
  private lastAck = 0;
  /** ssthresh already answers the current loss episode (a recovery or an RTO not yet followed by progress). */
  private reduced = false;

  constructor(private readonly initialSegments: number) {}

  /** W_max in bytes (0 while unknown): the plateau the window climbs back to after a loss. */
  get wMax(): number {
    return this.maxWnd;
  }

  /** K in seconds for the current epoch (0 before one starts or when the epoch has no plateau ahead). */
  get k(): number {
    return this.kSec;
  }

  init(mss: number, now: number): void {
    this.cwnd = initialWindow(this.initialSegments, mss);
    this.ssthresh = 0x7fffffff;
    this.maxWnd = 0;
    this.kSec = 0;
    this.cwndPrior = 0;
    this.reduced = false;
    this.lastAck = now;
    this.resetEpoch();
  }

  onAck(acked: number, mss: number, now: number, srtt: number, inFlight: number): void {
    if (acked <= 0) return;
    this.reduced = false; // progress: a later RTO is a new congestion event
    // §4.6: with ssthresh derived from cwnd, cwnd MUST NOT grow while the sender does not fill it. The flight
    // before this ACK is compared with one MSS of slack: Nagle and sender-side SWS avoidance can leave less
    // than a segment of cwnd unused although the sender is cwnd-limited.
    const cwndLimited = inFlight + acked + mss > this.cwnd;
    const last = this.lastAck;
    this.lastAck = now;
    if (this.cwnd < this.ssthresh) {
      if (cwndLimited) this.cwnd += Math.min(acked, mss); // RFC 5681 §3.1 with ABC, L = 1 SMSS (§4.10)
      return;
    }
    if (!cwndLimited) {
      // §4.2 / §5.8: the interval since the previous ACK was application-limited; it does not count as t.
      if (this.epochStart !== NO_EPOCH) this.epochStart += now - Math.max(last, this.epochStart);
      return;
    }
    if (this.epochStart === NO_EPOCH) this.startEpoch(mss, now);

    const segC = C * mss; // C in bytes/s³
    const t = (now - this.epochStart) / US_PER_S;
    // §4.2: the target is where the curve will be one RTT from now, kept within [cwnd, 1.5·cwnd].
    const ahead = t + srtt / US_PER_S - this.kSec;
    let target = segC * ahead * ahead * ahead + this.maxWnd;
    if (target < this.cwnd) target = this.cwnd;
    else if (target > 1.5 * this.cwnd) target = 1.5 * this.cwnd;
    // §4.4 / §4.5: concave below W_max, convex above, the same per-ACK step (target − cwnd)/cwnd segments,
    // scaled by the segments this ACK covers (byte counting, §4.1).
    this.growth += ((target - this.cwnd) * acked) / this.cwnd;

    // §4.3, Figure 4 in bytes; α becomes 1 once W_est has reached cwnd_prior.
    const alpha = this.wEst >= this.cwndPrior ? 1 : ALPHA;
    this.wEst += (alpha * mss * acked) / this.cwnd;

    if (this.growth >= 1) {
      const whole = Math.floor(this.growth);
      this.cwnd += whole;
      this.growth -= whole;
    }
    // §4.2: "chooses the larger of the two values": the Reno-friendly region takes over when W_est is ahead.
    // It never lowers cwnd, which runs up to an RTT ahead of W_cubic(t) because of the target.
    const est = Math.floor(this.wEst);
    if (est > this.cwnd) {
      this.cwnd = est;
      this.growth = 0;
    }
  }

  onLoss(_inFlight: number, mss: number, _now: number): void {
    // §4.7 fast convergence, before the reduction: a loss below the previous W_max means the flow's share
    // shrank, so plateau lower and leave room for the newcomer.
    this.maxWnd = this.maxWnd > 0 && this.cwnd < this.maxWnd ? (this.cwnd * (1 + BETA)) / 2 : this.cwnd;
    this.cwndPrior = this.cwnd;
    this.ssthresh = Math.max(Math.floor(this.cwnd * BETA), 2 * mss); // §4.6, Figure 5 (cwnd basis, see top)
    this.cwnd = this.ssthresh;
    this.reduced = true;
    this.resetEpoch(); // the next congestion avoidance stage starts after recovery (§4.2's t_epoch)
  }

  onTimeout(_inFlight: number, mss: number, _now: number): void {
    // §4.8: ssthresh as in §4.6 — once per loss episode. An RTO during fast recovery, or a repeated RTO
    // with no progress since, keeps the ssthresh already set (RFC 5681 §3.1's note on backed-off timers):
    // cwnd is then inflated or already 1 MSS and says nothing about the path.
    if (!this.reduced) {
      this.cwndPrior = this.cwnd;
      this.ssthresh = Math.max(Math.floor(this.cwnd * BETA), 2 * mss);
    }
    this.cwnd = mss; // RFC 5681 §3.1: the loss window
    this.reduced = true;
    // §4.8: the first congestion avoidance stage after a timeout uses K = 0 and W_max = cwnd at its start,
    // which startEpoch does when W_max is unknown.
    this.maxWnd = 0;
    this.resetEpoch();
  }

  onRecoveryEnd(_mss: number, _now: number): void {
    this.cwnd = this.ssthresh; // deflate (RFC 6582 §3.2 step 3, RFC 6675 §5 step 2)
    this.reduced = false;
    this.growth = 0;
  }

  onRestartAfterIdle(mss: number, _now: number): void {
    this.cwnd = Math.min(this.cwnd, initialWindow(this.initialSegments, mss)); // RFC 5681 §4.1
    // §4.2: idle time is not growth time. A fresh epoch starts from the restarted cwnd when congestion
    // avoidance resumes; W_max stays, so the curve still plateaus where the path last saturated.
    this.resetEpoch();
  }

  private resetEpoch(): void {
    this.epochStart = NO_EPOCH;
    this.growth = 0;
  }

  /** §4.2: t_epoch, cwnd_epoch and K; §4.3: W_est = cwnd_epoch. */
  private startEpoch(mss: number, now: number): void {
    this.epochStart = now;
    this.wEst = this.cwnd;
    this.growth = 0;
    if (this.maxWnd > this.cwnd) {
      this.kSec = Math.cbrt((this.maxWnd - this.cwnd) / (C * mss)); // Figure 2
    } else {
      // No plateau ahead (first stage after slow start or a timeout, §4.8 and §4.10): K = 0, W_max = cwnd_epoch.
      this.kSec = 0;
      this.maxWnd = this.cwnd;
    }
  }
}
