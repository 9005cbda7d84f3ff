// `tcplab explore <scenario>`: a bounded, systematic search of fault schedules on a scenario's main run
// (src/sim/explore.ts, judged by src/scenarios/explore-run.ts). It reports how many schedules were run,
// the legitimate outcomes by kind, every schedule that broke something, and the shortest of those as a
// ladder with its faults marked. Exit 0 when nothing broke, 1 when something did, 2 for bad arguments.
import type { Command } from "commander";
import { SCENARIOS, findScenario, type Scenario } from "../scenarios/index.js";
import { EXPLORE_EXCHANGES } from "../scenarios/explore-exchanges.js";
import { exploreScenario, runScheduled } from "../scenarios/explore-run.js";
import {
  EXPLORE_FAULT_KINDS,
  faultName,
  type ExploreFaultKind,
  type ExploreReport,
  type PlannedFault,
} from "../sim/explore.js";
import { renderLadder } from "../trace/ladder.js";
import { parseDuration, DurationError, formatDuration } from "../trace/duration.js";
import { conditionOptions } from "./run-command.js";
import { UsageError, scenarioOptions, viewOptions, type RawRunOptions } from "./scenario-options.js";

export const EXPLORE_SCHEMA = "tcplab-explore-result";

interface RawExploreOptions extends RawRunOptions {
  faults?: string;
  budget?: string;
  kinds?: string;
  show?: string;
}

/** "drop A#3, delay P#2", as the report prints schedules, to the faults. */
export function parseSchedule(text: string): PlannedFault[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const m = /^(\w+)\s+([^#\s]+)#(\d+)$/.exec(part);
      if (!m || !EXPLORE_FAULT_KINDS.includes(m[1] as ExploreFaultKind) || Number(m[3]) < 1) {
        throw new UsageError(
          `--show: ${JSON.stringify(part)} is not a fault like "drop A#3" (kinds: ${EXPLORE_FAULT_KINDS.join(", ")})`,
        );
      }
      return { kind: m[1] as ExploreFaultKind, host: m[2]!, index: Number(m[3]) - 1 };
    });
}

/** A scenario by id or name, or one of the exchanges made for exploring (`bulk`). */
function findExplorable(name: string): Scenario | undefined {
  const key = name.toLowerCase();
  return findScenario(name) ?? EXPLORE_EXCHANGES.find((s) => s.id.toLowerCase() === key || s.name === key);
}

/** At most this many violating schedules are listed in the text report (all of them in --json). */
const LISTED = 20;

export function executeExplore(
  name: string,
  raw: RawExploreOptions,
  out: NodeJS.WritableStream,
  env: Record<string, string | undefined> = process.env,
): number {
  const scenario = findExplorable(name);
  if (!scenario) {
    throw new UsageError(
      `unknown scenario ${JSON.stringify(name)}; choose one of: ${[...SCENARIOS, ...EXPLORE_EXCHANGES].map((s) => `${s.id} ${s.name}`).join(", ")} (see tcplab list)`,
    );
  }
  const kinds = (raw.kinds ?? EXPLORE_FAULT_KINDS.join(",")).split(",").map((k) => k.trim());
  for (const k of kinds) {
    if (!EXPLORE_FAULT_KINDS.includes(k as ExploreFaultKind)) {
      throw new UsageError(`--kinds: ${JSON.stringify(k)} is not one of ${EXPLORE_FAULT_KINDS.join(", ")}`);
    }
  }
  const faults = raw.faults ?? "1";
  if (!/^\d+$/.test(faults) || Number(faults) > 4) {
    throw new UsageError(`--faults must be a whole number from 0 to 4, got ${JSON.stringify(faults)}`);
  }
  let budgetUs = Infinity;
  if (raw.budget !== undefined) {
    try {
      budgetUs = parseDuration(raw.budget);
    } catch (err) {
      if (err instanceof DurationError) throw new UsageError(`--budget: ${err.message}`);
      throw err;
    }
    if (budgetUs === 0) throw new UsageError("--budget must be longer than 0");
  }
  const options = scenarioOptions(raw);
  const view = viewOptions(raw, out as { isTTY?: boolean }, env);
  if (raw.show !== undefined) {
    // One schedule, shown: how it ended, what it broke, its ladder with the faults marked.
    const faults = parseSchedule(raw.show);
    const run = runScheduled(scenario, options, faults);
    const lines = [
      `${scenario.id} ${scenario.name} with ${faults.map(faultName).join(", ") || "no fault"}: ${run.result.outcome}`,
      ...run.result.violations.map((v) => `  broke: ${v}`),
      "",
    ];
    if (run.world !== null) lines.push(ladder(run, view));
    out.write(lines.join("\n") + "\n");
    return run.result.violations.length === 0 ? 0 : 1;
  }
  const started = Date.now();
  const report = exploreScenario(scenario, options, {
    maxFaults: Number(faults),
    kinds: kinds as ExploreFaultKind[],
    shouldStop: () => (Date.now() - started) * 1000 >= budgetUs,
  });
  const elapsedMs = Date.now() - started;
  if (view.json) {
    out.write(JSON.stringify(toJson(scenario.id, Number(faults), report, elapsedMs)) + "\n");
    return report.violations.length === 0 ? 0 : 1;
  }
  const lines: string[] = [];
  lines.push(
    `explore ${scenario.id} ${scenario.name}: up to ${faults} fault(s) (${kinds.join(", ")}) on the ${report.baselineSegments} segments of the run and of each faulty run`,
    `explored ${report.explored} schedules in ${formatDuration(elapsedMs * 1000)}${report.complete ? "" : " (budget reached: the search is incomplete)"}; pruned ${report.prunedByPrefix} with an identical trace prefix; ${report.duplicateRuns} runs repeated an earlier one`,
    `outcomes: ${Object.entries(report.outcomes)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(", ")}`,
  );
  // One shortest way to each ending: what a learner can run next to see it (tcplab run shows the ladder).
  for (const [kind, faults] of Object.entries(report.examples)) {
    lines.push(`  ${kind.padEnd(16)} e.g. ${faults.map(faultName).join(", ") || "no fault"}`);
  }
  if (report.violations.length === 0) {
    lines.push("violations: none");
    out.write(lines.join("\n") + "\n");
    return 0;
  }
  lines.push(`violations: ${report.violations.length} schedules`);
  for (const v of report.violations.slice(0, LISTED)) {
    lines.push(`  [${v.faults.map(faultName).join(", ") || "no fault"}] ${v.violations.join("; ")}`);
  }
  if (report.violations.length > LISTED)
    lines.push(`  … and ${report.violations.length - LISTED} more (--json lists all)`);
  const shortest = report.violations[0]!;
  const rerun = runScheduled(scenario, options, shortest.faults);
  lines.push("", `Shortest counterexample: ${shortest.faults.map(faultName).join(", ") || "no fault"}`, "");
  if (rerun.world !== null) lines.push(ladder(rerun, view));
  out.write(lines.join("\n") + "\n");
  return 1;
}

function ladder(run: ReturnType<typeof runScheduled>, view: ReturnType<typeof viewOptions>): string {
  return renderLadder(run.world!.trace.events, {
    ...(run.main ? { hosts: run.main.hosts } : {}),
    labels: view.labels,
    sequence: view.absolute ? "absolute" : "relative",
    color: view.color,
  });
}

function toJson(id: string, faults: number, r: ExploreReport, elapsedMs: number): object {
  return {
    schema: EXPLORE_SCHEMA,
    version: 1,
    scenario: id,
    faults,
    explored: r.explored,
    prunedByPrefix: r.prunedByPrefix,
    duplicateRuns: r.duplicateRuns,
    complete: r.complete,
    baselineSegments: r.baselineSegments,
    outcomes: r.outcomes,
    examples: Object.fromEntries(
      Object.entries(r.examples).map(([k, faults]) => [
        k,
        faults.map((f) => ({ kind: f.kind, host: f.host, segment: f.index + 1 })),
      ]),
    ),
    violations: r.violations.map((v) => ({
      faults: v.faults.map((f) => ({ kind: f.kind, host: f.host, segment: f.index + 1 })),
      outcome: v.outcome,
      broke: v.violations,
    })),
    elapsedMs,
  };
}

export function registerExploreCommand(program: Command): void {
  const cmd = program
    .command("explore")
    .description(
      "Search fault schedules on a scenario's run: every choice of up to N faults (drop, duplicate, delay past the RTO, reorder with the next segment). Exit 0 if no schedule breaks an invariant or liveness, 1 if one does.",
    )
    .argument(
      "<scenario>",
      "scenario id or name, e.g. S3 or four-way-close (tcplab list), or bulk (a bulk transfer into a small window)",
    );
  conditionOptions(cmd)
    .option("--faults <n>", "most faults per schedule (0–4)", "1")
    .option("--show <faults>", 'run one schedule and print its ladder, e.g. --show "drop A#3, drop P#4"')
    .option("--kinds <list>", "fault kinds to try, comma-separated", EXPLORE_FAULT_KINDS.join(","))
    .option("--budget <duration>", "stop after this much wall-clock time, e.g. 30s (the report says so)")
    .option("--json", "print the report as JSON (tcplab-explore-result v1: explored, outcomes, violations)")
    .action((name: string, raw: RawExploreOptions) => {
      process.exitCode = executeExplore(name, raw, process.stdout);
    });
}
