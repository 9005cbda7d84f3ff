// A Node-style socket API over the engine: `Socket` is a Duplex stream with net.Socket's surface
// (connect, write, end() = FIN, destroy(), resetAndDestroy(), setKeepAlive, setNoDelay, the usual events),
// `Server` has listen(port, backlog) and 'connection' events, and errors carry Node's codes.
// So code written for `net` — node:http via createConnection included — runs over our TCP.
import { Duplex } from "node:stream";
import { EventEmitter } from "node:events";
import type { Connection, ConnectionHandlers } from "../tcp/connection.js";
import { TcpError } from "../tcp/errors.js";
import type { Listener } from "../tcp/listener.js";
import type { TcpState } from "../tcp/state.js";
import { formatIPv4 } from "../wire/address.js";
import type { Host } from "./host.js";

export interface SocketConnectOptions {
  port: number;
  host?: string;
  localPort?: number;
  reuseAddress?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
}

export interface SocketOptions {
  /** Keep the writable side open after the peer's FIN (net's allowHalfOpen). Default false, as in net. */
  allowHalfOpen?: boolean;
}

type WriteCallback = (error?: Error | null) => void;

export class Socket extends Duplex {
  readonly stack: Host;
  private conn: Connection | null = null;
  connecting = false;
  private pendingWrite: { data: Uint8Array; callback: WriteCallback } | null = null;
  private peerEnded = false;
  /** resetAndDestroy() threw the connection away: its end is a 'close', never an 'end'. */
  private resetByUs = false;
  private lastState: TcpState = "CLOSED";
  bytesRead = 0;
  private bytesSent = 0;

  constructor(stack: Host, options: SocketOptions = {}) {
    super({ allowHalfOpen: options.allowHalfOpen ?? false, decodeStrings: true });
    this.stack = stack;
  }

  /** @internal Wraps a connection a listener accepted. */
  static fromAccepted(stack: Host, conn: Connection, options: SocketOptions = {}): Socket {
    const socket = new Socket(stack, options);
    socket.bind(conn);
    return socket;
  }

  connect(
    options: SocketConnectOptions | number,
    hostOrListener?: string | (() => void),
    listener?: () => void,
  ): this {
    const opts: SocketConnectOptions =
      typeof options === "number"
        ? { port: options, ...(typeof hostOrListener === "string" ? { host: hostOrListener } : {}) }
        : options;
    const cb = typeof hostOrListener === "function" ? hostOrListener : listener;
    if (cb) this.once("connect", cb);
    if (this.conn || this.connecting) {
      process.nextTick(() => this.destroy(new TcpError("EINVAL", "connect", "socket is already connected")));
      return this;
    }
    this.connecting = true;
    try {
      const conn = this.stack.connect(
        {
          address: opts.host ?? "127.0.0.1",
          port: opts.port,
          ...(opts.localPort !== undefined ? { localPort: opts.localPort } : {}),
          reuseAddress: opts.reuseAddress ?? false,
          noDelay: opts.noDelay ?? false,
          keepAlive: opts.keepAlive ?? false,
        },
        this.handlers(),
      );
      this.conn = conn;
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
        this.emit("connect");
        this.emit("ready");
      },
      onData: (conn, data) => {
        this.bytesRead += data.length;
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

  get remoteAddress(): string | undefined {
    return this.conn ? formatIPv4(this.conn.remoteAddr) : undefined;
  }
  get remotePort(): number | undefined {
    return this.conn?.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.conn ? "IPv4" : undefined;
  }
  get localAddress(): string | undefined {
    return this.conn ? formatIPv4(this.conn.localAddr) : undefined;
  }
  get localPort(): number | undefined {
    return this.conn?.localPort;
  }
  get bytesWritten(): number {
    return this.bytesSent;
  }
  get readyState(): string {
    if (this.connecting) return "opening";
    if (this.readable && this.writable) return "open";
    if (this.readable) return "readOnly";
    if (this.writable) return "writeOnly";
    return "closed";
  }

  address(): { address: string; family: string; port: number } | Record<string, never> {
    if (!this.conn) return {};
    return { address: formatIPv4(this.conn.localAddr), family: "IPv4", port: this.conn.localPort };
  }

  setKeepAlive(enable = false, initialDelay = 0): this {
    this.conn?.setKeepAlive(enable, initialDelay > 0 ? initialDelay * 1000 : undefined, this.stack.time());
    return this;
  }

  setNoDelay(noDelay = true): this {
    this.conn?.setNoDelay(noDelay, this.stack.time());
    return this;
  }

  /** net's timeouts are wall-clock; over a simulated network they would be meaningless, so they are accepted and ignored. */
  setTimeout(_ms: number, callback?: () => void): this {
    if (callback) this.once("timeout", callback);
    return this;
  }

  ref(): this {
    return this;
  }
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

  override _read(): void {
    this.conn?.resume(this.stack.time());
  }

  override _write(chunk: Uint8Array, _encoding: BufferEncoding, callback: WriteCallback): void {
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

  override _final(callback: (error?: Error | null) => void): void {
    if (this.conn) {
      this.stack.appEvent(this.conn.label, "end");
      this.conn.shutdown(this.stack.time());
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
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

export interface ServerOptions extends SocketOptions {
  /** Start with accepting paused: connections wait in the accept queue (an application that never calls accept()). */
  pauseOnConnect?: boolean;
}

/** net.Server over our TCP: listen(port, backlog), 'connection', 'listening', 'close', 'error'. */
export class Server extends EventEmitter {
  private listener: Listener | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly stack: Host,
    private readonly options: ServerOptions = {},
    connectionListener?: (socket: Socket) => void,
  ) {
    super();
    if (connectionListener) this.on("connection", connectionListener);
  }

  listen(port: number, backlogOrCallback?: number | (() => void), callback?: () => void): this {
    const backlog = typeof backlogOrCallback === "number" ? backlogOrCallback : undefined;
    const cb = typeof backlogOrCallback === "function" ? backlogOrCallback : callback;
    if (cb) this.once("listening", cb);
    try {
      this.listener = this.stack.listen(port, backlog !== undefined ? { backlog } : {}, {
        onConnection: (conn) => {
          const socket = Socket.fromAccepted(this.stack, conn, this.options);
          this.sockets.add(socket);
          socket.once("close", () => {
            this.sockets.delete(socket);
            this.maybeClosed();
          });
          this.emit("connection", socket);
          return socket.connection?.handlers;
        },
      });
      if (this.options.pauseOnConnect) this.listener.paused = true;
      process.nextTick(() => this.emit("listening"));
    } catch (err) {
      process.nextTick(() => this.emit("error", err));
    }
    return this;
  }

  get listening(): boolean {
    return this.listener !== null && !this.listener.closed;
  }

  address(): { address: string; family: string; port: number } | null {
    if (!this.listener) return null;
    return { address: formatIPv4(this.stack.address), family: "IPv4", port: this.listener.port };
  }

  /** Stop listening; 'close' once every accepted socket has closed (as net.Server does). */
  close(callback?: (err?: Error) => void): this {
    if (callback) this.once("close", callback);
    if (this.listener) {
      this.stack.closeListener(this.listener);
      this.listener = null;
    }
    this.closing = true;
    this.maybeClosed();
    return this;
  }

  private closing = false;
  private closeEmitted = false;

  private maybeClosed(): void {
    if (this.closing && !this.closeEmitted && this.sockets.size === 0) {
      this.closeEmitted = true;
      process.nextTick(() => this.emit("close"));
    }
  }

  getConnections(callback: (err: Error | null, count: number) => void): void {
    process.nextTick(() => callback(null, this.sockets.size));
  }
}

/** net.createConnection over a host. */
export function createConnection(
  stack: Host,
  options: SocketConnectOptions & SocketOptions,
  onConnect?: () => void,
): Socket {
  const socket = new Socket(
    stack,
    options.allowHalfOpen !== undefined ? { allowHalfOpen: options.allowHalfOpen } : {},
  );
  return socket.connect(options, onConnect);
}

/** net.createServer over a host. */
export function createServer(
  stack: Host,
  options: ServerOptions = {},
  onConnection?: (socket: Socket) => void,
): Server {
  return new Server(stack, options, onConnection);
}
