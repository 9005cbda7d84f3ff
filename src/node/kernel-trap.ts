// A trap for kernel sockets, for programs and tests that run HTTP over tcplab. The danger it catches:
// `http.request({ agent: false, createConnection })` — with agent:false Node builds a fresh agent of its
// own and IGNORES createConnection, so the request opens a real kernel socket to the simulated address
// and traffic leaves the machine. Any request that bypasses a TcplabAgent does the same, silently.
// While the trap is set, any attempt to open a kernel TCP connection or listening socket throws
// ERR_TCPLAB_KERNEL_SOCKET synchronously, from the call that tried (http.request() itself), instead.
import net from "node:net";

/** Thrown when a kernel socket is opened while {@link trapKernelSockets} is set. */
export class KernelSocketError extends Error {
  /** Always "ERR_TCPLAB_KERNEL_SOCKET". */
  readonly code = "ERR_TCPLAB_KERNEL_SOCKET";
  /** What was attempted, e.g. "connect to 10.0.0.2:80". */
  readonly attempt: string;

  constructor(attempt: string) {
    super(
      `a kernel socket was about to ${attempt} while tcplab's kernel-socket trap is set: this code bypassed ` +
        `TcplabAgent / tcplab sockets. Note that http.request({ agent: false, createConnection }) ignores ` +
        `createConnection and uses node:net — pass { agent: new TcplabAgent(host) } instead.`,
    );
    this.name = "KernelSocketError";
    this.attempt = attempt;
  }
}

/** What {@link trapKernelSockets} returns. */
export interface KernelSocketTrap {
  /** Attempts caught so far (each also threw). */
  readonly caught: KernelSocketError[];
  /** Remove the trap: node:net works again. */
  release(): void;
}

/** Which connect() calls the trap lets through (e.g. a Unix-socket path your test harness uses). */
export interface KernelSocketTrapOptions {
  /** Return true to let this net.Socket.connect / net.Server.listen go to the kernel. */
  allow?: (attempt: string) => boolean;
}

function describeTarget(args: unknown[]): string {
  const [first, second] = args;
  if (Array.isArray(first)) return describeTarget(first); // net's internal normalized form
  if (typeof first === "object" && first !== null) {
    const o = first as { host?: unknown; port?: unknown; path?: unknown };
    if (o.path !== undefined) return `the Unix socket ${String(o.path)}`;
    return `${String(o.host ?? "localhost")}:${String(o.port)}`;
  }
  if (typeof first === "string" && typeof second !== "string" && !/^\d+$/.test(first))
    return `the Unix socket ${first}`;
  return `${typeof second === "string" ? second : "localhost"}:${String(first)}`;
}

let active: { caught: KernelSocketError[]; options: KernelSocketTrapOptions } | null = null;
const originalConnect = net.Socket.prototype.connect;
const originalListen = net.Server.prototype.listen;

/**
 * Make every kernel TCP connect and listen in this process throw {@link KernelSocketError} until
 * release(). All of node:net, node:http's default agents, node:tls and fetch-over-net go through
 * net.Socket.prototype.connect, which is what is trapped. One trap at a time; setting it twice throws.
 */
export function trapKernelSockets(options: KernelSocketTrapOptions = {}): KernelSocketTrap {
  if (active) throw new Error("trapKernelSockets: a trap is already set; release() it first");
  const state = { caught: [] as KernelSocketError[], options };
  active = state;
  const check = (attempt: string): void => {
    if (state.options.allow?.(attempt)) return;
    const err = new KernelSocketError(attempt);
    state.caught.push(err);
    throw err;
  };
  net.Socket.prototype.connect = function trappedConnect(this: net.Socket, ...args: unknown[]) {
    check(`connect to ${describeTarget(args)}`);
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
  net.Server.prototype.listen = function trappedListen(this: net.Server, ...args: unknown[]) {
    check(`listen on ${describeTarget(args)}`);
    return (originalListen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof net.Server.prototype.listen;
  return {
    caught: state.caught,
    release(): void {
      if (active !== state) return;
      net.Socket.prototype.connect = originalConnect;
      net.Server.prototype.listen = originalListen;
      active = null;
    },
  };
}
