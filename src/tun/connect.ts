// `tcplab tun connect <addr> <port>`: our TCP as the client of a kernel server inside the private
// namespace, with the live ladder, until the connection has closed. The namespace is new and
// empty, so the server is started in it first with --peer (e.g. "nc -l 7000"); without one the
// kernel answers the SYN with a RST, which is a lesson of its own.
import type { ChildProcess } from "node:child_process";
import type { ProfileName } from "../tcp/profile.js";
import { createConnection, type Socket } from "../stack/socket.js";
import { TunCommandRun } from "./live-view.js";
import type { TunCommandIo } from "./serve.js";
import { reachLines, summaryLine } from "./serve.js";
import { StackSession } from "./stack-session.js";

export interface ConnectOptions {
  address: string;
  port: number;
  /** Bytes to send once connected; then we half-close unless keepOpen. */
  send?: Uint8Array;
  keepOpen: boolean;
  /** A shell command started inside the namespace before connecting (the kernel-side server). */
  peer?: string;
  profile: ProfileName;
  pcap?: string;
  allSegments: boolean;
  quiet: boolean;
  /** IPv6 on the device too (needed for an IPv6 <addr>). */
  ipv6?: boolean;
}

// How long a --peer command may take to start listening: a safety net for a command that never
// listens on the port (a typo), not a measurement.
const PEER_LISTEN_ATTEMPTS = 200;
const PEER_LISTEN_PAUSE_MS = 50;
// Received data is shown in the live view up to this many characters per segment batch.
const SHOWN_DATA = 120;

export class PeerError extends Error {
  readonly code = "ERR_TCPLAB_TUN_PEER";
  constructor(message: string) {
    super(message);
    this.name = "PeerError";
  }
}

function printable(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString("latin1");
  const shown = JSON.stringify(text.length > SHOWN_DATA ? text.slice(0, SHOWN_DATA) : text);
  return text.length > SHOWN_DATA ? `${shown}…` : shown;
}

async function startPeer(
  session: StackSession,
  command: string,
  port: number,
  io: TunCommandIo,
): Promise<ChildProcess> {
  const child = session.ns.spawn("sh", ["-c", command], { stdio: ["ignore", "pipe", "pipe"] });
  const relay = (stream: NodeJS.ReadableStream | null): void => {
    let pending = "";
    stream?.on("data", (b: Buffer) => {
      pending += b.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const l of lines) io.err(`peer | ${l}`);
    });
    stream?.on("end", () => {
      if (pending !== "") io.err(`peer | ${pending}`);
    });
  };
  relay(child.stdout);
  relay(child.stderr);
  let spawnError: Error | undefined;
  child.once("error", (e) => (spawnError = e));
  for (let i = 0; i < PEER_LISTEN_ATTEMPTS; i++) {
    if (spawnError) throw new PeerError(`--peer could not start: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new PeerError(
        `--peer ${JSON.stringify(command)} ended (status ${child.exitCode}) before listening on port ${port}`,
      );
    }
    const ss = await session.ns.run("ss", ["-Hltn", `sport = :${port}`]);
    if (ss.stdout.trim() !== "") return child;
    await new Promise((r) => setTimeout(r, PEER_LISTEN_PAUSE_MS));
  }
  throw new PeerError(`--peer ${JSON.stringify(command)} did not listen on port ${port} within 10 s`);
}

export async function runConnect(options: ConnectOptions, io: TunCommandIo): Promise<number> {
  const run = new TunCommandRun(io.out, {
    write: io.out,
    color: io.color,
    allSegments: options.allSegments,
    quiet: options.quiet,
  });
  const view = run.view;
  let session: StackSession | undefined;
  let driverError: Error | undefined;
  let socket: Socket | undefined;
  try {
    session = await StackSession.open({
      profile: options.profile,
      ...(options.pcap !== undefined ? { pcap: options.pcap } : {}),
      trace: view.trace,
      onDriverError: (err) => {
        driverError = err;
        socket?.destroy(err);
      },
      ...(options.ipv6 ? { ipv6: true } : {}),
    });
    io.out(
      `tcplab tun connect: our TCP at ${session.stackAddress} → ${options.address.includes(":") ? `[${options.address}]` : options.address}:${options.port} (profile ${options.profile})`,
    );
    for (const line of reachLines(session, undefined)) io.out(line);
    if (options.peer !== undefined) {
      await startPeer(session, options.peer, options.port, io);
      io.out(`peer listening: ${options.peer}`);
    }
    if (!options.quiet) io.out(view.ladder.header());
    const host = session.host;
    let received = 0;
    const client = createConnection(host, { host: options.address, port: options.port }, () => {
      if (options.send !== undefined) client.write(options.send);
      if (!options.keepOpen) client.end();
    });
    socket = client;
    const outcome = await new Promise<{ error: Error | null } | { signal: NodeJS.Signals }>((resolve) => {
      client.on("data", (b: Buffer) => {
        received += b.length;
        if (!options.quiet) io.out(`${" ".repeat(13)}data  ${b.length} bytes: ${printable(b)}`);
      });
      client.on("error", (error) => resolve({ error }));
      client.on("close", () => resolve({ error: null }));
      void run.stop.stopped.then((signal) => resolve({ signal }));
    });
    view.end();
    if ("signal" in outcome) {
      client.destroy();
      io.out(`stopped (${outcome.signal}) before the connection closed: ${summaryLine(session)}`);
      return 1;
    }
    if (driverError) {
      io.err(`tcplab: the TUN driver stopped: ${driverError.message}`);
      return 1;
    }
    const last = client.tcpState;
    if (outcome.error) {
      const code = (outcome.error as { code?: string }).code;
      io.err(
        `tcplab: connection to ${options.address}:${options.port} failed: ${code ? `${code}: ` : ""}${outcome.error.message}`,
      );
      return 1;
    }
    io.out(
      `connection closed (our side: ${last}); ${received} bytes received; ${summaryLine(session)}` +
        (last === "TIME_WAIT" ? "; removing the namespace ends our TIME_WAIT early" : ""),
    );
    return 0;
  } catch (err) {
    return run.setupFailed(err);
  } finally {
    await run.end(session);
  }
}
