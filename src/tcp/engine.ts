// A host: an IPv4 address, an IPv6 address or one of each, running the TCP engine. Demultiplexes by 4-tuple, owns listeners, the TIME_WAIT
// records, the ephemeral port allocator and the bind rules, and keeps every connection's deadline in one
// queue. Sans-I/O like the engine: drivers (simulator, TUN, browser) pass time in and carry segments out.
import { Connection, type ConnectionEnv, type ConnectionHandlers } from "./connection.js";
import type { ConnectionOptions } from "./connection-env.js";
import { Counters } from "./counters.js";
import { AppTimer, AppTimers } from "./app-timers.js";
import { checkConnectArgs, checkHostOptions, checkListenArgs } from "./engine-args.js";
import { DeadlineHeap } from "./deadline-heap.js";
import { DemuxTable, remoteKey } from "./demux-table.js";
import { TcpError } from "./errors.js";
import { addressDigest, addressSalt, IsnGenerator, keyFromSeed } from "./isn.js";
import { Listener, listenArrives, synToListener, type ListenEnv, type ListenerHandlers } from "./listen.js";
import { makeProfile, type Profile, type ProfileName } from "./profile.js";
import { seqAdd } from "./seq.js";
import type { TcpState } from "./state.js";
import { timeWaitReusable, timeWaitVerdict } from "./timewait.js";
import { reportStateChange } from "./state.js";
import { NullTrace, type DropReason, type TimerAction, type TraceSink } from "./events.js";
import { decodeAnyInterned, releaseSegmentAddresses } from "../wire/codec-any.js";
import { addressTable, formatAddress, formatAddressPort, isIPv6Id } from "../wire/address-table.js";
import {
  HostAddresses,
  ListenerTable,
  isLoopbackAddress,
  mssForFamily,
  toAddress,
} from "./address-family.js";
import { ACK, EMPTY_PAYLOAD, NO_OPTIONS, RST, SYN, type Segment } from "../wire/segment.js";
import { buildSegment, replyTo, resetFor } from "./segment-builder.js";
import { tsClock } from "./timestamps.js";
import type { Endpoint, Transmit } from "./endpoint.js";
import { TimeWaitTable } from "./time-wait-table.js";
import { invariantDefaults, type InvariantSink } from "./invariants.js";
import { Notice, Outbox } from "./outbox.js";
import { accepted, give } from "./delivery.js";
import { output } from "./output.js";

/** What a Host is made of: a name, an address, a profile (with overrides), a trace, a seed. */
export interface HostOptions {
  name: string;
  /** The host's address: dotted IPv4 or a uint32, or IPv6 text (any RFC 4291 form) or an address-table id. */
  address: string | number;
  /** A second address of the other family (a dual-stack host): IPv6 text when `address` is IPv4. */
  address6?: string | number;
  /** Interface MTU (default 1500); the advertised MSS is MTU − 40. */
  mtu?: number;
  profile?: ProfileName | Profile;
  /** Per-host overrides of the profile (e.g. `{ timeWait: 0 }`, the S7 ablation). */
  overrides?: Partial<Profile>;
  trace?: TraceSink;
  /** Seeds the ISN and SYN-cookie keys: same seed, same sequence numbers. */
  seed?: number;
  /**
   * Engine invariants (debug mode): where violations go. Default `invariantDefaults.sink` — null (off)
   * unless a test setup or `tcplab explore` set one; pass null to turn them off for this host.
   */
  invariants?: InvariantSink | null;
}

/** Host.connect's destination and socket options. */
export interface ConnectOptions {
  address: string | number;
  port: number;
  /** Bind to this local port instead of an ephemeral one. */
  localPort?: number;
  /** SO_REUSEADDR for the explicit local port. */
  reuseAddress?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  /** Per-socket settings (SO_RCVBUF, SO_SNDBUF already doubled; TCP_MAXSEG). */
  socket?: SocketSettings;
}

/** Host.listen's options. */
export interface ListenOptions {
  backlog?: number;
  /** SO_REUSEADDR: bind although connections (e.g. TIME_WAIT) still use the port. */
  reuseAddress?: boolean;
  /** Per-socket settings every accepted child inherits, as Linux children inherit the listener's. */
  socket?: SocketSettings;
  /**
   * 4 or 6 (default: the family of the host's first address). An IPv6 listener on a host with an IPv4
   * address also accepts IPv4 unless `ipv6Only`, its IPv4 peers being v4-mapped to the socket layer.
   */
  family?: 4 | 6;
  /** IPV6_V6ONLY: an IPv6 listener that takes IPv6 only (and lets an IPv4 listener share the port). */
  ipv6Only?: boolean;
}

/** Socket options that shape a connection from its SYN on (setsockopt before connect or listen). */
export interface SocketSettings {
  /** SO_RCVBUF in bytes as the kernel keeps it (Linux doubles the value set). */
  receiveBuffer?: number;
  /** SO_SNDBUF in bytes as the kernel keeps it (doubled). */
  sendBuffer?: number;
  /** TCP_MAXSEG: the MSS we advertise and use is at most this (Linux user_mss). */
  maxSegment?: number;
}

export class Host implements Endpoint, ConnectionEnv {
  readonly name: string;
  readonly hostName: string;
  /** The first address of the host's options (either family). */
  readonly address: number;
  /** Its address per family (-1 where it has none). */
  readonly addresses: HostAddresses;
  /** The addresses it answers on (one per family it has). */
  readonly allAddresses: readonly number[];
  readonly mtu: number;
  readonly profile: Profile;
  readonly trace: TraceSink;
  readonly counters = new Counters();
  private readonly isnGen: IsnGenerator;
  private readonly cookieKey: Uint32Array;
  /** Live connections by 4-tuple (./demux-table.ts). TIME_WAIT lives in `tw`. */
  private readonly table = new DemuxTable<Connection>();
  /** TIME_WAIT records, compact, in expiry order (one length per host, so appending keeps it sorted). */
  private readonly tw: TimeWaitTable;
  private readonly listeners = new ListenerTable();
  private readonly heap = new DeadlineHeap<Connection>();
  /** Ephemeral ports in use per destination (for an O(1) "exhausted" answer) and where to look next. */
  private readonly portsInUse = new Map<number, number>();
  private readonly portCursor = new Map<number, number>();
  /** Set by allocatePort: the TIME_WAIT record the chosen port takes over, or -1. */
  private reuseSlot = -1;
  /** What LISTEN processing (./listen.ts) may use of this host. */
  private readonly listenEnv: ListenEnv;
  /** What the current entry caused, carried out when it has finished (./outbox.ts). */
  private readonly outbox = new Outbox<Connection>();
  /** Entries in progress (a handler's call inside an application call nests); the outermost drains. */
  private depth = 0;
  private draining = false;
  /** The segment being handed to the driver (its sender's state then is the outbox's, see stateOfSegment). */
  private handingOver: Segment | null = null;
  /** Timers of the layer above TCP (setTimer), run by advance() like TCP's own. */
  private readonly appTimers = new AppTimers();
  private transmitFn: Transmit | null = null;
  private clock: (() => number) | null = null;
  /** Set by a real-time driver: called when the host's deadline may have become earlier. */
  onDeadlineEarlier: (() => void) | null = null;
  private now = 0;
  /** The packet id of the segment being processed (-1 outside an arrival, or when the driver gives none). */
  private arrivingPacketId = -1;
  /** Engine invariants (debug mode, ../tcp/invariants.ts): null when off. */
  readonly invariants: InvariantSink | null;
  /** Connections the application closed that are not yet CLOSED or TIME_WAIT (Linux's orphan count). */
  orphans = 0;
  readonly mss: number;

  constructor(options: HostOptions) {
    checkHostOptions(options);
    this.name = options.name;
    this.hostName = options.name;
    this.mtu = options.mtu ?? 1500;
    if (!Number.isInteger(this.mtu) || this.mtu < 68 || this.mtu > 65535) {
      throw new TcpError("EINVAL", "host", `MTU ${String(options.mtu)} is outside 68..65535`);
    }
    this.addresses = new HostAddresses(options.address, options.address6, this.mtu);
    this.address = toAddress(options.address, "host");
    this.allAddresses = [this.addresses.address4, this.addresses.address6].filter((a) => a >= 0);
    this.profile = makeProfile(options.profile ?? "linux", options.overrides ?? {});
    this.trace = options.trace ?? new NullTrace();
    this.invariants = options.invariants !== undefined ? options.invariants : invariantDefaults.sink;
    const seed = options.seed ?? 1;
    const pr = this.profile;
    const salt = addressSalt(this.address); // an IPv6 address salts by its words, not its interned id
    this.isnGen = new IsnGenerator(keyFromSeed(seed, salt), {
      rate: pr.isnClockRate,
      stepMin: pr.isnStepMin,
      stepRandom: pr.isnStepRandom,
      passive: pr.passiveIsn,
    });
    this.cookieKey = keyFromSeed(seed, salt ^ 0x5ca1ab1e);
    this.tw = new TimeWaitTable(keyFromSeed(seed, salt ^ 0x7177)[0]);
    this.mss = Math.min(this.profile.defaultMss + (this.mtu - 1500), this.mtu - 40);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the LISTEN code's view of this host
    const host = this;
    this.listenEnv = {
      profile: this.profile,
      counters: this.counters,
      cookieKey: this.cookieKey,
      get now() {
        return host.now;
      },
      iss: (seg) => this.isnGen.isn(seg.dstAddr, seg.dstPort, seg.srcAddr, seg.srcPort, this.now, true),
      dropped: (seg, reason, conn, detail) => this.dropped(seg, reason, conn, detail),
      replyRst: (seg, why) => this.replyRst(seg, why),
      segmentTo: (seg, seq, ack, flags) => this.segmentTo(seg, seq, ack, flags),
      transmit: (seg, conn, why, rtx) => this.transmit(seg, conn, why, rtx),
      newChild: (listener, seg) => this.newChild(listener, seg),
      spawnChild: (listener, seg, iss) => this.spawnChild(listener, seg, iss),
      tsOffset: (seg) => this.tsOffset(this.address, seg.dstPort, seg.srcAddr, seg.srcPort),
      childSettings: (listener, remoteAddr) => this.connectionSettings(listener.settings, remoteAddr),
    };
  }

  // ---------------------------------------------------------------- Endpoint (driver side)

  attach(transmit: Transmit, clock?: () => number): void {
    this.transmitFn = transmit;
    this.clock = clock ?? null;
  }

  /** The current time for application calls: the driver's clock, or the last time it gave us. */
  time(): number {
    if (this.clock) {
      const t = this.clock();
      if (t > this.now) this.now = t;
    }
    return this.now;
  }

  inputPacket(bytes: Uint8Array, now: number, packetId = -1): void {
    // Time never goes back: a driver stamps a whole batch of packets with the time it read them, while
    // application calls in between may have moved the clock on. A connection that saw time go back would
    // send an older TSval than before, and the peer's PAWS would drop it (RFC 7323 §5.3).
    if (now > this.now) this.now = now;
    const result = decodeAnyInterned(bytes);
    if (!result.ok) {
      this.counters.inErrs++;
      this.counters.drop(result.reason);
      if (this.trace.enabled) {
        this.trace.emit({
          kind: "segment-dropped",
          t: now,
          host: this.name,
          id: packetId,
          reason: result.reason,
          seg: null,
          conn: null,
          detail: result.detail,
        });
      }
      return;
    }
    try {
      this.input(result.segment, now, packetId);
    } finally {
      // The packet's IPv6 addresses were interned for its processing; whatever kept one (a new connection)
      // took its own reference. A traced packet keeps its addresses, for the ladder drawn later.
      if (!this.trace.enabled) releaseSegmentAddresses(result.segment);
    }
  }

  input(seg: Segment, at: number, packetId = -1): void {
    // Drops reported while this segment is processed name its packet (see dropped()); the previous value
    // comes back afterwards, so a drop outside any arrival (none today) would not borrow a stale id.
    const outer = this.arrivingPacketId;
    this.arrivingPacketId = packetId;
    this.depth++;
    try {
      this.arrive(seg, at, packetId);
    } finally {
      this.arrivingPacketId = outer;
      this.depth--;
    }
    if (this.depth === 0) this.drain();
  }

  private arrive(seg: Segment, at: number, packetId: number): void {
    if (at > this.now) this.now = at;
    const now = this.now;
    this.counters.inSegs++;
    // Live connections first, then TIME_WAIT: a 4-tuple is in at most one of them.
    const conn = this.table.get(seg.dstPort, seg.srcAddr, seg.srcPort);
    const tw = conn ? -1 : this.tw.find(seg.dstPort, seg.srcAddr, seg.srcPort);
    if (this.trace.enabled) {
      this.trace.emit({
        kind: "segment-received",
        t: now,
        host: this.name,
        id: packetId,
        seg,
        conn: conn ? conn.label : tw >= 0 ? this.twLabel(tw) : null,
      });
    }
    if (!this.addresses.owns(seg.dstAddr)) {
      this.dropped(seg, "not-our-address", null);
      return;
    }
    if (conn) {
      conn.segmentArrives(seg, now);
      return;
    }
    if (tw >= 0) {
      this.timeWaitArrives(tw, seg);
      return;
    }
    const listener = this.listeners.forPeer(seg.dstPort, seg.srcAddr);
    if (listener && !listener.closed) {
      listenArrives(this.listenEnv, listener, seg);
      return;
    }
    this.closedArrives(seg);
  }

  advance(now: number): void {
    if (now > this.now) this.now = now;
    const heap = this.heap;
    this.depth++;
    try {
      while (heap.peekTime() <= now) {
        const t = heap.peekTime();
        const conn = heap.pop()!;
        if (conn.state === "CLOSED" || t !== conn.scheduledAt) continue; // dead or a superseded entry
        conn.scheduledAt = Infinity;
        conn.onTimer(now);
        if (!conn.isClosed()) this.deadlineChanged(conn);
      }
      const tw = this.tw;
      for (let s = tw.oldest(); s >= 0 && tw.expiresAt(s) <= now; s = tw.oldest()) this.expireTimeWait(s);
    } finally {
      this.depth--;
    }
    if (this.depth === 0) this.drain();
    this.appTimers.runDue(now); // the application's own timers: application code, after TCP's work
  }

  // ---------------------------------------------------------------- the outbox

  /** @internal An entry begins (ConnectionEnv.enter): what it causes waits in the outbox until the outermost ends. */
  enter(): void {
    this.depth++;
  }

  /** @internal An entry ends (ConnectionEnv.leave): the outermost drains the outbox. */
  leave(): void {
    if (--this.depth === 0) this.drain();
  }

  /** @internal Records a notification for after the current entry (ConnectionEnv.notify). */
  notify(kind: Notice, conn: Connection): void {
    this.outbox.notify(kind, conn);
  }

  /**
   * Carries out what the finished entry recorded, in order: every segment to the driver, then one
   * notification (which may run application code, whose calls record more), and again, until nothing is
   * left. A drain already running (an application call from inside a notification) picks up the new work.
   */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    const box = this.outbox;
    try {
      for (;;) {
        while (box.hasSegments) {
          const seg = box.nextSegment();
          this.handingOver = seg;
          try {
            this.transmitFn?.(seg, box.lastSegmentId);
          } finally {
            addressTable.release(seg.dstAddr);
          }
        }
        this.handingOver = null;
        if (!box.hasNotices) break;
        const kind = box.nextNotice();
        const conn = box.lastConn!;
        if (kind === Notice.ChildReady) this.childReady(conn);
        else give(conn, kind); // ./delivery.ts
      }
    } finally {
      this.draining = false;
    }
  }

  /** Notice.ChildReady: a listener's child reached ESTABLISHED; the accept queue takes it, or the application. */
  private childReady(conn: Connection): void {
    const listener =
      conn.listenerPort >= 0 ? this.listeners.forPeer(conn.listenerPort, conn.remoteAddr) : undefined;
    if (!listener || listener.closed) return;
    listener.synQueue.delete(conn);
    if (listener.paused) listener.acceptQueue.push(conn);
    else this.deliverAccepted(listener, conn);
  }

  /**
   * Exact, not merely safe: stale entries (closed connections, deadlines that moved later) are settled
   * here, so an idle host answers Infinity and a real-time driver never wakes up for nothing. Each stale
   * entry is settled once, so this stays amortised O(1). TIME_WAIT records leave no stale entries: the
   * table's expiry list holds exactly the live ones.
   */
  nextDeadline(): number {
    const heap = this.heap;
    while (heap.size > 0) {
      const t = heap.peekTime();
      const conn = heap.peekItem()!;
      // A live head stays where it is (the common case: called after every delivery); only stale
      // entries are popped.
      const live = !conn.isClosed() && t === conn.scheduledAt;
      const d = live ? conn.nextDeadline() : t;
      if (live && d === t) break;
      if (live && d < Infinity) {
        // Its deadline moved later: the entry goes down to the real one in one pass.
        conn.scheduledAt = d;
        heap.replaceTop(d, conn);
        continue;
      }
      heap.pop();
      if (live) conn.scheduledAt = Infinity; // no timer running any more
    }
    const oldest = this.tw.oldest();
    return Math.min(
      heap.peekTime(),
      oldest >= 0 ? this.tw.expiresAt(oldest) : Infinity,
      this.appTimers.next(),
    );
  }

  // ---------------------------------------------------------------- application side

  /**
   * Call `fn` once the host's clock reaches `at` (µs): a timer for the layer above TCP (a socket's idle
   * timeout). It runs from advance(), in virtual time under the simulator, and counts in nextDeadline().
   */
  setTimer(at: number, fn: (now: number) => void): AppTimer {
    const timer = new AppTimer(at, fn);
    const before = this.appTimers.next();
    this.appTimers.add(timer);
    if (at < before) this.onDeadlineEarlier?.();
    return timer;
  }

  /** Passive OPEN (§3.10.1) with the bind rules of a Unix host. */
  listen(requestedPort: number, options: ListenOptions, handlers: ListenerHandlers): Listener {
    // The driver's clock, as every application call reads it: the listen() and CLOSED → LISTEN events
    // carry the time of the call, not of the host's last activity.
    const now = this.time();
    checkListenArgs(requestedPort, options, handlers);
    checkPort(requestedPort, "listen");
    // Port 0 means "any free port", as bind(2) and Node's server.listen(0) have it.
    const port = requestedPort === 0 ? this.freeListenPort() : requestedPort;
    const family = options.family ?? (isIPv6Id(this.address) ? 6 : 4);
    const own = family === 6 ? this.addresses.address6 : this.addresses.address4;
    if (own < 0)
      throw new TcpError("EADDRNOTAVAIL", "listen", `host ${this.name} has no IPv${family} address`);
    const ipv6Only = family === 6 && (options.ipv6Only === true || this.addresses.address4 < 0);
    if (this.listeners.conflict(port, family, ipv6Only)) throw addrError("EADDRINUSE", "listen", own, port);
    if (!options.reuseAddress && this.portHeld(port)) {
      // S13: a TIME_WAIT (or any connection) on the port blocks a plain bind.
      throw addrError("EADDRINUSE", "listen", own, port);
    }
    const backlog = Math.max(1, Math.min(options.backlog ?? 511, this.profile.acceptBacklogMax));
    const listener = new Listener(port, backlog, Math.min(backlog, this.profile.synBacklog), handlers);
    if (options.socket) listener.settings = options.socket;
    listener.family = family;
    listener.ipv6Only = ipv6Only;
    listener.label = formatAddressPort(own, port);
    this.listeners.set(listener);
    this.appEvent(null, "listen", `port ${port} backlog ${backlog}`);
    // §3.10.1 OPEN Call, CLOSED STATE: "If passive, enter the LISTEN state and return."
    reportStateChange(this.trace, now, this.name, listener.label, "CLOSED", "LISTEN", "listen", true);
    return listener;
  }

  /** Close a listener: children not yet accepted are reset (Linux), half-open ones forgotten. */
  closeListener(listener: Listener): void {
    this.enter();
    try {
      this.closeListenerEntry(listener);
    } finally {
      this.leave();
    }
  }

  private closeListenerEntry(listener: Listener): void {
    if (listener.closed) return;
    listener.closed = true;
    this.listeners.delete(listener);
    const now = this.time();
    for (const child of [...listener.acceptQueue]) child.abort(now, "listener closed");
    for (const child of [...listener.synQueue]) child.terminate("listener closed", null);
    listener.acceptQueue.length = 0;
    listener.synQueue.clear();
    this.appEvent(null, "close-listener", `port ${listener.port}`);
    // §3.10.4 CLOSE Call, LISTEN STATE: "Delete TCB, enter CLOSED state, and return."
    reportStateChange(this.trace, now, this.name, listener.label, "LISTEN", "CLOSED", "close", true);
  }

  /** Take the oldest connection waiting in the accept queue (for a paused listener). */
  accept(listener: Listener): Connection | null {
    this.enter();
    try {
      const conn = listener.acceptQueue.shift() ?? null;
      if (conn) this.deliverAccepted(listener, conn);
      return conn;
    } finally {
      this.leave();
    }
  }

  /** Accept again after a pause: every waiting connection is delivered. */
  resumeAccepting(listener: Listener): void {
    this.enter();
    try {
      listener.paused = false;
      while (listener.acceptQueue.length > 0) this.accept(listener);
    } finally {
      this.leave();
    }
  }

  /** Active OPEN (§3.10.1): picks a local port, sends SYN. Throws EADDRINUSE / EADDRNOTAVAIL / EINVAL. */
  connect(options: ConnectOptions, handlers: ConnectionHandlers = {}): Connection {
    this.enter();
    try {
      return this.connectEntry(options, handlers);
    } finally {
      this.leave();
    }
  }

  private connectEntry(options: ConnectOptions, handlers: ConnectionHandlers): Connection {
    checkConnectArgs(options, handlers);
    const now = this.time();
    const remoteAddr = toAddress(options.address, "connect");
    checkPort(options.port, "connect");
    if (options.port === 0) throw new TcpError("EINVAL", "connect", "port 0");
    const localAddr = this.addresses.localFor(remoteAddr);
    if (localAddr < 0) {
      // Linux: connect() to a family the host has no address (no route) of fails with ENETUNREACH.
      throw new TcpError(
        "ENETUNREACH",
        "connect",
        `host ${this.name} has no IPv${isIPv6Id(remoteAddr) ? 6 : 4} address`,
      );
    }
    let localPort: number;
    let reuse = -1;
    if (options.localPort !== undefined && options.localPort !== 0) {
      checkPort(options.localPort, "bind");
      localPort = options.localPort;
      if (!options.reuseAddress && (this.portHeld(localPort) || this.listeners.has(localPort))) {
        throw addrError("EADDRINUSE", "bind", localAddr, localPort);
      }
      reuse = this.tw.find(localPort, remoteAddr, options.port);
      if (
        this.table.has(localPort, remoteAddr, options.port) ||
        (reuse >= 0 && !this.timeWaitReusable(reuse, remoteAddr, now, true))
      ) {
        // The 4-tuple is taken (TIME_WAIT included, unless tcp_tw_reuse applies): connect() fails as on Linux.
        throw addrError("EADDRNOTAVAIL", "connect", remoteAddr, options.port);
      }
    } else {
      localPort = this.allocatePort(remoteAddr, options.port, now);
      reuse = this.reuseSlot;
    }
    const conn = new Connection(
      this,
      localAddr,
      localPort,
      remoteAddr,
      options.port,
      handlers,
      this.connectionSettings(
        options.socket,
        remoteAddr,
        options.noDelay ?? false,
        options.keepAlive ?? false,
      ),
    );
    if (this.trace.enabled) this.appEvent(conn.label, "connect");
    let iss = this.isnGen.isn(localAddr, localPort, remoteAddr, options.port, now);
    if (reuse >= 0) {
      // Linux tcp_twsk_unique: the new ISS clears the old incarnation's sequence space by a full unscaled
      // window (RFC 1122 §4.2.2.13's rule, as for a SYN that reopens TIME_WAIT), and TS.Recent carries over
      // so PAWS rejects the old connection's duplicates in the new one (RFC 6191).
      iss = seqAdd(this.tw.sndNxt(reuse), 65535 + 2) || 1;
      conn.ts.recent = this.tw.tsRecent(reuse);
      conn.ts.recentAt = this.tw.tsRecentAt(reuse);
      this.counters.timeWaitReused++;
      this.removeTimeWait(reuse, "reused by connect");
    }
    this.insert(localPort, conn);
    conn.openActive(iss, now);
    return conn;
  }

  /** Would bind(port) fail with EADDRINUSE now (a listener, or any connection without SO_REUSEADDR)? */
  bindConflict(port: number, reuseAddress: boolean): boolean {
    if (this.listeners.has(port)) return true;
    return !reuseAddress && this.portHeld(port);
  }

  /**
   * A new connection's settings, always the same shape (V8 keeps one hidden class; the spreads of
   * optional fields this replaced cloned objects through a megamorphic path on every connect).
   */
  private connectionSettings(
    settings: SocketSettings | undefined,
    remoteAddr: number,
    noDelay = false,
    keepAlive = false,
  ): ConnectionOptions {
    const own = mssForFamily(this.mss, remoteAddr);
    return {
      mss: settings?.maxSegment ? Math.min(own, settings.maxSegment) : own,
      noDelay,
      keepAlive,
      receiveBuffer: settings?.receiveBuffer || undefined,
      sendBuffer: settings?.sendBuffer || undefined,
    };
  }

  /** Every live connection (TIME_WAIT records excluded). */
  connections(): Connection[] {
    const out: Connection[] = [];
    for (const c of this.table.values()) out.push(c);
    return out;
  }

  /** `ss -s`-style counts per state, TIME_WAIT records and listeners included. */
  stateCounts(): Record<TcpState, number> {
    const counts: Record<TcpState, number> = {
      CLOSED: 0,
      LISTEN: 0,
      SYN_SENT: 0,
      SYN_RECEIVED: 0,
      ESTABLISHED: 0,
      FIN_WAIT_1: 0,
      FIN_WAIT_2: 0,
      CLOSE_WAIT: 0,
      CLOSING: 0,
      LAST_ACK: 0,
      TIME_WAIT: this.tw.size,
    };
    for (const l of this.listeners.values()) if (!l.closed) counts.LISTEN++;
    for (const c of this.connections()) counts[c.state]++;
    return counts;
  }

  /** TIME_WAIT records held now. */
  get timeWaitEntries(): number {
    return this.tw.size;
  }

  /** Bytes the TIME_WAIT table's arrays take (its whole cost: records are no objects). */
  get timeWaitBytes(): number {
    return this.tw.bytes();
  }

  /** The state of a connection: `conn.state` (TIME_WAIT while its record lives, then CLOSED). */
  stateOf(conn: Connection): TcpState {
    return conn.state;
  }

  /** The state of the connection that sends `seg` from this host (the simulator's fault predicates use it). */
  stateOfSegment(seg: Segment): TcpState | undefined {
    // Asked while the driver takes the segment from the outbox: the state its connection had when it sent
    // it (the entry that sent it may have moved the connection on since, e.g. the final ACK → TIME_WAIT).
    // (The driver may pass a copy of it: compare the 4-tuple.)
    const out = this.handingOver;
    if (
      out !== null &&
      this.outbox.lastSegmentState !== null &&
      out.srcPort === seg.srcPort &&
      out.dstPort === seg.dstPort &&
      out.dstAddr === seg.dstAddr
    )
      return this.outbox.lastSegmentState as TcpState;
    const conn = this.table.get(seg.srcPort, seg.dstAddr, seg.dstPort);
    if (conn) return conn.state;
    if (this.tw.find(seg.srcPort, seg.dstAddr, seg.dstPort) >= 0) return "TIME_WAIT";
    return this.listeners.has(seg.srcPort) ? "LISTEN" : undefined;
  }

  /** Records an application call in the trace (the socket layer uses it too). */
  appEvent(conn: string | null, call: string, detail?: string, error?: string): void {
    if (!this.trace.enabled) return;
    this.trace.emit({
      kind: "app",
      t: this.now,
      host: this.name,
      conn,
      call,
      ...(detail !== undefined ? { detail } : {}),
      ...(error !== undefined ? { error } : {}),
    });
  }

  // ---------------------------------------------------------------- ConnectionEnv (engine-only: @internal)

  /** @internal ConnectionEnv.transmit: the segment-sent event now, the segment to the driver after the entry. */
  transmit(seg: Segment, conn: Connection | null, why: string, retransmission: boolean): void {
    const id = this.trace.nextPacketId();
    if (this.trace.enabled) {
      this.trace.emit({
        kind: "segment-sent",
        t: this.now,
        host: this.name,
        id,
        seg,
        conn: conn ? conn.label : null,
        retransmission,
        why,
      });
    }
    // An IPv6 destination stays interned until the driver has the segment (the packet that drew this reply
    // may give its reference back first); IPv4 numbers pass through acquire/release untouched.
    addressTable.acquire(seg.dstAddr);
    // A connection that sends is live (a finished TIME_WAIT sends nothing): its raw state is its state.
    this.outbox.send(seg, id, conn ? conn.current : null); // to the driver once the entry has finished
  }

  /**
   * @internal ConnectionEnv.deadlineChanged: the connection's earlier deadline goes into the heap. `d`, when
   * the caller knows it, is the new earliest deadline (a timer armed before `scheduledAt`, which no running
   * timer precedes); else the timers are scanned.
   */
  deadlineChanged(conn: Connection, d = conn.nextDeadline()): void {
    if (d < conn.scheduledAt) {
      const before = this.heap.peekTime();
      conn.scheduledAt = d;
      this.heap.push(d, conn);
      if (d < before) this.onDeadlineEarlier?.();
    }
  }

  /** @internal ConnectionEnv.stateChanged: the engine's tables follow a connection's state. */
  stateChanged(conn: Connection, from: TcpState, to: TcpState): void {
    if ((to === "CLOSED" || to === "TIME_WAIT") && conn.orphanCounted) {
      conn.orphanCounted = false;
      this.orphans--;
    }
    if (to === "CLOSED") {
      if (from === "TIME_WAIT" && conn.timeWaitSlot >= 0) {
        // ABORT of a connection whose 4-tuple is in TIME_WAIT (an application still holding it): RFC 9293
        // §3.10.5 deletes the TCB, so the record goes too — the Connection already traced the end, so
        // without the record's own. (In the S7 ablation there never was a record.)
        this.dropTimeWait(conn.timeWaitSlot);
      }
      this.removeConnection(conn);
      return;
    }
    if (to === "TIME_WAIT") {
      this.toTimeWait(conn);
      return;
    }
    if (to === "ESTABLISHED" && from === "SYN_RECEIVED" && conn.listenerPort >= 0) {
      // The accept queue and the application hear of it once the entry has finished (Notice.ChildReady);
      // meanwhile the connection's own last step waits for the application too (Connection.appNotified).
      conn.appNotified = true;
      this.outbox.notify(Notice.ChildReady, conn);
    }
  }

  /** @internal ConnectionEnv.orphanAdded. */
  orphanAdded(_conn: Connection): boolean {
    this.orphans++;
    return this.orphans > this.profile.maxOrphans;
  }

  /** @internal ConnectionEnv.acceptQueueHasRoom. */
  acceptQueueHasRoom(conn: Connection): boolean {
    const listener =
      conn.listenerPort >= 0 ? this.listeners.forPeer(conn.listenerPort, conn.remoteAddr) : undefined;
    if (!listener || !listener.acceptQueueFull) return true;
    this.counters.listenOverflows++;
    return false;
  }

  /** @internal ConnectionEnv.tsOffset. */
  tsOffset(localAddr: number, localPort: number, remoteAddr: number, remotePort: number): number {
    return this.isnGen.tsOffset(localAddr, localPort, remoteAddr, remotePort);
  }

  /** @internal ConnectionEnv.dropped: counted, and a segment-dropped event. */
  dropped(seg: Segment, reason: DropReason, conn: Connection | null, detail?: string): void {
    this.counters.drop(reason);
    if (!this.trace.enabled) return;
    this.trace.emit({
      kind: "segment-dropped",
      t: this.now,
      host: this.name,
      id: this.arrivingPacketId,
      reason,
      seg,
      conn: conn ? conn.label : null,
      ...(detail !== undefined ? { detail } : {}),
    });
  }

  // ---------------------------------------------------------------- segment arrival without a connection

  /** §3.10.7.1 CLOSED: anything but an RST draws an RST. */
  private closedArrives(seg: Segment): void {
    if (seg.flags & RST) {
      this.dropped(seg, "rst-to-closed-port", null);
      return;
    }
    this.dropped(seg, "closed-port", null);
    this.replyRst(seg, "rst-closed-port");
  }

  /** RST in reply to a segment with no connection behind it (§3.10.7.1, Linux's formats). */
  private replyRst(seg: Segment, why: string): void {
    const rst = resetFor(seg, seg.dstAddr); // from the address it came to: ours, of its family
    this.counters.outRsts++;
    this.counters.outSegs++;
    this.transmit(rst, null, why, false);
  }

  private segmentTo(seg: Segment, seq: number, ack: number, flags: number): Segment {
    return replyTo(seg, seg.dstAddr, seq, ack, flags); // from the address it came to: ours, of its family
  }

  private spawnChild(listener: Listener, seg: Segment, iss: number): void {
    const conn = this.newChild(listener, seg);
    listener.synQueue.add(conn);
    conn.openPassive(seg, iss, this.now);
  }

  /** A connection owned by a listener until the application accepts it. */
  private newChild(listener: Listener, seg: Segment): Connection {
    const conn = new Connection(
      this,
      seg.dstAddr,
      seg.dstPort,
      seg.srcAddr,
      seg.srcPort,
      {},
      this.connectionSettings(listener.settings, seg.srcAddr),
    );
    conn.listenerPort = listener.port;
    conn.attached = false;
    this.insert(seg.dstPort, conn);
    return conn;
  }

  private deliverAccepted(listener: Listener, conn: Connection): void {
    conn.listenerPort = -1;
    conn.attached = true;
    if (this.trace.enabled) this.appEvent(conn.label, "accept");
    const handlers = listener.handlers.onConnection(conn);
    if (handlers) conn.handlers = handlers;
    accepted(conn); // onEstablished and what arrived before (./delivery.ts)
    output(conn); // what waited for the accept (./output.ts)
  }

  // ---------------------------------------------------------------- TIME_WAIT

  private toTimeWait(conn: Connection): void {
    if (this.profile.timeWait === 0) return; // the S7 ablation: the connection goes on to CLOSED itself
    // The record takes over the 4-tuple (and its place in portsInUse) from the connection.
    this.table.delete(conn.localPort, conn);
    const expiresAt = this.now + this.profile.timeWait;
    const wasEmpty = this.tw.size === 0;
    const s = this.tw.insert({
      localPort: conn.localPort,
      remoteAddr: conn.remoteAddr,
      remotePort: conn.remotePort,
      sndNxt: conn.snd.sndNxt,
      rcvNxt: conn.rcv.rcvNxt,
      rcvWnd: conn.rcv.window,
      rcvWscale: conn.rcv.wscale,
      tsOk: conn.ts.ok,
      tsRecent: conn.ts.recent,
      tsRecentAt: conn.ts.recentAt,
      enteredAt: this.now,
      expiresAt,
    });
    conn.timeWaitSlot = s;
    conn.timeWaitGeneration = this.tw.generation(s);
    if (wasEmpty && expiresAt < this.heap.peekTime()) this.onDeadlineEarlier?.();
    this.timerEvent(s, "armed", expiresAt);
  }

  private timeWaitArrives(s: number, seg: Segment): void {
    const verdict = timeWaitVerdict(this.tw.view(s), seg, this.profile, this.now);
    switch (verdict.action) {
      case "ack-and-restart":
        this.twAck(s, "ack-fin");
        this.restartTimeWait(s);
        return;
      case "restart":
        if (verdict.takeTs) this.tw.setTsRecent(s, seg.options.timestamp!.val, this.now);
        this.restartTimeWait(s);
        return;
      case "ack":
        this.dropped(seg, "time-wait", null, "not acceptable in TIME_WAIT: answered with an ACK");
        if (this.timeWaitAckAllowed(s, seg)) this.twAck(s, "dup-ack");
        return;
      case "paws":
        // RFC 7323 §5.3 R1; Linux counts it (PAWSTimewait) and answers with an ACK.
        this.counters.pawsRejected++;
        this.dropped(seg, "paws", null, "TSval older than TS.Recent in TIME_WAIT: answered with an ACK");
        if (this.timeWaitAckAllowed(s, seg)) this.twAck(s, "dup-ack");
        return;
      case "challenge-ack":
        this.dropped(seg, seg.flags & RST ? "rst-challenged" : "syn-challenged", null);
        if (!this.timeWaitAckAllowed(s, seg)) return;
        this.counters.challengeAcks++;
        this.twAck(s, "challenge-ack");
        return;
      case "kill":
        this.counters.timeWaitKilled++;
        this.removeTimeWait(s, "rcv RST");
        return;
      case "ignore-rst":
        this.dropped(seg, "time-wait", null, "RST ignored (RFC 1337)");
        return;
      case "accept-syn": {
        const listener = this.listeners.forPeer(seg.dstPort, seg.srcAddr);
        if (!listener || listener.closed) {
          this.twAck(s, "dup-ack"); // Linux: no listener, answer as to an old SYN
          return;
        }
        // Like Linux's TCP_TW_SYN: the record goes, and the SYN meets the listener's usual admission.
        this.counters.timeWaitRecycled++;
        this.removeTimeWait(s, "rcv SYN (new incarnation)");
        synToListener(this.listenEnv, listener, seg, verdict.isnFloor);
        return;
      }
      case "drop":
        this.dropped(seg, "time-wait", null, verdict.why);
        return;
    }
  }

  /**
   * The rate limit on TIME_WAIT's answers to invalid segments (F6), as Linux's
   * tcp_timewait_check_oow_rate_limit: at most one ACK per tcp_invalid_ratelimit (the profile's
   * challengeAckInterval, 500 ms) per record, else two such records answering each other's ACKs — or a
   * flood of blind ACKs and RSTs — draw ACKs at wire speed. Data without SYN is never limited (Linux's
   * tcp_oow_rate_limited: "not likely part of an ACK loop"); nor is the re-ACK of a retransmitted FIN.
   */
  private timeWaitAckAllowed(s: number, seg: Segment): boolean {
    if (seg.payload.length > 0 && !(seg.flags & SYN)) return true;
    if (this.tw.oowAckAllowed(s, this.now, this.profile.challengeAckInterval)) return true;
    this.counters.ackSkippedTimeWait++;
    return false;
  }

  /** <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, with a timestamp when the connection used them (RFC 7323 §3.2). */
  private twAck(s: number, why: string): void {
    const tw = this.tw.view(s);
    const local = this.addresses.localFor(tw.remoteAddr);
    const ack = buildSegment(
      local,
      tw.localPort,
      tw.remoteAddr,
      tw.remotePort,
      tw.sndNxt,
      tw.rcvNxt,
      ACK,
      Math.min(65535, tw.rcvWnd >>> tw.rcvWscale),
      tw.tsOk
        ? {
            timestamp: {
              // Our TS clock (see ./timestamps.ts), recomputed from the 4-tuple's offset, not stored.
              val: tsClock(this.now, this.tsOffset(local, tw.localPort, tw.remoteAddr, tw.remotePort)),
              ecr: tw.tsRecent,
            },
          }
        : NO_OPTIONS,
      EMPTY_PAYLOAD,
    );
    this.counters.outSegs++;
    this.transmit(ack, null, why, false);
  }

  private restartTimeWait(s: number): void {
    const expiresAt = this.now + this.profile.timeWait;
    this.tw.restart(s, expiresAt);
    this.timerEvent(s, "restarted", expiresAt);
  }

  private expireTimeWait(s: number): void {
    this.timerEvent(s, "fired");
    this.removeTimeWait(s, "2MSL timeout");
  }

  /** TIME_WAIT → CLOSED for a record: the Connection that left it, if anyone holds it, now reads CLOSED. */
  private removeTimeWait(s: number, cause: string): void {
    const label = this.trace.enabled ? this.twLabel(s) : "";
    this.dropTimeWait(s);
    reportStateChange(this.trace, this.now, this.name, label, "TIME_WAIT", "CLOSED", cause);
  }

  /** Forgets a record (its timer cancelled if it had not fired), without the state event. */
  private dropTimeWait(s: number): void {
    if (this.tw.expiresAt(s) > this.now) this.timerEvent(s, "cancelled"); // ended early: its timer never fires
    const localPort = this.tw.localPort(s);
    const remoteAddr = this.tw.remoteAddr(s);
    const remotePort = this.tw.remotePort(s);
    this.tw.remove(s);
    this.releasePort(localPort, remoteAddr, remotePort);
    addressTable.release(remoteAddr); // the reference the connection handed to its record
  }

  /**
   * Does the record a connection left when it entered TIME_WAIT still hold the 4-tuple? Its ticket (slot
   * and generation, set by toTimeWait) names it; before the record exists (inside the transition) it does.
   * @internal
   */
  timeWaitHeld(conn: Connection): boolean {
    const s = conn.timeWaitSlot;
    return (
      s < 0 ||
      (this.tw.holds(s, conn.timeWaitGeneration) &&
        this.tw.localPort(s) === conn.localPort &&
        this.tw.remotePort(s) === conn.remotePort &&
        this.tw.remoteAddr(s) === conn.remoteAddr) // an IPv6 id is above 2^32: no >>> 0
    );
  }

  /**
   * tcp_tw_reuse (host-inspection-facts §1.3, Linux tcp_twsk_unique): may an outgoing connect take over
   * this TIME_WAIT 4-tuple? The verdict is src/tcp/timewait.ts's timeWaitReusable; `bound`: the socket
   * chose its port with bind().
   */
  private timeWaitReusable(s: number, remoteAddr: number, now: number, bound = false): boolean {
    return timeWaitReusable(this.profile, {
      bound,
      tsRecentSeen: this.tw.hasTsRecent(s),
      policyCovers: this.reusePolicyCovers(remoteAddr),
      enteredAt: this.tw.enteredAt(s),
      now,
    });
  }

  /** "loopback" (Linux's default 2): either address in 127/8, or a connection to ourselves (it goes over lo). */
  private reusePolicyCovers(remoteAddr: number): boolean {
    const policy = this.profile.timeWaitReuse;
    if (policy === "on") return true;
    if (policy === "off") return false;
    return (
      isLoopbackAddress(remoteAddr) ||
      isLoopbackAddress(this.addresses.localFor(remoteAddr)) ||
      this.addresses.owns(remoteAddr)
    );
  }

  private timerEvent(s: number, action: TimerAction, deadline?: number): void {
    if (!this.trace.enabled) return;
    this.trace.emit({
      kind: "timer",
      t: this.now,
      host: this.name,
      conn: this.twLabel(s),
      timer: "time-wait",
      action,
      ...(deadline !== undefined ? { deadline } : {}),
    });
  }

  // ---------------------------------------------------------------- table and ports

  private twLabel(s: number): string {
    const tw = this.tw;
    const remote = tw.remoteAddr(s);
    return `${formatAddressPort(this.addresses.localFor(remote), tw.localPort(s))}>${formatAddressPort(remote, tw.remotePort(s))}`;
  }

  private insert(localPort: number, conn: Connection): void {
    this.table.set(localPort, conn);
    // The connection holds its peer's address (an IPv6 id stays valid while it does); a traced host keeps
    // it for good, since the trace's segments name it.
    addressTable.acquire(conn.remoteAddr);
    if (this.trace.enabled) addressTable.acquire(conn.remoteAddr);
    if (this.isEphemeral(localPort)) {
      const rkey = remoteKey(conn.remoteAddr, conn.remotePort);
      this.portsInUse.set(rkey, (this.portsInUse.get(rkey) ?? 0) + 1);
    }
  }

  private remove(localPort: number, conn: Connection): void {
    if (!this.table.delete(localPort, conn)) return;
    this.releasePort(localPort, conn.remoteAddr, conn.remotePort);
    addressTable.release(conn.remoteAddr);
  }

  private releasePort(localPort: number, remoteAddr: number, remotePort: number): void {
    if (!this.isEphemeral(localPort)) return;
    const rkey = remoteKey(remoteAddr, remotePort);
    const n = (this.portsInUse.get(rkey) ?? 1) - 1;
    if (n <= 0) this.portsInUse.delete(rkey);
    else this.portsInUse.set(rkey, n);
  }

  private removeConnection(conn: Connection): void {
    this.remove(conn.localPort, conn);
    if (conn.listenerPort >= 0) {
      const listener = this.listeners.forPeer(conn.listenerPort, conn.remoteAddr);
      // A child that ends in the accept queue (reset, timed out) stays there, still taking its slot: Linux's
      // accept() returns it in TCP_CLOSE with its data readable and its error pending (linux-profile.md,
      // "Close semantics"). closeListener() empties the queue.
      listener?.synQueue.delete(conn);
    }
  }

  /** Some connection, TIME_WAIT included, uses the local port (a plain bind conflicts with it). */
  private portHeld(port: number): boolean {
    return this.table.countOn(port) > 0 || this.tw.onPort(port) > 0;
  }

  /** A port from the ephemeral range that nothing uses, for listen(0). */
  private freeListenPort(): number {
    for (let port = this.profile.ephemeralPortLow; port <= this.profile.ephemeralPortHigh; port++) {
      if (!this.listeners.has(port) && !this.portHeld(port)) return port;
    }
    throw addrError("EADDRINUSE", "listen", this.address, 0);
  }

  private isEphemeral(port: number): boolean {
    return port >= this.profile.ephemeralPortLow && port <= this.profile.ephemeralPortHigh;
  }

  /**
   * An ephemeral port whose 4-tuple toward (addr, port) is free — not in use and not in TIME_WAIT — or
   * held by a TIME_WAIT record that tcp_tw_reuse lets us take over, as Linux's __inet_hash_connect does:
   * it walks the range from a per-destination offset and takes the first port that is either, without
   * preferring free ones. The walk resumes after the last port taken, so when every port is in TIME_WAIT
   * reuse takes them round-robin, oldest first. Sets `reuseSlot` to the record to take over, or -1. When
   * every port of the range is taken for this destination the connect fails with EADDRNOTAVAIL (S14),
   * however idle the machine.
   */
  private allocatePort(remoteAddr: number, remotePort: number, now: number): number {
    const lo = this.profile.ephemeralPortLow;
    const size = this.profile.ephemeralPortHigh - lo + 1;
    const rkey = remoteKey(remoteAddr, remotePort);
    const mayReuse = this.reusePolicyCovers(remoteAddr);
    this.reuseSlot = -1;
    if (!mayReuse && (this.portsInUse.get(rkey) ?? 0) >= size)
      throw addrError("EADDRNOTAVAIL", "connect", remoteAddr, remotePort);
    // Start where the last search for this destination stopped (a per-destination offset, like Linux's hash).
    let offset =
      this.portCursor.get(rkey) ??
      (addressDigest(this.cookieKey, remoteAddr) ^ (remotePort * 2654435761)) >>> 0;
    for (let i = 0; i < size; i++) {
      const port = lo + (offset % size);
      offset = (offset + 1) >>> 0;
      if (this.listeners.has(port)) continue;
      if (this.table.has(port, remoteAddr, remotePort)) continue;
      const s = this.tw.find(port, remoteAddr, remotePort);
      if (s >= 0) {
        if (!mayReuse || !this.timeWaitReusable(s, remoteAddr, now)) continue;
        this.reuseSlot = s;
      }
      this.portCursor.set(rkey, offset);
      return port;
    }
    throw addrError("EADDRNOTAVAIL", "connect", remoteAddr, remotePort);
  }
}

function checkPort(port: number, syscall: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TcpError("EINVAL", syscall, `port ${String(port)} is not an integer in 0..65535`);
  }
}

function addrError(
  code: "EADDRINUSE" | "EADDRNOTAVAIL",
  syscall: string,
  addr: number,
  port: number,
): TcpError {
  const err = new TcpError(code, syscall, formatAddressPort(addr, port));
  err.address = formatAddress(addr);
  err.port = port;
  return err;
}
