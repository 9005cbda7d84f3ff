// Retransmission timeout estimator of RFC 6298 (SRTT, RTTVAR, min/max bounds), and where its samples
// come from: the timed segment under Karn's rule, the handshake, the echoed timestamp (sampleRtt).
import type { Profile } from "./profile.js";
import type { Sender } from "./sender.js";
import type { Timestamps } from "./timestamps.js";
import type { Segment } from "../wire/segment.js";
import { seqGt } from "./seq.js";
import { WindowedMin } from "./windowed-min.js";

/** RFC 6298 §5.7: the RTO data starts with after a SYN timed out without an RTT sample. */
export const RTO_FALLBACK = 3_000_000;

export class RtoEstimator {
  srtt = 0;
  rttvar = 0;
  hasSample = false;
  /** Smallest RTT sample over the profile's window (Linux tcp_min_rtt; Infinity before any sample). */
  private readonly minFilter: WindowedMin;
  /** The current RTO before backoff (µs), slop included. */
  rto: number;
  /** The RTO from the RTT estimate alone, before the slop is added (what backoff doubles). */
  private estimate: number;
  private readonly min: number;
  private readonly max: number;
  private readonly slop: number;
  private readonly linuxForm: boolean;

  constructor(profile: Profile) {
    this.rto = profile.rtoInitial; // RFC 6298 §2.1
    this.estimate = profile.rtoInitial;
    this.min = profile.rtoMin;
    this.max = profile.rtoMax;
    this.slop = profile.rtoSlop;
    this.linuxForm = profile.rtoForm === "linux";
    this.minFilter = new WindowedMin(profile.minRttWindow);
  }

  /** min_rtt: the smallest RTT sample within the last profile.minRttWindow (Linux tcp_min_rtt). */
  get minRtt(): number {
    return this.minFilter.value;
  }

  /**
   * RFC 6298 §2.2 and §2.3, with the clock granularity G folded into the minimum (§2.4); `now` dates the
   * sample for min_rtt's window (Linux tcp_ack_update_rtt → tcp_update_rtt_min). Not modelled: Linux skips
   * a min_rtt sample above the minimum from an ACK that may have been delayed (FLAG_ACK_MAYBE_DELAYED: one
   * runt segment acknowledged), and feeds min_rtt the newest acknowledged segment's RTT, SACKed ones too.
   */
  sample(rtt: number, now: number): void {
    if (rtt < 0) return;
    this.minFilter.update(now, rtt);
    if (!this.hasSample) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
      this.hasSample = true;
    } else {
      // beta = 1/4, alpha = 1/8; RTTVAR is updated first, with the old SRTT (§2.3).
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
    // Linux's form: srtt + max(4·rttvar, rto_min) — the same as the RFC's when rttvar dominates,
    // and it keeps a small-RTT path from retransmitting after a single delayed ACK. RFC 6298 §2.3/§2.4
    // (and FreeBSD's TCP_REXMTVAL): max(rto_min, srtt + 4·rttvar).
    const rto = Math.round(
      this.srtt + (this.linuxForm ? Math.max(4 * this.rttvar, this.min) : 4 * this.rttvar),
    );
    this.estimate = Math.min(this.max, Math.max(this.min, rto));
    // FreeBSD's TCPT_RANGESET adds tcp_rexmit_slop to every RTO it sets (profile.rtoSlop).
    this.rto = Math.min(this.max, this.estimate + this.slop);
  }

  /**
   * The RTO after `backoffs` doublings (RFC 6298 §5.5), capped at the maximum. A slop is added after the
   * doubling (FreeBSD tcp_timer_rexmt: TCPT_RANGESET(t_rxtcur, REXMTVAL · tcp_backoff[shift], …)), also
   * to the initial RTO's backoffs before any sample, as FreeBSD does for SYN_SENT.
   */
  backedOff(backoffs: number): number {
    if (backoffs === 0) return this.rto;
    let rto = this.hasSample ? this.estimate : this.rto;
    for (let i = 0; i < backoffs && rto < this.max; i++) rto *= 2;
    return Math.min(rto + this.slop, this.max);
  }
}

/**
 * RFC 6298 §3 with Karn's rule: one timed segment, discarded after any retransmission. While Karn's rule
 * leaves no timed segment, the echoed timestamp still measures the RTT (RFC 7323 §4: the echo names the
 * transmission it answers, so retransmissions are no ambiguity). Linux likewise prefers its µs segment
 * clock and falls back to the 1 ms TSecr. `handshake`: the ACK of our SYN (SYN_SENT or SYN_RECEIVED).
 */
export function sampleRtt(snd: Sender, ts: Timestamps, handshake: boolean, now: number, seg: Segment): void {
  const ack = seg.ack;
  if (handshake) {
    // The handshake RTT seeds SRTT (linux-profile.md), unless the SYN was retransmitted (Karn).
    if (snd.backoffs === 0) snd.rto.sample(now - snd.firstSendTime, now);
    return;
  }
  if (snd.rttTime >= 0 && seqGt(ack, snd.rttSeq)) {
    snd.rto.sample(now - snd.rttTime, now);
    snd.rttTime = -1;
    snd.karnHold = false;
  } else if (snd.karnHold && ts.ok && seg.options.timestamp && seg.options.timestamp.ecr !== 0) {
    const sentAt = ts.sentAt(seg.options.timestamp.ecr, now);
    if (sentAt >= 0) snd.rto.sample(now - sentAt, now);
    snd.karnHold = false;
  }
}

/**
 * RFC 6298 §5.7: when the SYN (or SYN,ACK) timed out and no RTT sample exists, data starts with an
 * RTO of 3 s (Linux's TCP_TIMEOUT_FALLBACK).
 */
export function handshakeRtoFallback(snd: Sender): void {
  if (snd.backoffs > 0 && !snd.rto.hasSample) snd.rto.rto = Math.max(snd.rto.rto, RTO_FALLBACK);
}
