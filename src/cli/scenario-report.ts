// What `tcplab run` and `tcplab tour` print for a scenario: per run the ladder, the per-host state
// timeline and the checks; then the verdict. And the JSON document of `--json`.
import type { ScenarioResult, ScenarioRun } from "../scenarios/index.js";
import { renderLadder } from "../trace/ladder.js";
import { renderTimeline } from "../trace/timeline.js";
import { toJsonTrace, type JsonTrace } from "../trace/json-trace.js";
import type { ViewOptions } from "./scenario-options.js";

export const RESULT_SCHEMA = "tcplab-scenario-result";
export const RESULT_SCHEMA_VERSION = 1;

const paint = (on: boolean, code: string, text: string): string =>
  on ? `\u001b[${code}m${text}\u001b[0m` : text;

export function runPassed(run: ScenarioRun): boolean {
  return run.checks.every((c) => c.pass);
}

function roleText(run: ScenarioRun): string {
  return run.role === "counterfactual" ? " [counterfactual]" : run.role === "variant" ? " [variant]" : "";
}

export function renderRun(run: ScenarioRun, index: number, count: number, view: ViewOptions): string {
  const c = view.color;
  const out: string[] = [];
  out.push(paint(c, "1", `--- run ${index + 1}/${count}: ${run.title}${roleText(run)}`), "");
  out.push(
    renderLadder(run.shown, {
      hosts: run.hosts,
      labels: view.labels,
      sequence: view.absolute ? "absolute" : "relative",
      color: c,
    }),
  );
  out.push(paint(c, "1", "State timeline"), "");
  out.push(renderTimeline(run.shown, { hosts: run.hosts }));
  for (const line of run.summary) out.push(`* ${line}`);
  if (run.summary.length > 0) out.push("");
  out.push(paint(c, "1", "Checks"));
  for (const check of run.checks) {
    const mark = check.pass ? paint(c, "32", "PASS") : paint(c, "31;1", "FAIL");
    out.push(`  ${mark}  ${check.name}`, `        ${paint(c, "2", check.message)}`);
  }
  return out.join("\n") + "\n";
}

export function renderResult(result: ScenarioResult, view: ViewOptions): string {
  const c = view.color;
  const s = result.scenario;
  const out: string[] = [paint(c, "1", `=== ${s.id} ${s.name}: ${s.title}`), ""];
  result.runs.forEach((run, i) => out.push(renderRun(run, i, result.runs.length, view)));
  out.push(verdictLine(result, c));
  if (s.tryNext && s.tryNext.length > 0) {
    out.push("", "Try next:");
    for (const t of s.tryNext) out.push(`  ${t}`);
  }
  return out.join("\n") + "\n";
}

export function verdictLine(result: ScenarioResult, color: boolean): string {
  const passed = result.runs.reduce((n, r) => n + r.checks.filter((x) => x.pass).length, 0);
  const total = result.runs.reduce((n, r) => n + r.checks.length, 0);
  return result.passed
    ? paint(color, "32;1", `Verdict: HOLDS (${passed}/${total} checks in ${result.runs.length} run(s))`)
    : paint(
        color,
        "31;1",
        `Verdict: DOES NOT HOLD (${passed}/${total} checks passed in ${result.runs.length} run(s))`,
      );
}

export interface JsonScenarioResult {
  schema: typeof RESULT_SCHEMA;
  version: typeof RESULT_SCHEMA_VERSION;
  scenario: { id: string; name: string; title: string };
  options: { seed: number; profile: string; timeWait?: number; msl?: number; loss?: number; delay?: number };
  passed: boolean;
  runs: Array<{
    title: string;
    role: string;
    passed: boolean;
    checks: Array<{ name: string; pass: boolean; message: string }>;
    summary: string[];
    trace: JsonTrace;
  }>;
}

export function resultToJson(result: ScenarioResult): JsonScenarioResult {
  const o = result.options;
  return {
    schema: RESULT_SCHEMA,
    version: RESULT_SCHEMA_VERSION,
    scenario: { id: result.scenario.id, name: result.scenario.name, title: result.scenario.title },
    options: {
      seed: o.seed,
      profile: o.profile,
      ...(o.timeWait !== undefined ? { timeWait: o.timeWait } : {}),
      ...(o.msl !== undefined ? { msl: o.msl } : {}),
      ...(o.loss !== undefined ? { loss: o.loss } : {}),
      ...(o.delay !== undefined ? { delay: o.delay } : {}),
    },
    passed: result.passed,
    runs: result.runs.map((run) => ({
      title: run.title,
      role: run.role,
      passed: runPassed(run),
      checks: run.checks.map((c) => ({ name: c.name, pass: c.pass, message: c.message })),
      summary: run.summary,
      trace: toJsonTrace(run.events, {
        scenario: result.scenario.name,
        seed: o.seed,
        profile: o.profile,
        description: run.title,
      }),
    })),
  };
}
