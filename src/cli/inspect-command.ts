// `tcplab inspect`: explain a real machine's TCP sockets (docs/inspect.md).
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { INPUT_FORMATS } from "../inspect/model.js";
import { runInspect, type InspectOptions } from "../inspect/run-inspect.js";

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
      "--state <state>",
      "the state `ss … state X` output was filtered by (it has no State column then)",
    )
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
          env: process.env,
          sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        },
      );
      if (code !== 0) process.exitCode = code;
    });
}
