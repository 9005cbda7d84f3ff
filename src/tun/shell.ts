// `tcplab tun shell`: a shell inside the private namespace while our stack runs on its TUN device
// (with the demo HTTP server), so that a person can try curl, nc and ss against it by hand. When
// the shell exits, everything goes: what the shell left running, the device, the namespace.
//
// The live ladder is not printed on the terminal the shell uses (it would scribble over the
// prompt); --ladder writes it to a file that another terminal can follow with tail -f.
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProfileName } from "../tcp/profile.js";
import { startDemoHttpServer } from "./demo-http.js";
import { TunCommandRun } from "./live-view.js";
import { reachLines, summaryLine, type TunCommandIo } from "./serve.js";
import { StackSession } from "./stack-session.js";
import { findProgram } from "./tools.js";

export interface ShellOptions {
  /** Port of the demo HTTP server, or undefined for none. */
  port: number | undefined;
  profile: ProfileName;
  pcap?: string;
  /** Write the live ladder here. */
  ladder?: string;
  allSegments: boolean;
  /** IPv6 on the device too (fd00:77::/64). */
  ipv6?: boolean;
}

export async function runShell(options: ShellOptions, io: TunCommandIo): Promise<number> {
  const ladderFd = options.ladder === undefined ? undefined : openSync(options.ladder, "w");
  const run = new TunCommandRun(io.out, {
    write: (line) => {
      if (ladderFd !== undefined) writeSync(ladderFd, line + "\n");
    },
    color: false,
    allSegments: options.allSegments,
    quiet: ladderFd === undefined,
  });
  const view = run.view;
  let session: StackSession | undefined;
  const rcDir = mkdtempSync(join(tmpdir(), "tcplab-shell-"));
  try {
    session = await StackSession.open({
      profile: options.profile,
      ...(options.pcap !== undefined ? { pcap: options.pcap } : {}),
      trace: view.trace,
      onDriverError: (err) => io.err(`tcplab: the TUN driver stopped: ${err.message}`),
      ...(options.ipv6 ? { ipv6: true } : {}),
    });
    const host = session.host;
    const log =
      ladderFd === undefined ? undefined : (line: string) => view.ladder.say(host.time(), "http", line);
    if (options.port !== undefined) await startDemoHttpServer(host, options.port, log);
    io.out(
      `tcplab tun shell: a shell inside namespace ${session.ns.label}, with our TCP at ${session.stackAddress}`,
    );
    for (const line of reachLines(session, undefined)) io.out(line);
    if (options.port !== undefined) {
      io.out(`try: curl http://${session.stackUrlHost}:${options.port}/    ss -tan    ip addr`);
    }
    io.out(
      `     nc -l ${session.kernelAddress} 7000 (a kernel server; tcplab tun connect --peer runs one for you)`,
    );
    if (options.ladder !== undefined) io.out(`live ladder: tail -f ${options.ladder}`);
    io.out("exit the shell to stop and remove the namespace.");

    // bash reads ~/.bashrc and then marks the prompt, so nobody forgets which namespace they are in.
    const bash = findProgram("bash");
    const rc = join(rcDir, "bashrc");
    writeFileSync(rc, `[ -f ~/.bashrc ] && . ~/.bashrc\nPS1="(tcplab ${session.ns.label}) $PS1"\n`);
    const [program, args] = bash ? [bash, ["--rcfile", rc]] : ["sh", []];
    const shell = session.ns.spawn(program, args, {
      stdio: "inherit",
      env: { ...process.env, TCPLAB_NETNS: session.ns.label },
    });
    const status = await new Promise<number | string>((resolve) => {
      shell.once("error", (e) => resolve(e.message));
      shell.once("exit", (code, signal) => resolve(code ?? signal ?? 0));
    });
    view.end();
    if (typeof status === "string" && !/^SIG/.test(status)) {
      io.err(`tcplab: the shell could not start: ${status}`);
      return 1;
    }
    io.out(`shell ended (${status}): ${summaryLine(session)}`);
    return 0;
  } catch (err) {
    return run.setupFailed(err);
  } finally {
    await run.end(session);
    if (ladderFd !== undefined) closeSync(ladderFd);
    rmSync(rcDir, { recursive: true, force: true });
  }
}
