// A deterministic application on the raw host API for the whole-stack tests: it writes a planned byte
// stream in several writes at planned times (respecting backpressure), reads everything, and closes
// the way the plan says. It records what it saw — bytes, EOF, the end of the connection and its error —
// so a test can hold that against what the other side sent.
import type { Host } from "../../src/tcp/engine.js";
import type { Simulator } from "../../src/sim/simulator.js";
import type { Connection, ConnectionHandlers } from "../../src/tcp/connection.js";
import { SERVER_PORT, type World } from "./world.js";

export interface PlannedWrite {
  /** µs after the previous write (the first: after the side starts). */
  gap: number;
  length: number;
}

/** A slow reader: stop reading once this many bytes have been read, for this long (µs). */
export interface ReadPause {
  afterBytes: number;
  duration: number;
}

export interface SidePlan {
  writes: PlannedWrite[];
  /** Read pauses in order of `afterBytes` (flow control: the window closes, the peer probes). */
  readPauses?: ReadPause[];
  /** Half-close (shutdown) once every write is in the send buffer, without waiting for the peer's EOF. */
  closeFirst: boolean;
  /** Once EOF has been read and every write is in, close() (an orphan, as Node's destroy()) instead of shutdown(). */
  fullClose: boolean;
  /** Abort (RST, SO_LINGER 0 — Node's resetAndDestroy()) this many µs after the side starts, if still open. */
  abortAfter?: number;
}

export interface TransferPlan {
  client: SidePlan;
  server: SidePlan;
  /** Seeds the payload bytes, so a misplaced or foreign byte cannot go unnoticed. */
  dataSeed: number;
  /** TCP_NODELAY on both ends (Nagle off). */
  noDelay?: boolean;
}

/** The whole stream a side means to send: a xorshift32 sequence, so no two offsets look alike for long. */
export function plannedStream(plan: SidePlan, seed: number): Uint8Array {
  const total = plan.writes.reduce((n, w) => n + w.length, 0);
  const out = new Uint8Array(total);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < total; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** The two streams of a plan: what the client means to send, and what the server does. */
export function plannedStreams(plan: TransferPlan): { client: Uint8Array; server: Uint8Array } {
  return {
    client: plannedStream(plan.client, plan.dataSeed),
    server: plannedStream(plan.server, plan.dataSeed ^ 0x5a5a5a5a),
  };
}

export class AppSide {
  conn: Connection | null = null;
  private readonly chunks: Uint8Array[] = [];
  receivedLength = 0;
  established = false;
  eof = false;
  /** onClose calls (must end up exactly 1). */
  closes = 0;
  error: string | null = null;
  /** Bytes the connection took into its send buffer. */
  accepted = 0;
  /** Errors thrown by send/shutdown/close while the application still believed the connection open. */
  readonly callErrors: string[] = [];
  /** Virtual time of the last application call on the connection (timers restart from it). */
  lastCallAt = -1;
  /** How the application finished its side: "shutdown", "close", or null if it never got that far. */
  finish: "shutdown" | "close" | null = null;
  /** The application aborted the connection itself (so it owes itself no EOF). */
  aborted = false;
  private pending: Uint8Array[] = [];
  private writesLeft: number;
  private nextPause = 0;

  constructor(
    readonly name: string,
    private readonly host: Host,
    private readonly sim: Simulator,
    readonly plan: SidePlan,
    readonly stream: Uint8Array,
  ) {
    this.writesLeft = plan.writes.length;
  }

  received(): Uint8Array {
    const out = new Uint8Array(this.receivedLength);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  handlers(): ConnectionHandlers {
    return {
      onEstablished: () => {
        this.established = true;
        this.maybeFinish();
      },
      onData: (_conn, data) => {
        // The engine may hand out views of its buffers: keep a copy.
        this.chunks.push(data.slice());
        this.receivedLength += data.length;
        this.maybePause();
      },
      onEnd: () => {
        this.eof = true;
        this.maybeFinish();
      },
      onDrain: () => this.pump(),
      onClose: (_conn, error) => {
        this.closes++;
        this.error = error ? error.code : null;
      },
    };
  }

  private maybePause(): void {
    const pause = this.plan.readPauses?.[this.nextPause];
    if (pause === undefined || this.receivedLength < pause.afterBytes) return;
    this.nextPause++;
    this.call("pause", (conn) => conn.pause());
    // onClose comes only after every byte and the EOF were read (or with an error), so an application
    // that was told the connection ended has nothing left to resume.
    this.sim.after(pause.duration, () => this.call("resume", (conn, now) => conn.resume(now)));
  }

  /** The connection exists (connect() returned, or the listener handed it over): schedule the writes. */
  start(conn: Connection, now: number): void {
    this.conn = conn;
    let t = now;
    let offset = 0;
    for (const w of this.plan.writes) {
      t += w.gap;
      const chunk = this.stream.subarray(offset, offset + w.length);
      offset += w.length;
      this.sim.at(t, () => {
        this.writesLeft--;
        if (this.closes === 0) {
          this.pending.push(chunk);
          this.pump();
        }
      });
    }
    const abortAfter = this.plan.abortAfter;
    if (abortAfter !== undefined) {
      this.sim.at(now + abortAfter, () => {
        if (this.closes > 0) return;
        this.aborted = true;
        this.call("abort", (c, t) => c.abort(t));
      });
    }
    this.maybeFinish();
  }

  private call(what: string, fn: (conn: Connection, now: number) => void): void {
    const conn = this.conn;
    if (conn === null || this.closes > 0) return;
    const now = this.host.time();
    this.lastCallAt = now;
    try {
      fn(conn, now);
    } catch (err) {
      this.callErrors.push(`${what}: ${(err as { code?: string }).code ?? String(err)}`);
    }
  }

  private pump(): void {
    while (this.pending.length > 0 && this.closes === 0) {
      const head = this.pending[0]!;
      let taken = 0;
      this.call("send", (conn, now) => {
        taken = conn.send(head, now);
      });
      this.accepted += taken;
      if (taken < head.length) {
        if (this.closes > 0 || this.callErrors.length > 0) return;
        this.pending[0] = head.subarray(taken); // the rest waits for onDrain
        return;
      }
      this.pending.shift();
    }
    this.maybeFinish();
  }

  /** Shut down or close when the plan says so; like Node, not before the connection is established. */
  private maybeFinish(): void {
    if (this.finish !== null || this.closes > 0 || !this.established) return;
    if (this.writesLeft > 0 || this.pending.length > 0) return;
    if (!this.plan.closeFirst && !this.eof) return;
    if (this.eof && this.plan.fullClose) {
      this.finish = "close";
      this.call("close", (conn, now) => conn.close(now));
    } else {
      this.finish = "shutdown";
      this.call("shutdown", (conn, now) => conn.shutdown(now));
    }
  }
}

export interface Transfer {
  client: AppSide;
  /** The application side of the server's first accepted connection (null until accepted). */
  server: AppSide | null;
  /** Connections the server's listener handed over (must be at most one). */
  accepted: number;
}

/**
 * Listen on the server, connect from the client with keepalive on both ends (so a peer that vanished is
 * noticed in bounded time even in FIN_WAIT_2 or an idle ESTABLISHED), and run the plan.
 */
export function startTransfer(world: World, plan: TransferPlan, at = 0): Transfer {
  const { sim, client, server } = world;
  const streams = plannedStreams(plan);
  const clientApp = new AppSide("client", client, sim, plan.client, streams.client);
  const transfer: Transfer = { client: clientApp, server: null, accepted: 0 };
  const serverStream = streams.server;
  server.listen(
    SERVER_PORT,
    {},
    {
      onConnection: (conn) => {
        transfer.accepted++;
        if (transfer.server !== null) return {}; // counted; the test fails on it
        const app = new AppSide("server", server, sim, plan.server, serverStream);
        transfer.server = app;
        const now = server.time();
        conn.setKeepAlive(true, undefined, now);
        if (plan.noDelay) conn.setNoDelay(true, now);
        app.established = true;
        // Install the handlers before the first write, so nothing the start causes goes unheard.
        const handlers = app.handlers();
        conn.handlers = handlers;
        app.start(conn, now);
        return handlers;
      },
    },
  );
  sim.at(at, (now) => {
    const conn = client.connect(
      { address: world.server.address, port: SERVER_PORT, keepAlive: true, noDelay: plan.noDelay ?? false },
      clientApp.handlers(),
    );
    clientApp.start(conn, now);
  });
  return transfer;
}
