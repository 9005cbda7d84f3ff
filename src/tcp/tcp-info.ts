// A tcp_info-like snapshot of a connection: Linux's struct tcp_info fields that scripts (packetdrill's
// tcpi_* checks) and tools compare, read from the TCB.
import type { Connection } from "./connection.js";
import { boundToHalfWindow } from "./sender.js";
import { seqDiff } from "./seq.js";
import type { TcpState } from "./state.js";

/** A tcp_info-like snapshot (Linux's struct tcp_info, the fields scripts and tools compare). Times in µs. */
export interface TcpInfo {
  state: TcpState;
  /** Current retransmission timeout, backoff included. */
  rto: number;
  /** Smoothed RTT and its variation (RFC 6298); 0 before the first sample. */
  rtt: number;
  rttvar: number;
  /** Congestion window and slow start threshold, in segments (as tcpi_snd_cwnd). */
  cwnd: number;
  ssthresh: number;
  /** Consecutive retransmission timeouts (tcpi_retransmits / tcpi_backoff). */
  retransmits: number;
  backoff: number;
  /** Unanswered zero-window or keepalive probes (tcpi_probes). */
  probes: number;
  sndMss: number;
  rcvMss: number;
  /** Segments sent and not yet acknowledged (tcpi_unacked). */
  unacked: number;
  sndWscale: number;
  rcvWscale: number;
  /** Bytes the application has not read / bytes written and not yet acknowledged (SIOCINQ / SIOCOUTQ). */
  inq: number;
  outq: number;
}

/** A tcp_info-like snapshot of a connection (Connection.info). */
export function tcpInfo(c: Connection): TcpInfo {
  const snd = c.snd;
  const mss = Math.max(1, snd.mss);
  return {
    state: c.state,
    rto: c.currentRto(),
    rtt: snd.rto.srtt,
    rttvar: snd.rto.rttvar,
    cwnd: Math.floor(snd.cc.cwnd / mss),
    ssthresh: snd.cc.ssthresh >= 0x7fffffff ? 0x7fffffff : Math.floor(snd.cc.ssthresh / mss),
    retransmits: snd.backoffs,
    backoff: snd.backoffs,
    probes: Math.max(c.probesOut, c.keepAliveProbes),
    // Linux reports mss_cache, bounded by the peer's largest window (profile.mssBoundToWindow).
    sndMss: c.env.profile.mssBoundToWindow ? boundToHalfWindow(snd.mss, snd.maxSndWnd) : snd.mss,
    rcvMss: c.rcvMss,
    unacked: Math.ceil(Math.max(0, seqDiff(snd.sndMax, snd.sndUna)) / mss),
    sndWscale: snd.wscale,
    rcvWscale: c.rcv.wscale,
    inq: c.inq,
    outq: c.outq,
  };
}
