// `tcplab inspect`: explain a real machine's TCP sockets (docs/inspect.md).
import type { Command } from "commander";
import { fstatSync, readFileSync } from "node:fs";
import { INPUT_FORMATS } from "../inspect/model.js";
import { runInspect, type InspectOptions } from "../inspect/run-inspect.js";
import { outputWidth } from "./scenario-options.js";

/**
 * Standard input carries data when it is a pipe, a redirected file or a socket; a terminal or /dev/null
 * (cron, systemd, `nsenter` with stdin ignored) is a character device and means "no input".
 */
function stdinHasInput(): boolean {
  try {
    const st = fstatSync(0);
    return st.isFIFO() || st.isFile() || st.isSocket();
  } catch {
    return false;
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerInspectCommand(program: Command): void {
  program
    .command("inspect")
    .description(
      "Explain a host's TCP sockets: states, TIME_WAIT by side and per-destination port budget, CLOSE_WAIT per process, FIN_WAIT_2, backlogs, kernel limits — with findings and remedies. Reads this Linux host live, or saved ss/netstat/Get-NetTCPConnection output.",
    )
    .argument(
      "[inputs...]",
      "saved output to read instead of the live host ('-' for stdin); a second file is a later sample",
    )
    .option("--format <format>", `input format instead of auto-detection: ${INPUT_FORMATS.join(", ")}`)
    .option(
      "--state <states>",
      "only sockets in these states, comma-separated ss names (time-wait,close-wait) or groups (connected, synchronized, bucket, big); also the state of an `ss … state X` capture, which has no State column",
    )
    .option("--sport <port>", "only sockets whose local port matches: 80, :80, 8000-8099, >=1024, !=22")
    .option("--dport <port>", "only sockets whose remote port matches (same forms as --sport)")
    .option(
      "--remote <address>",
      "only sockets whose remote address is this or in this prefix: 10.0.0.5, 10.0.0.0/8",
    )
    .option(
      "--pid <pid>",
      "only sockets owned by this process (needs ss -p / netstat -p input or the live host)",
    )
    .option(
      "--process <name>",
      "only sockets owned by a process of this name (as ss's users: column shows it)",
    )
    .option("--sockets", "list each socket with its timer as `ss -o` shows it, instead of the report")
    .option(
      "--fail-on <severity>",
      "exit 3 when a finding is a warning (warn) and 4 when one is critical (warn or crit): for cron and monitoring",
    )
    .option("--live", "read this host even when standard input is a pipe or file")
    .option("--netns <name|pid>", "inspect another network namespace (by `ip netns` name or a pid inside it)")
    .option(
      "--interval <duration>",
      "take two samples this far apart (e.g. 10s) and report rates and persistence",
    )
    .option("--json", "print the analysis as JSON (schema in docs/inspect.md)")
    .option("--prometheus", "print metrics in the Prometheus text format")
    .option(
      "--setting <name=value>",
      "a host setting the saved input lacks, e.g. net.ipv4.tcp_tw_reuse=1 (repeatable)",
      collect,
      [],
    )
    .option("--big-endian", "a saved /proc/net/tcp comes from a big-endian machine")
    .option("--dump-snapshot", "print the collected raw snapshot as JSON (it can be read back as input)")
    .action(async (inputs: string[], opts: Omit<InspectOptions, "files">) => {
      const code = await runInspect(
        { ...opts, files: inputs },
        {
          stdout: process.stdout,
          readStdin: () => readFileSync(0),
          stdinHasInput: () => stdinHasInput(),
          width: outputWidth(process.stdout, process.env),
          env: process.env,
          sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        },
      );
      if (code !== 0) process.exitCode = code;
    });
}
