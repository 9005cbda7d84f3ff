// `tcplab tun serve`: node:http on our TCP, on a TUN device in a private namespace, with the live
// ladder of every connection the kernel's clients open to it, until Ctrl-C.
import type { ProfileName } from "../tcp/profile.js";
import { startDemoHttpServer } from "./demo-http.js";
import { TunCommandRun } from "./live-view.js";
import { StackSession } from "./stack-session.js";

export interface TunCommandIo {
  /** One line of the live view or of the banner (stdout). */
  out: (line: string) => void;
  /** One line of diagnostics (stderr). */
  err: (line: string) => void;
  color: boolean;
}

export interface ServeOptions {
  port: number;
  profile: ProfileName;
  pcap?: string;
  allSegments: boolean;
  quiet: boolean;
  /** IPv6 too: the server listens on "::" (both families); the banner shows the IPv6 URL. */
  ipv6?: boolean;
}

/** The lines that tell a person (and the tests) how to reach the namespace. */
export function reachLines(session: StackSession, port: number | undefined): string[] {
  const enter = session.ns.enterCommand;
  const lines = [
    `namespace: ${enter}`,
    `  our TCP is ${session.stackAddress}, the kernel is ${session.kernelAddress} (device ${session.driver.device.name});`,
    `  namespace ${session.ns.label} exists only while this command runs, and nothing in it can reach out.`,
  ];
  if (port !== undefined) {
    lines.push(
      "try, from another terminal (as root):",
      `  ${enter} curl${session.ipv6 ? " -6" : ""} http://${session.stackUrlHost}:${port}/`,
      `  ${enter} curl${session.ipv6 ? " -6" : ""} -o /dev/null http://${session.stackUrlHost}:${port}/bytes/10000000`,
      `  ${enter} ss -tan`,
    );
  }
  return lines;
}

export function summaryLine(session: StackSession): string {
  const s = session.driver.stats;
  const c = session.host.counters;
  const pcap = session.capture ? `; pcap ${session.capture.path}: ${session.capture.packets} packets` : "";
  return (
    `${c.passiveOpens} connections accepted, ${c.activeOpens} opened; ` +
    `${s.packetsIn} packets in, ${s.packetsOut} out${pcap}`
  );
}

export async function runServe(options: ServeOptions, io: TunCommandIo): Promise<number> {
  const run = new TunCommandRun(io.out, {
    write: io.out,
    color: io.color,
    allSegments: options.allSegments,
    quiet: options.quiet,
  });
  const view = run.view;
  let driverError: Error | undefined;
  let failed: (err: Error) => void = () => {};
  const failure = new Promise<"failed">((resolve) => {
    failed = (err) => {
      driverError = err;
      resolve("failed");
    };
  });
  let session: StackSession | undefined;
  try {
    session = await StackSession.open({
      profile: options.profile,
      ...(options.pcap !== undefined ? { pcap: options.pcap } : {}),
      trace: view.trace,
      onDriverError: (err) => failed(err),
      ...(options.ipv6 ? { ipv6: true } : {}),
    });
    const host = session.host;
    const log = options.quiet ? undefined : (line: string) => view.ladder.say(host.time(), "http", line);
    await startDemoHttpServer(host, options.port, log);
    io.out(
      `tcplab tun serve: node:http on our TCP at http://${session.stackUrlHost}:${options.port}/ (profile ${options.profile})`,
    );
    for (const line of reachLines(session, options.port)) io.out(line);
    io.out("Ctrl-C stops and removes the namespace.");
    if (!options.quiet) io.out(view.ladder.header());
    const why = await Promise.race([run.stop.stopped, failure]);
    view.end();
    if (why === "failed") {
      io.err(`tcplab: the TUN driver stopped: ${driverError?.message ?? "unknown failure"}`);
      return 1;
    }
    io.out(`stopped (${why}): ${summaryLine(session)}`);
    return 0;
  } catch (err) {
    return run.setupFailed(err);
  } finally {
    await run.end(session);
  }
}
