// A Node-style socket API over the engine: `Socket` is a Duplex stream with net.Socket's surface
// (connect, write, end() = FIN, destroy(), resetAndDestroy(), setKeepAlive, setNoDelay, the usual events),
// `Server` has listen(port, backlog) and 'connection' events, and errors carry Node's codes.
// So code written for `net` — node:http through a TcplabAgent included — runs over our TCP. Nothing here
// imports node:net: a socket can only ever reach the Host it was made on (docs/library.md, "No kernel
// sockets"). What matches net and what does not is tabled in docs/library.md.
import { Duplex } from "node:stream";
import { EventEmitter } from "node:events";
import { ArgumentError, describe, expectOptional } from "../tcp/arg-error.js";
import type { Connection, ConnectionHandlers } from "../tcp/connection.js";
import { TcpError } from "../tcp/errors.js";
import type { Listener } from "../tcp/listen.js";
import type { TcpState } from "../tcp/state.js";
import { formatIPv4, isDottedIPv4 } from "../wire/address.js";
import { formatIPv6, parseIPv6 } from "../wire/address6.js";
import { formatAddress, isIPv6Id } from "../wire/address-table.js";
import type { AppTimer } from "../tcp/app-timers.js";
import { Host } from "../tcp/engine.js";

/** Where {@link Socket.connect} goes, as in net.connect(options) — IPv4 or IPv6 addresses, no DNS. */
export interface SocketConnectOptions {
  /** The peer's port. */
  port: number;
  /** The peer's IPv4 or IPv6 address (default "127.0.0.1"; "localhost" means the same). No name lookup is done. */
  host?: string;
  /** Bind to this local port instead of an ephemeral one. */
  localPort?: number;
  /** SO_REUSEADDR for `localPort`. */
  reuseAddress?: boolean;
  /** Disable Nagle's algorithm from the start. */
  noDelay?: boolean;
  /** Enable keepalive probes from the start. */
  keepAlive?: boolean;
  /** Idle time before the first keepalive probe, in ms (as net). */
  keepAliveInitialDelay?: number;
  /** Idle timeout in ms, as socket.setTimeout(ms) right after creation. */
  timeout?: number;
}

/** Options of a {@link Socket} (and of the sockets a {@link Server} accepts). */
export interface SocketOptions {
  /** Keep the writable side open after the peer's FIN (net's allowHalfOpen). Default false, as in net. */
  allowHalfOpen?: boolean;
}

type WriteCallback = (error?: Error | null) => void;

/** Throws unless `stack` is a tcplab Host (net.createConnection(options) has no such first argument). */
function checkHost(stack: unknown, call: string): void {
  if (!(stack instanceof Host)) {
    throw new ArgumentError(
      "ERR_TCPLAB_INVALID_ARG_TYPE",
      `${call}: the first argument is the tcplab Host the socket lives on (unlike node:net), got ${describe(stack)}`,
    );
  }
}

/** net.Socket over a tcplab {@link Host}: a Duplex stream whose bytes are carried by our TCP. */
export class Socket extends Duplex {
  /** The host this socket lives on. */
  readonly stack: Host;
  private conn: Connection | null = null;
  connecting = false;
  private pendingWrite: { data: Uint8Array; callback: WriteCallback } | null = null;
  private peerEnded = false;
  /** resetAndDestroy() threw the connection away: its end is a 'close', never an 'end'. */
  private resetByUs = false;
  private lastState: TcpState = "CLOSED";
  /** Bytes received from the peer and pushed to the readable side (net's bytesRead). */
  bytesRead = 0;
  private bytesSent = 0;
  /** setTimeout's idle time in ms (0: off), when the socket was last active (host µs) and the pending timer. */
  private idleMs = 0;
  private lastActive = 0;
  private idleTimer: AppTimer | null = null;

  constructor(stack: Host, options: SocketOptions = {}) {
    checkHost(stack, "new Socket(host, options)");
    expectOptional(options, "object", "new Socket(host, options): options");
    super({ allowHalfOpen: options.allowHalfOpen ?? false, decodeStrings: true });
    this.stack = stack;
  }

  /** @internal Wraps a connection a listener accepted. */
  static fromAccepted(stack: Host, conn: Connection, options: SocketOptions = {}, family: 4 | 6 = 4): Socket {
    const socket = new Socket(stack, options);
    socket.ipv6Socket = family === 6;
    socket.bind(conn);
    return socket;
  }

  /**
   * An AF_INET6 socket: accepted by an IPv6 listener, or connected to an IPv6 address. Such a socket
   * reports an IPv4 peer of a dual-stack listener as Linux and Node do: "::ffff:10.0.0.1", family "IPv6".
   */
  private ipv6Socket = false;

  private socketAddress(addr: number): string {
    return this.ipv6Socket && !isIPv6Id(addr) ? `::ffff:${formatIPv4(addr)}` : formatAddress(addr);
  }

  private get family(): string {
    return this.ipv6Socket ? "IPv6" : "IPv4";
  }

  /** net.Socket.connect: connect(options[, listener]) or connect(port[, host][, listener]). */
  connect(
    options: SocketConnectOptions | number,
    hostOrListener?: string | (() => void),
    listener?: () => void,
  ): this {
    if (typeof options !== "number" && (typeof options !== "object" || options === null)) {
      throw new ArgumentError(
        "ERR_TCPLAB_INVALID_ARG_TYPE",
        `Socket.connect takes { port, host } or a port number, got ${describe(options)}`,
      );
    }
    const opts: SocketConnectOptions =
      typeof options === "number"
        ? { port: options, ...(typeof hostOrListener === "string" ? { host: hostOrListener } : {}) }
        : options;
    if (typeof opts.port !== "number") {
      throw new ArgumentError(
        "ERR_TCPLAB_INVALID_ARG_TYPE",
        `Socket.connect: port must be a number, got ${describe(opts.port)}`,
      );
    }
    expectOptional(opts.host, "string", "Socket.connect: host");
    if (opts.timeout !== undefined) this.setTimeout(opts.timeout);
    const cb = typeof hostOrListener === "function" ? hostOrListener : listener;
    if (cb) this.once("connect", cb);
    if (this.conn || this.connecting) {
      process.nextTick(() => this.destroy(new TcpError("EINVAL", "connect", "socket is already connected")));
      return this;
    }
    this.connecting = true;
    const host = opts.host === undefined || opts.host === "localhost" ? "127.0.0.1" : opts.host;
    if (!isDottedIPv4(host) && !isIPv6Text(host)) {
      // A name: net would look it up; tcplab has no DNS. Fail the way a failed lookup does (ENOTFOUND).
      const err = Object.assign(
        new Error(`getaddrinfo ENOTFOUND ${host}: tcplab does no DNS, connect to an IPv4 or IPv6 address`),
        {
          code: "ENOTFOUND",
          syscall: "getaddrinfo",
          hostname: host,
        },
      );
      this.connecting = false;
      process.nextTick(() => this.destroy(err));
      return this;
    }
    try {
      const conn = this.stack.connect(
        {
          address: host,
          port: opts.port,
          ...(opts.localPort !== undefined ? { localPort: opts.localPort } : {}),
          reuseAddress: opts.reuseAddress ?? false,
          noDelay: opts.noDelay ?? false,
          keepAlive: opts.keepAlive ?? false,
        },
        this.handlers(),
      );
      this.conn = conn;
      this.ipv6Socket = host.includes(":");
      this.lastState = conn.state;
      if (opts.keepAlive && opts.keepAliveInitialDelay) this.setKeepAlive(true, opts.keepAliveInitialDelay);
    } catch (err) {
      this.connecting = false;
      // net reports connect failures asynchronously, as an 'error' event.
      process.nextTick(() => this.destroy(err as Error));
    }
    return this;
  }

  private bind(conn: Connection): void {
    this.conn = conn;
    this.lastState = conn.state;
    conn.handlers = this.handlers();
  }

  private handlers(): ConnectionHandlers {
    return {
      onEstablished: () => {
        this.connecting = false;
        this.touch();
        this.emit("connect");
        this.emit("ready");
      },
      onData: (conn, data) => {
        this.bytesRead += data.length;
        this.touch();
        if (!this.push(data)) conn.pause();
      },
      onEnd: () => {
        this.peerEnded = true;
        this.push(null);
      },
      onDrain: () => this.retryWrite(),
      onClose: (conn, error) => {
        this.lastState = conn.state;
        this.connecting = false;
        if (error) {
          this.failPendingWrite(error);
          this.destroy(error);
        } else if (!this.peerEnded && conn.state === "CLOSED" && !this.destroyed && !this.resetByUs) {
          // Closed without the peer's FIN (aborted, timed out as an orphan...): nothing more will arrive.
          // Not after our own reset: 'end' means the peer finished sending, and net.Socket's
          // resetAndDestroy() emits only 'close', so a truncated stream never looks complete.
          this.push(null);
        }
      },
    };
  }

  /** The TCP state of this socket's connection (TIME_WAIT outlives the socket, as in the kernel). */
  get tcpState(): TcpState {
    if (!this.conn) return this.lastState;
    return this.stack.stateOf(this.conn);
  }

  /** @internal The engine connection behind this socket (for tests and views). */
  get connection(): Connection | null {
    return this.conn;
  }

  /** The peer's address (undefined before connect); an IPv4 peer of an IPv6 socket v4-mapped. */
  get remoteAddress(): string | undefined {
    return this.conn ? this.socketAddress(this.conn.remoteAddr) : undefined;
  }
  /** The peer's port (undefined before connect). */
  get remotePort(): number | undefined {
    return this.conn?.remotePort;
  }
  /** "IPv4" or "IPv6" (the socket's family) once connected. */
  get remoteFamily(): string | undefined {
    return this.conn ? this.family : undefined;
  }
  /** This end's address: the host's (undefined before connect). */
  get localAddress(): string | undefined {
    return this.conn ? this.socketAddress(this.conn.localAddr) : undefined;
  }
  /** This end's port (undefined before connect). */
  get localPort(): number | undefined {
    return this.conn?.localPort;
  }
  /** "IPv4" or "IPv6" once connected. */
  get localFamily(): string | undefined {
    return this.conn ? this.family : undefined;
  }
  /** Bytes the engine took into its send buffer (net's also counts bytes still queued in the stream). */
  get bytesWritten(): number {
    return this.bytesSent;
  }
  /** As net: "opening" while connecting, "open", "readOnly", "writeOnly" or "closed". */
  get readyState(): string {
    if (this.connecting) return "opening";
    if (this.readable && this.writable) return "open";
    if (this.readable) return "readOnly";
    if (this.writable) return "writeOnly";
    return "closed";
  }

  /** True until connected, as net's `pending`. */
  get pending(): boolean {
    return this.conn === null || this.connecting;
  }

  /** The local end `{ address, family, port }`, or `{}` before connect (as net). */
  address(): { address: string; family: string; port: number } | Record<string, never> {
    if (!this.conn) return {};
    return {
      address: this.socketAddress(this.conn.localAddr),
      family: this.family,
      port: this.conn.localPort,
    };
  }

  /** SO_KEEPALIVE; `initialDelay` in ms is the idle time before the first probe (0: the profile's). */
  setKeepAlive(enable = false, initialDelay = 0): this {
    this.conn?.setKeepAlive(enable, initialDelay > 0 ? initialDelay * 1000 : undefined, this.stack.time());
    return this;
  }

  /** TCP_NODELAY: send small segments without waiting (Nagle's algorithm off). */
  setNoDelay(noDelay = true): this {
    this.conn?.setNoDelay(noDelay, this.stack.time());
    return this;
  }

  /**
   * net's idle timeout: 'timeout' is emitted once the socket has been idle (nothing read or written) for
   * `ms` milliseconds of the host's clock — virtual time under the simulator. As in net it only notifies:
   * end() or destroy() the socket yourself. It fires once per idle period; activity re-arms it; 0 turns it off.
   */
  setTimeout(ms: number, callback?: () => void): this {
    if (typeof ms !== "number") {
      throw new ArgumentError(
        "ERR_TCPLAB_INVALID_ARG_TYPE",
        `Socket.setTimeout(ms): ms must be a number, got ${describe(ms)}`,
      );
    }
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(`Socket.setTimeout(ms): ms must be a finite number ≥ 0, got ${ms}`);
    }
    expectOptional(callback, "function", "Socket.setTimeout(ms, callback): callback");
    if (callback) {
      if (ms === 0) this.removeListener("timeout", callback);
      else this.once("timeout", callback);
    }
    this.idleMs = ms;
    this.idleTimer?.cancel();
    this.idleTimer = null;
    this.touch();
    return this;
  }

  /** The idle timeout set with setTimeout, in ms (undefined when none), as net's `timeout`. */
  get timeout(): number | undefined {
    return this.idleMs > 0 ? this.idleMs : undefined;
  }

  /** Activity (connect, data in, a write): the idle period starts again. */
  private touch(): void {
    if (this.idleMs === 0 || this.destroyed) return;
    this.lastActive = this.stack.time();
    if (!this.idleTimer) this.armIdle(this.lastActive + Math.round(this.idleMs * 1000));
  }

  private armIdle(at: number): void {
    this.idleTimer = this.stack.setTimer(at, (now) => {
      this.idleTimer = null;
      if (this.idleMs === 0 || this.destroyed) return;
      // One timer per idle period, moved on lazily: activity only records its time.
      const due = this.lastActive + Math.round(this.idleMs * 1000);
      if (now < due) this.armIdle(due);
      else this.emit("timeout"); // the next activity re-arms it, as net's refreshed timer
    });
  }

  /** Accepted for net compatibility; a tcplab socket never keeps a process alive by itself. */
  ref(): this {
    return this;
  }
  /** Accepted for net compatibility (see ref()). */
  unref(): this {
    return this;
  }

  /** Close with RST instead of FIN (SO_LINGER {1, 0}), like net.Socket.resetAndDestroy(). */
  resetAndDestroy(): this {
    if (this.conn) {
      this.resetByUs = true;
      this.stack.appEvent(this.conn.label, "resetAndDestroy");
      this.conn.abort(this.stack.time(), "resetAndDestroy");
    }
    this.destroy();
    return this;
  }

  /** @internal */
  override _read(): void {
    this.conn?.resume(this.stack.time());
  }

  /** @internal */
  override _write(chunk: Uint8Array, _encoding: BufferEncoding, callback: WriteCallback): void {
    this.touch();
    const conn = this.conn;
    if (!conn) {
      callback(new TcpError("ENOTCONN", "write"));
      return;
    }
    this.pendingWrite = { data: chunk, callback };
    this.retryWrite();
  }

  private retryWrite(): void {
    const pending = this.pendingWrite;
    const conn = this.conn;
    if (!pending || !conn) return;
    let taken: number;
    try {
      taken = conn.send(pending.data, this.stack.time());
    } catch (err) {
      this.pendingWrite = null;
      pending.callback(err as Error);
      return;
    }
    this.bytesSent += taken;
    if (taken === pending.data.length) {
      this.pendingWrite = null;
      pending.callback();
    } else {
      pending.data = pending.data.subarray(taken); // the rest waits for onDrain
    }
  }

  private failPendingWrite(error: Error): void {
    const pending = this.pendingWrite;
    this.pendingWrite = null;
    pending?.callback(error);
  }

  /** @internal */
  override _final(callback: (error?: Error | null) => void): void {
    if (this.conn) {
      this.stack.appEvent(this.conn.label, "end");
      this.conn.shutdown(this.stack.time());
    }
    callback();
  }

  /** @internal */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.idleTimer?.cancel();
    this.idleTimer = null;
    const conn = this.conn;
    if (conn && !conn.isClosed() && conn.state !== "TIME_WAIT") {
      this.stack.appEvent(
        conn.label,
        "close",
        undefined,
        error && "code" in error ? String(error.code) : undefined,
      );
      conn.close(this.stack.time());
    }
    if (conn) this.lastState = conn.state;
    this.failPendingWrite(error ?? new TcpError("EPIPE", "write"));
    callback(error);
  }
}

/** Options of a {@link Server}: those of its accepted sockets, and when to accept. */
export interface ServerOptions extends SocketOptions {
  /**
   * Start with accepting paused: connections wait in the accept queue (an application that never calls
   * accept()). Unlike net's option of this name, which accepts and pauses reading.
   */
  pauseOnConnect?: boolean;
}

/** net.Server.listen's options object. */
export interface ServerListenOptions {
  /** The port (0: a free ephemeral one). */
  port?: number;
  /** The host's own address, "0.0.0.0", "::" or left out; a host has one address. */
  host?: string;
  /** The accept queue's length (capped by the profile, as somaxconn). */
  backlog?: number;
}

/** An error with net.Server's code for close() on a server that is not listening. */
function notRunning(): Error {
  return Object.assign(new Error("Server is not running."), { code: "ERR_SERVER_NOT_RUNNING" });
}

/** net.Server over our TCP: listen(port, backlog), 'connection', 'listening', 'close', 'error'. */
export class Server extends EventEmitter {
  private listener: Listener | null = null;
  private readonly sockets = new Set<Socket>();
  private closing = false;
  private closeQueued = false;

  constructor(
    /** The host this server listens on. */
    readonly stack: Host,
    private readonly options: ServerOptions = {},
    connectionListener?: (socket: Socket) => void,
  ) {
    checkHost(stack, "new Server(host, options)");
    expectOptional(options, "object", "new Server(host, options): options");
    expectOptional(connectionListener, "function", "new Server(host, options, listener): listener");
    super();
    if (connectionListener) this.on("connection", connectionListener);
  }

  /**
   * Start listening, as net.Server.listen: listen(port[, host][, backlog][, callback]) or
   * listen({ port, host, backlog }[, callback]). Errors (EADDRINUSE...) come as an 'error' event.
   */
  listen(
    portOrOptions?: number | ServerListenOptions,
    ...rest: Array<string | number | (() => void) | undefined>
  ): this {
    let port: unknown;
    let host: unknown;
    let backlog: unknown;
    if (typeof portOrOptions === "object" && portOrOptions !== null) {
      ({ port, host, backlog } = portOrOptions);
    } else if (portOrOptions === undefined || typeof portOrOptions === "number") {
      port = portOrOptions;
    } else {
      throw new ArgumentError(
        "ERR_TCPLAB_INVALID_ARG_TYPE",
        `Server.listen takes a port number or { port, backlog }, got ${describe(portOrOptions)}`,
      );
    }
    for (const arg of rest) {
      if (typeof arg === "function") this.once("listening", arg);
      else if (typeof arg === "string") host = arg;
      else if (typeof arg === "number") backlog = arg;
    }
    expectOptional(port, "number", "Server.listen: port");
    expectOptional(backlog, "number", "Server.listen: backlog");
    expectOptional(host, "string", "Server.listen: host");
    try {
      const family = listenFamily(this.stack, host as string | undefined);
      this.listener = this.stack.listen(
        (port as number | undefined) ?? 0,
        { ...(backlog !== undefined ? { backlog: backlog as number } : {}), ...family },
        {
          onConnection: (conn) => {
            const socket = Socket.fromAccepted(this.stack, conn, this.options, family.family);
            this.sockets.add(socket);
            socket.once("close", () => {
              this.sockets.delete(socket);
              this.maybeClosed();
            });
            this.emit("connection", socket);
            return socket.connection?.handlers;
          },
        },
      );
      this.closing = false;
      if (this.options.pauseOnConnect) this.listener.paused = true;
      process.nextTick(() => this.emit("listening"));
    } catch (err) {
      process.nextTick(() => this.emit("error", err));
    }
    return this;
  }

  /** True while listening. */
  get listening(): boolean {
    return this.listener !== null && !this.listener.closed;
  }

  /** `{ address, family, port }` while listening, else null (as net). */
  address(): { address: string; family: string; port: number } | null {
    if (!this.listening) return null;
    const l = this.listener!;
    // Node reports a listener on :: as "::"; an IPv4 one here by the host's address, as before.
    if (l.family === 6) return { address: "::", family: "IPv6", port: l.port };
    return { address: formatIPv4(this.stack.addresses.address4), family: "IPv4", port: l.port };
  }

  /**
   * Stop listening; 'close' once every accepted socket has closed (as net.Server does). The callback gets
   * the 'close', or an ERR_SERVER_NOT_RUNNING error when the server was not listening.
   */
  close(callback?: (err?: Error) => void): this {
    expectOptional(callback, "function", "Server.close(callback): callback");
    const wasListening = this.listening;
    if (callback) this.once("close", wasListening ? callback : () => callback(notRunning()));
    if (this.listener) {
      this.stack.closeListener(this.listener);
      this.listener = null;
    }
    this.closing = true;
    this.maybeClosed();
    return this;
  }

  private maybeClosed(): void {
    if (this.closing && !this.closeQueued && this.sockets.size === 0 && !this.listening) {
      this.closeQueued = true;
      process.nextTick(() => {
        this.closeQueued = false;
        this.closing = false;
        this.emit("close");
      });
    }
  }

  /** The number of accepted sockets not yet closed, to the callback (asynchronously, as net). */
  getConnections(callback: (err: Error | null, count: number) => void): this {
    expectOptional(callback, "function", "Server.getConnections(callback): callback");
    process.nextTick(() => callback(null, this.sockets.size));
    return this;
  }

  /** Accepted for net compatibility; a tcplab server never keeps a process alive by itself. */
  ref(): this {
    return this;
  }
  /** Accepted for net compatibility (see ref()). */
  unref(): this {
    return this;
  }
}

/** net.createConnection over a host: `createConnection(host, { host: "10.0.0.2", port: 80 }, onConnect)`. */
export function createConnection(
  stack: Host,
  options: SocketConnectOptions & SocketOptions,
  onConnect?: () => void,
): Socket {
  checkHost(stack, "createConnection(host, options)");
  if (typeof options !== "object" || options === null) {
    throw new ArgumentError(
      "ERR_TCPLAB_INVALID_ARG_TYPE",
      `createConnection(host, options): options must be { host, port }, got ${describe(options)}`,
    );
  }
  expectOptional(onConnect, "function", "createConnection(host, options, onConnect): onConnect");
  const socket = new Socket(
    stack,
    options.allowHalfOpen !== undefined ? { allowHalfOpen: options.allowHalfOpen } : {},
  );
  return socket.connect(options, onConnect);
}

/** net.createServer over a host: `createServer(host, (socket) => ...)` or `createServer(host, options, listener)`. */
export function createServer(
  stack: Host,
  options?: ServerOptions | ((socket: Socket) => void),
  onConnection?: (socket: Socket) => void,
): Server {
  if (typeof options === "function") return new Server(stack, {}, options);
  return new Server(stack, options ?? {}, onConnection);
}

function isIPv6Text(text: string): boolean {
  if (!text.includes(":")) return false;
  try {
    parseIPv6(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The family of server.listen(port, host), as Node and Linux choose it: no host means "::" when the host
 * has an IPv6 address (dual-stack, Linux's bindv6only = 0) and "0.0.0.0" otherwise; "::" is dual-stack;
 * an IPv6 address of the host listens on IPv6 only; "0.0.0.0" or the IPv4 address on IPv4. Listeners are
 * wildcard here (one address per family), so a specific address means its family.
 */
function listenFamily(stack: Host, host: string | undefined): { family: 4 | 6; ipv6Only?: boolean } {
  const own6 = stack.addresses.address6;
  const own4 = stack.addresses.address4;
  if (host === undefined) return own6 >= 0 ? { family: 6 } : { family: 4 };
  if (host === "::") return { family: 6 };
  if (host === "0.0.0.0") return { family: 4 };
  if (own4 >= 0 && host === formatIPv4(own4)) return { family: 4 };
  if (own6 >= 0 && isIPv6Text(host) && formatAddress(own6) === formatIPv6(parseIPv6(host))) {
    return { family: 6, ipv6Only: true };
  }
  throw new TcpError("EADDRNOTAVAIL", "listen", `${host} is not ${stack.name}'s address`);
}
