// A host: one IPv4 address running the TCP engine. Demultiplexes by 4-tuple, owns listeners, the TIME_WAIT
// records, the ephemeral port allocator and the bind rules, and keeps every connection's deadline in one
// queue. Sans-I/O like the engine: drivers (simulator, TUN, browser) pass time in and carry segments out.
import { Connection, type ConnectionEnv, type ConnectionHandlers } from "../tcp/connection.js";
import { Counters } from "../tcp/counters.js";
import { DeadlineHeap } from "../tcp/deadline-heap.js";
import { TcpError } from "../tcp/errors.js";
import { IsnGenerator, keyFromSeed } from "../tcp/isn.js";
import { Listener, type ListenerHandlers } from "../tcp/listener.js";
import { makeProfile, type Profile, type ProfileName } from "../tcp/profile.js";
import { seqAdd, seqGt } from "../tcp/seq.js";
import type { TcpState } from "../tcp/state.js";
import { checkCookie, makeCookie } from "../tcp/syncookie.js";
import { TimeWaitRecord, timeWaitVerdict } from "../tcp/timewait.js";
import { NullTrace, type DropReason, type TimerAction, type TraceSink } from "../trace/events.js";
import { decodePacket } from "../wire/codec.js";
import { formatIPv4, parseIPv4 } from "../wire/address.js";
import { ACK, EMPTY_PAYLOAD, NO_OPTIONS, RST, SYN, segmentLength, type Segment } from "../wire/segment.js";
import type { Endpoint, Transmit } from "./endpoint.js";

export interface HostOptions {
  name: string;
  /** IPv4 address, dotted or as a uint32. */
  address: string | number;
  /** Interface MTU (default 1500); the advertised MSS is MTU − 40. */
  mtu?: number;
  profile?: ProfileName | Profile;
  /** Per-host overrides of the profile (e.g. `{ timeWait: 0 }`, the S7 ablation). */
  overrides?: Partial<Profile>;
  trace?: TraceSink;
  /** Seeds the ISN and SYN-cookie keys: same seed, same sequence numbers. */
  seed?: number;
}

export interface ConnectOptions {
  address: string | number;
  port: number;
  /** Bind to this local port instead of an ephemeral one. */
  localPort?: number;
  /** SO_REUSEADDR for the explicit local port. */
  reuseAddress?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
}

export interface ListenOptions {
  backlog?: number;
  /** SO_REUSEADDR: bind although connections (e.g. TIME_WAIT) still use the port. */
  reuseAddress?: boolean;
}

type Entry = Connection | TimeWaitRecord;

/** How long after a SYN-queue overflow cookie ACKs are still honoured (two cookie periods). */
const COOKIE_WINDOW = 128 * 1_000_000;

/** Demultiplexing key of the remote end within one local port: 48 bits, exact in a double. */
function remoteKey(addr: number, port: number): number {
  return addr * 65536 + port;
}

export class Host implements Endpoint, ConnectionEnv {
  readonly name: string;
  readonly hostName: string;
  readonly address: number;
  readonly mtu: number;
  readonly profile: Profile;
  readonly trace: TraceSink;
  readonly counters = new Counters();
  private readonly isnGen: IsnGenerator;
  private readonly cookieKey: Uint32Array;
  /** Per local port: remote (addr, port) → connection or TIME_WAIT record. */
  private readonly table: Array<Map<number, Entry> | undefined> = new Array(65536);
  private readonly listeners = new Map<number, Listener>();
  private readonly heap = new DeadlineHeap<Connection>();
  /** TIME_WAIT expiries in order: one length per host, so appending keeps it sorted (O(1) each). */
  private twTimes: number[] = [];
  private twRecords: TimeWaitRecord[] = [];
  private twHead = 0;
  private timeWaitCount = 0;
  /** Ephemeral ports in use per destination (for an O(1) "exhausted" answer) and where to look next. */
  private readonly portsInUse = new Map<number, number>();
  private readonly portCursor = new Map<number, number>();
  private transmitFn: Transmit | null = null;
  private clock: (() => number) | null = null;
  /** Set by a real-time driver: called when the host's deadline may have become earlier. */
  onDeadlineEarlier: (() => void) | null = null;
  private now = 0;
  readonly mss: number;

  constructor(options: HostOptions) {
    this.name = options.name;
    this.hostName = options.name;
    this.address = typeof options.address === "string" ? parseIPv4(options.address) : options.address >>> 0;
    this.mtu = options.mtu ?? 1500;
    if (!Number.isInteger(this.mtu) || this.mtu < 68 || this.mtu > 65535) {
      throw new TcpError("EINVAL", "host", `MTU ${String(options.mtu)} is outside 68..65535`);
    }
    this.profile = makeProfile(options.profile ?? "linux", options.overrides ?? {});
    this.trace = options.trace ?? new NullTrace();
    const seed = options.seed ?? 1;
    this.isnGen = new IsnGenerator(keyFromSeed(seed, this.address));
    this.cookieKey = keyFromSeed(seed, this.address ^ 0x5ca1ab1e);
    this.mss = Math.min(this.profile.defaultMss + (this.mtu - 1500), this.mtu - 40);
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
    this.now = now;
    const result = decodePacket(bytes);
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
    this.input(result.segment, now, packetId);
  }

  input(seg: Segment, now: number, packetId = -1): void {
    this.now = now;
    this.counters.inSegs++;
    const entry = this.lookup(seg);
    if (this.trace.enabled) {
      this.trace.emit({
        kind: "segment-received",
        t: now,
        host: this.name,
        id: packetId,
        seg,
        conn: entry ? this.labelOf(entry) : null,
      });
    }
    if (seg.dstAddr !== this.address) {
      this.dropped(seg, "not-our-address", null);
      return;
    }
    if (entry instanceof Connection) {
      entry.segmentArrives(seg, now);
      return;
    }
    if (entry) {
      this.timeWaitArrives(entry, seg);
      return;
    }
    const listener = this.listeners.get(seg.dstPort);
    if (listener && !listener.closed) {
      this.listenArrives(listener, seg);
      return;
    }
    this.closedArrives(seg);
  }

  advance(now: number): void {
    if (now > this.now) this.now = now;
    const heap = this.heap;
    while (heap.peekTime() <= now) {
      const t = heap.peekTime();
      const conn = heap.pop()!;
      if (conn.state === "CLOSED" || t !== conn.scheduledAt) continue; // dead or a superseded entry
      conn.scheduledAt = Infinity;
      conn.onTimer(now);
      if (!conn.isClosed()) this.deadlineChanged(conn);
    }
    while (this.twHead < this.twTimes.length && this.twTimes[this.twHead]! <= now) {
      const tw = this.twRecords[this.twHead]!;
      this.twHead++;
      if (tw.dead || tw.expiresAt > now) continue; // removed, or restarted (a later entry exists)
      this.expireTimeWait(tw);
    }
    if (this.twHead > 1024 && this.twHead * 2 > this.twTimes.length) {
      this.twTimes = this.twTimes.slice(this.twHead);
      this.twRecords = this.twRecords.slice(this.twHead);
      this.twHead = 0;
    }
  }

  /**
   * Exact, not merely safe: stale entries (closed connections, deadlines that moved later, dead or restarted
   * TIME_WAIT records) are settled here, so an idle host answers Infinity and a real-time driver never
   * wakes up for nothing. Each stale entry is settled once, so this stays amortised O(1).
   */
  nextDeadline(): number {
    const heap = this.heap;
    while (heap.size > 0) {
      const t = heap.peekTime();
      const conn = heap.pop()!;
      if (conn.isClosed() || t !== conn.scheduledAt) continue;
      const d = conn.nextDeadline();
      if (d === t) {
        heap.push(t, conn);
        break;
      }
      conn.scheduledAt = Infinity; // its deadline moved later (or went away): queue the real one
      if (d < Infinity) {
        conn.scheduledAt = d;
        heap.push(d, conn);
      }
    }
    while (this.twHead < this.twTimes.length) {
      const tw = this.twRecords[this.twHead]!;
      if (!tw.dead && tw.expiresAt === this.twTimes[this.twHead]) break;
      this.twHead++;
    }
    const tw = this.twHead < this.twTimes.length ? this.twTimes[this.twHead]! : Infinity;
    return Math.min(heap.peekTime(), tw);
  }

  // ---------------------------------------------------------------- application side

  /** Passive OPEN (§3.10.1) with the bind rules of a Unix host. */
  listen(requestedPort: number, options: ListenOptions, handlers: ListenerHandlers): Listener {
    checkPort(requestedPort, "listen");
    // Port 0 means "any free port", as bind(2) and Node's server.listen(0) have it.
    const port = requestedPort === 0 ? this.freeListenPort() : requestedPort;
    const existing = this.listeners.get(port);
    if (existing && !existing.closed) throw addrError("EADDRINUSE", "listen", this.address, port);
    if (!options.reuseAddress && this.table[port] && this.table[port]!.size > 0) {
      // S13: a TIME_WAIT (or any connection) on the port blocks a plain bind.
      throw addrError("EADDRINUSE", "listen", this.address, port);
    }
    const backlog = Math.max(1, Math.min(options.backlog ?? 511, this.profile.acceptBacklogMax));
    const listener = new Listener(port, backlog, Math.min(backlog, this.profile.synBacklog), handlers);
    this.listeners.set(port, listener);
    this.appEvent(null, "listen", `port ${port} backlog ${backlog}`);
    return listener;
  }

  /** Close a listener: children not yet accepted are reset (Linux), half-open ones forgotten. */
  closeListener(listener: Listener): void {
    if (listener.closed) return;
    listener.closed = true;
    if (this.listeners.get(listener.port) === listener) this.listeners.delete(listener.port);
    const now = this.time();
    for (const child of [...listener.acceptQueue]) child.abort(now, "listener closed");
    for (const child of [...listener.synQueue]) child.terminate("listener closed", null);
    listener.acceptQueue.length = 0;
    listener.synQueue.clear();
    this.appEvent(null, "close-listener", `port ${listener.port}`);
  }

  /** Take the oldest connection waiting in the accept queue (for a paused listener). */
  accept(listener: Listener): Connection | null {
    const conn = listener.acceptQueue.shift() ?? null;
    if (conn) this.deliverAccepted(listener, conn);
    return conn;
  }

  resumeAccepting(listener: Listener): void {
    listener.paused = false;
    while (listener.acceptQueue.length > 0) this.accept(listener);
  }

  /** Active OPEN (§3.10.1): picks a local port, sends SYN. Throws EADDRINUSE / EADDRNOTAVAIL / EINVAL. */
  connect(options: ConnectOptions, handlers: ConnectionHandlers): Connection {
    const now = this.time();
    const remoteAddr =
      typeof options.address === "string" ? parseIPv4(options.address) : options.address >>> 0;
    checkPort(options.port, "connect");
    if (options.port === 0) throw new TcpError("EINVAL", "connect", "port 0");
    const rkey = remoteKey(remoteAddr, options.port);
    let localPort: number;
    if (options.localPort !== undefined && options.localPort !== 0) {
      checkPort(options.localPort, "bind");
      localPort = options.localPort;
      const used = this.table[localPort];
      if (!options.reuseAddress && ((used && used.size > 0) || this.listeners.has(localPort))) {
        throw addrError("EADDRINUSE", "bind", this.address, localPort);
      }
      if (used?.has(rkey)) {
        // The 4-tuple is taken (TIME_WAIT included): connect() fails as on Linux.
        throw addrError("EADDRNOTAVAIL", "connect", remoteAddr, options.port);
      }
    } else {
      localPort = this.allocatePort(remoteAddr, options.port);
    }
    const conn = new Connection(this, this.address, localPort, remoteAddr, options.port, handlers, {
      mss: this.mss,
      noDelay: options.noDelay ?? false,
      keepAlive: options.keepAlive ?? false,
    });
    this.insert(localPort, rkey, conn);
    this.appEvent(conn.label, "connect");
    conn.openActive(this.isnGen.isn(this.address, localPort, remoteAddr, options.port, now), now);
    return conn;
  }

  /** Every live connection (TIME_WAIT records excluded). */
  connections(): Connection[] {
    const out: Connection[] = [];
    for (const m of this.table) if (m) for (const e of m.values()) if (e instanceof Connection) out.push(e);
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
      TIME_WAIT: this.timeWaitCount,
    };
    for (const l of this.listeners.values()) if (!l.closed) counts.LISTEN++;
    for (const c of this.connections()) counts[c.state]++;
    return counts;
  }

  get timeWaitEntries(): number {
    return this.timeWaitCount;
  }

  /** The state of the 4-tuple a connection used (TIME_WAIT lives on after the Connection object). */
  stateOf(conn: Connection): TcpState {
    if (conn.state !== "TIME_WAIT") return conn.state;
    const e = this.table[conn.localPort]?.get(remoteKey(conn.remoteAddr, conn.remotePort));
    return e instanceof TimeWaitRecord ? "TIME_WAIT" : "CLOSED";
  }

  /** The state of the connection that sends `seg` from this host (the simulator's fault predicates use it). */
  stateOfSegment(seg: Segment): TcpState | undefined {
    const e = this.table[seg.srcPort]?.get(remoteKey(seg.dstAddr, seg.dstPort));
    if (e instanceof Connection) return e.state;
    if (e) return "TIME_WAIT";
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

  // ---------------------------------------------------------------- ConnectionEnv

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
    this.transmitFn?.(seg, id);
  }

  deadlineChanged(conn: Connection): void {
    const d = conn.nextDeadline();
    if (d < conn.scheduledAt) {
      const before = this.heap.peekTime();
      conn.scheduledAt = d;
      this.heap.push(d, conn);
      if (d < before) this.onDeadlineEarlier?.();
    }
  }

  stateChanged(conn: Connection, from: TcpState, to: TcpState): void {
    if (to === "CLOSED") {
      this.removeConnection(conn);
      return;
    }
    if (to === "TIME_WAIT") {
      this.toTimeWait(conn);
      return;
    }
    if (to === "ESTABLISHED" && from === "SYN_RECEIVED" && conn.listenerPort >= 0) {
      const listener = this.listeners.get(conn.listenerPort);
      if (!listener || listener.closed) return;
      listener.synQueue.delete(conn);
      listener.acceptQueue.push(conn);
      if (!listener.paused) {
        listener.acceptQueue.pop();
        this.deliverAccepted(listener, conn);
      }
    }
  }

  acceptQueueHasRoom(conn: Connection): boolean {
    const listener = conn.listenerPort >= 0 ? this.listeners.get(conn.listenerPort) : undefined;
    if (!listener || !listener.acceptQueueFull) return true;
    this.counters.listenOverflows++;
    return false;
  }

  tsOffset(localAddr: number, localPort: number, remoteAddr: number, remotePort: number): number {
    return this.isnGen.tsOffset(localAddr, localPort, remoteAddr, remotePort);
  }

  dropped(seg: Segment, reason: DropReason, conn: Connection | null, detail?: string): void {
    this.counters.drop(reason);
    if (!this.trace.enabled) return;
    this.trace.emit({
      kind: "segment-dropped",
      t: this.now,
      host: this.name,
      id: -1,
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
    const rst: Segment =
      seg.flags & ACK
        ? this.segmentTo(seg, seg.ack, 0, RST) // <SEQ=SEG.ACK><CTL=RST>
        : this.segmentTo(seg, 0, seqAdd(seg.seq, segmentLength(seg)), RST | ACK); // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
    this.counters.outRsts++;
    this.counters.outSegs++;
    this.transmit(rst, null, why, false);
  }

  private segmentTo(seg: Segment, seq: number, ack: number, flags: number): Segment {
    return {
      srcAddr: this.address,
      dstAddr: seg.srcAddr,
      srcPort: seg.dstPort,
      dstPort: seg.srcPort,
      seq,
      ack,
      flags,
      window: 0,
      urgent: 0,
      options: NO_OPTIONS,
      payload: EMPTY_PAYLOAD,
    };
  }

  /** §3.10.7.2 LISTEN. */
  private listenArrives(listener: Listener, seg: Segment): void {
    if (seg.flags & RST) {
      this.dropped(seg, "listen-rst", null); // first: an RST is ignored
      return;
    }
    if (seg.flags & ACK && !(seg.flags & SYN)) {
      // Second: any ACK is bad in LISTEN — unless it completes a SYN cookie. Under "overflow" cookies are
      // only checked within two minutes of the SYN queue overflowing (Linux tcp_synq_no_recent_overflow).
      const policy = this.profile.synCookies;
      const cookiesLive =
        policy === "always" || (policy === "overflow" && this.now - listener.lastOverflow < COOKIE_WINDOW);
      if (cookiesLive && this.cookieArrives(listener, seg)) return;
      this.dropped(seg, "listen-ack", null);
      this.replyRst(seg, "rst-listen-ack");
      return;
    }
    if (!(seg.flags & SYN) || seg.flags & ACK) {
      this.dropped(seg, seg.flags & ACK ? "listen-ack" : "listen-no-syn", null);
      if (seg.flags & ACK) this.replyRst(seg, "rst-listen-ack");
      return;
    }
    // Third: a SYN.
    this.synToListener(listener, seg, -1);
  }

  /**
   * Admission of a SYN by a listener: the accept-queue and SYN-queue bounds, SYN cookies by policy, or a new
   * SYN_RECEIVED child. `isnFloor` ≥ 0 when the SYN reopens a TIME_WAIT 4-tuple (the ISS must exceed it).
   */
  private synToListener(listener: Listener, seg: Segment, isnFloor: number): void {
    if (listener.acceptQueueFull) {
      // Linux drops the SYN when the accept queue is full, cookies or not (ListenOverflows).
      this.counters.listenOverflows++;
      this.counters.listenDrops++;
      this.dropped(seg, "accept-queue-full", null);
      return;
    }
    const policy = this.profile.synCookies;
    if (policy === "overflow" && listener.synQueueFull) listener.lastOverflow = this.now;
    if (policy === "always" || (policy === "overflow" && listener.synQueueFull)) {
      this.sendCookieSynAck(seg);
      return;
    }
    if (listener.synQueueFull) {
      this.counters.listenDrops++;
      this.dropped(seg, "syn-queue-full", null);
      return;
    }
    const iss = this.isnGen.isn(this.address, seg.dstPort, seg.srcAddr, seg.srcPort, this.now);
    this.spawnChild(listener, seg, isnFloor >= 0 && !seqGt(iss, isnFloor) ? isnFloor : iss);
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
      this.address,
      seg.dstPort,
      seg.srcAddr,
      seg.srcPort,
      {},
      { mss: this.mss },
    );
    conn.listenerPort = listener.port;
    conn.attached = false;
    this.insert(seg.dstPort, remoteKey(seg.srcAddr, seg.srcPort), conn);
    return conn;
  }

  private sendCookieSynAck(seg: Segment): void {
    const cookie = makeCookie(
      this.cookieKey,
      this.now,
      seg.srcAddr,
      seg.srcPort,
      seg.dstPort,
      seg.seq,
      seg.options.mss ?? 536,
    );
    this.counters.synCookiesSent++;
    const synAck = this.segmentTo(seg, cookie, seqAdd(seg.seq, 1), SYN | ACK);
    synAck.window = Math.min(65535, this.profile.receiveBuffer);
    synAck.options = { mss: this.mss };
    this.counters.outSegs++;
    this.transmit(synAck, null, "syn-ack-cookie", false);
  }

  /** The final ACK of a cookie handshake: rebuild the connection from the cookie, or fail. */
  private cookieArrives(listener: Listener, seg: Segment): boolean {
    const peerMss = checkCookie(
      this.cookieKey,
      this.now,
      seqAdd(seg.ack, -1),
      seg.srcAddr,
      seg.srcPort,
      seg.dstPort,
      seqAdd(seg.seq, -1),
    );
    if (peerMss < 0) {
      this.counters.synCookiesFailed++;
      return false;
    }
    if (listener.acceptQueueFull) {
      this.counters.listenOverflows++;
      this.dropped(seg, "accept-queue-full", null);
      return true;
    }
    this.counters.synCookiesRecv++;
    const conn = this.newChild(listener, seg);
    conn.openFromCookie(seg, seqAdd(seg.ack, -1), peerMss, this.now);
    if (seg.payload.length > 0) conn.segmentArrives(seg, this.now);
    return true;
  }

  private deliverAccepted(listener: Listener, conn: Connection): void {
    conn.listenerPort = -1;
    conn.attached = true;
    this.appEvent(conn.label, "accept");
    const handlers = listener.handlers.onConnection(conn);
    if (handlers) conn.handlers = handlers;
    conn.reportEstablished();
    conn.deliver(); // data (and a FIN) that arrived before accept()
    conn.output();
  }

  // ---------------------------------------------------------------- TIME_WAIT

  private toTimeWait(conn: Connection): void {
    const rkey = remoteKey(conn.remoteAddr, conn.remotePort);
    if (this.profile.timeWait === 0) {
      // The S7 ablation: no TIME_WAIT at all, the 4-tuple is free at once.
      conn.setState("CLOSED", "TIME_WAIT length 0 (ablation)");
      return;
    }
    const expiresAt = this.now + this.profile.timeWait;
    const tw = new TimeWaitRecord(
      conn.localPort,
      conn.remoteAddr,
      conn.remotePort,
      conn.snd.sndNxt,
      conn.rcv.rcvNxt,
      conn.rcv.window,
      expiresAt,
    );
    this.table[conn.localPort]!.set(rkey, tw);
    this.timeWaitCount++;
    this.queueTimeWait(tw);
    this.timerEvent(tw, "armed", expiresAt);
  }

  private queueTimeWait(tw: TimeWaitRecord): void {
    this.twTimes.push(tw.expiresAt);
    this.twRecords.push(tw);
    if (tw.expiresAt < this.heap.peekTime() && this.twHead === this.twTimes.length - 1)
      this.onDeadlineEarlier?.();
  }

  private timeWaitArrives(tw: TimeWaitRecord, seg: Segment): void {
    const verdict = timeWaitVerdict(tw, seg, this.profile);
    switch (verdict.action) {
      case "ack-and-restart":
        this.twAck(tw, seg, "ack-fin");
        this.restartTimeWait(tw);
        return;
      case "restart":
        this.restartTimeWait(tw);
        return;
      case "ack":
        this.dropped(seg, "time-wait", null, "not acceptable in TIME_WAIT: answered with an ACK");
        this.twAck(tw, seg, "dup-ack");
        return;
      case "challenge-ack":
        this.dropped(seg, seg.flags & RST ? "rst-challenged" : "syn-challenged", null);
        this.counters.challengeAcks++;
        this.twAck(tw, seg, "challenge-ack");
        return;
      case "kill":
        this.counters.timeWaitKilled++;
        this.removeTimeWait(tw, "rcv RST");
        return;
      case "ignore-rst":
        this.dropped(seg, "time-wait", null, "RST ignored (RFC 1337)");
        return;
      case "accept-syn": {
        const listener = this.listeners.get(seg.dstPort);
        if (!listener || listener.closed) {
          this.twAck(tw, seg, "dup-ack"); // Linux: no listener, answer as to an old SYN
          return;
        }
        // Like Linux's TCP_TW_SYN: the record goes, and the SYN meets the listener's usual admission.
        this.counters.timeWaitRecycled++;
        this.removeTimeWait(tw, "rcv SYN (new incarnation)");
        this.synToListener(listener, seg, verdict.isnFloor);
        return;
      }
      case "drop":
        this.dropped(seg, "time-wait", null, verdict.why);
        return;
    }
  }

  private twAck(tw: TimeWaitRecord, _seg: Segment, why: string): void {
    const ack: Segment = {
      srcAddr: this.address,
      dstAddr: tw.remoteAddr,
      srcPort: tw.localPort,
      dstPort: tw.remotePort,
      seq: tw.sndNxt,
      ack: tw.rcvNxt,
      flags: ACK,
      window: tw.rcvWnd,
      urgent: 0,
      options: NO_OPTIONS,
      payload: EMPTY_PAYLOAD,
    };
    this.counters.outSegs++;
    this.transmit(ack, null, why, false);
  }

  private restartTimeWait(tw: TimeWaitRecord): void {
    tw.expiresAt = this.now + this.profile.timeWait;
    this.queueTimeWait(tw);
    this.timerEvent(tw, "restarted", tw.expiresAt);
  }

  private expireTimeWait(tw: TimeWaitRecord): void {
    this.timerEvent(tw, "fired");
    this.removeTimeWait(tw, "2MSL timeout");
  }

  private removeTimeWait(tw: TimeWaitRecord, cause: string): void {
    if (tw.expiresAt > this.now) this.timerEvent(tw, "cancelled"); // ended early: its timer never fires
    tw.dead = true;
    this.timeWaitCount--;
    this.remove(tw.localPort, remoteKey(tw.remoteAddr, tw.remotePort), tw);
    if (this.trace.enabled) {
      this.trace.emit({
        kind: "state",
        t: this.now,
        host: this.name,
        conn: this.labelOf(tw),
        from: "TIME_WAIT",
        to: "CLOSED",
        cause,
      });
    }
  }

  private timerEvent(tw: TimeWaitRecord, action: TimerAction, deadline?: number): void {
    if (!this.trace.enabled) return;
    this.trace.emit({
      kind: "timer",
      t: this.now,
      host: this.name,
      conn: this.labelOf(tw),
      timer: "time-wait",
      action,
      ...(deadline !== undefined ? { deadline } : {}),
    });
  }

  // ---------------------------------------------------------------- table and ports

  private lookup(seg: Segment): Entry | undefined {
    return this.table[seg.dstPort]?.get(remoteKey(seg.srcAddr, seg.srcPort));
  }

  private labelOf(e: Entry): string {
    if (e instanceof Connection) return e.label;
    return `${formatIPv4(this.address)}:${e.localPort}>${formatIPv4(e.remoteAddr)}:${e.remotePort}`;
  }

  private insert(localPort: number, rkey: number, entry: Entry): void {
    let m = this.table[localPort];
    if (!m) {
      m = new Map();
      this.table[localPort] = m;
    }
    m.set(rkey, entry);
    if (this.isEphemeral(localPort)) this.portsInUse.set(rkey, (this.portsInUse.get(rkey) ?? 0) + 1);
  }

  private remove(localPort: number, rkey: number, entry: Entry): void {
    const m = this.table[localPort];
    if (!m || m.get(rkey) !== entry) return;
    m.delete(rkey);
    if (m.size === 0) this.table[localPort] = undefined;
    if (this.isEphemeral(localPort)) {
      const n = (this.portsInUse.get(rkey) ?? 1) - 1;
      if (n <= 0) this.portsInUse.delete(rkey);
      else this.portsInUse.set(rkey, n);
    }
  }

  private removeConnection(conn: Connection): void {
    this.remove(conn.localPort, remoteKey(conn.remoteAddr, conn.remotePort), conn);
    if (conn.listenerPort >= 0) {
      const listener = this.listeners.get(conn.listenerPort);
      if (listener) {
        listener.synQueue.delete(conn);
        const i = listener.acceptQueue.indexOf(conn);
        if (i >= 0) listener.acceptQueue.splice(i, 1);
      }
    }
  }

  /** A port from the ephemeral range that nothing uses, for listen(0). */
  private freeListenPort(): number {
    for (let port = this.profile.ephemeralPortLow; port <= this.profile.ephemeralPortHigh; port++) {
      if (!this.listeners.has(port) && !this.table[port]) return port;
    }
    throw addrError("EADDRINUSE", "listen", this.address, 0);
  }

  private isEphemeral(port: number): boolean {
    return port >= this.profile.ephemeralPortLow && port <= this.profile.ephemeralPortHigh;
  }

  /**
   * An ephemeral port whose 4-tuple toward (addr, port) is free — not in use and not in TIME_WAIT — as
   * Linux's __inet_hash_connect does. When every port of the range is taken for this destination the
   * connect fails with EADDRNOTAVAIL (S14), however idle the machine.
   */
  private allocatePort(remoteAddr: number, remotePort: number): number {
    const lo = this.profile.ephemeralPortLow;
    const size = this.profile.ephemeralPortHigh - lo + 1;
    const rkey = remoteKey(remoteAddr, remotePort);
    if ((this.portsInUse.get(rkey) ?? 0) >= size)
      throw addrError("EADDRNOTAVAIL", "connect", remoteAddr, remotePort);
    // Start where the last search for this destination stopped (a per-destination offset, like Linux's hash).
    let offset = this.portCursor.get(rkey) ?? (remoteAddr ^ (remotePort * 2654435761)) >>> 0;
    for (let i = 0; i < size; i++) {
      const port = lo + (offset % size);
      offset = (offset + 1) >>> 0;
      if (this.listeners.has(port)) continue;
      if (this.table[port]?.has(rkey)) continue;
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
  const err = new TcpError(code, syscall, `${formatIPv4(addr)}:${port}`);
  err.address = formatIPv4(addr);
  err.port = port;
  return err;
}
