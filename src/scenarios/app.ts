// The applications of a scenario, written against the engine's raw callback API (deterministic: every
// reaction happens at the virtual instant of its cause). Each application call and everything the
// application is told (data, EOF, errors) is recorded as an `app` trace event, so verdicts and the
// ladder see what the application saw.
import type { Connection, ConnectionHandlers } from "../tcp/connection.js";
import type { Listener } from "../tcp/listen.js";
import { TcpError } from "../tcp/errors.js";
import type { Host, ConnectOptions, ListenOptions } from "../tcp/engine.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** `length` bytes of `pattern` repeated (bulk bodies that say which connection they belong to). */
export function patterned(pattern: string, length: number): Uint8Array {
  const unit = encoder.encode(pattern);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = unit[i % unit.length] as number;
  return out;
}

export interface Behaviour {
  onEstablished?(app: AppConnection): void;
  onData?(app: AppConnection, data: Uint8Array): void;
  onEnd?(app: AppConnection): void;
  onClose?(app: AppConnection, error: TcpError | null): void;
}

export interface AppOptions {
  /** Record each read as an event (default true); bulk transfers record only EOF and errors. */
  logReads?: boolean;
}

/** One connection as its application sees it. */
export class AppConnection {
  readonly received: Uint8Array[] = [];
  receivedBytes = 0;
  established = false;
  eof = false;
  /** The error code the connection ended with (ECONNRESET, ETIMEDOUT, ...), if any. */
  error: string | null = null;
  /** The application was told the connection is finished (onClose). */
  finished = false;
  conn!: Connection;
  private pending: Uint8Array[] = [];

  constructor(
    readonly host: Host,
    private readonly behaviour: Behaviour,
    private readonly options: AppOptions,
  ) {}

  /** Everything read so far, as text. */
  text(): string {
    return decoder.decode(concat(this.received));
  }

  data(): Uint8Array {
    return concat(this.received);
  }

  handlers(): ConnectionHandlers {
    return {
      onEstablished: () => {
        this.established = true;
        this.behaviour.onEstablished?.(this);
        this.flush();
      },
      onData: (_c, data) => {
        this.received.push(data.slice());
        this.receivedBytes += data.length;
        if (this.options.logReads !== false) this.event("read", `${data.length} bytes`);
        this.behaviour.onData?.(this, data);
      },
      onEnd: () => {
        this.eof = true;
        this.event("read", "EOF");
        this.behaviour.onEnd?.(this);
      },
      onDrain: () => this.flush(),
      onClose: (_c, error) => {
        this.finished = true;
        if (error) {
          this.error = error.code;
          this.host.appEvent(this.conn.label, "error", undefined, error.code);
        }
        this.behaviour.onClose?.(this, error);
      },
    };
  }

  /** write(): queued in the application if the send buffer is full, like Node's stream buffer. */
  write(data: Uint8Array | string): void {
    const chunk = typeof data === "string" ? bytes(data) : data;
    this.event("write", `${chunk.length} bytes`);
    this.pending.push(chunk);
    this.flush();
  }

  /** Half close (Node's end(), shutdown(SHUT_WR)): FIN after queued data; reading goes on. */
  end(): void {
    this.event("shutdown");
    this.endAfterFlush = true;
    this.flush();
  }

  /** close(): the application neither reads nor writes any more. */
  close(): void {
    this.event("close");
    this.conn.close(this.host.time());
  }

  /** SO_LINGER 0 close: RST. */
  abort(): void {
    this.event("abort");
    this.conn.abort(this.host.time());
  }

  /** A write attempted after shutdown: returns the error code the engine gave (EPIPE), or null. */
  tryWrite(data: string): string | null {
    try {
      this.conn.send(bytes(data), this.host.time());
      this.event("write", `${data.length} bytes`);
      return null;
    } catch (err) {
      const code = err instanceof TcpError ? err.code : "EINVAL";
      this.host.appEvent(this.conn.label, "write", undefined, code);
      return code;
    }
  }

  private endAfterFlush = false;

  private flush(): void {
    if (!this.conn || !this.established) return;
    const now = this.host.time();
    while (this.pending.length > 0) {
      const head = this.pending[0] as Uint8Array;
      let taken: number;
      try {
        taken = this.conn.send(head, now);
      } catch (err) {
        // The connection is gone (reset, closing): the application's write fails, as Node's would.
        if (!(err instanceof TcpError)) throw err;
        this.pending.length = 0;
        this.endAfterFlush = false;
        this.host.appEvent(this.conn.label, "write", undefined, err.code);
        return;
      }
      if (taken < head.length) {
        this.pending[0] = head.subarray(taken);
        return;
      }
      this.pending.shift();
    }
    if (this.endAfterFlush) {
      this.endAfterFlush = false;
      this.conn.shutdown(now);
    }
  }

  private event(call: string, detail?: string): void {
    this.host.time();
    this.host.appEvent(this.conn ? this.conn.label : null, call, detail);
  }
}

/** connect(): returns the application's connection, or the synchronous error code (EADDRNOTAVAIL...). */
export function connect(
  host: Host,
  options: ConnectOptions,
  behaviour: Behaviour = {},
  appOptions: AppOptions = {},
): AppConnection {
  const app = new AppConnection(host, behaviour, appOptions);
  app.conn = host.connect(options, app.handlers());
  return app;
}

/** connect() that records a synchronous failure as an app event and returns its code instead of throwing. */
export function tryConnect(
  host: Host,
  options: ConnectOptions,
  behaviour: Behaviour = {},
  appOptions: AppOptions = {},
): AppConnection | string {
  try {
    return connect(host, options, behaviour, appOptions);
  } catch (err) {
    if (!(err instanceof TcpError)) throw err;
    host.time();
    const address = String(options.address);
    // "[2001:db8::2]:80" for IPv6 (RFC 5952 §6), "10.0.0.2:80" for IPv4.
    const where = address.includes(":") ? `[${address}]:${options.port}` : `${address}:${options.port}`;
    host.appEvent(null, "connect", where, err.code);
    return err.code;
  }
}

export interface Server {
  listener: Listener;
  accepted: AppConnection[];
}

/** listen() whose accepted connections get `behaviour`. Throws TcpError (EADDRINUSE) like bind(). */
export function listen(
  host: Host,
  port: number,
  options: ListenOptions,
  behaviour: Behaviour = {},
  appOptions: AppOptions = {},
): Server {
  const accepted: AppConnection[] = [];
  const listener = host.listen(port, options, {
    onConnection: (conn) => {
      const app = new AppConnection(host, behaviour, appOptions);
      app.conn = conn;
      accepted.push(app);
      const handlers = app.handlers();
      // An accepted connection is already established: the application starts at once.
      handlers.onEstablished?.(conn);
      return handlers;
    },
  });
  return { listener, accepted };
}

/** listen() that records EADDRINUSE as an app event and returns the code. */
export function tryListen(
  host: Host,
  port: number,
  options: ListenOptions,
  behaviour: Behaviour = {},
  appOptions: AppOptions = {},
): Server | string {
  try {
    return listen(host, port, options, behaviour, appOptions);
  } catch (err) {
    if (!(err instanceof TcpError)) throw err;
    host.time();
    host.appEvent(null, "listen", `port ${port}`, err.code);
    return err.code;
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
