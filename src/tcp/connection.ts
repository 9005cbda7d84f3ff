// One TCP connection: the transmission control block, the user calls of RFC 9293 §3.10.1–§3.10.6, the
// SEGMENT ARRIVES and timeout entries of §3.10.7–§3.10.8, and the one place where its state changes.
// Sans-I/O: every entry point takes `now` (µs); segments leave through env.transmit; the connection
// reports its next deadline and the host calls onTimer when it is reached. The work itself lives in
// files of one job each, as functions of the connection (no closures per connection):
//   ./segment-arrives.ts (§3.10.7.3–4, in the RFC's order) → ./ack-step.ts, ./text-step.ts;
//   ./output.ts (sending new data), ./retransmit.ts (recovery's sending, the RTO), ./emit.ts (every
//   segment built and sent), ./negotiation.ts (SYN options), ./timer-actions.ts (timer bodies),
//   ./handshake.ts (its completion), ./delivery.ts (what the application hears), ./transitions.ts
//   (Figure 5), ./acceptability.ts (the checks).
import { updateWindow } from "./ack-step.js";
import { ArgumentError, describe } from "./arg-error.js";
import type { ConnectionEnv, ConnectionHandlers, ConnectionOptions } from "./connection-env.js";
import { afterRead, deliver, reportClose, windowUpdate } from "./delivery.js";
import { emitRst, sendAck, sendSyn } from "./emit.js";
import { TcpError, type TcpErrorCode } from "./errors.js";
import { completeHandshake } from "./handshake.js";
import { checkArrivedData, checkedEntry } from "./invariants.js";
import { LossDetection } from "./loss-detection.js";
import { LossPort } from "./loss-port.js";
import { applyPeerSynOptions, restoreFromCookie } from "./negotiation.js";
import { Notice } from "./outbox.js";
import { output } from "./output.js";
import { offeredWscale, Receiver } from "./receiver.js";
import { Recovery } from "./recovery.js";
import { armRetransmit } from "./retransmit.js";
import type { SackBlocks } from "./sack-blocks.js";
import { synchronizedArrives, synSentArrives } from "./segment-arrives.js";
import { Sender } from "./sender.js";
import { seqAdd } from "./seq.js";
import { isSynchronized, reportStateChange, type TcpState } from "./state.js";
import type { CookieRestored } from "./syncookie.js";
import type { TcpInfo } from "./tcp-info.js";
import { tcpInfo } from "./tcp-info.js";
import { armFinWait2, connectionTimerActions } from "./timer-actions.js";
import { currentRto, T_DELACK, T_KEEPALIVE, Timers } from "./timers.js";
import { Timestamps } from "./timestamps.js";
import {
  ACTIVE_OPEN,
  closeCall,
  closeQueuesFin,
  COOKIE_COMPLETED,
  PASSIVE_OPEN,
  type Transition,
} from "./transitions.js";
import { formatAddressPort, isIPv6Id } from "../wire/address-table.js";
import type { Segment, TcpOptions } from "../wire/segment.js";
export type { TcpInfo } from "./tcp-info.js";
export type { ConnectionEnv, ConnectionHandlers, ConnectionOptions } from "./connection-env.js";

/** One TCP connection: its TCB and the RFC 9293 §3.10 state machine. Made by Host.connect and by listeners; application calls take an optional time (µs), the host's clock when left out. */
export class Connection {
  /**
   * The raw state, as the state machine last set it. `state` is what everyone reads; segment processing and output read this field: a
   * connection the engine dispatches a segment to is never a finished TIME_WAIT (the record took its
   * 4-tuple out of the table), and a getter call per check was a share of every segment's cost.
   * Written only by setState (and openFromCookie). @internal
   */
  current: TcpState = "CLOSED";
  /**
   * The TIME_WAIT record this connection left in its engine's table (slot and generation), or -1: the
   * record outlives the Connection object's part in the state machine, and ends without it (2·MSL, RST,
   * a new SYN, reuse by connect).
   * @internal
   */
  timeWaitSlot = -1;
  /** @internal The generation half of timeWaitSlot's ticket. */
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
  /** Counted in the host's orphan count (ConnectionEnv.orphanAdded) until it reaches CLOSED or TIME_WAIT. @internal */
  orphanCounted = false;
  noDelay: boolean;
  keepAlive: boolean;
  keepAliveIdle: number;
  /** Time between unanswered keepalive probes (TCP_KEEPINTVL; the profile's by default). */
  keepAliveInterval: number;
  /** Unanswered probes before the connection is dropped (TCP_KEEPCNT; the profile's by default). */
  keepAliveCount: number;
  /** Unanswered keepalive probes so far. @internal */
  keepAliveProbes = 0;
  /** Our MSS as advertised in our SYN. */
  readonly localMss: number;
  /** The peer's MSS option (536 when absent, MUST-15). @internal */
  peerMss = 536;
  /** RFC 7323 §2: window scaling is in use (both SYNs carried the option). */
  wsOk = false;
  /** The receive window shift we offer in our SYN or SYN,ACK (receiver.ts offeredWscale). @internal */
  readonly offeredWscale: number;
  /** RFC 2018: both SYNs carried SACK-permitted. */
  sackOk = false;
  /** The timer slots, their arming and their firing order (./timers.ts). @internal */
  readonly timers: Timers;
  /** The earliest deadline currently in the host's queue for this connection. @internal */
  scheduledAt = Infinity;
  /** @internal */
  lastChallengeAck = -Infinity;
  /** Loss recovery on duplicate ACKs and SACK (RFC 6675, RFC 6582): ./recovery.ts. @internal */
  readonly recovery: Recovery;
  /** TLP, RACK, PRR and limited transmit (./loss-detection.ts), made when first needed. @internal */
  lossDetection: LossDetection | null = null;
  /** The last timestamp-only options object handed out (see timestampOnly). @internal */
  tsOptions: TcpOptions | null = null;
  /** The receiver's SACK block chooser, created once SACK is negotiated. @internal */
  sackBlocks: SackBlocks | null = null;
  /** Set when the application has been told the connection ended; nothing is delivered after. @internal */
  closeReported = false;
  /** The connection ended while the application still had data or the EOF to read. @internal */
  closePending = false;
  /** The error the connection ended with, if any. */
  error: TcpError | null = null;
  handlers: ConnectionHandlers;
  /** The listener that owns this connection until it is accepted. @internal */
  listenerPort = -1;
  /** An application holds this connection (active opens at once; passive ones once accepted). @internal */
  attached = true;
  /** @internal */
  establishedReported = false;
  /** When a segment last arrived from the peer (µs), for the zero-window retransmission rule. @internal */
  lastHeard = 0;
  /** Zero-window probes sent without any ACK in reply (Linux icsk_probes_out). @internal */
  probesOut = 0;
  /** Set while the persist timer forces out a segment that silly window avoidance held back. @internal */
  swsOverride = false;
  /** The acknowledgment number of the last segment we sent with ACK set. @internal */
  lastAckSent = -1;
  /** In-order bytes received since our last ACK (delayed ACK: at most two full segments wait). @internal */
  unackedBytes = 0;
  /** Largest segment the peer has sent so far: "full-sized" for the delayed-ACK rule (Linux rcv_mss). @internal */
  rcvMss = 536;
  /**
   * Linux's interactive ("ping-pong") mode (profile.pingPong): entered when we send data within the
   * delayed-ACK time of the last data received (tcp_event_data_sent → inet_csk_inc_pingpong_cnt, threshold
   * tcp_pingpong_thresh = 1) or when the peer's FIN arrives (tcp_fin); left when a delayed ACK had to fire
   * (tcp_delack_timer_handler). It turns quick ACKs off, so the ACK waits for a reply to ride on.
   * @internal
   */
  pingPong = false;
  /** When in-order data last arrived (Linux icsk_ack.lrcvtime); −1 before any (Linux's ato is still 0). @internal */
  lastDataReceivedAt = -1;
  now = 0;
  /** @internal */
  writeRefused = false;
  /** Inside a checked entry (debug mode): nested entries (a handler writing) are checked with it. @internal */
  inEntry = false;
  /**
   * The application was notified during the segment being processed (or, for a listener's child, is about
   * to accept it): the ACK the data owes and the output wait until it had its turn (Notice.AfterApplication).
   * @internal
   */
  appNotified = false;
  /** A Readable notice is in the outbox and not yet given. @internal */
  readableQueued = false;
  /** The ACK arrived data owes, decided after the application ran: 0 none, 1 by the delayed-ACK rules, 2 at once. @internal */
  ackOwed = 0;
  /**
   * Notice.AfterApplication and its output: 0 none queued; 1 queued, output pending (not forgotten, for the
   * invariants); 2 queued, and a handler's write has run the output since, so it need not run again. @internal
   */
  outputQueued = 0;

  /**
   * shutdown(SHUT_RD): the application will read no more (Linux RCV_SHUTDOWN). Data already queued or still
   * arriving stays readable, as on Linux; a read that finds nothing answers end of file instead of waiting.
   */
  readShutdown = false;
  /** TCP_USER_TIMEOUT (µs, 0 = off): give up after retransmitting this long without progress (RFC 5482). */
  userTimeout = 0;
  /** TCP_LINGER2: how long this socket's orphaned FIN_WAIT_2 lasts (the profile's tcp_fin_timeout by default). */
  finWait2Timeout: number;
  /** output() runs for the application's write (send), not for an ACK or a timer (tso-chunk-push.ts). @internal */
  writing = false;
  /** TCP_CORK: hold back segments smaller than the MSS until uncorked (Linux tcp_push with TCP_NAGLE_CORK). @internal */
  corked = false;
  /** MSG_MORE on the last send: the same hold for that write only. @internal */
  moreComing = false;
  /**
   * When the first retransmission timeout of the data now outstanding fired (−1: none since the last ACK
   * that advanced SND.UNA): TCP_USER_TIMEOUT counts from there, as Linux's retrans_stamp does.
   * @internal
   */
  rtxStartedAt = -1;

  /** @internal Connections are made by Host.connect and by listeners. */
  constructor(
    /** @internal */
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
    this.timers = new Timers(this);
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

  /** @internal Active OPEN (§3.10.1): send SYN, enter SYN_SENT (Host.connect calls it). */
  openActive(iss: number, now: number): void {
    this.now = now;
    this.snd.init(iss);
    this.recovery.start(iss);
    this.snd.firstSendTime = now;
    this.env.counters.activeOpens++;
    this.follow(ACTIVE_OPEN);
    sendSyn(this, false);
    armRetransmit(this);
  }

  /** @internal Passive OPEN completed by a SYN at a listener (§3.10.7.2 third check): enter SYN_RECEIVED, send SYN,ACK. */
  openPassive(seg: Segment, iss: number, now: number): void {
    this.now = now;
    this.passive = true;
    this.rcv.init(seg.seq);
    this.snd.init(iss);
    this.recovery.start(iss);
    this.snd.firstSendTime = now;
    applyPeerSynOptions(this, seg, now);
    updateWindow(this, seg); // the peer's initial window (a SYN's is never scaled, RFC 7323 §2.2)
    this.follow(PASSIVE_OPEN);
    sendSyn(this, false);
    armRetransmit(this);
  }

  /**
   * A connection completed by a valid SYN cookie (no SYN_RECEIVED state was kept): it starts ESTABLISHED.
   * @internal
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
    restoreFromCookie(this, restored, peerMss, now); // what the SYN would have set (./negotiation.ts)
    this.current = "SYN_RECEIVED"; // the cookie stood in for this state; report the transition from it
    completeHandshake(this, seg, COOKIE_COMPLETED, false);
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
      return checkedEntry(this, "send", null, () => this.send(data, now, more));
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
    const p = this.env.profile;
    if (p.pushRule === "write-end") this.snd.markWrite(taken, more, p.mssBoundToWindow);
    if (taken < data.length) this.writeRefused = true;
    // Nothing taken (a full buffer): nothing new to send either. Linux's tcp_sendmsg pushes only what it
    // copied; a writer that loops until refused would otherwise run the output path twice per ACK.
    if (taken === 0 && data.length > 0) return 0;
    this.writing = true;
    try {
      if (isSynchronized(this.state)) output(this);
    } finally {
      this.writing = false;
    }
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
      return checkedEntry(this, "shutdown", null, () => this.shutdown(now));
    this.now = this.appTime(now, "shutdown");
    // Already closing: §3.10.4 "error: connection closing", harmless for a repeated end().
    if (this.snd.finQueued || !closeQueuesFin(this.state)) return;
    this.snd.finQueued = true;
    // §3.10.4: ESTABLISHED enters FIN_WAIT_1 at once, CLOSE_WAIT LAST_ACK; the FIN follows the queued
    // data. A half close before the handshake completes waits for it (data written while connecting is
    // not lost): see completeHandshake.
    const edge = closeCall(this.state);
    if (edge !== null) this.follow(edge);
    output(this);
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
      return checkedEntry(this, "close", null, () => this.close(now));
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
    if (this.state === "FIN_WAIT_2") armFinWait2(this);
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
        emitRst(this, this.snd.sndNxt, this.rcv.rcvNxt, "rst-abort");
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
      return checkedEntry(this, "read", null, () => this.read(max, now));
    this.now = this.appTime(now, "read");
    const data = this.rcv.takeUpTo(max);
    afterRead(this, data.length);
    if (data.length > 0) deliver(this); // a close that waited for the data to be read
    return data;
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
      return checkedEntry(this, "setCork", null, () => this.setCork(on, now));
    this.now = this.appTime(now, "setCork");
    this.corked = on;
    if (!on) {
      this.moreComing = false;
      if (isSynchronized(this.state)) output(this);
    }
  }

  /** A tcp_info-like snapshot of the connection (./tcp-info.ts). */
  info(): TcpInfo {
    return tcpInfo(this);
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
      return checkedEntry(this, "resume", null, () => this.resume(now));
    this.now = this.appTime(now, "resume");
    if (!this.rcv.paused) return;
    this.rcv.paused = false;
    this.rcv.markRead();
    deliver(this);
    // The window reopened: tell the peer if it matters (§3.8.6.2.2) — once the application has read.
    if (this.readableQueued) this.env.notify(Notice.WindowUpdate, this);
    else windowUpdate(this);
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
    if (noDelay && isSynchronized(this.state)) output(this);
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
      return checkedEntry(this, "setQuickAck", null, () => this.setQuickAck(on, now));
    this.now = this.appTime(now, "setQuickAck");
    this.pingPong = !on;
    const acceptsData = this.state === "ESTABLISHED" || this.state === "CLOSE_WAIT";
    if (on && acceptsData && this.timers.armed(T_DELACK) && !this.rcv.hasUnread) sendAck(this, "ack");
  }

  /** TCP_QUICKACK as getsockopt reports it: not in ping-pong mode. */
  get quickAck(): boolean {
    return !this.pingPong;
  }

  // ---------------------------------------------------------------- SEGMENT ARRIVES (§3.10.7.3, §3.10.7.4)

  /** @internal SEGMENT ARRIVES (§3.10.7): the host hands over a segment for this connection. */
  segmentArrives(seg: Segment, now: number): void {
    const inv = this.env.invariants;
    if (inv !== null && !this.inEntry) {
      this.now = now;
      if (isSynchronized(this.state)) checkArrivedData(this, inv, seg);
      return checkedEntry(this, "segment", seg, () => this.segmentArrives(seg, now));
    }
    this.now = now;
    this.lastHeard = now;
    const s = this.current; // never a finished TIME_WAIT here: the engine dispatches to live connections
    if (this.keepAlive && isSynchronized(s)) {
      this.keepAliveProbes = 0;
      this.timers.set(T_KEEPALIVE, now + this.keepAliveIdle);
    }
    if (s === "SYN_SENT") {
      synSentArrives(this, seg);
      return;
    }
    if (s === "CLOSED" || s === "LISTEN") return; // handled by the host
    synchronizedArrives(this, seg);
  }

  // ---------------------------------------------------------------- loss detection (RFC 8985, RFC 3042)

  /** @internal The connection's loss detection (./loss-detection.ts), made on first use. */
  get loss(): LossDetection {
    return (this.lossDetection ??= new LossDetection(new LossPort(this)));
  }

  // ---------------------------------------------------------------- timers (§3.10.8)

  /** @internal The earliest time one of this connection's timers is due, or Infinity. */
  nextDeadline(): number {
    return this.timers.nextDeadline();
  }

  /** @internal Run the timers due at `now` (the host calls it from advance()); the order is ./timers.ts dispatch. */
  onTimer(now: number): void {
    if (this.env.invariants !== null && !this.inEntry)
      return checkedEntry(this, "timer", null, () => this.onTimer(now));
    this.now = now;
    this.timers.dispatch(now, connectionTimerActions);
  }

  /** @internal The retransmission timeout now, backoff included (./timers.ts currentRto). */
  currentRto(): number {
    return currentRto(this.state, this.snd, this.env.profile);
  }

  // ---------------------------------------------------------------- state changes (Figure 5, ./transitions.ts)

  /** @internal Takes an edge of Figure 5 (./transitions.ts): TIME_WAIT and CLOSED have their own entry steps. */
  follow(edge: Transition): void {
    if (edge.to === "TIME_WAIT") this.enterTimeWait(edge.cause);
    else if (edge.to === "CLOSED") this.terminate(edge.cause, null);
    else this.setState(edge.to, edge.cause);
  }

  /** TIME_WAIT entered (Figure 5): the engine's table takes over the 4-tuple (./time-wait-table.ts). */
  private enterTimeWait(cause: string): void {
    this.timers.clear();
    this.setState("TIME_WAIT", cause);
    // The S7 ablation: no TIME_WAIT at all, the 4-tuple is free at once.
    if (this.env.profile.timeWait === 0) this.setState("CLOSED", "TIME_WAIT length 0 (ablation)");
    this.env.counters.timeWaitEntered++;
    // The host replaces us with a compact record (./timewait.ts); tell the application its close finished.
    reportClose(this, null);
  }

  /** @internal Ends the connection: CLOSED, timers off, the application told (once). */
  terminate(cause: string, error: TcpError | null): void {
    if (this.state === "CLOSED") return;
    this.timers.clear();
    this.error = error;
    // A reset discards what was not read; an orderly end keeps it for the application to read. So does a
    // child not yet accepted: Linux's accept() still returns it, its data readable (linux-profile.md).
    if (error && this.attached) this.rcv.clear();
    this.setState("CLOSED", cause);
    reportClose(this, error);
  }

  /**
   * The connection's state (RFC 9293 §3.3.2). In TIME_WAIT the compact record in the engine's table holds
   * the 4-tuple; once that record is gone (2·MSL, or ended early) the connection reads CLOSED.
   */
  get state(): TcpState {
    const s = this.current;
    return s === "TIME_WAIT" && !this.env.timeWaitHeld(this) ? "CLOSED" : s;
  }

  /** @internal The one place where the state changes; every transition becomes an event (design rule 2). */
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
    // The state getter's rule, read without building the state: called on every segment and timer.
    const s = this.current;
    return s === "CLOSED" || (s === "TIME_WAIT" && !this.env.timeWaitHeld(this));
  }

  /** Error a write would get now, for the socket layer. */
  writeError(): TcpErrorCode | null {
    if (this.state === "CLOSED") return this.error?.code ?? "EPIPE";
    if (this.snd.finQueued) return "EPIPE";
    return null;
  }
}
