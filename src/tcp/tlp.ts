// Tail loss probe (RFC 8985 §7; Linux tcp_schedule_loss_probe / tcp_send_loss_probe / tcp_process_tlp_ack,
// net.ipv4.tcp_early_retrans=3). When the tail of a flight is lost no duplicate ACK comes back to start
// fast recovery, and the sender would wait for the RTO. A probe sent after about two round trips — new
// data if the window allows, else the last segment again — draws an ACK (with SACK) that lets ordinary
// recovery repair the loss. One probe per episode; the ACKs after it tell whether a loss happened.
//
// Pure decisions, like ./rack.ts: the connection owns the timer and sends the probe.

/** Linux TCP_TIMEOUT_MIN: 2 jiffies at HZ=1000, added to the PTO when more than one segment is out. */
export const TLP_MIN_EXTRA = 2000;
/** Linux TCP_TIMEOUT_INIT: the PTO before any RTT sample (µs). */
export const TLP_NO_RTT = 1_000_000;

/** What an ACK told about the episode (tcp_process_tlp_ack). */
export type TlpAckVerdict = "none" | "episode-over" | "loss-repaired";

export class TailLossProbe {
  /**
   * SND.NXT when the probe went out (Linux tlp_high_seq, RFC 8985 TLP.end_seq); undefined when no
   * episode is open. While it is set no second probe is sent.
   */
  highSeq: number | undefined = undefined;
  /** The probe was a retransmission, not new data (Linux tlp_retrans, RFC 8985 TLP.is_retrans). */
  retransmitted = false;

  /**
   * The probe timeout (RFC 8985 §7.2): 2·SRTT, plus (one segment out) the peer's delayed-ACK allowance
   * — Linux adds its RTO minimum, 200 ms — or else 2 ms; never past the RTO still to run, `rtoLeft`.
   */
  timeout(
    srtt: number,
    hasSample: boolean,
    packetsOut: number,
    ackAllowance: number,
    rtoLeft: number,
  ): number {
    let pto = hasSample ? 2 * srtt + (packetsOut === 1 ? ackAllowance : TLP_MIN_EXTRA) : TLP_NO_RTT;
    if (rtoLeft > 0) pto = Math.min(pto, rtoLeft);
    return Math.round(pto);
  }

  /** A probe went out; `sndNxt` after it. */
  sent(sndNxt: number, retransmission: boolean): void {
    this.highSeq = sndNxt;
    this.retransmitted = retransmission;
  }

  /**
   * An ACK at or beyond the probe's SND.NXT (Linux tcp_process_tlp_ack): a probe of new data, or a
   * D-SACK of the probe, or a pure duplicate ACK, ends the episode with no loss; an ACK beyond it
   * after a retransmitted probe means the probe repaired a loss, and the caller reduces cwnd.
   */
  onAck(atOrBeyond: boolean, beyond: boolean, dsack: boolean, pureDupAck: boolean): TlpAckVerdict {
    if (this.highSeq === undefined || !atOrBeyond) return "none";
    if (!this.retransmitted || dsack) {
      this.highSeq = undefined;
      return "episode-over";
    }
    if (beyond) {
      this.highSeq = undefined;
      return "loss-repaired";
    }
    if (pureDupAck) {
      this.highSeq = undefined;
      return "episode-over";
    }
    return "none";
  }

  /** An RTO or the start of a cwnd reduction ends the episode (Linux tcp_retransmit_timer, tcp_init_cwnd_reduction). */
  reset(): void {
    this.highSeq = undefined;
    this.retransmitted = false;
  }
}
