// One TCP connection: the transmission control block and the state machine of RFC 9293 §3.10.
// Sans-I/O: every entry point takes `now` (µs); segments leave through env.transmit; the connection
// reports its next deadline and the host calls onTimer when it is reached.
import { ArgumentError, describe } from "./arg-error.js";
import type { Profile } from "./profile.js";
import type { Counters } from "./counters.js";
import type { TcpState } from "./state.js";
import { isSynchronized, reportStateChange } from "./state.js";
import { Sender, boundToHalfWindow } from "./sender.js";
import { Receiver, offeredWscale, MAX_WSCALE } from "./receiver.js";
import { TcpError, type TcpErrorCode } from "./errors.js";
import { RTO_FALLBACK } from "./rto.js";
import { Timestamps } from "./timestamps.js";
import type { SackScoreboard } from "./sack-scoreboard.js";
import { Recovery } from "./recovery.js";
import type { CookieRestored } from "./syncookie.js";
import { SackBlocks } from "./sack-blocks.js";
import { regressions } from "./regressions.js";
import { LossDetection, type LossDetectionPort, type LossTimer } from "./loss-detection.js";
import {
  T_DELACK,
  T_FIN_WAIT_2,
  T_KEEPALIVE,
  T_PERSIST,
  T_REO,
  T_RTX,
  T_TLP,
  Timers,
  currentRto,
  type TimerActions as TimerActionsPort,
  synGivesUp,
} from "./timers.js";
import { buildSegment } from "./segment-builder.js";
import {
  ACTIVE_OPEN,
  COOKIE_COMPLETED,
  PASSIVE_OPEN,
  SYN_RECEIVED_ESTABLISHED,
  closeCall,
  closeQueuesFin,
  finAcked,
  finArrives,
  queuedClose,
  sendsFin,
  synSentGetsSyn,
  type Transition,
} from "./transitions.js";
import {
  ackCheck,
  ackRateAllows,
  entirelyOld,
  firstCheck,
  mayUpdateWindow,
  resetCheck,
  synReceivedAckAcceptable,
  synSentAckUnacceptable,
} from "./acceptability.js";
import {
  checkAfterEntry,
  checkArrivedData,
  checkRetransmissionTimeout,
  checkSent,
  snapshot,
  type InvariantSink,
} from "./invariants.js";
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from "./seq.js";
import { Notice } from "./outbox.js";
import {
  ACK,
  EMPTY_PAYLOAD,
  FIN,
  NO_OPTIONS,
  PSH,
  RST,
  SYN,
  URG,
  segmentLength,
  type Segment,
  type TcpOptions,
} from "../wire/segment.js";
import type { DropReason, TraceSink } from "./events.js";
import { formatAddressPort, isIPv6Id } from "../wire/address-table.js";
import { defaultPeerMss } from "./address-family.js";

/** What the connection needs from its host. */
export interface ConnectionEnv {
  readonly profile: Profile;
  readonly hostName: string;
  readonly trace: TraceSink;
  readonly counters: Counters;
  /**
   * Sends a segment: the engine assigns the packet id and records the event now, and hands the segment to
   * the driver once the current entry has finished (./outbox.ts).
   */
  transmit(seg: Segment, conn: Connection, why: string, retransmission: boolean): void;
  /**
   * Records a notification for the application (or the connection's own step after it), given once the
   * current entry has finished: the engine never calls the application in the middle of an entry.
   */
  notify(kind: Notice, conn: Connection): void;
  /**
   * An application call begins (`enter`) and ends (`leave`): the outermost `leave` drains the outbox. Calls
   * made from inside a notification are entries of their own; their effects join the queue being drained.
   */
  enter(): void;
  /** The end of what `enter` began: the outermost one drains the outbox. */
  leave(): void;
  /** The connection's deadline may have moved earlier. */
  deadlineChanged(conn: Connection): void;
  /**
   * Called after every state change, for the engine's tables: a CLOSED connection leaves the demultiplexing
   * table, one in TIME_WAIT becomes a compact record, a listener's child that reached ESTABLISHED is
   * recorded as ready to accept (its application hears of it from the outbox).
   */
  stateChanged(conn: Connection, from: TcpState, to: TcpState): void;
  /** Records a dropped segment. */
  dropped(seg: Segment, reason: DropReason, conn: Connection | null, detail?: string): void;
  /** May this passive child become ESTABLISHED now? False while its listener's accept queue is full. */
  acceptQueueHasRoom(conn: Connection): boolean;
  /**
   * The application closed this connection and it lives on as an orphan: count it; true when the host
   * now holds more orphans than the profile's maxOrphans (the connection must then be reset).
   */
  orphanAdded(conn: Connection): boolean;
  /** The debug mode's sink (./invariants.ts): null when the engine invariants are not checked. */
  readonly invariants: InvariantSink | null;
  /** Does the TIME_WAIT record this connection left (Connection.timeWaitSlot) still hold its 4-tuple? */
  timeWaitHeld(conn: Connection): boolean;
  /** The timestamp clock offset of a 4-tuple (stable across its incarnations; see ./timestamps.ts). */
  tsOffset(localAddr: number, localPort: number, remoteAddr: number, remotePort: number): number;
  /** The driver's clock (µs), for application calls made without a time (the host's `time()`). */
  time?(): number;
}

/** Callbacks into the application (the socket layer). All optional. */
export interface ConnectionHandlers {
  /** The handshake completed (ESTABLISHED). */
  onEstablished?(conn: Connection): void;
  /** In-order data arrived for the application. */
  onData?(conn: Connection, data: Uint8Array): void;
  /** The peer's FIN, after all data before it was delivered (read() → EOF). */
  onEnd?(conn: Connection): void;
  /** Send buffer space became free after a write was refused or partial. */
  onDrain?(conn: Connection): void;
  /** The connection is finished for the application: CLOSED, or TIME_WAIT for the active closer. */
  onClose?(conn: Connection, error: TcpError | null): void;
}

const MIN_SEND_MSS = 48;

/** Per-connection settings a host passes when it creates a connection. */
export interface ConnectionOptions {
  mss: number;
  noDelay?: boolean;
  keepAlive?: boolean;
  /** SO_RCVBUF of this socket (bytes, already doubled as Linux does), instead of the profile's. */
  receiveBuffer?: number;
  /** SO_SNDBUF of this socket (bytes, already doubled), instead of the profile's. */
  sendBuffer?: number;
}

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

/** One TCP connection: its TCB and the RFC 9293 §3.10 state machine. Made by Host.connect and by listeners; application calls take an optional time (µs), the host's clock when left out. */
export class Connection {
  /** The state as the state machine last set it; `state` reads it (see there for TIME_WAIT). */
  private current: TcpState = "CLOSED";
  /**
   * The TIME_WAIT record this connection left in its engine's table (slot and generation), or -1: the
   * record outlives the Connection object's part in the state machine, and ends without it (2·MSL, RST,
   * a new SYN, reuse by connect).
   */
  timeWaitSlot = -1;
  timeWaitGeneration = 0;
  readonly snd: Sender;
  readonly rcv: Receiver;
  /** RFC 7323 timestamps: our clock, TS.Recent, PAWS. */
  readonly ts = new Timestamps();
  /** The label, once built (see `label`). */
  private labelText: string | null = null;
  /** Opened by a listener (passive OPEN): an RST in SYN_RECEIVED returns it to LISTEN (§3.10.7.4). */
  passive = false;
  /** The application has closed (close() or destroy()): nobody reads any more (Linux's orphan socket). */
  orphaned = false;
  /** Counted in the host's orphan count (ConnectionEnv.orphanAdded) until it reaches CLOSED or TIME_WAIT. */
  orphanCounted = false;
  noDelay: boolean;
  keepAlive: boolean;
  keepAliveIdle: number;
  /** Time between unanswered keepalive probes (TCP_KEEPINTVL; the profile's by default). */
  keepAliveInterval: number;
  /** Unanswered probes before the connection is dropped (TCP_KEEPCNT; the profile's by default). */
  keepAliveCount: number;
  /** Unanswered keepalive probes so far. */
  private keepAliveProbes = 0;
  /** Our MSS as advertised in our SYN. */
  readonly localMss: number;
  /** The peer's MSS option (536 when absent, MUST-15). */
  private peerMss = 536;
  /** RFC 7323 §2: window scaling is in use (both SYNs carried the option). */
  wsOk = false;
  /** The receive window shift we offer in our SYN or SYN,ACK (receiver.ts offeredWscale). */
  private readonly offeredWscale: number;
  /** RFC 2018: both SYNs carried SACK-permitted. */
  sackOk = false;
  /** The timer slots, their arming and their firing order (./timers.ts). */
  private readonly timers: Timers;
  /** The earliest deadline currently in the host's queue for this connection. */
  scheduledAt = Infinity;
  private lastChallengeAck = -Infinity;
  /** Loss recovery on duplicate ACKs and SACK (RFC 6675, RFC 6582): ./recovery.ts. */
  private readonly recovery: Recovery;
  /** TLP, RACK, PRR and limited transmit (./loss-detection.ts), made when first needed. */
  private lossDetection: LossDetection | null = null;
  /** The last timestamp-only options object handed out (see timestampOnly). */
  private tsOptions: TcpOptions | null = null;
  /** The receiver's SACK block chooser, created once SACK is negotiated. */
  private sackBlocks: SackBlocks | null = null;
  /** Set when the application has been told the connection ended; nothing is delivered after. */
  private closeReported = false;
  /** The connection ended while the application still had data or the EOF to read. */
  private closePending = false;
  /** The error the connection ended with, if any. */
  error: TcpError | null = null;
  handlers: ConnectionHandlers;
  /** The listener that owns this connection until it is accepted. */
  listenerPort = -1;
  /** An application holds this connection (active opens at once; passive ones once accepted). */
  attached = true;
  private establishedReported = false;
  /** When a segment last arrived from the peer (µs), for the zero-window retransmission rule. */
  private lastHeard = 0;
  /** Zero-window probes sent without any ACK in reply (Linux icsk_probes_out). */
  private probesOut = 0;
  /** Set while the persist timer forces out a segment that silly window avoidance held back. */
  private swsOverride = false;
  /** The acknowledgment number of the last segment we sent with ACK set. */
  private lastAckSent = -1;
  /** In-order bytes received since our last ACK (delayed ACK: at most two full segments wait). */
  private unackedBytes = 0;
  /** Largest segment the peer has sent so far: "full-sized" for the delayed-ACK rule (Linux rcv_mss). */
  private rcvMss = 536;
  /**
   * Linux's interactive ("ping-pong") mode (profile.pingPong): entered when we send data within the
   * delayed-ACK time of the last data received (tcp_event_data_sent → inet_csk_inc_pingpong_cnt, threshold
   * tcp_pingpong_thresh = 1) or when the peer's FIN arrives (tcp_fin); left when a delayed ACK had to fire
   * (tcp_delack_timer_handler). It turns quick ACKs off, so the ACK waits for a reply to ride on.
   */
  private pingPong = false;
  /** When in-order data last arrived (Linux icsk_ack.lrcvtime); −1 before any (Linux's ato is still 0). */
  private lastDataReceivedAt = -1;
  now = 0;
  private writeRefused = false;
  /** Inside a checked entry (debug mode): nested entries (a handler writing) are checked with it. */
  private inEntry = false;
  /**
   * The application was notified during the segment being processed (or, for a listener's child, is about
   * to accept it): the ACK the data owes and the output wait until it had its turn (Notice.AfterApplication).
   */
  appNotified = false;
  /** A Readable notice is in the outbox and not yet given. */
  private readableQueued = false;
  /** The ACK arrived data owes, decided after the application ran: 0 none, 1 by the delayed-ACK rules, 2 at once. */
  private ackOwed = 0;
  /** Notice.AfterApplication is in the outbox: output is pending, not forgotten (for the invariants). */
  outputQueued = false;

  /**
   * shutdown(SHUT_RD): the application will read no more (Linux RCV_SHUTDOWN). Data already queued or still
   * arriving stays readable, as on Linux; a read that finds nothing answers end of file instead of waiting.
   */
  readShutdown = false;
  /** TCP_USER_TIMEOUT (µs, 0 = off): give up after retransmitting this long without progress (RFC 5482). */
  userTimeout = 0;
  /** TCP_LINGER2: how long this socket's orphaned FIN_WAIT_2 lasts (the profile's tcp_fin_timeout by default). */
  finWait2Timeout: number;
  /** TCP_CORK: hold back segments smaller than the MSS until uncorked (Linux tcp_push with TCP_NAGLE_CORK). */
  private corked = false;
  /** MSG_MORE on the last send: the same hold for that write only. */
  private moreComing = false;
  /**
   * When the first retransmission timeout of the data now outstanding fired (−1: none since the last ACK
   * that advanced SND.UNA): TCP_USER_TIMEOUT counts from there, as Linux's retrans_stamp does.
   */
  private rtxStartedAt = -1;

  constructor(
    readonly env: ConnectionEnv,
    readonly localAddr: number,
    readonly localPort: number,
    readonly remoteAddr: number,
    readonly remotePort: number,
    handlers: ConnectionHandlers,
    options: ConnectionOptions,
  ) {
    this.snd = new Sender(env.profile, options.sendBuffer);
    this.recovery = new Recovery(this.snd);
    this.timers = new Timers(this, new Connection.TimerActions(this));
    this.rcv = new Receiver(options.receiveBuffer ?? env.profile.receiveBuffer, {
      profile: env.profile,
      locked: options.receiveBuffer !== undefined,
      mss: options.mss,
    });
    this.offeredWscale = offeredWscale(env.profile, this.rcv.bufferSize, options.receiveBuffer !== undefined);
    this.finWait2Timeout = env.profile.finWait2Timeout;
    this.handlers = handlers;
    this.localMss = options.mss;
    this.snd.mss = options.mss;
    this.noDelay = options.noDelay ?? false;
    this.keepAlive = options.keepAlive ?? false;
    this.keepAliveIdle = env.profile.keepAliveIdle;
    this.keepAliveInterval = env.profile.keepAliveInterval;
    this.keepAliveCount = env.profile.keepAliveProbes;
    // An IPv6 address's text needs the address table, which may have let the address go once the
    // connection has: build that label now. An IPv4 one is built when first asked (see `label`).
    if (isIPv6Id(remoteAddr) || isIPv6Id(localAddr)) void this.label;
    this.ts.offset = env.tsOffset(localAddr, localPort, remoteAddr, remotePort);
  }

  /**
   * "10.0.0.1:40000>10.0.0.2:80", for events. Built on first use: an untraced host never needs most of
   * them, and the string was ~200 bytes of every idle connection and a part of every lifecycle's cost.
   */
  get label(): string {
    return (this.labelText ??= `${formatAddressPort(this.localAddr, this.localPort)}>${formatAddressPort(this.remoteAddr, this.remotePort)}`);
  }

  // ---------------------------------------------------------------- user calls (RFC 9293 §3.10.1–3.10.6)

  /** Active OPEN (§3.10.1): send SYN, enter SYN_SENT. */
  openActive(iss: number, now: number): void {
    this.now = now;
    this.snd.init(iss);
    this.recovery.start(iss);
    this.snd.firstSendTime = now;
    this.env.counters.activeOpens++;
    this.follow(ACTIVE_OPEN);
    this.sendSyn(false);
    this.armRetransmit();
  }

  /** Passive OPEN completed by a SYN at a listener (§3.10.7.2 third check): enter SYN_RECEIVED, send SYN,ACK. */
  openPassive(seg: Segment, iss: number, now: number): void {
    this.now = now;
    this.passive = true;
    this.rcv.init(seg.seq);
    this.snd.init(iss);
    this.recovery.start(iss);
    this.snd.firstSendTime = now;
    this.applyPeerSynOptions(seg, now);
    this.updateWindow(seg); // the peer's initial window (a SYN's is never scaled, RFC 7323 §2.2)
    this.follow(PASSIVE_OPEN);
    this.sendSyn(false);
    this.armRetransmit();
  }

  /**
   * A connection completed by a valid SYN cookie (no SYN_RECEIVED state was kept): it starts ESTABLISHED.
   */
  openFromCookie(seg: Segment, iss: number, peerMss: number, restored: CookieRestored, now: number): void {
    this.now = now;
    this.passive = true;
    this.rcv.init(seqAdd(seg.seq, -1));
    this.snd.init(iss);
    this.recovery.start(iss);
    this.snd.sndUna = seg.ack;
    this.snd.sndNxt = seg.ack;
    this.snd.sndMax = seg.ack;
    // What the SYN would have set (applyPeerSynOptions), as the cookie's echo restored it (syncookie.ts).
    this.wsOk = restored.wscale !== undefined;
    this.snd.wscale = restored.wscale ?? 0;
    this.rcv.wscale = this.wsOk ? this.offeredWscale : 0;
    this.sackOk = restored.sackOk;
    if (restored.tsVal !== undefined) {
      this.ts.ok = true;
      this.ts.recent = restored.tsVal;
      this.ts.recentAt = now;
    }
    this.peerMss = peerMss;
    this.setSendMss();
    this.current = "SYN_RECEIVED"; // the cookie stood in for this state; report the transition from it
    this.completeHandshake(seg, COOKIE_COMPLETED, false);
  }

  /**
   * SEND (§3.10.2). Returns the number of bytes taken into the send buffer. `more` is send(2)'s MSG_MORE:
   * a partial segment waits for the next write, as under TCP_CORK.
   */
  send(data: Uint8Array, now?: number, more = false): number {
    this.env.enter(); // an application call: what it causes leaves the outbox when it returns
    try {
      return this.sendEntry(data, now, more);
    } finally {
      this.env.leave();
    }
  }

  private sendEntry(data: Uint8Array, now: number | undefined, more: boolean): number {
    if (this.env.invariants !== null && !this.inEntry)
      return this.checked("send", null, () => this.send(data, now, more));
    if (!(data instanceof Uint8Array)) {
      throw new ArgumentError(
        "ERR_TCPLAB_INVALID_ARG_TYPE",
        `Connection.send(data) takes a Uint8Array (new TextEncoder().encode(text) for text), got ${describe(data)}`,
      );
    }
    this.now = this.appTime(now, "send");
    this.moreComing = more;
    switch (this.state) {
      case "SYN_SENT":
      case "SYN_RECEIVED":
      case "ESTABLISHED":
      case "CLOSE_WAIT":
        break;
      case "CLOSED":
        throw new TcpError(this.error?.code ?? "EPIPE", "write");
      default:
        // FIN_WAIT_*, CLOSING, LAST_ACK, TIME_WAIT: "error: connection closing" (§3.10.2).
        throw new TcpError("EPIPE", "write");
    }
    if (this.snd.finQueued) throw new TcpError("EPIPE", "write");
    const taken = this.snd.buffer.write(data);
    if (this.env.profile.pushRule === "write-end") this.snd.markWrite(taken, more);
    if (taken < data.length) this.writeRefused = true;
    if (isSynchronized(this.state)) this.output();
    return taken;
  }

  /** Free space in the send buffer. */
  get writable(): number {
    return this.snd.finQueued ? 0 : this.snd.buffer.free;
  }

  /**
   * Half close (shutdown(SHUT_WR), Node's end()): CLOSE of §3.10.4 for the sending direction only.
   * The peer may keep sending and we keep receiving (half-close).
   */
  shutdown(now?: number): void {
    this.env.enter(); // an application call: what it causes leaves the outbox when it returns
    try {
      this.shutdownEntry(now);
    } finally {
      this.env.leave();
    }
  }

  private shutdownEntry(now: number | undefined): void {
    if (this.env.invariants !== null && !this.inEntry)
      return this.checked("shutdown", null, () => this.shutdown(now));
    this.now = this.appTime(now, "shutdown");
    // Already closing: §3.10.4 "error: connection closing", harmless for a repeated end().
    if (this.snd.finQueued || !closeQueuesFin(this.state)) return;
    this.snd.finQueued = true;
    // §3.10.4: ESTABLISHED enters FIN_WAIT_1 at once, CLOSE_WAIT LAST_ACK; the FIN follows the queued
    // data. A half close before the handshake completes waits for it (data written while connecting is
    // not lost): see completeHandshake.
    const edge = closeCall(this.state);
    if (edge !== null) this.follow(edge);
    this.output();
  }

  /**
   * Full close (close(), Node's destroy() after end()): the application will neither read nor write.
   * Linux: unread data turns the close into an abort (RST, not FIN) — RFC 2525 §2.17.
   */
  close(now?: number): void {
    this.env.enter(); // an application call: what it causes leaves the outbox when it returns
    try {
      this.closeEntry(now);
    } finally {
      this.env.leave();
    }
  }

  private closeEntry(now: number | undefined): void {
    if (this.env.invariants !== null && !this.inEntry)
      return this.checked("close", null, () => this.close(now));
    this.now = this.appTime(now, "close");
    this.orphaned = true;
    this.rcv.paused = false;
    if (this.state === "CLOSED" || this.state === "TIME_WAIT") return;
    if (this.state === "SYN_SENT") {
      // §3.10.4: CLOSE in SYN_SENT deletes the TCB; Linux sends nothing either.
      this.terminate("close in SYN_SENT", null);
      return;
    }
    if (this.rcv.hasUnread && isSynchronized(this.state)) {
      this.env.counters.abortOnClose++;
      this.abort(this.now, "close with unread data");
      return;
    }
    this.rcv.clear();
    this.shutdown(this.now);
    if (this.state === "FIN_WAIT_2") this.armFinWait2();
    if (this.isClosed() || (this.state as TcpState) === "TIME_WAIT" || this.orphanCounted) return;
    this.orphanCounted = true;
    if (this.env.orphanAdded(this)) {
      // Linux tcp_close → tcp_check_oom: over tcp_max_orphans the orphan is reset at once
      // (TCPAbortOnMemory, "too many orphaned sockets"), so no peer can pin unbounded memory (F5).
      this.env.counters.abortOnMemory++;
      this.abort(this.now, "too many orphans");
    }
  }

  /** ABORT (§3.10.5) — also SO_LINGER{1,0} close: RST <SEQ=SND.NXT><ACK=RCV.NXT>, then CLOSED. */
  abort(now?: number, cause = "abort"): void {
    this.env.enter(); // an application call: what it causes leaves the outbox when it returns
    try {
      this.abortEntry(now, cause);
    } finally {
      this.env.leave();
    }
  }

  private abortEntry(now: number | undefined, cause: string): void {
    this.now = this.appTime(now, "abort");
    switch (this.state) {
      case "SYN_RECEIVED":
      case "ESTABLISHED":
      case "FIN_WAIT_1":
      case "FIN_WAIT_2":
      case "CLOSE_WAIT":
        this.emitRst(this.snd.sndNxt, this.rcv.rcvNxt, "rst-abort");
        break;
      default:
        break; // SYN_SENT, CLOSING, LAST_ACK, TIME_WAIT: delete the TCB without a segment
    }
    this.orphaned = true;
    this.terminate(cause, null);
  }

  /**
   * The time of an application call: the caller's `now`, or — called without one, as from plain
   * JavaScript — the host's clock (`ConnectionEnv.time`), else the last time this connection saw.
   */
  private appTime(now: number | undefined, call: string): number {
    if (now === undefined) return Math.max(this.now, this.env.time?.() ?? this.now);
    if (typeof now !== "number" || !Number.isFinite(now)) {
      throw new ArgumentError(
        "ERR_TCPLAB_INVALID_ARG_TYPE",
        `Connection.${call}: now must be a time in µs (a number) or left out, got ${describe(now)}`,
      );
    }
    return now;
  }

  /**
   * Pull-style read (recv(2)): at most `max` bytes of in-order data, empty when none is queued. Reading
   * frees receive buffer space; when that opens the window enough, the peer hears of it (§3.8.6.2.2).
   */
  read(max: number, now?: number): Uint8Array {
    this.env.enter(); // an application call: what it causes leaves the outbox when it returns
    try {
      return this.readEntry(max, now);
    } finally {
      this.env.leave();
    }
  }

  private readEntry(max: number, now: number | undefined): Uint8Array {
    if (this.env.invariants !== null && !this.inEntry)
      return this.checked("read", null, () => this.read(max, now));
    this.now = this.appTime(now, "read");
    const data = this.rcv.takeUpTo(max);
    this.afterRead(data.length);
    if (data.length > 0) this.deliver(); // a close that waited for the data to be read
    return data;
  }

  /**
   * After the application read `copied` bytes: the ACK a pending delayed ACK becomes (Linux
   * __tcp_cleanup_rbuf), else a window update if the window opened enough (§3.8.6.2.2).
   */
  private afterRead(copied: number): void {
    if (copied <= 0 || !isSynchronized(this.state) || this.state === "TIME_WAIT") return;
    if (this.timers.armed(T_DELACK) && this.rcv.ackDueAfterRead(copied, this.pingPong, this.unackedBytes)) {
      this.sendAck("ack");
    } else if (this.rcv.windowUpdateDue(this.snd.mss)) {
      this.sendAck("window-update");
    }
  }

  /** Bytes received in order and not yet read (SIOCINQ). */
  get inq(): number {
    return this.rcv.queuedBytes;
  }

  /** Bytes written and not yet acknowledged, sent or not (SIOCOUTQ: Linux write_seq − snd_una). */
  get outq(): number {
    return this.snd.buffer.length;
  }

  /** shutdown(SHUT_RD): nothing goes on the wire (Linux only marks the socket). */
  shutdownRead(): void {
    this.readShutdown = true;
  }

  /** TCP_CORK on or off; uncorking sends what was held back (Linux tcp_push_pending_frames). */
  setCork(on: boolean, now?: number): void {
    this.env.enter(); // an application call: what it causes leaves the outbox when it returns
    try {
      this.setCorkEntry(on, now);
    } finally {
      this.env.leave();
    }
  }

  private setCorkEntry(on: boolean, now: number | undefined): void {
    if (this.env.invariants !== null && !this.inEntry)
      return this.checked("setCork", null, () => this.setCork(on, now));
    this.now = this.appTime(now, "setCork");
    this.corked = on;
    if (!on) {
      this.moreComing = false;
      if (isSynchronized(this.state)) this.output();
    }
  }

  /** A tcp_info-like snapshot of the connection. */
  info(): TcpInfo {
    const snd = this.snd;
    const mss = Math.max(1, snd.mss);
    return {
      state: this.state,
      rto: this.currentRto(),
      rtt: snd.rto.srtt,
      rttvar: snd.rto.rttvar,
      cwnd: Math.floor(snd.cc.cwnd / mss),
      ssthresh: snd.cc.ssthresh >= 0x7fffffff ? 0x7fffffff : Math.floor(snd.cc.ssthresh / mss),
      retransmits: snd.backoffs,
      backoff: snd.backoffs,
      probes: Math.max(this.probesOut, this.keepAliveProbes),
      // Linux reports mss_cache, bounded by the peer's largest window (profile.mssBoundToWindow).
      sndMss: this.env.profile.mssBoundToWindow ? boundToHalfWindow(snd.mss, snd.maxSndWnd) : snd.mss,
      rcvMss: this.rcvMss,
      unacked: Math.ceil(Math.max(0, seqDiff(snd.sndMax, snd.sndUna)) / mss),
      sndWscale: snd.wscale,
      rcvWscale: this.rcv.wscale,
      inq: this.inq,
      outq: this.outq,
    };
  }

  /** Flow control from the application (Node's backpressure). */
  pause(): void {
    this.rcv.paused = true;
  }

  /** Deliver data again after pause() (the application caught up); may send a window update. */
  resume(now?: number): void {
    this.env.enter(); // an application call: what it causes leaves the outbox when it returns
    try {
      this.resumeEntry(now);
    } finally {
      this.env.leave();
    }
  }

  private resumeEntry(now: number | undefined): void {
    if (this.env.invariants !== null && !this.inEntry)
      return this.checked("resume", null, () => this.resume(now));
    this.now = this.appTime(now, "resume");
    if (!this.rcv.paused) return;
    this.rcv.paused = false;
    this.rcv.markRead();
    this.deliver();
    // The window reopened: tell the peer if it matters (§3.8.6.2.2) — once the application has read.
    if (this.readableQueued) this.env.notify(Notice.WindowUpdate, this);
    else this.windowUpdate();
  }

  /** Notice.WindowUpdate: after the application read what resume() released (afterRead). */
  private windowUpdate(): void {
    this.afterRead(this.rcv.readSinceMark);
  }

  /** SO_KEEPALIVE: probe an idle connection after `idle` µs (the profile's by default). */
  setKeepAlive(enable: boolean, idle: number | undefined, now?: number): void {
    this.env.enter(); // an application call: what it causes leaves the outbox when it returns
    try {
      this.setKeepAliveEntry(enable, idle, now);
    } finally {
      this.env.leave();
    }
  }

  private setKeepAliveEntry(enable: boolean, idle: number | undefined, now: number | undefined): void {
    this.now = this.appTime(now, "setKeepAlive");
    now = this.now;
    this.keepAlive = enable;
    if (idle !== undefined && idle > 0) this.keepAliveIdle = idle;
    this.keepAliveProbes = 0;
    if (enable && isSynchronized(this.state)) this.timers.set(T_KEEPALIVE, now + this.keepAliveIdle);
    else this.timers.set(T_KEEPALIVE, Infinity);
  }

  /** TCP_NODELAY: turn Nagle's algorithm off (true) or on. */
  setNoDelay(noDelay: boolean, now?: number): void {
    this.env.enter(); // an application call: what it causes leaves the outbox when it returns
    try {
      this.setNoDelayEntry(noDelay, now);
    } finally {
      this.env.leave();
    }
  }

  private setNoDelayEntry(noDelay: boolean, now: number | undefined): void {
    this.now = this.appTime(now, "setNoDelay");
    this.noDelay = noDelay;
    if (noDelay && isSynchronized(this.state)) this.output();
  }

  /**
   * TCP_QUICKACK (Linux __tcp_sock_set_quickack): on leaves ping-pong mode, so in-order data is ACKed at
   * once while quick-ACK credit lasts, and an ACK the delayed-ACK timer holds goes out now if the
   * application has read everything (tcp_cleanup_rbuf with ICSK_ACK_PUSHED); off enters ping-pong mode.
   * Not permanent: a reply sent soon after data enters ping-pong mode again (tcp_event_data_sent).
   */
  setQuickAck(on: boolean, now?: number): void {
    this.env.enter(); // an application call: what it causes leaves the outbox when it returns
    try {
      this.setQuickAckEntry(on, now);
    } finally {
      this.env.leave();
    }
  }

  private setQuickAckEntry(on: boolean, now: number | undefined): void {
    if (this.env.invariants !== null && !this.inEntry)
      return this.checked("setQuickAck", null, () => this.setQuickAck(on, now));
    this.now = this.appTime(now, "setQuickAck");
    this.pingPong = !on;
    const acceptsData = this.state === "ESTABLISHED" || this.state === "CLOSE_WAIT";
    if (on && acceptsData && this.timers.armed(T_DELACK) && !this.rcv.hasUnread) this.sendAck("ack");
  }

  /** TCP_QUICKACK as getsockopt reports it: not in ping-pong mode. */
  get quickAck(): boolean {
    return !this.pingPong;
  }

  // ---------------------------------------------------------------- SEGMENT ARRIVES (§3.10.7.3, §3.10.7.4)

  /** SEGMENT ARRIVES (§3.10.7): the host hands over a segment for this connection. */
  segmentArrives(seg: Segment, now: number): void {
    const inv = this.env.invariants;
    if (inv !== null && !this.inEntry) {
      this.now = now;
      if (isSynchronized(this.state)) checkArrivedData(this, inv, seg);
      return this.checked("segment", seg, () => this.segmentArrives(seg, now));
    }
    this.now = now;
    this.lastHeard = now;
    if (this.keepAlive && isSynchronized(this.state)) {
      this.keepAliveProbes = 0;
      this.timers.set(T_KEEPALIVE, now + this.keepAliveIdle);
    }
    if (this.state === "SYN_SENT") {
      this.synSentArrives(seg);
      return;
    }
    if (this.state === "CLOSED" || this.state === "LISTEN") return; // handled by the host
    this.synchronizedArrives(seg);
  }

  /** §3.10.7.3 SYN-SENT STATE. */
  private synSentArrives(seg: Segment): void {
    const snd = this.snd;
    const hasAck = (seg.flags & ACK) !== 0;
    // First, check the ACK bit.
    if (synSentAckUnacceptable(snd, seg)) {
      // Linux tcp_rcv_synsent_state_process: "Previous FIN/ACK or RST/ACK might be ignored" — before the
      // first retransmission it re-arms the SYN timer to TCP_TIMEOUT_MIN, so the SYN goes again at once.
      const rearm = this.env.profile.synSentBadAckRearm;
      if (rearm > 0 && snd.backoffs === 0) this.timers.set(T_RTX, this.now + rearm);
      if (seg.flags & RST) {
        this.env.dropped(seg, "syn-sent-bad-ack", this, "RST with an unacceptable ACK");
        return;
      }
      this.env.dropped(seg, "syn-sent-bad-ack", this);
      this.emitRst(seg.ack, 0, "rst-bad-ack", false);
      return;
    }
    // Second, check the RST bit. RFC 5961 §3.2: only an RST that acknowledges our SYN is believed.
    if (seg.flags & RST) {
      if (hasAck) {
        this.env.counters.attemptFails++;
        this.terminate("rcv RST,ACK", new TcpError("ECONNREFUSED", "connect"));
      } else {
        this.env.dropped(seg, "syn-sent-rst-no-ack", this);
      }
      return;
    }
    // A 4-tuple reused from TIME_WAIT inherited TS.Recent (RFC 6191): the old incarnation's SYNs fail PAWS
    // here already. Only segments without ACK: Linux tcp_rcv_synsent_state_process checks PAWS after its
    // ACK branch, where a SYN,ACK must acknowledge our new ISS instead (and its TSval becomes TS.Recent).
    const tsopt = seg.options.timestamp;
    if (tsopt && !hasAck && this.ts.pawsReject(tsopt.val, this.now)) {
      this.env.counters.pawsRejected++;
      this.env.dropped(seg, "paws", this, `TSval ${tsopt.val} < inherited TS.Recent ${this.ts.recent}`);
      return;
    }
    // Fourth, check the SYN bit.
    if (!(seg.flags & SYN)) {
      this.env.dropped(seg, "syn-sent-no-syn", this);
      return;
    }
    this.rcv.init(seg.seq);
    this.applyPeerSynOptions(seg, this.now);
    if (hasAck) this.synAcknowledged(seg);
    const edge = synSentGetsSyn(seqGt(snd.sndUna, snd.iss));
    if (edge.to === "ESTABLISHED") {
      // Our SYN has been ACKed: ESTABLISHED, send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
      this.completeHandshake(seg, edge, true);
      // Data or FIN in the SYN,ACK continue at the sixth step (§3.10.7.3).
      if (seg.payload.length > 0 || seg.flags & FIN) this.processTextAndFin(seg, seqAdd(seg.seq, 1));
      this.finishArrival();
    } else {
      // Simultaneous open (MUST-10): SYN_RECEIVED, send <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
      this.updateWindow(seg);
      this.follow(edge);
      this.sendSyn(true);
      this.armRetransmit();
    }
  }

  /** §3.10.7.4: SYN_RECEIVED and the synchronized states (TIME_WAIT lives in the host's compact records). */
  private synchronizedArrives(arrived: Segment): void {
    let seg = arrived;
    const rcv = this.rcv;
    const snd = this.snd;

    // A duplicate of the SYN that created us (passive SYN_RECEIVED): repeat the SYN,ACK rather than an ACK
    // the peer's SYN_SENT would discard (Linux's request sock, tcp_check_req → inet_rtx_syn_ack). A
    // simultaneous open's SYN_RECEIVED is a full socket on Linux: the repeated SYN falls to the fourth
    // check below and draws a challenge ACK (tcp_validate_incoming, RFC 5961 §4.2).
    if (
      this.state === "SYN_RECEIVED" &&
      this.passive &&
      seg.flags & SYN &&
      !(seg.flags & ACK) &&
      seg.seq === rcv.irs
    ) {
      this.sendSyn(true);
      return;
    }
    // Simultaneous open, Figure 8 line 4 (MUST-10): the peer's SYN,ACK repeats the SYN we already took.
    // Trim that old SYN (§3.10.7.4: "only the new parts are processed") so its ACK completes the handshake;
    // Linux then ACKs the SYN,ACK, as linux-profile.md records.
    let simultaneousSynAck = false;
    if (
      this.state === "SYN_RECEIVED" &&
      !this.passive &&
      (seg.flags & (SYN | ACK)) === (SYN | ACK) &&
      seg.seq === rcv.irs
    ) {
      seg = { ...seg, seq: seqAdd(seg.seq, 1), flags: seg.flags & ~SYN };
      simultaneousSynAck = true;
    }

    // First, check sequence number (PAWS before it, RFC 5961's answers folded in: ./acceptability.ts).
    const segLen = segmentLength(seg);
    switch (firstCheck(rcv, this.ts, seg, this.now)) {
      case "acceptable":
        break;
      case "paws": {
        const tsval = seg.options.timestamp!.val;
        this.env.counters.pawsRejected++;
        this.env.dropped(seg, "paws", this, `TSval ${tsval} < TS.Recent ${this.ts.recent}`);
        if (!(seg.flags & SYN)) this.noteOldDuplicate(seg); // a SYN goes to Linux's syn_challenge instead
        if (segLen > 0) this.sendAck("dup-ack-paws");
        else this.rateLimitedAck("dup-ack-paws");
        return;
      }
      case "rst-out-of-window":
        this.env.dropped(seg, "rst-out-of-window", this); // RFC 5961 §3.2: silently
        return;
      case "syn-challenged":
        this.env.dropped(seg, "syn-challenged", this);
        this.challengeAck();
        return;
      case "unacceptable": {
        // §3.10.7.4: a zero window still lets valid ACKs through ("special allowance").
        if (rcv.window === 0 && seg.flags & ACK && seg.seq === rcv.rcvNxt) {
          this.processAck(seg, true);
        }
        const old = entirelyOld(seg, rcv.rcvNxt);
        this.noteOldDuplicate(seg);
        this.env.dropped(seg, old ? "duplicate" : "out-of-window", this);
        // Linux rate-limits dup-ACKs only for pure ACKs (no data): data never loops.
        if (segLen > 0) this.sendAck(old ? "dup-ack" : "ack-out-of-window");
        else this.rateLimitedAck("ack-out-of-window");
        return;
      }
    }

    // Second, check the RST bit (RFC 5961 §3.2 as adopted in §3.10.7.4).
    if (seg.flags & RST) {
      if (resetCheck(seg, rcv.rcvNxt) === "rst-challenged") {
        this.env.dropped(seg, "rst-challenged", this);
        this.challengeAck();
        return;
      }
      this.resetArrives(seg);
      return;
    }

    // Fourth, check the SYN bit (RFC 5961 §4): challenge ACK in every synchronized state.
    if (seg.flags & SYN) {
      if (this.state === "SYN_RECEIVED" && this.passive) {
        // §3.10.7.4: a passive SYN_RECEIVED returns to LISTEN.
        this.env.dropped(seg, "syn-challenged", this, "SYN in passive SYN_RECEIVED");
        this.terminate("rcv SYN in SYN_RECEIVED", null);
        return;
      }
      this.env.dropped(seg, "syn-challenged", this);
      this.challengeAck();
      return;
    }

    // Fifth, check the ACK field.
    if (!(seg.flags & ACK)) {
      this.env.dropped(seg, "no-ack-flag", this);
      return;
    }
    if (this.state === "SYN_RECEIVED") {
      if (synReceivedAckAcceptable(snd, seg.ack)) {
        if (this.passive && !this.env.acceptQueueHasRoom(this)) {
          // Linux (tcp_v4_syn_recv_sock): with the accept queue full the final ACK is dropped and the child
          // stays in SYN_RECEIVED; a retransmission completes it once the application accepts.
          this.env.dropped(seg, "accept-queue-full", this);
          return;
        }
        this.takeTimestamp(seg);
        this.synAcknowledged(seg);
        // Linux makes the child socket at this ACK (tcp_create_openreq_child): the largest window it has
        // seen is this ACK's, not the SYN's — which decides what a silly small segment is (SWS avoidance).
        if (this.passive && this.env.profile.maxWindowFromFinalAck) snd.maxSndWnd = 0;
        // Linux ACKs the crossing SYN,ACK of a simultaneous open (linux-profile.md). Its SYN lies below
        // RCV.NXT, a duplicate: the ACK reports it with a D-SACK block (RFC 2883 §4; Linux tcp_data_queue:
        // end_seq not after rcv_nxt → tcp_dsack_set, immediate ACK).
        if (simultaneousSynAck && this.sackOk) this.receiverSack().noteDuplicate(rcv.irs, seqAdd(rcv.irs, 1));
        this.completeHandshake(seg, SYN_RECEIVED_ESTABLISHED, simultaneousSynAck);
      } else {
        // <SEQ=SEG.ACK><CTL=RST>
        this.env.dropped(seg, "out-of-window", this, "unacceptable ACK in SYN_RECEIVED");
        this.emitRst(seg.ack, 0, "rst-bad-ack", false);
        return;
      }
    } else if (!this.processAck(seg, false)) {
      return;
    }
    if (this.isClosed()) return;

    // LAST_ACK: the only thing that can arrive is the ACK of our FIN (handled in processAck).
    // Sixth, check the URG bit.
    if (
      seg.flags & URG &&
      (this.state === "ESTABLISHED" || this.state === "FIN_WAIT_1" || this.state === "FIN_WAIT_2")
    ) {
      rcv.noteUrgent(seg.seq, seg.urgent);
    }

    // Seventh and eighth: segment text and FIN.
    if (seg.payload.length > 0 || seg.flags & FIN) this.processTextAndFin(seg, seg.seq);
    this.finishArrival();
  }

  /**
   * The last step of a segment's processing: send what is due. When the application was notified during
   * it, this waits in the outbox until the application had its turn (Notice.AfterApplication): a reply it
   * writes while reading then carries the ACK, as it did when handlers ran inside the segment.
   */
  private finishArrival(): void {
    if (this.isClosed()) return;
    const notified = this.appNotified;
    this.appNotified = false;
    if (notified && !this.outputQueued) {
      this.outputQueued = true;
      this.env.notify(Notice.AfterApplication, this);
    } else if (!this.outputQueued) {
      this.output();
    }
  }

  /** Notice.AfterApplication: the ACK the data owed (unless a reply carried it), then the output. */
  afterApplication(): void {
    this.outputQueued = false;
    this.appNotified = false;
    const owed = this.ackOwed;
    this.ackOwed = 0;
    if (this.isClosed()) return;
    // What the application read meanwhile may send the ACK at once (Linux __tcp_cleanup_rbuf).
    if (owed !== 0 && this.lastAckSent !== this.rcv.rcvNxt)
      this.ackReceivedData(owed === 2, this.rcv.readSinceMark);
    this.output();
  }

  /** §3.10.7.4 second check, exact match: the connection is reset. */
  private resetArrives(_seg: Segment): void {
    switch (this.state) {
      case "SYN_RECEIVED":
        if (this.passive) {
          // Return to LISTEN: for us, the half-open child disappears and the listener stays.
          this.terminate("rcv RST", null);
        } else {
          this.env.counters.attemptFails++;
          this.terminate("rcv RST", new TcpError("ECONNREFUSED", "connect"));
        }
        return;
      case "ESTABLISHED":
      case "FIN_WAIT_1":
      case "FIN_WAIT_2":
      case "CLOSE_WAIT": {
        this.env.counters.estabResets++;
        // Linux tcp_reset reports EPIPE in CLOSE_WAIT (the peer had already finished sending); RFC 9293
        // §3.10.7.4 says "reset" (ECONNRESET) for every state of this group.
        const code = this.state === "CLOSE_WAIT" ? this.env.profile.rstInCloseWaitError : "ECONNRESET";
        this.terminate("rcv RST", new TcpError(code, "read"));
        return;
      }
      default: {
        // CLOSING, LAST_ACK: the RFC just enters CLOSED (§3.10.7.4); Linux and FreeBSD leave ECONNRESET for
        // an application still holding the socket (profile.rstInLastAckError).
        const code = this.env.profile.rstInLastAckError;
        this.terminate("rcv RST", this.orphaned || code === null ? null : new TcpError(code, "close"));
      }
    }
  }

  /**
   * §3.10.7.4 fifth check for the synchronized states. Returns false when the segment must be dropped.
   * `windowOnly`: the zero-window allowance (only the ACK and window are taken from the segment).
   */
  private processAck(seg: Segment, windowOnly: boolean): boolean {
    const snd = this.snd;
    // RFC 5961 §5.2: acceptable only if SND.UNA − MAX.SND.WND =< SEG.ACK =< SND.NXT.
    const ackVerdict = ackCheck(snd, seg.ack);
    if (ackVerdict !== "acceptable") {
      if (windowOnly) return false;
      this.env.dropped(seg, ackVerdict, this);
      this.challengeAck();
      return false;
    }
    const wasWindow = snd.sndWnd;
    const unaBefore = snd.sndUna;
    const sackedBefore = this.recovery.scoreboard?.sackedBytes ?? 0;
    this.probesOut = 0; // the peer is alive
    const advanced = seqGt(seg.ack, snd.sndUna);
    // The segment passed the sequence, RST, SYN and ACK checks: only now may it move TS.Recent (F4).
    // Linux likewise updates it inside tcp_ack, after tcp_validate_incoming and the ACK checks, and only
    // for an ACK not older than SND.UNA (its "old_ack" path leaves it; kernel selftest
    // tcp_ts_recent_invalid_ack). Earlier, one blind segment with a bad ACK could poison TS.Recent so
    // that every genuine segment failed PAWS: RFC 793's odds, which RFC 5961 exists to remove.
    if (!windowOnly && seqGe(seg.ack, snd.sndUna)) this.takeTimestamp(seg);
    let drained = false;
    if (advanced) {
      const acked = snd.acknowledge(seg.ack);
      this.sampleRtt(seg);
      snd.backoffs = 0;
      if (!this.recovery.active) snd.cc.onAck(acked, snd.mss, this.now, snd.rto.srtt, snd.inFlight);
      this.rtxStartedAt = -1; // progress: the user timeout's clock stops

      // Restart or stop the retransmission timer (RFC 6298 §5.2, §5.3).
      if (snd.sndUna === snd.sndMax) this.timers.set(T_RTX, Infinity);
      else this.armRetransmit();
      if (acked > 0 && this.writeRefused && snd.buffer.free > 0) {
        this.writeRefused = false;
        drained = true;
      }
    }
    // Loss recovery in two phases (./recovery.ts) with the loss detection's hooks (./loss-detection.ts)
    // between them: the ACK's effect on recovery (scoreboard, full or partial ACK, duplicate count), then
    // RACK's verdict on it, then the entry into recovery (DupThresh, RACK, IsLost) or PRR's share of an ACK
    // in recovery, then the probe timer.
    const verdict = this.recovery.onAck(
      seg,
      advanced,
      this.peerWindow(seg) === wasWindow,
      this.sackOk,
      this.now,
    );
    if (verdict === "retransmit-partial-ack") this.retransmitHead(verdict);
    else if (verdict === "duplicate") this.loss.onDupAck();
    // RFC 6675 delivered: what SND.UNA passed plus what was newly SACKed (PRR's DeliveredData).
    const delivered =
      seqDiff(snd.sndUna, unaBefore) + ((this.recovery.scoreboard?.sackedBytes ?? 0) - sackedBefore);
    const { newlyLost } = this.loss.onAck(seg, advanced);
    if (this.recovery.shouldEnter(newlyLost)) this.enterRecovery(delivered);
    else if (this.recovery.active) this.loss.onRecoveryAck(delivered, advanced, newlyLost);
    if (advanced) this.loss.scheduleProbe(true);
    // Window update (§3.10.7.4, with Linux's rule for an ACK that advances SND.UNA: ./acceptability.ts).
    if (mayUpdateWindow(snd, seg, advanced, regressions.staleSendWindow)) this.updateWindow(seg);
    // The application hears of free buffer space only now: a write from onDrain sends at once, and must
    // see the window this ACK brought, not the old one (SND.UNA + old SND.WND can lie beyond the peer's
    // right edge when the new window is smaller, and the peer drops what lands there).
    if (drained) this.notifyApp(Notice.Writable);
    if (this.isClosed()) return false;
    if (windowOnly) {
      if (this.snd.sndWnd > 0) this.timers.set(T_PERSIST, Infinity);
      this.output();
      return false;
    }

    // State-specific parts of the fifth check: our FIN acknowledged (./transitions.ts finAcked).
    const edge = snd.finAcked ? finAcked(this.state) : null;
    if (edge !== null) {
      this.follow(edge);
      if (edge.to !== "FIN_WAIT_2") return false; // TIME_WAIT or CLOSED: nothing more to process
      if (this.orphaned) this.armFinWait2();
    }
    return true;
  }

  /** §3.10.7.4 seventh (segment text) and eighth (FIN) steps; `dataSeq` is the sequence number of payload[0]. */
  private processTextAndFin(seg: Segment, dataSeq: number): void {
    const rcv = this.rcv;
    const canReceive =
      this.state === "ESTABLISHED" || this.state === "FIN_WAIT_1" || this.state === "FIN_WAIT_2";
    let payload = seg.payload;
    let fin = (seg.flags & FIN) !== 0;
    if (!canReceive) {
      // CLOSE_WAIT, CLOSING, LAST_ACK: the peer's FIN came already, so text is ignored (§3.10.7.4 seventh
      // step) — but recorded, never lost silently — and a retransmitted FIN is re-ACKed.
      if (payload.length > 0) this.env.dropped(seg, "data-after-fin", this);
      if (payload.length > 0 || fin) this.sendAck("dup-ack");
      return;
    }
    if (payload.length > 0 && this.orphaned && this.state !== "ESTABLISHED") {
      // Linux: new data for a socket the application has closed cannot be delivered: reset (RFC 2525 §2.17).
      if (seqGt(seqAdd(dataSeq, payload.length), rcv.rcvNxt)) {
        this.env.counters.abortOnData++;
        this.env.dropped(seg, "data-after-close", this);
        // The RST answers the segment, as for a connection that no longer exists (§3.5.2 group 1): its
        // sequence number is SEG.ACK and it carries no ACK (Linux tcp_rcv_state_process returns 1 and
        // tcp_v4_do_rcv replies with tcp_v4_send_reset; FreeBSD tcp_dropwithreset does the same).
        this.emitRst(seg.ack, 0, "rst-data-after-close", false);
        this.terminate("rcv data after close", null);
        return;
      }
    }
    // Trim what lies left of RCV.NXT (already received) and right of the window.
    let seq = dataSeq;
    const skip = seqDiff(rcv.rcvNxt, seq);
    if (skip > 0 && this.sackOk && payload.length > 0) {
      // RFC 2883: report the part we already had as a D-SACK block.
      this.receiverSack().noteDuplicate(seq, seqAdd(seq, Math.min(skip, payload.length)));
    }
    if (skip > 0) {
      if (skip >= payload.length) {
        fin = fin && skip === payload.length; // past the FIN too: it was consumed before
        payload = EMPTY_PAYLOAD;
      } else {
        payload = payload.subarray(skip);
      }
      seq = rcv.rcvNxt;
    }
    const room = seqDiff(seqAdd(rcv.rcvNxt, rcv.window), seq);
    if (payload.length > room) {
      payload = payload.subarray(0, Math.max(0, room));
      fin = false; // the FIN lies beyond the window
      this.env.dropped(seg, "receive-window-full", this, "data beyond the window trimmed");
    }

    if (seq !== rcv.rcvNxt) {
      // Out of order: hold it and send an immediate duplicate ACK (RFC 5681 §4.2) so the sender learns of the hole.
      rcv.reassembly.insert(seq, payload, fin);
      if (this.sackOk) {
        this.receiverSack().noteReceived(seq, seqAdd(seq, payload.length + (fin ? 1 : 0)));
      }
      this.sendAck("dup-ack-ooo");
      return;
    }
    let delivered = false;
    // RFC 5681 §4.2: a segment that fills all or part of a gap is ACKed at once.
    const filledGap = !rcv.reassembly.isEmpty;
    if (payload.length > 0) {
      rcv.enqueue(payload, (seg.flags & PSH) !== 0);
      rcv.rcvNxt = seqAdd(rcv.rcvNxt, payload.length);
      this.unackedBytes += payload.length;
      this.lastDataReceivedAt = this.now;
      if (payload.length > this.rcvMss) this.rcvMss = payload.length;
      delivered = true;
    }
    // Pull whatever the new data made contiguous.
    let held = rcv.reassembly.takeInOrder(rcv.rcvNxt);
    while (held && !fin) {
      if (held.data.length > 0) {
        rcv.enqueue(held.data);
        rcv.rcvNxt = seqAdd(rcv.rcvNxt, held.data.length);
        delivered = true;
      }
      if (held.fin) fin = true;
      held = fin ? null : rcv.reassembly.takeInOrder(rcv.rcvNxt);
    }
    // The application reads before the ACK goes out, so the ACK advertises the space its reading freed:
    // when it is notified, the ACK is decided after it ran (finishArrival, afterApplication).
    rcv.markRead();
    if (delivered) this.deliver();
    if (fin) {
      rcv.reassembly.clear();
      this.finArrives();
    } else if (delivered && this.lastAckSent !== rcv.rcvNxt) {
      if (this.appNotified) this.ackOwed = filledGap || this.ackOwed === 2 ? 2 : 1;
      else this.ackReceivedData(filledGap);
    }
    this.deliver(); // the EOF, and a close that waited for it
  }

  /**
   * Delayed ACK (RFC 9293 §3.8.6.3, RFC 5681 §4.2): an ACK may wait for more data or a reply, but at most
   * the profile's delay (40 ms on Linux, < 0.5 s by the RFC) and never past a second full-sized segment.
   * Linux starts in quick-ACK mode so slow start is not slowed by the delay (TCP_MAX_QUICKACKS).
   */
  private ackReceivedData(immediate: boolean, copied = 0): void {
    const p = this.env.profile;
    if (immediate || p.delayedAckTimeout === 0 || this.unackedBytes >= 2 * this.rcvMss) {
      this.sendAck("ack");
    } else if (this.rcv.quick > 0 && !this.pingPong) {
      this.rcv.quick--;
      this.sendAck("ack");
    } else if (copied > 0 && this.rcv.ackDueAfterRead(copied, this.pingPong, this.unackedBytes)) {
      this.sendAck("ack"); // the application read it at once: Linux's read sends the delayed ACK now
    } else if (!this.timers.armed(T_DELACK)) {
      this.timers.set(T_DELACK, this.now + p.delayedAckTimeout);
    }
  }

  /** §3.10.7.4 eighth step, for a FIN that is now in sequence. */
  private finArrives(): void {
    const rcv = this.rcv;
    rcv.rcvNxt = seqAdd(rcv.rcvNxt, 1);
    rcv.finReceived = true;
    const edge = finArrives(this.state, this.snd.finAcked);
    if (edge?.to === "TIME_WAIT") {
      // The ACK of the FIN goes before TIME_WAIT is entered: there the host replaces us with a record.
      this.timers.set(T_FIN_WAIT_2, Infinity);
      this.sendAck("ack-fin");
      this.follow(edge);
      return;
    }
    if (edge !== null) this.follow(edge); // CLOSE_WAIT, or CLOSING when both FINs crossed (S5)
    if (edge?.to === "CLOSE_WAIT" && this.env.profile.pingPong) {
      // Linux tcp_fin enters ping-pong mode, so the FIN's ACK is delayed like data's, in the hope that our
      // own FIN carries it. Before any data arrived Linux's ATO is still 0: it is ACKed at once.
      this.pingPong = true;
      if (this.lastDataReceivedAt >= 0) {
        this.ackReceivedData(false);
        return;
      }
    }
    this.sendAck("ack-fin");
  }

  /**
   * Records that the application has something to be told — data, the EOF, or a close that waited for them
   * (Notice.Readable; given by deliverNow) — or, for an orphan, discards what arrived.
   */
  deliver(): void {
    const rcv = this.rcv;
    if (!this.attached || this.closeReported) return;
    if (this.orphaned) {
      rcv.clear();
      if (this.closePending) this.reportClose(this.error);
      return;
    }
    if (
      (this.handlers.onData !== undefined && !rcv.paused && rcv.hasUnread) ||
      (rcv.finReceived && !rcv.eofDelivered && !rcv.hasUnread && !this.error) ||
      this.closePending
    ) {
      if (this.readableQueued) return;
      this.readableQueued = true;
      this.notifyApp(Notice.Readable);
    }
  }

  /** Records a notification for the application (given after the current entry). */
  private notifyApp(kind: Notice): void {
    this.appNotified = true;
    this.env.notify(kind, this);
  }

  /** Notice.Readable: hands in-order data, then EOF, to the application (not before it has accepted us). */
  deliverNow(): void {
    this.readableQueued = false;
    const rcv = this.rcv;
    if (!this.attached || this.closeReported) return;
    if (this.orphaned) {
      rcv.clear();
    } else if (this.handlers.onData) {
      // No closure per delivery: this runs for every segment of a transfer.
      // A handler that closes or aborts ends the delivery: nothing more is read after close().
      for (let chunk = rcv.take(); chunk !== null; chunk = this.orphaned ? null : rcv.take())
        this.handlers.onData?.(this, chunk);
    }
    // After an error there is no EOF: the stream did not end in order (Node: 'error', never 'end').
    if (rcv.finReceived && !rcv.eofDelivered && !rcv.hasUnread && !this.orphaned && !this.error) {
      rcv.eofDelivered = true;
      this.handlers.onEnd?.(this);
    }
    if (this.closePending) this.reportClose(this.error);
  }

  // ---------------------------------------------------------------- sending

  /** Sends what the windows, Nagle and the FIN rules allow (§3.8.6, §3.7.4). */
  output(): void {
    const snd = this.snd;
    if (!isSynchronized(this.state) || this.state === "TIME_WAIT") return;
    const sentBefore = snd.sndMax;
    const sb = this.recovery.sackRecovery;
    if (sb !== null) {
      this.recoveryOutput(sb);
    } else {
      this.restartAfterIdle();
      for (;;) {
        const offset = seqDiff(snd.sndNxt, snd.bufSeq);
        const unsent = snd.buffer.length - offset;
        if (unsent <= 0 && !this.finMayGo()) break;
        const wnd = Math.min(snd.sndWnd, snd.cc.cwnd + this.loss.limitedTransmitCredit());
        const usable = seqDiff(seqAdd(snd.sndUna, wnd), snd.sndNxt);
        if (!this.sendNew(usable, "data")) break;
      }
    }
    if (snd.sndMax !== sentBefore && !this.timers.armed(T_RTX)) this.armRetransmit();
    if (snd.sndMax !== sentBefore) this.loss.scheduleProbe(false);
    // Data waiting and nothing in flight (a zero window, or a window too small to be worth a segment):
    // the persist timer probes the zero window (§3.8.6.1) or forces the sliver out (§3.8.6.2.1's override).
    if ((snd.unsent > 0 || this.finHeldBack()) && snd.sndUna === snd.sndMax) {
      if (!this.timers.armed(T_PERSIST))
        this.timers.set(T_PERSIST, this.now + snd.rto.backedOff(snd.backoffs));
    }
  }

  /**
   * Sends one segment at SND.NXT of at most `usable` bytes, if Nagle, silly window avoidance and the FIN
   * rules allow; returns false when nothing (more) may go now. Also used by SACK recovery's NextSeg rule 2.
   */
  private sendNew(usable: number, why: string): boolean {
    const snd = this.snd;
    const offset = seqDiff(snd.sndNxt, snd.bufSeq);
    const unsent = snd.buffer.length - offset;
    const finPending = this.finMayGo();
    if (unsent <= 0 && !finPending) return false;
    const mss = snd.mss - this.sackRoom();
    let len = Math.min(mss, Math.max(0, unsent), Math.max(0, usable));
    if (unsent > 0 && len <= 0) return false;
    const retransmission = seqLt(snd.sndNxt, snd.sndMax);
    // Nagle (§3.7.4): hold back a small final piece while data is unacknowledged (not when a FIN follows).
    // Minshall's variant, as Linux's tcp_nagle_check: only an unacknowledged *small* segment holds it.
    const smallTail = len > 0 && len < mss && len === unsent;
    if (smallTail && !this.noDelay && !retransmission && seqGt(snd.sndSml, snd.sndUna) && !snd.finQueued)
      return false;
    // TCP_CORK / MSG_MORE: a partial segment waits for more data (or the FIN, or uncorking), Nagle or not —
    // but not past the persist timer: with nothing in flight Linux arms its probe timer at max(RTO, 200 ms)
    // (tcp_check_probe_timer) and tcp_write_wakeup sends the held data (tcp(7): TCP_CORK's 200 ms ceiling).
    if (
      smallTail &&
      (this.corked || this.moreComing) &&
      !retransmission &&
      !snd.finQueued &&
      !(this.swsOverride && this.env.profile.corkProbeTimer)
    )
      return false;
    // Sender-side silly window avoidance (§3.8.6.2.1): do not send a sliver of a larger backlog —
    // unless the override timeout (the persist timer) fired. It governs *new* data only: a retransmission
    // re-sends what the peer's window already took once (a persist-forced sliver whose ACK was lost), and
    // holding it back left an RTO that sent nothing until ETIMEDOUT (issue 10, F1).
    if (
      len > 0 &&
      len < mss &&
      len < unsent &&
      len < snd.maxSndWnd / 2 &&
      !this.swsOverride &&
      (!retransmission || regressions.swsHoldsRetransmission)
    )
      return false;
    if (len < 0) len = 0;
    // A FIN occupies a sequence number: it is not sent past the peer's window (a zero window holds it
    // back; the persist timer probes until the window opens, MUST-37), though it needs no room in cwnd.
    const withFin =
      finPending && len === unsent && seqDiff(seqAdd(snd.sndUna, snd.sndWnd), seqAdd(snd.sndNxt, len)) >= 1;
    if (len === 0 && !withFin) return false;
    let flags = ACK;
    if (
      len > 0 &&
      (this.env.profile.pushRule === "write-end" ? snd.reachesPush(snd.sndNxt, len) : len === unsent)
    )
      flags |= PSH;
    if (withFin) flags |= FIN;
    const payload = len > 0 ? snd.buffer.read(offset, len) : EMPTY_PAYLOAD;
    if (snd.rttTime < 0 && !retransmission && len > 0) {
      snd.rttSeq = snd.sndNxt;
      snd.rttTime = this.now;
    }
    if (withFin) snd.finSent = true;
    const seqNo = snd.sndNxt;
    snd.sndNxt = seqAdd(snd.sndNxt, len + (withFin ? 1 : 0));
    if (len > 0 && len < mss) snd.sndSml = snd.sndNxt;
    if (seqGt(snd.sndNxt, snd.sndMax)) snd.sndMax = snd.sndNxt;
    if (retransmission) this.env.counters.retransSegs++;
    if (len > 0) snd.lastDataSent = this.now;
    // Linux tcp_event_data_sent: a reply sent within the ATO of the last data received is interactive.
    if (
      len > 0 &&
      !retransmission &&
      this.env.profile.pingPong &&
      this.lastDataReceivedAt >= 0 &&
      this.now - this.lastDataReceivedAt < this.env.profile.delayedAckTimeout
    )
      this.pingPong = true;
    this.emit(seqNo, this.rcv.rcvNxt, flags, payload, NO_OPTIONS, withFin ? "fin" : why, retransmission);
    this.loss.sent(seqNo, len + (withFin ? 1 : 0), retransmission);
    return !withFin;
  }

  /**
   * RFC 5681 §4.1 (RFC 7661's problem): after an idle period longer than the RTO the ACK clock is gone,
   * so cwnd is cut back to the restart window before a new burst — unless the profile turns it off
   * (Linux tcp_slow_start_after_idle=0, the usual test-host setting).
   */
  private restartAfterIdle(): void {
    const snd = this.snd;
    if (!this.env.profile.slowStartAfterIdle || snd.sndUna !== snd.sndMax || snd.lastDataSent < 0) return;
    if (this.now - snd.lastDataSent > snd.rto.rto) {
      snd.cc.onRestartAfterIdle(snd.mss, this.now);
      snd.lastDataSent = this.now;
    }
  }

  /**
   * A dropped segment that starts below RCV.NXT is reported in the duplicate ACK as a D-SACK block, up to
   * RCV.NXT — data, SYN or FIN alike (RFC 2883 §4.1.1; Linux tcp_send_dupack → tcp_dsack_set, for the
   * sequence-number check and PAWS alike). An old FIN from an earlier incarnation shows up this way (S11).
   */
  private noteOldDuplicate(seg: Segment): void {
    const len = segmentLength(seg);
    if (!this.sackOk || len === 0 || !seqLt(seg.seq, this.rcv.rcvNxt)) return;
    const end = seqAdd(seg.seq, len);
    this.receiverSack().noteDuplicate(seg.seq, seqLt(end, this.rcv.rcvNxt) ? end : this.rcv.rcvNxt);
  }

  /** The receiver's SACK block chooser, made when first needed (most connections never hold a hole). */
  private receiverSack(): SackBlocks {
    return (this.sackBlocks ??= new SackBlocks({ dsack: this.env.profile.dsack }));
  }

  /**
   * Room the SACK option takes in a segment to the peer while we hold out-of-order data (RFC 2018 §3:
   * the option shares the segment with data, which must shrink so the whole fits the MSS).
   */
  private sackRoom(): number {
    if (!this.sackBlocks || (this.rcv.reassembly.isEmpty && !this.sackBlocks.pendingDuplicate)) return 0;
    return 4 + 8 * (this.ts.ok ? 3 : 4);
  }

  /**
   * Our FIN may go now: the application queued it, SND.NXT has not passed it (never sent, or sent and gone
   * back to by a timeout), and the state sends FINs (./transitions.ts sendsFin: not while a close waits
   * for the handshake). Whether the window has room for it is the sender's to judge.
   */
  private finMayGo(): boolean {
    const snd = this.snd;
    return snd.finQueued && seqLe(snd.sndNxt, snd.finSeq) && sendsFin(this.state);
  }

  /** SYN (active open) or SYN,ACK (passive or simultaneous open), with our options. */
  private sendSyn(retransmission: boolean): void {
    const snd = this.snd;
    const withAck = this.state === "SYN_RECEIVED";
    const p = this.env.profile;
    const options: TcpOptions = { mss: this.localMss };
    // A SYN offers what the profile enables; a SYN,ACK only confirms what the peer's SYN offered — except
    // a simultaneous open's under profile.synAckRepeatsSynOptions (Linux), which repeats our SYN's offers.
    const confirm = withAck && (this.passive || !p.synAckRepeatsSynOptions);
    if (confirm ? this.sackOk : p.sack) options.sackPermitted = true;
    if (confirm ? this.ts.ok : p.timestamps)
      options.timestamp = { val: this.ts.val(this.now), ecr: withAck ? this.ts.recent : 0 };
    if (confirm ? this.wsOk : p.windowScaling)
      options.wscale = confirm ? this.rcv.wscale : this.offeredWscale;
    // Never scaled (RFC 7323 §2.2); Linux's is tcp_select_initial_window's (receiver.ts synWindow).
    const window = this.rcv.synWindow(
      withAck && this.ts.ok ? this.localMss - 12 : this.localMss,
      confirm ? this.rcv.wscale : (options.wscale ?? 0),
      withAck,
    );
    const seg = this.makeSegment(
      snd.iss,
      withAck ? this.rcv.rcvNxt : 0,
      SYN | (withAck ? ACK : 0),
      EMPTY_PAYLOAD,
      options,
    );
    seg.window = window;
    if (retransmission) this.env.counters.retransSegs++;
    this.put(seg, withAck ? "syn-ack" : "syn", retransmission);
  }

  /** <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
  sendAck(why: string): void {
    // <SEQ=SND.MAX>, not SND.NXT: after a timeout SND.NXT goes back to SND.UNA, and an ACK carrying that
    // sequence number falls left of the peer's window and is dropped with its ACK field — if both sides
    // time out, neither hears the other (BSD's tcp_output sends pure ACKs at snd_max for this reason).
    // Not beyond the right edge of the peer's window, though: a peer that shrank its window, or dropped
    // data we sent past it, discards an ACK whose sequence number lies outside its window, and if it is
    // waiting for that ACK to free its own send queue both sides stall (Linux's tcp_acceptable_seq).
    const snd = this.snd;
    const edge = seqAdd(snd.sndUna, snd.sndWnd);
    const seq = seqLe(snd.sndMax, edge) ? snd.sndMax : seqGt(edge, snd.sndNxt) ? edge : snd.sndNxt;
    this.emit(seq, this.rcv.rcvNxt, ACK, EMPTY_PAYLOAD, NO_OPTIONS, why, false);
  }

  /** RFC 5961 §7: challenge ACKs are rate-limited per connection. */
  private challengeAck(): void {
    if (!ackRateAllows(this.lastChallengeAck, this.now, this.env.profile.challengeAckInterval)) {
      this.env.counters.drop("challenge-ack-rate-limited");
      return;
    }
    this.lastChallengeAck = this.now;
    this.env.counters.challengeAcks++;
    this.sendAck("challenge-ack");
  }

  private rateLimitedAck(why: string): void {
    if (!ackRateAllows(this.lastChallengeAck, this.now, this.env.profile.challengeAckInterval)) {
      this.env.counters.drop("challenge-ack-rate-limited");
      return;
    }
    this.lastChallengeAck = this.now;
    this.sendAck(why);
  }

  /** RST formats of §3.10.7.1 as Linux writes them (linux-profile.md "RST formats"). */
  private emitRst(seq: number, ack: number, why: string, withAck = true): void {
    this.env.counters.outRsts++;
    const seg = this.makeSegment(
      seq,
      withAck ? ack : 0,
      RST | (withAck ? ACK : 0),
      EMPTY_PAYLOAD,
      NO_OPTIONS,
    );
    seg.window = 0;
    this.put(seg, why, false);
  }

  private emit(
    seq: number,
    ack: number,
    flags: number,
    payload: Uint8Array,
    options: TcpOptions,
    why: string,
    rtx: boolean,
  ): void {
    this.put(this.makeSegment(seq, ack, flags, payload, options), why, rtx);
  }

  private put(seg: Segment, why: string, retransmission: boolean): void {
    if (this.env.invariants !== null) checkSent(this, this.env.invariants, seg, why, retransmission);
    if (seg.flags & ACK) {
      this.lastAckSent = seg.ack;
      if (seg.ack === this.rcv.rcvNxt) {
        // Whatever carries the ACK (a reply, a window update) ends the delay.
        this.unackedBytes = 0;
        if (this.timers.armed(T_DELACK)) this.timers.set(T_DELACK, Infinity);
      }
    }
    this.env.counters.outSegs++;
    this.env.transmit(seg, this, why, retransmission);
  }

  private makeSegment(
    seq: number,
    ack: number,
    flags: number,
    payload: Uint8Array,
    options: TcpOptions,
  ): Segment {
    return buildSegment(
      this.localAddr,
      this.localPort,
      this.remoteAddr,
      this.remotePort,
      seq,
      ack,
      flags,
      flags & ACK ? this.rcv.windowToAdvertise(this.snd.mss) : 0,
      flags & SYN ? options : this.establishedOptions(options, flags),
      payload,
    );
  }

  /**
   * Options of a non-SYN segment: the timestamp on every one once negotiated (RFC 7323 §3.2), plus
   * whatever the caller passed (SACK blocks).
   */
  private establishedOptions(options: TcpOptions, flags: number): TcpOptions {
    const blocks = this.sackBlocks;
    // RFC 2018 §4: SACK blocks in every ACK while out-of-order data is held (and once for a D-SACK).
    const sack =
      blocks && flags & ACK && !(flags & RST) && (blocks.pendingDuplicate || !this.rcv.reassembly.isEmpty)
        ? blocks.blocks(this.rcv.rcvNxt, this.rcv.reassembly.ranges(), this.ts.ok ? 3 : 4)
        : undefined;
    if (!this.ts.ok && !sack) return options;
    if (!sack && options === NO_OPTIONS) return this.timestampOnly();
    const out: TcpOptions = options === NO_OPTIONS ? {} : { ...options };
    if (this.ts.ok) out.timestamp = { val: this.ts.val(this.now), ecr: this.ts.recent };
    if (sack) out.sack = sack;
    return out;
  }

  /**
   * The options of most established segments: the timestamp alone. Segments never change their options
   * once built, so one object serves every segment until TSval (1 ms clock) or TS.Recent moves — not two
   * fresh objects per segment.
   */
  private timestampOnly(): TcpOptions {
    const val = this.ts.val(this.now);
    const cached = this.tsOptions;
    if (cached?.timestamp && cached.timestamp.val === val && cached.timestamp.ecr === this.ts.recent)
      return cached;
    return (this.tsOptions = { timestamp: { val, ecr: this.ts.recent } });
  }

  /**
   * Loss detected: DupThresh duplicate ACKs, the SACK scoreboard, RACK on an ACK, or RACK's reordering
   * timer (./loss-detection.ts, `reduceNow` false: cwnd is kept until the next ACK, as Linux 6.18 does).
   * ./recovery.ts enter sets RecoveryPoint and cwnd (RFC 6675 §5 steps (4.1)–(4.3), RFC 6582 without
   * SACK); PRR takes cwnd over from there (RFC 6937 §3), and the first unacknowledged segment goes again.
   */
  private enterRecovery(delivered: number, reduceNow = true): void {
    const priorCwnd = this.snd.cc.cwnd;
    this.recovery.enter(this.sackOk, this.now);
    this.env.counters.fastRetransmits++;
    // No tail loss probe in recovery; PRR takes cwnd over (the first quota includes this retransmission).
    this.loss.onRecoveryStart(priorCwnd, delivered, reduceNow);
    this.retransmitHead("fast-retransmit");
  }

  /**
   * RFC 6675 §5 step (C): in SACK recovery, send while cwnd − pipe ≥ 1 SMSS, choosing each segment with
   * NextSeg — lost holes first, then new data, then holes not yet deemed lost.
   */
  private recoveryOutput(sb: SackScoreboard): void {
    const snd = this.snd;
    const mss = snd.mss;
    for (let budget = 1024; budget > 0; budget--) {
      const pipe = sb.pipe(snd.sndUna, snd.sndMax, mss);
      if (snd.cc.cwnd - pipe < mss) return;
      const unsent = snd.unsent;
      const windowRoom = seqDiff(seqAdd(snd.sndUna, snd.sndWnd), snd.sndMax);
      const canSendNew =
        (unsent > 0 && windowRoom >= Math.min(mss, unsent)) || (unsent <= 0 && this.finMayGo());
      const next = this.recovery.nextSeg(sb, canSendNew);
      if (!next) return;
      if (next.rule === 2) {
        if (!this.sendNew(Math.min(mss, unsent > 0 ? windowRoom : 0), "data")) return;
        continue;
      }
      this.retransmitRange(
        next.seq,
        next.len,
        next.rule === 1 ? "retransmit-sack" : "retransmit-sack-hole",
        0,
      );
    }
  }

  /**
   * Resends [seq, seq + len) from the send buffer (the FIN too if the range reaches it), and records it
   * for SACK recovery: the scoreboard's retransmitted octets and HighRxt (RFC 6675 §4 NextSeg).
   */
  private retransmitRange(seq: number, len: number, why: string, push: number): void {
    const snd = this.snd;
    const offset = seqDiff(seq, snd.bufSeq);
    const dataLen = Math.max(0, Math.min(len, snd.buffer.length - offset));
    const withFin = snd.finSent && !snd.finAcked && seqAdd(seq, dataLen) === snd.finSeq && dataLen < len;
    if (dataLen === 0 && !withFin) return;
    const payload = dataLen > 0 ? snd.buffer.read(offset, dataLen) : EMPTY_PAYLOAD;
    this.env.counters.retransSegs++;
    snd.rttTime = -1; // Karn: no sample across a retransmission
    snd.karnHold = true;
    this.recovery.onRetransmit(seq, len);
    const pushed =
      this.env.profile.pushRule === "write-end" ? snd.reachesPush(seq, dataLen) : withFin || push !== 0;
    const flags = ACK | (withFin ? FIN : 0) | (dataLen > 0 && pushed ? PSH : 0);
    this.emit(seq, this.rcv.rcvNxt, flags, payload, NO_OPTIONS, why, true);
    this.loss.sent(seq, dataLen + (withFin ? 1 : 0), true);
  }

  /**
   * Retransmits one segment's worth from SND.UNA (fast retransmit, NewReno partial ACK, an RTO that found
   * nothing else to send). A retransmission never reaches beyond SND.MAX: bytes never sent are new data,
   * and a peer ACKing them would ACK "unsent data" by our SND.MAX and be dropped — both ends then time
   * out (F3). It leaves the SACK option its room, as the original segment did.
   */
  private retransmitHead(why: string): void {
    const snd = this.snd;
    const remaining = snd.buffer.length - seqDiff(snd.sndUna, snd.bufSeq);
    const sentData = seqDiff(snd.sndMax, snd.sndUna) - (snd.finSent && !snd.finAcked ? 1 : 0);
    const dataLen = regressions.headBeyondSndMax
      ? Math.max(0, Math.min(snd.mss, remaining))
      : Math.max(0, Math.min(snd.mss - this.sackRoom(), remaining, sentData));
    const fin = snd.finSent && !snd.finAcked && dataLen === remaining ? 1 : 0;
    this.retransmitRange(snd.sndUna, dataLen + fin, why, PSH);
  }

  // ------------------------------------------- loss detection by time (RFC 8985) and limited transmit

  /** The connection's loss detection (./loss-detection.ts), made on first use. */
  private get loss(): LossDetection {
    return (this.lossDetection ??= new LossDetection(this.lossPort()));
  }

  /**
   * What each timer does when it fires (./timers.ts runs them in their order). One class for every
   * connection, written inside Connection's body for its private fields: seven arrow functions per
   * connection were allocation and GC on every connection's creation.
   */
  private static readonly TimerActions = class implements TimerActionsPort {
    constructor(private readonly c: Connection) {}
    finWait2Expired(): void {
      this.c.env.counters.finWait2Timeouts++;
      // Linux sends nothing when an orphaned FIN_WAIT_2 expires; a later segment from the peer draws a RST.
      this.c.terminate("FIN_WAIT_2 timeout", null);
    }
    lossProbeExpired(): void {
      this.c.loss.onProbeTimer();
    }
    retransmissionExpired(): void {
      const c = this.c;
      const sentBefore = c.env.counters.outSegs;
      c.retransmitTimeout();
      if (c.env.invariants !== null) checkRetransmissionTimeout(c, c.env.invariants, sentBefore);
    }
    reorderExpired(): void {
      this.c.loss.onReorderTimer();
    }
    persistExpired(): void {
      this.c.zeroWindowProbe();
    }
    keepAliveExpired(): void {
      this.c.keepAliveTimeout();
    }
    delayedAckExpired(): void {
      const c = this.c;
      if (isSynchronized(c.state) && c.lastAckSent !== c.rcv.rcvNxt) {
        c.pingPong = false; // "Delayed ACK missed: leave pingpong mode" (tcp_delack_timer_handler)
        c.env.counters.delayedAcks++;
        c.sendAck("delayed-ack");
      }
    }
  };

  /** What ./loss-detection.ts may read and do: a view of this connection, nothing copied. */
  private lossPort(): LossDetectionPort {
    return new Connection.LossPort(this);
  }

  /**
   * The port's class. It is written inside Connection's body so that its getters may read the TCB's private
   * fields, and it is one class for every connection: an object literal of getters and arrow functions
   * made ~20 closures per connection, which cost a third of the connection-lifecycle benchmark in
   * allocation and garbage collection.
   */
  private static readonly LossPort = class implements LossDetectionPort {
    readonly profile: Profile;
    readonly snd: Sender;
    readonly counters: Counters;
    constructor(private readonly c: Connection) {
      this.profile = c.env.profile;
      this.snd = c.snd;
      this.counters = c.env.counters;
    }
    get now(): number {
      return this.c.now;
    }
    get sackOk(): boolean {
      return this.c.sackOk;
    }
    get scoreboard(): SackScoreboard | null {
      return this.c.recovery.scoreboard;
    }
    get inRecovery(): boolean {
      return this.c.recovery.active;
    }
    get dupAcks(): number {
      return this.c.recovery.dupAcks;
    }
    get belowRecoveryPoint(): boolean {
      return seqLt(this.c.snd.sndUna, this.c.recovery.recover);
    }
    get sending(): boolean {
      const state = this.c.state;
      return isSynchronized(state) && state !== "TIME_WAIT";
    }
    lossTimer(which: LossTimer, deadline: number): void {
      this.c.timers.set(which === "loss-probe" ? T_TLP : T_REO, deadline);
    }
    get rtoDeadline(): number {
      return this.c.timers.deadline(T_RTX);
    }
    get rtoNow(): number {
      return this.c.currentRto();
    }
    armRetransmit(): void {
      this.c.armRetransmit();
    }
    sendNewSegment(maxLen: number, why: string): boolean {
      // Linux's probe goes out with Nagle off (TCP_NAGLE_OFF) and past cwnd (tcp_write_xmit push_one 2).
      const c = this.c;
      const noDelay = c.noDelay;
      const before = c.snd.sndMax;
      c.noDelay = true;
      c.swsOverride = true;
      c.sendNew(maxLen, why);
      c.noDelay = noDelay;
      c.swsOverride = false;
      return c.snd.sndMax !== before;
    }
    retransmit(seq: number, len: number, why: string): void {
      this.c.retransmitRange(seq, len, why, 0);
    }
    get sackRoom(): number {
      return this.c.sackRoom();
    }
    enterRecovery(delivered: number, reduceNow: boolean): void {
      this.c.enterRecovery(delivered, reduceNow);
    }
    output(): void {
      this.c.output();
    }
  };

  // ---------------------------------------------------------------- timers (§3.10.8)

  /** The earliest time one of this connection's timers is due, or Infinity. */
  nextDeadline(): number {
    return this.timers.nextDeadline();
  }

  /** Run the timers due at `now` (the host calls it from advance()); the order is ./timers.ts dispatch. */
  onTimer(now: number): void {
    if (this.env.invariants !== null && !this.inEntry)
      return this.checked("timer", null, () => this.onTimer(now));
    this.now = now;
    this.timers.dispatch(now);
  }

  private retransmitTimeout(): void {
    const snd = this.snd;
    const p = this.env.profile;
    this.env.counters.timeouts++;
    if (this.state === "SYN_SENT") {
      if (synGivesUp(snd, p, p.synRetries, this.now)) {
        this.env.counters.attemptFails++;
        this.terminate("SYN retries exhausted", new TcpError("ETIMEDOUT", "connect"));
        return;
      }
      snd.backoffs++;
      snd.rttTime = -1;
      this.sendSyn(true);
      this.armRetransmit();
      return;
    }
    if (this.state === "SYN_RECEIVED") {
      if (snd.backoffs >= p.synAckRetries) {
        this.env.counters.attemptFails++;
        // A passive child just disappears (Linux drops the request sock); an active one fails.
        this.terminate(
          "SYN,ACK retries exhausted",
          this.passive ? null : new TcpError("ETIMEDOUT", "connect"),
        );
        return;
      }
      snd.backoffs++;
      this.sendSyn(true);
      this.armRetransmit();
      return;
    }
    // TCP_USER_TIMEOUT (RFC 5482, Linux tcp_retransmits_timed_out): retransmitting for that long without
    // progress ends the connection, however many retries the count would still allow. Linux counts from
    // the first retransmission (retrans_stamp), so do we.
    if (this.rtxStartedAt < 0) this.rtxStartedAt = this.now;
    if (this.userTimeout > 0 && this.now - this.rtxStartedAt >= this.userTimeout) {
      this.terminate("user timeout", this.orphaned ? null : new TcpError("ETIMEDOUT", "read"));
      return;
    }
    const limit = this.orphaned ? p.orphanRetries : p.dataRetries;
    // Linux tcp_retransmit_timer: against a zero window (the receiver shrank it under our data or FIN)
    // the retransmissions are zero-window probes, and a peer that keeps answering is alive (MUST-37): give
    // up only when nothing was heard for the maximum RTO — or at once for an orphan.
    const probing = snd.sndWnd === 0 && !this.orphaned && this.now - this.lastHeard <= p.rtoMax;
    if (snd.backoffs >= limit && !probing) {
      this.terminate("retransmission limit", this.orphaned ? null : new TcpError("ETIMEDOUT", "read"));
      return;
    }
    snd.backoffs++;
    // RFC 5681 §3.1 / RFC 6298 §5.4–5.6: back off, collapse cwnd, go back to SND.UNA.
    snd.cc.onTimeout(snd.inFlight, snd.mss, this.now);
    this.recovery.onTimeout();
    this.loss.onTimeout();
    snd.rttTime = -1;
    snd.karnHold = true;
    snd.sndNxt = snd.sndUna;
    this.armRetransmit();
    const sentBefore = this.env.counters.outSegs;
    this.output();
    if (
      this.env.counters.outSegs === sentBefore &&
      snd.sndUna !== snd.sndMax &&
      !regressions.swsHoldsRetransmission
    ) {
      // output() sent nothing although data or our FIN is outstanding — a window the peer closed under it
      // (F2's end). Linux's tcp_retransmit_timer retransmits the head of the queue regardless, which then
      // doubles as a zero-window probe: an RTO never fires without sending.
      this.retransmitHead("retransmit");
    }
  }

  /** Our FIN is due but the peer's window has no room for its sequence number. */
  private finHeldBack(): boolean {
    const snd = this.snd;
    return snd.unsent <= 0 && this.finMayGo();
  }

  private zeroWindowProbe(): void {
    const snd = this.snd;
    if (snd.unsent <= 0 && !this.finHeldBack()) return;
    if (snd.sndWnd > 0) {
      this.swsOverride = true;
      this.output();
      this.swsOverride = false;
      return;
    }
    // §3.8.6.1 (MUST-37) keeps a zero window open only while the peer answers the probes; unanswered
    // ones count toward the retry limit, as Linux's tcp_probe_timer does.
    const p = this.env.profile;
    // An orphan has no application to wait for: Linux's tcp_probe_timer aborts it once the probe backoff
    // has reached TCP_RTO_MAX ("not alive") and counts tcp_orphan_retries backoffs, answered or not —
    // else a peer that keeps its window shut pins the orphan, and its send buffer, forever (F5).
    if (this.orphaned && snd.rto.backedOff(snd.backoffs) >= p.rtoMax && snd.backoffs >= p.orphanRetries) {
      this.env.counters.abortOnTimeout++;
      this.terminate("orphan: zero-window probes past the backoff limit", null);
      return;
    }
    if (this.probesOut >= (this.orphaned ? p.orphanRetries : p.dataRetries)) {
      this.terminate(
        "zero-window probes unanswered",
        this.orphaned ? null : new TcpError("ETIMEDOUT", "write"),
      );
      return;
    }
    this.probesOut++;
    this.env.counters.zeroWindowProbes++;
    // Linux's probe: an ACK carrying SND.UNA − 1, which the receiver answers with its current window.
    this.emit(
      seqAdd(snd.sndUna, -1),
      this.rcv.rcvNxt,
      ACK,
      EMPTY_PAYLOAD,
      NO_OPTIONS,
      "zero-window-probe",
      false,
    );
    snd.backoffs = Math.min(snd.backoffs + 1, 30);
    this.timers.set(T_PERSIST, this.now + snd.rto.backedOff(snd.backoffs));
  }

  private keepAliveTimeout(): void {
    const p = this.env.profile;
    if (!this.keepAlive || !isSynchronized(this.state)) return;
    if (this.snd.sndUna !== this.snd.sndMax || this.snd.unsent > 0) {
      // MUST-26: no keep-alive while sent data is outstanding; the retransmission limit decides instead.
      this.keepAliveProbes = 0;
      this.timers.set(T_KEEPALIVE, this.now + this.keepAliveIdle);
      return;
    }
    if (this.keepAliveProbes >= this.keepAliveCount) {
      this.env.counters.keepAliveTimeouts++;
      // Linux tcp_keepalive_timer resets the dead connection (tcp_send_active_reset: <SEQ=SND.NXT><ACK=
      // RCV.NXT><CTL=RST,ACK>); FreeBSD's tcp_drop sends RST from CLOSED too. RFC 9293 §3.8.4 is silent.
      if (p.keepAliveTimeoutRst) this.emitRst(this.snd.sndNxt, this.rcv.rcvNxt, "rst-keepalive-timeout");
      this.terminate("keepalive timeout", new TcpError("ETIMEDOUT", "read"));
      return;
    }
    this.keepAliveProbes++;
    // RFC 9293 §3.8.4: a probe with SEG.SEQ = SND.NXT − 1 elicits an ACK from a live peer.
    this.emit(
      seqAdd(this.snd.sndNxt, -1),
      this.rcv.rcvNxt,
      ACK,
      EMPTY_PAYLOAD,
      NO_OPTIONS,
      "keepalive",
      false,
    );
    this.timers.set(T_KEEPALIVE, this.now + this.keepAliveInterval);
  }

  private armRetransmit(): void {
    let deadline = this.now + this.currentRto();
    // Linux tcp_clamp_rto_to_user_timeout: the timer never runs past the user timeout.
    if (this.userTimeout > 0 && this.rtxStartedAt >= 0 && isSynchronized(this.state)) {
      deadline = Math.min(deadline, Math.max(this.now + 1, this.rtxStartedAt + this.userTimeout));
    }
    this.timers.set(T_RTX, deadline);
  }

  private currentRto(): number {
    return currentRto(this.state, this.snd, this.env.profile);
  }

  private armFinWait2(): void {
    this.timers.set(T_FIN_WAIT_2, this.now + this.finWait2Timeout);
  }

  // ---------------------------------------------------------------- helpers

  /** Debug mode (./invariants.ts): runs one entry, then asserts the invariants that must hold after it. */
  private checked<T>(entry: string, seg: Segment | null, run: () => T): T {
    const before = snapshot(this);
    this.inEntry = true;
    let result: T;
    try {
      result = run();
    } finally {
      this.inEntry = false;
    }
    checkAfterEntry(this, this.env.invariants!, entry, before, seg);
    return result;
  }

  /** The persist timer is running (for the invariant that an RTO never fires silently). */
  get persistArmed(): boolean {
    return this.timers.armed(T_PERSIST);
  }

  /**
   * The peer's SYN (or SYN,ACK) options. Each option is used only if both SYNs carried it: a passive
   * side answers with what the peer offered and it enables (RFC 7323 §2.2, §3.2; RFC 2018 §2); an active
   * side takes what the SYN,ACK confirms of its own offer.
   */
  private applyPeerSynOptions(seg: Segment, now: number): void {
    const options = seg.options;
    const p = this.env.profile;
    // RFC 9293 §3.7.1: without an MSS option the peer's MSS is 536 for IPv4, 1220 for IPv6 (MUST-15;
    // Linux's mss_clamp of tcp_v6_connect and tcp_request_sock_ipv6_ops).
    this.peerMss = options.mss ?? defaultPeerMss(this.remoteAddr);
    const offered = this.state === "SYN_SENT"; // our SYN went out with our offers
    if (p.windowScaling && options.wscale !== undefined) {
      this.wsOk = true;
      // RFC 7323 §2.3: a shift above 14 is used as 14 (and MAY be logged).
      this.snd.wscale = Math.min(options.wscale, MAX_WSCALE);
      this.rcv.wscale = this.offeredWscale;
    } else {
      this.wsOk = false;
      this.snd.wscale = 0;
      this.rcv.wscale = 0;
    }
    if (p.timestamps && options.timestamp) {
      this.ts.ok = true;
      this.ts.recent = options.timestamp.val;
      this.ts.recentAt = now;
    } else if (offered || !p.timestamps) {
      this.ts.ok = false;
    }
    this.sackOk = p.sack && options.sackPermitted === true;
    this.setSendMss();
  }

  /**
   * Send MSS = min(the peer's MSS option, ours from the path MTU), less the room the timestamp option
   * takes in every segment (Linux: peer 1460 with timestamps → 1448; linux-profile.md "MSS and MTU").
   */
  private setSendMss(): void {
    const base = Math.min(this.localMss, this.peerMss);
    // Linux's tcp_min_snd_mss (48): a peer must not make us send floods of tiny segments (CVE-2019-11479).
    this.snd.mss = Math.max(MIN_SEND_MSS, base - (this.ts.ok ? 12 : 0));
  }

  /** The window a segment offers, in bytes. RFC 7323 §2.3: a SYN's is never scaled; every other one is. */
  private peerWindow(seg: Segment): number {
    return seg.flags & SYN ? seg.window : seg.window << this.snd.wscale; // < 2^30: no overflow
  }

  private updateWindow(seg: Segment): void {
    const snd = this.snd;
    const wnd = this.peerWindow(seg);
    snd.sndWnd = wnd;
    if (wnd > snd.maxSndWnd) snd.maxSndWnd = wnd;
    snd.sndWl1 = seg.seq;
    snd.sndWl2 = seg.ack;
    if (snd.sndWnd > 0 && this.timers.armed(T_PERSIST)) {
      this.timers.set(T_PERSIST, Infinity);
      snd.backoffs = 0;
    }
  }

  /**
   * RFC 7323 §4.3 (2): an acceptable segment that covers Last.ACK.sent updates TS.Recent, so the echo
   * reflects the earliest segment this ACK acknowledges (and delayed ACKs still time the RTT right).
   * Called only once the segment is known acceptable (see processAck).
   */
  private takeTimestamp(seg: Segment): void {
    const tsopt = seg.options.timestamp;
    if (!this.ts.ok || !tsopt) return;
    if (seqLe(seg.seq, this.lastAckSent === -1 ? this.rcv.rcvNxt : this.lastAckSent)) {
      this.ts.update(tsopt.val, this.now);
    }
  }

  /**
   * RFC 6298 §3 with Karn's rule: one timed segment, discarded after any retransmission. While Karn's rule
   * leaves no timed segment, the echoed timestamp still measures the RTT (RFC 7323 §4: the echo names the
   * transmission it answers, so retransmissions are no ambiguity). Linux likewise prefers its µs segment
   * clock and falls back to the 1 ms TSecr.
   */
  private sampleRtt(seg: Segment): void {
    const snd = this.snd;
    const ack = seg.ack;
    if (this.state === "SYN_SENT" || this.state === "SYN_RECEIVED") {
      // The handshake RTT seeds SRTT (linux-profile.md), unless the SYN was retransmitted (Karn).
      if (snd.backoffs === 0) snd.rto.sample(this.now - snd.firstSendTime);
      return;
    }
    if (snd.rttTime >= 0 && seqGt(ack, snd.rttSeq)) {
      snd.rto.sample(this.now - snd.rttTime);
      snd.rttTime = -1;
      snd.karnHold = false;
    } else if (snd.karnHold && this.ts.ok && seg.options.timestamp && seg.options.timestamp.ecr !== 0) {
      const sentAt = this.ts.sentAt(seg.options.timestamp.ecr, this.now);
      if (sentAt >= 0) snd.rto.sample(this.now - sentAt);
      snd.karnHold = false;
    }
  }

  /**
   * RFC 6298 §5.7: when the SYN (or SYN,ACK) timed out and no RTT sample exists, data starts with an
   * RTO of 3 s (Linux's TCP_TIMEOUT_FALLBACK).
   */
  private handshakeRtoFallback(): void {
    const snd = this.snd;
    if (snd.backoffs > 0 && !snd.rto.hasSample) snd.rto.rto = Math.max(snd.rto.rto, RTO_FALLBACK);
  }

  /** Takes an edge of Figure 5 (./transitions.ts): TIME_WAIT and CLOSED have their own entry steps. */
  private follow(edge: Transition): void {
    if (edge.to === "TIME_WAIT") this.enterTimeWait(edge.cause);
    else if (edge.to === "CLOSED") this.terminate(edge.cause, null);
    else this.setState(edge.to, edge.cause);
  }

  /** An acceptable ACK of our SYN (§3.10.7.3, §3.10.7.4): SND.UNA moves, the handshake RTT is sampled. */
  private synAcknowledged(seg: Segment): void {
    const snd = this.snd;
    this.handshakeRtoFallback();
    snd.acknowledge(seg.ack);
    this.sampleRtt(seg);
    snd.backoffs = 0;
    this.timers.set(T_RTX, Infinity);
  }

  /**
   * The handshake completed (SYN_SENT or SYN_RECEIVED → ESTABLISHED, or a SYN cookie): the peer's window,
   * the initial congestion window, the state, a close() queued before (§3.10.4), the ACK if one is due.
   */
  private completeHandshake(seg: Segment, edge: Transition, ack: boolean): void {
    const completedFrom = this.state as "SYN_SENT" | "SYN_RECEIVED";
    this.updateWindow(seg);
    this.snd.cc.init(this.snd.mss, this.now);
    this.follow(edge);
    if (this.passive) this.env.counters.passiveOpens++;
    if (this.snd.finQueued) this.follow(queuedClose(completedFrom));
    if (ack) this.sendAck("ack");
    this.established();
  }

  private established(): void {
    this.rcv.established(this.env.profile.quickAcks, this.localMss, this.snd.mss, this.ts.ok);
    if (this.keepAlive) this.timers.set(T_KEEPALIVE, this.now + this.keepAliveIdle);
    this.reportEstablished();
  }

  /** onEstablished, once, and only to an application that holds the connection (a child once accepted). */
  reportEstablished(): void {
    if (this.establishedReported || !this.attached) return;
    this.establishedReported = true;
    this.notifyApp(Notice.Established);
  }

  /**
   * A listener's child handed to the application (accept): onEstablished and what arrived before, at once
   * and in that order — this runs while the outbox is drained (or inside accept()), never inside an entry.
   */
  accepted(): void {
    if (!this.establishedReported) {
      this.establishedReported = true;
      this.handlers.onEstablished?.(this);
    }
    this.deliverNow(); // data (and a FIN) that arrived before accept()
  }

  /** Gives one notice of the outbox to the application (the engine's drain calls it). */
  give(kind: Notice): void {
    switch (kind) {
      case Notice.Established:
        if (!this.orphaned) this.handlers.onEstablished?.(this);
        return;
      case Notice.Readable:
        this.deliverNow();
        return;
      case Notice.Writable:
        if (!this.isClosed() && !this.orphaned) this.handlers.onDrain?.(this);
        return;
      case Notice.Closed:
        this.handlers.onClose?.(this, this.error);
        return;
      case Notice.AfterApplication:
        this.afterApplication();
        return;
      case Notice.WindowUpdate:
        this.windowUpdate();
        return;
      default:
        return;
    }
  }

  private enterTimeWait(cause: string): void {
    this.timers.clear();
    this.setState("TIME_WAIT", cause);
    // The S7 ablation: no TIME_WAIT at all, the 4-tuple is free at once.
    if (this.env.profile.timeWait === 0) this.setState("CLOSED", "TIME_WAIT length 0 (ablation)");
    this.env.counters.timeWaitEntered++;
    // The host replaces us with a compact record (./timewait.ts); tell the application its close finished.
    this.reportClose(null);
  }

  /** Ends the connection: CLOSED, timers off, the application told (once). */
  terminate(cause: string, error: TcpError | null): void {
    if (this.state === "CLOSED") return;
    this.timers.clear();
    this.error = error;
    // A reset discards what was not read; an orderly end keeps it for the application to read. So does a
    // child not yet accepted: Linux's accept() still returns it, its data readable (linux-profile.md).
    if (error && this.attached) this.rcv.clear();
    this.setState("CLOSED", cause);
    this.reportClose(error);
  }

  /** onClose comes last: after every byte and the EOF were read, unless the connection failed. */
  private reportClose(error: TcpError | null): void {
    if (this.closeReported) return;
    const rcv = this.rcv;
    const unread = rcv.hasUnread || (!error && rcv.finReceived && !rcv.eofDelivered);
    // A child not yet accepted is told when accept() hands it over, after its data.
    if ((unread || !this.attached) && !this.orphaned) {
      this.closePending = true;
      return;
    }
    this.closeReported = true;
    this.closePending = false;
    this.env.notify(Notice.Closed, this);
  }

  /**
   * The connection's state (RFC 9293 §3.3.2). In TIME_WAIT the compact record in the engine's table holds
   * the 4-tuple; once that record is gone (2·MSL, or ended early) the connection reads CLOSED.
   */
  get state(): TcpState {
    const s = this.current;
    return s === "TIME_WAIT" && !this.env.timeWaitHeld(this) ? "CLOSED" : s;
  }

  /** The one place where the state changes; every transition becomes an event (design rule 2). */
  setState(next: TcpState, cause: string): void {
    const from = this.state;
    if (from === next) return;
    this.current = next;
    if (this.env.trace.enabled)
      reportStateChange(this.env.trace, this.now, this.env.hostName, this.label, from, next, cause);
    this.env.stateChanged(this, from, next);
  }

  /** True once CLOSED (a method, so that type narrowing does not outlive calls that change the state). */
  isClosed(): boolean {
    return this.state === "CLOSED";
  }

  /** Error a write would get now, for the socket layer. */
  writeError(): TcpErrorCode | null {
    if (this.state === "CLOSED") return this.error?.code ?? "EPIPE";
    if (this.snd.finQueued) return "EPIPE";
    return null;
  }
}
