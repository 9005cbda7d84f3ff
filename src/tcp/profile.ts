// Timing and policy constants, grouped in named profiles (docs/architecture.md, "Profiles").
// All durations are integer microseconds, the engine's unit of time.

/** One millisecond in the engine's unit (µs). */
export const MS = 1000;
/** One second in the engine's unit (µs). */
export const SECOND = 1_000_000;

/** When a listener answers SYNs with cookies: never, when its SYN queue overflows, or always. */
export type SynCookiePolicy = "off" | "overflow" | "always";
/** Linux's tcp_tw_reuse: 0 (off), 2 (loopback, Linux's default), 1 (on). */
export type TimeWaitReusePolicy = "off" | "loopback" | "on";
export type CongestionControlName = "cubic" | "newreno";
/**
 * How the receive window shift we offer (RFC 7323 §2.3) is derived from the largest window to cover:
 * "ilog2" is Linux's tcp_select_initial_window (ilog2(space) − 15, within 0..14); "cover" is the smallest
 * shift with 65535 << shift ≥ space (FreeBSD's tcp_connect / syncache loop against sb_max; RFC 7323
 * §2.3 leaves the choice to the receiver).
 */
export type WindowScaleRule = "ilog2" | "cover";
/**
 * Which data segments carry PSH. "write-end": those that reach the end of a write or a forced push
 * point, first transmissions and retransmissions alike (Linux tcp_push / tcp_mark_push / forced_push).
 * "buffer-empty": a segment that empties the send buffer, and every fast retransmission (FreeBSD
 * tcp_output: "off + len == sbused(&so->so_snd)"; RFC 9293 §3.9.1 lets a sender push implicitly).
 */
export type PushRule = "write-end" | "buffer-empty";
/**
 * How the advertised receive window follows the receive buffer. "linux": the window is the buffer space
 * turned into payload bytes by the measured payload-to-truesize ratio, each queued segment charged its
 * truesize, capped by a slowly growing threshold and rounded to the receive MSS (tcp_win_from_space,
 * tcp_select_initial_window, __tcp_select_window, tcp_grow_window; receive-window.ts). "free-space": the
 * window is the buffer's free bytes, opened by at least min(buffer/2, MSS) at a time (RFC 9293
 * §3.8.6.2.2's receiver SWS avoidance, as FreeBSD's tcp_output does for its window updates).
 */
export type ReceiveWindowRule = "linux" | "free-space";

/**
 * New data on the first duplicate ACKs, before fast retransmit. "rfc3042": one segment on each of the
 * first two (RFC 3042 §2; RFC 5681 §3.2 says SHOULD; FreeBSD net.inet.tcp.rfc3042=1). "linux": Linux's
 * in-flight accounting, where every duplicate ACK (or SACKed segment) counts as delivered and leaves the
 * network (tcp_add_reno_sack, tcp_packets_in_flight, tcp_cwnd_test) — the RFC 3042 effect on every
 * duplicate ACK until recovery. "off": none.
 */
export type LimitedTransmitRule = "off" | "rfc3042" | "linux";

/** Every constant of a TCP implementation (timers, buffers, options, policies), each with its source; see docs/architecture.md. */
export interface Profile {
  name: string;
  /** Maximum segment lifetime; the simulator discards segments older than this. */
  msl: number;
  /** How long TIME_WAIT lasts. 2·MSL by the RFC; Linux fixes it at 60 s. 0 is the ablation of S7. */
  timeWait: number;
  rtoInitial: number;
  rtoMin: number;
  rtoMax: number;
  /**
   * How the RTO comes from SRTT and RTTVAR: "linux" srtt + max(4·rttvar, rtoMin) (tcp_set_rto /
   * tcp_rtt_estimator's mdev floor); "rfc6298" max(rtoMin, srtt + 4·rttvar) (RFC 6298 §2.3–2.4, FreeBSD
   * TCP_REXMTVAL).
   */
  rtoForm: "linux" | "rfc6298";
  /**
   * Added to every RTO computed from the RTT estimate or backed off (FreeBSD tcp_rexmit_slop =
   * TCPTV_CPU_VAR, 200 ms, added by TCPT_RANGESET so a peer's delayed ACK does not trigger a
   * retransmission on a short path). 0 elsewhere.
   */
  rtoSlop: number;
  /** SYN retransmissions before connect() fails with ETIMEDOUT (Linux tcp_syn_retries). */
  synRetries: number;
  /** Linux ≥ 6.6 tcp_syn_linear_timeouts: this many SYN retries use the initial RTO without backoff. */
  synLinearRetries: number;
  /** SYN-ACK retransmissions before a SYN_RECEIVED child is dropped (tcp_synack_retries). */
  synAckRetries: number;
  /** Data retransmissions on a connection the application still holds (tcp_retries2). */
  dataRetries: number;
  /** Retransmissions of data/FIN on an orphaned (closed by the application) socket (tcp_orphan_retries). */
  orphanRetries: number;
  /**
   * Orphans (connections the application closed, not yet CLOSED or TIME_WAIT) a host keeps; closing one
   * more resets it at once (Linux tcp_max_orphans, checked by tcp_close → tcp_check_oom). Infinity: the
   * system has no such bound.
   */
  maxOrphans: number;
  /** How long an orphaned FIN_WAIT_2 waits for the peer's FIN (tcp_fin_timeout); Infinity: no such timer. */
  finWait2Timeout: number;
  keepAliveIdle: number;
  keepAliveInterval: number;
  keepAliveProbes: number;
  /** Ephemeral port range, inclusive (ip_local_port_range). */
  ephemeralPortLow: number;
  ephemeralPortHigh: number;
  /** RFC 1337: ignore RST in TIME_WAIT. Linux's tcp_rfc1337 defaults to 0 (an in-window RST kills it). */
  rfc1337: boolean;
  synCookies: SynCookiePolicy;
  /**
   * With timestamps, a cookie SYN,ACK keeps SACK-permitted and window scale, hiding the peer's in the low
   * bits of its TSval (Linux cookie_init_timestamp / cookie_timestamp_decode). false: a cookie SYN,ACK
   * carries only the MSS (RFC 4987 §3.6's plain cookie).
   */
  synCookieTsOptions: boolean;
  /**
   * A simultaneous open's SYN,ACK carries the options of our own SYN again (Linux: the full socket's
   * tcp_send_synack builds it with tcp_syn_options). false: it confirms only what the peer's SYN offered,
   * as a listener's does (RFC 7323 §2.2; FreeBSD tcp_output: TF_RCVD_SCALE / TF_SACK_PERMIT checks).
   */
  synAckRepeatsSynOptions: boolean;
  /**
   * A passive open's largest peer window seen (Max(SND.WND), RFC 9293 §3.8.6.2.1) starts from the final
   * ACK, not the SYN: Linux creates the socket there (tcp_create_openreq_child: max_window = snd_wnd).
   */
  maxWindowFromFinalAck: boolean;
  /**
   * The send MSS a write is cut by, and TCP_MAXSEG / tcpi_snd_mss report, is bounded by the peer's largest
   * window: half of it, or all of it up to 536 bytes (Linux tcp_sync_mss → tcp_bound_to_half_wnd).
   */
  mssBoundToWindow: boolean;
  /** SYN queue bound (tcp_max_syn_backlog). */
  synBacklog: number;
  /** Upper bound on a listener's accept queue (somaxconn). */
  acceptBacklogMax: number;
  /** RFC 5961 §7 / tcp_invalid_ratelimit: minimum gap between challenge ACKs on one connection. */
  challengeAckInterval: number;
  /** Largest delay for an ACK of in-order data (RFC 9293 §3.8.6.3 allows up to 500 ms). */
  delayedAckTimeout: number;
  /** Receive buffer size in bytes; the advertised window is its free space. */
  receiveBuffer: number;
  /**
   * The largest receive buffer a socket may grow to, which the offered window scale must cover (Linux:
   * tcp_rmem[2]; FreeBSD: kern.ipc.maxsockbuf). A socket whose SO_RCVBUF is set covers only that buffer
   * (Linux: SOCK_RCVBUF_LOCK clamps the window to the full space).
   */
  receiveBufferMax: number;
  /** net.core.rmem_max: the cap of SO_RCVBUF, and (Linux) a floor of the space the scale covers. */
  rmemMax: number;
  windowScaleRule: WindowScaleRule;
  pushRule: PushRule;
  receiveWindowRule: ReceiveWindowRule;
  /**
   * A corked partial segment with nothing in flight is sent when the persist (probe) timer expires, at
   * max(RTO, 200 ms) (Linux tcp_check_probe_timer → tcp_probe_timer → tcp_write_wakeup; tcp(7): "a 200
   * millisecond ceiling"). false: it waits until uncorked (FreeBSD's TCP_NOPUSH has no such timer).
   */
  corkProbeTimer: boolean;
  /** Send buffer size in bytes; writes beyond it are queued by the socket layer (backpressure). */
  sendBuffer: number;
  /** MSS we advertise when the link does not say otherwise (MTU 1500 − 40). */
  defaultMss: number;
  /** Initial congestion window in segments (RFC 6928). */
  initialWindowSegments: number;
  timeWaitReuse: TimeWaitReusePolicy;
  /** Linux tcp_tw_reuse_delay: how old a TIME_WAIT entry must be before reuse by timestamps. */
  timeWaitReuseDelay: number;
  /**
   * A connect() from a socket bound to its port may take a TIME_WAIT 4-tuple over at once when the old
   * connection used timestamps, whatever timeWaitReuse says (Linux tcp_twsk_unique, twp == NULL).
   */
  timeWaitReuseBound: boolean;
  /** Offer and accept RFC 7323 window scaling (Linux tcp_window_scaling). */
  windowScaling: boolean;
  /** Offer and accept RFC 7323 timestamps (Linux tcp_timestamps). */
  timestamps: boolean;
  /** Offer and accept RFC 2018 selective acknowledgments (Linux tcp_sack). */
  sack: boolean;
  /** Send RFC 2883 D-SACK blocks for duplicate data (Linux tcp_dsack). */
  dsack: boolean;
  congestionControl: CongestionControlName;
  /** RFC 5681 §4.1 restart window after an idle period (Linux tcp_slow_start_after_idle). */
  slowStartAfterIdle: boolean;
  /** Linux quick-ACK mode: at most this many segments at the start are ACKed at once (TCP_MAX_QUICKACKS). */
  quickAcks: number;
  /**
   * Linux's interactive (ping-pong) delayed-ACK mode: after a quick reply, and after the peer's FIN,
   * ACKs are delayed rather than quick (tcp_event_data_sent, tcp_fin, tcp_in_quickack_mode). FreeBSD
   * and the RFCs ACK a FIN at once (tcp_input sets TF_ACKNOW on FIN).
   */
  pingPong: boolean;
  /**
   * SYN_SENT and a segment whose ACK is unacceptable: before any retransmission, the SYN timer is re-armed
   * to this (Linux TCP_TIMEOUT_MIN, 2 jiffies: 2 ms at HZ=1000) in case the peer ignored an earlier
   * segment of ours. 0: the timer is left alone (RFC 9293 §3.10.7.3 says nothing of it).
   */
  synSentBadAckRearm: number;
  /**
   * TIME_WAIT answers an in-window RST whose sequence number is not exact with a challenge ACK (RFC 5961
   * §3.2). Linux does not (tcp_timewait_state_process ignores every RST but the exact one), nor does
   * FreeBSD (tcp_twcheck drops RSTs).
   */
  timeWaitChallengeAck: boolean;
  /** When keepalive gives up, an RST tells the peer (Linux tcp_keepalive_timer; FreeBSD tcp_timer_keep → tcp_drop). */
  keepAliveTimeoutRst: boolean;
  /** The error an RST in CLOSE_WAIT leaves for the application (Linux tcp_reset: EPIPE; RFC 9293 "reset"). */
  rstInCloseWaitError: "EPIPE" | "ECONNRESET";
  /**
   * The error an RST in CLOSING or LAST_ACK leaves for an application still holding the socket (after
   * shutdown()), or null: RFC 9293 §3.10.7.4 only "enter the CLOSED state, delete the TCB, and return".
   */
  rstInLastAckError: "ECONNRESET" | null;
  /**
   * Ticks per second of the ISN clock M (ISN = M + F(4-tuple, key), RFC 9293 §3.4.1, RFC 6528 §3). It says
   * how far one 4-tuple's ISN moves between incarnations, so how fast a connection may send before a new
   * incarnation's ISS lands inside the old one's sequence space (S9, S11), and how soon M wraps (2^32 / rate).
   */
  isnClockRate: number;
  /** Each ISN from the clock moves M on by at least this, host-wide (FreeBSD ISN_STATIC_INCREMENT); 0: none. */
  isnStepMin: number;
  /** ... plus a random amount below this (FreeBSD ISN_RANDOM_INCREMENT + 1); 0: none. */
  isnStepRandom: number;
  /** A passive open's ISS: M + F like an active open's ("clock"), or a random number ("random"). */
  passiveIsn: "clock" | "random";
  /** RFC 8985 §7 tail loss probe (Linux tcp_early_retrans=3, the default). Needs SACK, as Linux's does. */
  tailLossProbe: boolean;
  /** RFC 8985 §6 RACK time-based loss detection and its reordering timer (Linux tcp_recovery=1). SACK only. */
  rack: boolean;
  /**
   * The window (µs) over which min_rtt is the minimum RTT sample (Linux tcp_min_rtt_wlen); RACK's reordering
   * window is min_rtt/4, and only RACK reads it. Infinity: the smallest sample of the connection's life.
   */
  minRttWindow: number;
  limitedTransmit: LimitedTransmitRule;
  /** RFC 6937 proportional rate reduction of cwnd during SACK loss recovery (Linux tcp_cwnd_reduction). */
  prr: boolean;
}

const linux: Profile = {
  name: "linux",
  msl: 30 * SECOND, // Linux has no MSL; the simulator's packet lifetime, half of TCP_TIMEWAIT_LEN
  timeWait: 60 * SECOND, // TCP_TIMEWAIT_LEN, not derived from any MSL setting
  rtoInitial: 1 * SECOND, // TCP_TIMEOUT_INIT
  rtoMin: 200 * MS, // TCP_RTO_MIN
  rtoMax: 120 * SECOND, // TCP_RTO_MAX
  rtoForm: "linux", // tcp_rtt_estimator / __tcp_set_rto: srtt + max(mdev, rto_min)
  rtoSlop: 0, // Linux adds none
  synRetries: 6, // tcp_syn_retries default (TCP_SYN_RETRIES)
  synLinearRetries: 4, // tcp_syn_linear_timeouts default (Linux ≥ 6.6)
  synAckRetries: 5, // tcp_synack_retries default (TCP_SYNACK_RETRIES)
  dataRetries: 15, // tcp_retries2 default (TCP_RETR2)
  orphanRetries: 8, // tcp_orphan_retries=0 means 8 in the kernel
  // ehash entries / 2, set by tcp_init(); 131072 observed on the test hosts (host-inspection-facts §1.9).
  maxOrphans: 131072,
  finWait2Timeout: 60 * SECOND, // tcp_fin_timeout default (TCP_FIN_TIMEOUT)
  keepAliveIdle: 7200 * SECOND, // tcp_keepalive_time (TCP_KEEPALIVE_TIME)
  keepAliveInterval: 75 * SECOND, // tcp_keepalive_intvl (TCP_KEEPALIVE_INTVL)
  keepAliveProbes: 9, // tcp_keepalive_probes (TCP_KEEPALIVE_PROBES)
  ephemeralPortLow: 32768, // ip_local_port_range default
  ephemeralPortHigh: 60999,
  rfc1337: false, // tcp_rfc1337 default 0
  synCookies: "overflow", // tcp_syncookies default 1
  synCookieTsOptions: true, // syncookies.c: cookie_init_timestamp(), cookie_timestamp_decode()
  synAckRepeatsSynOptions: true, // tcp_rcv_synsent_state_process → tcp_send_synack
  maxWindowFromFinalAck: true, // tcp_create_openreq_child
  mssBoundToWindow: true, // tcp_bound_to_half_wnd
  synBacklog: 128, // tcp_max_syn_backlog's floor (tcp_init sets max(128, ehash entries / 256))
  acceptBacklogMax: 4096, // net.core.somaxconn default since Linux 5.4
  challengeAckInterval: 500 * MS, // tcp_invalid_ratelimit default
  delayedAckTimeout: 40 * MS, // TCP_DELACK_MIN (the ATO floor)
  receiveBuffer: 131072, // tcp_rmem[1], stock
  // tcp_rmem[2] stock value (Documentation/networking/ip-sysctl.rst: "default 6MB"): wscale 7.
  receiveBufferMax: 6291456,
  rmemMax: 212992, // net.core.rmem_max default (SK_RMEM_MAX)
  windowScaleRule: "ilog2", // tcp_select_initial_window()
  pushRule: "write-end", // tcp_push / tcp_mark_push / forced_push
  receiveWindowRule: "linux", // tcp_win_from_space(), __tcp_select_window() (Linux 6.18)
  corkProbeTimer: true, // tcp_check_probe_timer(), tcp_write_wakeup()
  sendBuffer: 262144, // tcp_wmem[1] of the test hosts (linux-profile.md "Sysctls"; stock 16384)
  defaultMss: 1460, // MTU 1500 − 40 (tcp_mss_to_mtu)
  initialWindowSegments: 10, // TCP_INIT_CWND
  timeWaitReuse: "loopback", // tcp_tw_reuse default 2
  timeWaitReuseDelay: 1 * SECOND, // tcp_tw_reuse_delay default (1000 ms)
  timeWaitReuseBound: true, // tcp_twsk_unique: "tw_ts_recent_stamp && (!twp || ...)"
  windowScaling: true, // tcp_window_scaling, tcp_timestamps, tcp_sack, tcp_dsack: default 1
  timestamps: true,
  sack: true,
  dsack: true,
  congestionControl: "cubic", // tcp_congestion_control default
  slowStartAfterIdle: false, // the usual test configuration (linux-profile.md "Sysctls"); the kernel default is 1
  quickAcks: 16, // TCP_MAX_QUICKACKS
  pingPong: true, // inet_csk_enter_pingpong_mode (tcp_event_data_sent, tcp_fin)
  synSentBadAckRearm: 2 * MS, // TCP_TIMEOUT_MIN at CONFIG_HZ=1000
  timeWaitChallengeAck: false, // tcp_timewait_state_process: only an exact RST counts
  keepAliveTimeoutRst: true, // tcp_send_active_reset
  rstInCloseWaitError: "EPIPE", // tcp_reset: "case TCP_CLOSE_WAIT: err = EPIPE"
  rstInLastAckError: "ECONNRESET", // tcp_reset: the default case, every state but SYN_SENT/CLOSE_WAIT/CLOSE
  // net/core/secure_seq.c secure_tcp_seq → seq_scale: hash + (ktime_get_real_ns() >> 6), one tick per 64 ns
  // ("a clock of 64 ns period ... period of 274 s"); the same for SYN and SYN,ACK (tcp_v4_init_seq).
  isnClockRate: 15_625_000,
  isnStepMin: 0,
  isnStepRandom: 0,
  passiveIsn: "clock",
  tailLossProbe: true, // net.ipv4.tcp_early_retrans default 3 (Documentation/networking/ip-sysctl.rst)
  rack: true, // net.ipv4.tcp_recovery default 0x1, RACK loss detection (ip-sysctl.rst)
  minRttWindow: 300 * SECOND, // net.ipv4.tcp_min_rtt_wlen default 300 (ip-sysctl.rst; tcp_update_rtt_min)
  limitedTransmit: "linux", // tcp_packets_in_flight() subtracts sacked_out; tcp_add_reno_sack() per dup ACK
  prr: true, // tcp_cwnd_reduction(), always on since Linux 3.2 (commit "tcp: Proportional Rate Reduction")
};

const bsd: Profile = {
  ...linux,
  name: "bsd",
  msl: 30 * SECOND, // net.inet.tcp.msl default (30000 ms, TCPTV_MSL)
  timeWait: 60 * SECOND, // 2·MSL with FreeBSD's net.inet.tcp.msl = 30 s (macOS: 15 s, so 30 s)
  rtoMin: 30 * MS, // tcp_rexmit_min = TCPTV_MIN (hz/33)
  rtoMax: 64 * SECOND, // TCPTV_REXMTMAX
  rtoForm: "rfc6298", // TCP_REXMTVAL: max(t_rttmin, srtt + 4·rttvar)
  rtoSlop: 200 * MS, // tcp_rexmit_slop = TCPTV_CPU_VAR (hz/5), added in TCPT_RANGESET (tcp_timer.h)
  // Six SYN retransmissions fit TCP_MAXRXTSHIFT's backoff; FreeBSD itself gives up a connect at
  // net.inet.tcp.keepinit (TCPTV_KEEP_INIT, 75 s), which is not modelled (listed in docs/architecture.md).
  synRetries: 6,
  synLinearRetries: 0,
  synAckRetries: 3, // tcp_syncache.c SYNCACHE_MAXREXMTS
  dataRetries: 12, // TCP_MAXRXTSHIFT
  orphanRetries: 12, // TCP_MAXRXTSHIFT: FreeBSD has no separate orphan count
  maxOrphans: Infinity, // FreeBSD bounds sockets overall (kern.ipc.maxsockets), not orphans
  finWait2Timeout: 60 * SECOND, // TCPTV_FINWAIT2_TIMEOUT (net.inet.tcp.fin_wait_2_timeout)
  ephemeralPortLow: 49152,
  ephemeralPortHigh: 65535,
  rfc1337: true, // tcp_twcheck drops every RST in TIME_WAIT
  // FreeBSD keeps wscale and SACK in the cookie's own bits instead (tcp_syncache.c syncookie_generate),
  // which this engine does not model: its cookies stay MSS-only rather than borrow Linux's TSval trick.
  synCookieTsOptions: false,
  synAckRepeatsSynOptions: false, // tcp_output: wscale/SACK only if TF_RCVD_SCALE / TF_SACK_PERMIT
  maxWindowFromFinalAck: false, // RFC 9293 §3.8.6.2.1 kept (the SYN's window counts); FreeBSD not verified
  mssBoundToWindow: false, // tcp_mss: t_maxseg comes from the MSS option and the route only
  delayedAckTimeout: 100 * MS, // TCPTV_DELACK (hz / 10), net.inet.tcp.delacktime
  // TCPTV_KEEP_IDLE, TCPTV_KEEPINTVL, TCPTV_KEEPCNT (tcp_timer.h)
  keepAliveIdle: 7200 * SECOND,
  keepAliveInterval: 75 * SECOND,
  keepAliveProbes: 8,
  // FreeBSD kern.ipc.maxsockbuf default (2 MB, sb_max in uipc_sockbuf.c): the loop in tcp_connect /
  // syncache_add raises the shift until TCP_MAXWIN << shift covers it, so FreeBSD offers 6.
  receiveBufferMax: 2097152,
  rmemMax: 2097152,
  windowScaleRule: "cover",
  pushRule: "buffer-empty",
  // FreeBSD tcp_output advertises sbspace(&so->so_rcv), the free buffer; its window-update thresholds are
  // not modelled beyond RFC 9293 §3.8.6.2.2's min(buffer/2, MSS).
  receiveWindowRule: "free-space",
  corkProbeTimer: false, // TCP_NOPUSH: held until the flag is cleared or the buffer fills (tcp_output)
  timeWaitReuse: "off", // FreeBSD has no tcp_tw_reuse
  timeWaitReuseBound: false, // RFC 9293 §3.6 kept: the 4-tuple is in use (FreeBSD's own recycling is not modelled)
  congestionControl: "newreno", // net.inet.tcp.cc.algorithm default before FreeBSD 14 (14 uses CUBIC)
  slowStartAfterIdle: true,
  quickAcks: 0, // no quick-ACK mode
  pingPong: false,
  synSentBadAckRearm: 0,
  timeWaitChallengeAck: false, // tcp_twcheck: "if (thflags & TH_RST) goto drop"
  keepAliveTimeoutRst: true, // tcp_timer_keep → tcp_drop → tcp_output in CLOSED sends RST
  rstInCloseWaitError: "ECONNRESET", // 4.4BSD/FreeBSD tcp_input: RST in CLOSE_WAIT sets so_error = ECONNRESET
  // FreeBSD tcp_input.c (since RFC 5961's RST check): "case TCPS_CLOSING: case TCPS_LAST_ACK: so->so_error =
  // ECONNRESET" (4.4BSD had closed these silently).
  rstInLastAckError: "ECONNRESET",
  // tcp_subr.c tcp_new_isn: keyed hash + isn_offset, which grows by ISN_BYTES_PER_SECOND (1048576) per
  // second and by ISN_STATIC_INCREMENT (4096) + (arc4random() & ISN_RANDOM_INCREMENT (4095)) per ISN.
  isnClockRate: 1_048_576,
  isnStepMin: 4096,
  isnStepRandom: 4096,
  // tcp_syncache.c syncache_add: sc_iss = arc4random(), or a SYN cookie (net.inet.tcp.syncookies=1, the
  // default): a SYN,ACK's ISS never comes from tcp_new_isn's clock.
  passiveIsn: "random",
  // FreeBSD's default stack has neither (RACK and TLP live in the separate tcp_rack stack module).
  tailLossProbe: false,
  rack: false,
  limitedTransmit: "rfc3042", // net.inet.tcp.rfc3042=1 (tcp(4); sys/netinet/tcp_input.c V_tcp_do_rfc3042)
  prr: true, // net.inet.tcp.do_prr, "Default is true" (FreeBSD 14 tcp(4); V_tcp_do_prr in tcp_input.c)
};

/**
 * Windows' TIME_WAIT is TcpTimedWaitDelay (seconds), absent from the registry by default; Microsoft's
 * documents give different defaults per version (host-inspection-facts §2.1). The `windows` profile and
 * `tcplab inspect` both take `profile`, so the simulation and the host report never disagree.
 */
export const WINDOWS_TIME_WAIT = {
  byVersion: [
    { version: "Windows 2000", seconds: 240, source: "Windows 2000 TCP/IP reference (technet cc938217)" },
    {
      version: "Windows Server 2003",
      seconds: 120,
      source: "Windows Server 2003 reference (technet cc757512)",
    },
    {
      version: "Windows 10",
      seconds: 240,
      source: 'learn.microsoft.com "Troubleshoot port exhaustion issues" ("4 minutes (default)")',
    },
  ],
  profile: {
    version: "Windows Server 2003",
    seconds: 120,
    source: "Windows Server 2003 reference (technet cc757512)",
  },
} as const;

const windows: Profile = {
  ...linux,
  name: "windows",
  msl: 60 * SECOND,
  timeWait: WINDOWS_TIME_WAIT.profile.seconds * SECOND, // TcpTimedWaitDelay default, see WINDOWS_TIME_WAIT
  rtoMin: 300 * MS,
  rtoMax: 60 * SECOND,
  rtoForm: "rfc6298", // assumed: the RFC 6298 formula; Microsoft documents none
  rtoSlop: 0,
  synRetries: 4,
  synLinearRetries: 0,
  synAckRetries: 2,
  dataRetries: 5,
  orphanRetries: 5,
  maxOrphans: Infinity, // no documented orphan bound
  finWait2Timeout: 120 * SECOND,
  ephemeralPortLow: 49152,
  ephemeralPortHigh: 65535,
  rfc1337: false,
  synCookieTsOptions: false, // Windows' SYN-attack protection is not documented to keep options this way
  synAckRepeatsSynOptions: false, // RFC 7323 §2.2; Windows not verified
  maxWindowFromFinalAck: false, // RFC 9293 §3.8.6.2.1 kept; Windows not verified
  mssBoundToWindow: false, // RFC 9293 §3.7.1: the send MSS is the peer's MSS option and the path; not verified
  delayedAckTimeout: 200 * MS,
  // Receive window auto-tuning level "normal" (the default since Vista) lets the window grow to 16 MB,
  // so Windows offers scale 8 (learn.microsoft.com, "Description of Windows TCP features": "normal ...
  // allows the receive window to grow to accommodate almost all scenarios"; shift 8 observed on the wire).
  // The "16 MB" is the largest window scale 8 can express, 65535 << 8.
  receiveBufferMax: 65535 << 8,
  rmemMax: 65535 << 8,
  windowScaleRule: "cover",
  pushRule: "buffer-empty",
  receiveWindowRule: "free-space", // RFC 9293 §3.8.6.2.2 (receiver SWS avoidance over the free buffer)
  corkProbeTimer: false, // no TCP_CORK in the RFCs; Windows has none either
  timeWaitReuse: "off",
  timeWaitReuseBound: false, // no documented reuse of a TIME_WAIT 4-tuple by connect()
  congestionControl: "newreno",
  slowStartAfterIdle: true,
  quickAcks: 0,
  pingPong: false,
  synSentBadAckRearm: 0,
  timeWaitChallengeAck: true,
  keepAliveTimeoutRst: false, // RFC 9293 §3.8.4 / RFC 1122 4.2.3.6 name no RST; Windows not verified
  rstInCloseWaitError: "ECONNRESET", // RFC 9293 §3.10.7.4: "reset" responses
  rstInLastAckError: null, // RFC 9293 §3.10.7.4: CLOSING, LAST-ACK "enter the CLOSED state ... and return"
  // Assumed: Microsoft documents no ISN clock. FreeBSD's tcp_timewait.c once modelled "the approximate
  // rate of ISN increase of Microsoft TCP stacks" as MS_ISN_BYTES_PER_SECOND 250000 (an outside
  // observation of stacks of that era, the RFC 793 rate); nothing newer is citable.
  isnClockRate: 250_000,
  isnStepMin: 0,
  isnStepRandom: 0,
  passiveIsn: "clock",
  // Microsoft's "Algorithmic improvements boost TCP performance on the Internet" (techcommunity, 2021)
  // announces RACK-TLP and PRR for Windows 11 / Server 2022; this profile's values (TcpTimedWaitDelay
  // above) are of older releases, so none of the three. Limited transmit: RFC 5681 §3.2's SHOULD, not
  // verified on Windows, so left out rather than invented.
  tailLossProbe: false,
  rack: false,
  limitedTransmit: "off",
  prr: false,
};

const rfc: Profile = {
  ...linux,
  name: "rfc",
  msl: 120 * SECOND, // RFC 9293 §3.4.2: MSL of 2 minutes
  timeWait: 240 * SECOND, // 2·MSL (RFC 9293 §3.3.2, TIME-WAIT)
  rtoInitial: 1 * SECOND, // RFC 6298 §2.1
  rtoMin: 1 * SECOND, // RFC 6298 §2.4
  rtoMax: 60 * SECOND, // RFC 6298 §2.5 allows a maximum of at least 60 s
  rtoForm: "rfc6298", // RFC 6298 §2.3: SRTT + max(G, K·RTTVAR), §2.4: at least 1 s
  rtoSlop: 0, // none in RFC 6298
  // RFC 1122 4.2.3.5: R2 for a SYN segment MUST cover at least 3 minutes: 1+2+4+8+16+32+60+60 s = 183 s
  // takes 7 retransmissions with RFC 6298's RTO (a SYN,ACK is a SYN segment too). Data: R2 ≥ 100 s, which
  // 15 retransmissions exceed; the RFCs give no count, so 15 is Linux's tcp_retries2.
  synRetries: 7,
  synLinearRetries: 0,
  synAckRetries: 7,
  dataRetries: 15,
  orphanRetries: 15,
  maxOrphans: Infinity, // the RFCs set none
  finWait2Timeout: Infinity, // RFC 9293 has no FIN-WAIT-2 timer: it waits for the peer's FIN
  ephemeralPortLow: 49152, // RFC 6335 §6
  ephemeralPortHigh: 65535,
  rfc1337: true, // RFC 1337 §3 (TIME-WAIT assassination hazards): ignore RST in TIME-WAIT
  synCookies: "off", // SYN cookies are in no standards-track RFC (RFC 4987 §3.6 describes them)
  synCookieTsOptions: false, // RFC 4987 §3.6: the plain cookie encodes the MSS only
  synAckRepeatsSynOptions: false, // RFC 7323 §2.2: a SYN,ACK may carry an option only if the SYN did
  maxWindowFromFinalAck: false, // RFC 9293 §3.8.6.2.1: the largest window offered, the SYN's included
  mssBoundToWindow: false, // RFC 9293 §3.7.1: the send MSS is the peer's MSS option and the path
  // RFC 9293 §3.8.6.3 / RFC 1122 4.2.3.2 only bound it (< 0.5 s); 200 ms, the classic BSD value, is assumed
  delayedAckTimeout: 200 * MS,
  // RFC 7323 §2.3: the receiver picks the shift for the buffer it has; the RFCs know no buffer growth, so
  // the scale covers the receive buffer itself (0: nothing beyond it).
  receiveBufferMax: 0,
  rmemMax: 131072, // the receive buffer itself (the RFCs know no cap): SO_RCVBUF up to it
  windowScaleRule: "cover",
  pushRule: "buffer-empty", // RFC 9293 §3.9.1: a sender may push implicitly
  receiveWindowRule: "free-space", // RFC 9293 §3.8.6.2.2 (receiver SWS avoidance over the free buffer)
  corkProbeTimer: false, // no TCP_CORK in the RFCs
  timeWaitReuse: "off", // RFC 6191 reuse is a SYN arriving at TIME-WAIT, not a local connect
  timeWaitReuseBound: false, // RFC 9293 §3.6: the 4-tuple is in use until TIME_WAIT ends
  dsack: false, // RFC 2883 is an extension a plain RFC 9293 stack lacks
  congestionControl: "newreno", // RFC 5681, RFC 6582
  slowStartAfterIdle: true, // RFC 5681 §4.1
  quickAcks: 0,
  pingPong: false,
  synSentBadAckRearm: 0,
  timeWaitChallengeAck: true, // RFC 5961 §3.2 for every synchronized state
  keepAliveTimeoutRst: false, // RFC 9293 §3.8.4 / RFC 1122 4.2.3.6 name no RST
  rstInCloseWaitError: "ECONNRESET", // RFC 9293 §3.10.7.4: "reset" responses
  rstInLastAckError: null, // RFC 9293 §3.10.7.4: CLOSING, LAST-ACK "enter the CLOSED state ... and return"
  // RFC 793 §3.3 / RFC 9293 §3.4.1: M is "incremented roughly every 4 microseconds" (250 000 per second,
  // 2^32 ticks last 4.77 h); the same generator serves SYN and SYN,ACK.
  isnClockRate: 250_000,
  isnStepMin: 0,
  isnStepRandom: 0,
  passiveIsn: "clock",
  // The RFC set this profile stands for (RFC 9293, 5681, 6298, 6675, 6582): RFC 5681 §3.2 says a sender
  // SHOULD use limited transmit (RFC 3042); RACK-TLP (RFC 8985) and PRR (RFC 6937) are not part of it.
  tailLossProbe: false,
  rack: false,
  limitedTransmit: "rfc3042",
  prr: false,
};

/** The four named profiles: linux, bsd, windows, rfc. */
export const PROFILES: Readonly<Record<string, Profile>> = Object.freeze({ linux, bsd, windows, rfc });

/** The named profiles. */
export type ProfileName = "linux" | "bsd" | "windows" | "rfc";

/** A named profile with per-host overrides applied, validated. */
export function makeProfile(
  base: ProfileName | Profile = "linux",
  overrides: Partial<Profile> = {},
): Profile {
  const start = typeof base === "string" ? PROFILES[base] : base;
  if (!start)
    throw new ProfileError(`unknown profile ${JSON.stringify(base)}; choose linux, bsd, windows or rfc`);
  const profile: Profile = { ...start, ...overrides };
  if (overrides.msl !== undefined && overrides.timeWait === undefined && profile.name !== "linux") {
    profile.timeWait = 2 * overrides.msl; // 2·MSL, except on Linux where TIME_WAIT is fixed
  }
  validateProfile(profile);
  return profile;
}

/** An invalid profile value (an override out of range). */
export class ProfileError extends Error {
  readonly code = "ERR_TCPLAB_PROFILE";
}

function validateProfile(p: Profile): void {
  const nonNegative: Array<keyof Profile> = [
    "msl",
    "timeWait",
    "rtoInitial",
    "rtoMin",
    "rtoMax",
    "rtoSlop",
    "synRetries",
    "synLinearRetries",
    "synAckRetries",
    "dataRetries",
    "orphanRetries",
    "keepAliveIdle",
    "keepAliveInterval",
    "keepAliveProbes",
    "synBacklog",
    "challengeAckInterval",
    "delayedAckTimeout",
    "timeWaitReuseDelay",
    "quickAcks",
    "synSentBadAckRearm",
    "isnStepMin",
    "isnStepRandom",
  ];
  for (const key of nonNegative) {
    const v = p[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      throw new ProfileError(`profile ${key} must be a non-negative integer, got ${String(v)}`);
    }
  }
  if (!(p.finWait2Timeout === Infinity || (Number.isInteger(p.finWait2Timeout) && p.finWait2Timeout >= 0)))
    throw new ProfileError(
      `profile finWait2Timeout must be a non-negative integer or Infinity, got ${p.finWait2Timeout}`,
    );
  if (!(p.maxOrphans === Infinity || (Number.isInteger(p.maxOrphans) && p.maxOrphans >= 0))) {
    throw new ProfileError(
      `profile maxOrphans must be a non-negative integer or Infinity, got ${p.maxOrphans}`,
    );
  }
  if (p.rtoMin <= 0 || p.rtoMin > p.rtoMax) throw new ProfileError("profile needs 0 < rtoMin <= rtoMax");
  if (p.rtoForm !== "linux" && p.rtoForm !== "rfc6298")
    throw new ProfileError(`rtoForm must be linux or rfc6298, got ${JSON.stringify(p.rtoForm)}`);
  if (!(
    p.ephemeralPortLow >= 1 &&
    p.ephemeralPortLow <= p.ephemeralPortHigh &&
    p.ephemeralPortHigh <= 65535
  )) {
    throw new ProfileError(`bad ephemeral port range ${p.ephemeralPortLow}-${p.ephemeralPortHigh}`);
  }
  if (p.receiveBuffer < 1 || p.receiveBuffer > 1 << 30) throw new ProfileError("receiveBuffer out of range");
  if (p.receiveBufferMax < 0 || p.receiveBufferMax > 1 << 30 || p.rmemMax < 1 || p.rmemMax > 1 << 30)
    throw new ProfileError("receiveBufferMax / rmemMax out of range");
  if (p.windowScaleRule !== "ilog2" && p.windowScaleRule !== "cover")
    throw new ProfileError(
      `windowScaleRule must be ilog2 or cover, got ${JSON.stringify(p.windowScaleRule)}`,
    );
  if (p.receiveWindowRule !== "linux" && p.receiveWindowRule !== "free-space")
    throw new ProfileError(
      `receiveWindowRule must be linux or free-space, got ${JSON.stringify(p.receiveWindowRule)}`,
    );
  if (p.pushRule !== "write-end" && p.pushRule !== "buffer-empty")
    throw new ProfileError(`pushRule must be write-end or buffer-empty, got ${JSON.stringify(p.pushRule)}`);
  if (p.sendBuffer < 1) throw new ProfileError("sendBuffer out of range");
  if (p.congestionControl !== "cubic" && p.congestionControl !== "newreno") {
    throw new ProfileError(
      `unknown congestionControl ${JSON.stringify(p.congestionControl)}; choose cubic or newreno`,
    );
  }
  if (!["off", "loopback", "on"].includes(p.timeWaitReuse)) {
    throw new ProfileError(
      `timeWaitReuse must be off, loopback or on, got ${JSON.stringify(p.timeWaitReuse)}`,
    );
  }
  if (!Number.isInteger(p.isnClockRate) || p.isnClockRate < 1 || p.isnClockRate > 1e12)
    throw new ProfileError(`profile isnClockRate must be an integer ticks per second, got ${p.isnClockRate}`);
  if (p.passiveIsn !== "clock" && p.passiveIsn !== "random")
    throw new ProfileError(`passiveIsn must be clock or random, got ${JSON.stringify(p.passiveIsn)}`);
  if (!["off", "rfc3042", "linux"].includes(p.limitedTransmit))
    throw new ProfileError(
      `limitedTransmit must be off, rfc3042 or linux, got ${JSON.stringify(p.limitedTransmit)}`,
    );
  if (p.defaultMss < 64 || p.defaultMss > 65495) throw new ProfileError("defaultMss out of range");
}
