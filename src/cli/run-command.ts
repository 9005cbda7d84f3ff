// `tcplab run <scenario>`: run one scenario on the simulated network, print its ladder, state timeline
// and verdict. Exit 0 when the verdict holds, 1 when it does not, 2 for bad arguments.
import type { Command } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  SCENARIOS,
  findScenario,
  runScenario,
  type Scenario,
  type ScenarioOptions,
  type ScenarioResult,
} from "../scenarios/index.js";
import { progressBar } from "./progress.js";
import { ladderLegend } from "../trace/ladder-legend.js";
import { renderResult, resultToJson } from "./scenario-report.js";
import {
  UsageError,
  scenarioOptions,
  viewOptions,
  type RawRunOptions,
  type ViewOptions,
} from "./scenario-options.js";

/** Adds the condition options every scenario command shares. */
export function conditionOptions(cmd: Command): Command {
  return cmd
    .option("--seed <n>", "seed of every random choice (ISNs, loss)", "1")
    .option("--profile <name>", "host profile: linux, bsd, windows or rfc", "linux")
    .option("--time-wait <duration>", "TIME_WAIT length of the main run's hosts, e.g. 0, 500ms, 60s")
    .option(
      "--msl <duration>",
      "maximum segment lifetime of the network (and of the bsd/windows/rfc profiles), e.g. 30s",
    )
    .option("--loss <p>", "random loss probability on every link, 0 to 1")
    .option("--delay <duration>", "one-way delay of every link, e.g. 1ms (default), 50ms")
    .option("--ipv6", "run over IPv6: each host 10.b.c.d becomes 2001:db8::b:c:d")
    .option("--no-color", "no ANSI colour (also: NO_COLOR=1; colour is only ever used on a terminal)")
    .option("--labels <style>", "segment labels: rfc, textbook or tcpdump", "rfc")
    .option("--absolute", "absolute sequence numbers instead of offsets from each ISN")
    .option("--legend", "explain the ladder's notation first")
    .option("--full", "every ladder line: no summaries of repetitive stretches");
}

/** Run with a progress bar when the scenario takes more than a moment. */
export function runWithProgress(scenario: Scenario, options: ScenarioOptions): ScenarioResult {
  if (!scenario.long) return runScenario(scenario, options);
  const bar = progressBar(`${scenario.id} ${scenario.name}`);
  try {
    return runScenario(scenario, { ...options, onProgress: (f) => bar.update(f) });
  } finally {
    bar.done();
  }
}

function writePcaps(result: ScenarioResult, dir: string): string[] {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UsageError(`--pcap: cannot create ${dir}: ${(err as Error).message}`);
  }
  const written: string[] = [];
  result.runs.forEach((run, i) => {
    for (const spec of run.hosts) {
      const host = typeof spec === "string" ? spec : spec.name;
      const file = join(dir, `${result.scenario.name}-run${i + 1}-${host}.pcap`);
      writeFileSync(file, run.pcap(host));
      written.push(file);
    }
  });
  return written;
}

export function executeRun(
  name: string,
  raw: RawRunOptions,
  out: NodeJS.WriteStream,
  err: NodeJS.WriteStream,
): number {
  const scenario = findScenario(name);
  if (!scenario) {
    throw new UsageError(
      `unknown scenario ${JSON.stringify(name)}; choose one of: ${SCENARIOS.map((s) => `${s.id} ${s.name}`).join(", ")} (see tcplab list)`,
    );
  }
  const options = scenarioOptions(raw);
  const view: ViewOptions = viewOptions(raw, out, process.env);
  const result = runWithProgress(scenario, options);
  if (view.json) out.write(JSON.stringify(resultToJson(result)) + "\n");
  else {
    if (view.legend) out.write(ladderLegend(view.width) + "\n");
    out.write(renderResult(result, view));
  }
  if (view.pcap !== null) for (const f of writePcaps(result, view.pcap)) err.write(`pcap written: ${f}\n`);
  return result.passed ? 0 : 1;
}

export function registerRunCommand(program: Command): void {
  const cmd = program
    .command("run")
    .description(
      "Run one scenario (S1–S16, by id or name) on the simulated network: ladder, state timeline, verdict. Exit 0 if the verdict holds, 1 if not.",
    )
    .argument("<scenario>", "scenario id or name, e.g. S6 or lost-final-ack (tcplab list)");
  conditionOptions(cmd)
    .option("--pcap <dir>", "also write one pcap file per run and host into this directory")
    .option(
      "--json",
      "print the result and the whole trace as JSON (tcplab-scenario-result v1, docs/scenarios.md)",
    )
    .action((name: string, raw: RawRunOptions) => {
      process.exitCode = executeRun(name, raw, process.stdout, process.stderr);
    });
}
