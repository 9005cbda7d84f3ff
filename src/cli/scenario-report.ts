// What `tcplab run` and `tcplab tour` print for a scenario: per run the ladder, the per-host state
// timeline and the checks; then the verdict. And the JSON document of `--json`.
import type { ScenarioResult, ScenarioRun } from "../scenarios/index.js";
import { renderLadder } from "../trace/ladder.js";
import { renderTimeline } from "../trace/timeline.js";
import { timerLabel } from "../trace/ladder-annotations.js";
import { formatClock } from "../trace/duration.js";
import { toJsonTrace, type JsonTrace } from "../trace/json-trace.js";
import type { ViewOptions } from "./scenario-options.js";
import { wrap } from "../inspect/report/table.js";

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

/** A paragraph wrapped to the view's width, its first line after `first`, the rest after `indent`. */
function para(text: string, view: ViewOptions, indent: string, first = indent): string[] {
  return wrap(text, view.width, indent, first);
}

export function renderRun(run: ScenarioRun, index: number, count: number, view: ViewOptions): string {
  const c = view.color;
  const out: string[] = [];
  for (const line of para(`--- run ${index + 1}/${count}: ${run.title}${roleText(run)}`, view, "    ", ""))
    out.push(paint(c, "1", line));
  out.push("");
  out.push(
    renderLadder(run.shown, {
      hosts: run.hosts,
      labels: view.labels,
      sequence: view.absolute ? "absolute" : "relative",
      color: c,
      width: view.width,
      summarize: !view.full,
    }),
  );
  const cut = cutShort(run);
  if (cut) out.push(...para(cut, view, "  ", "! "), "");
  out.push(paint(c, "1", "State timeline"), "");
  out.push(renderTimeline(run.shown, { hosts: run.hosts, width: view.width }));
  for (const line of run.summary) out.push(...para(line, view, "  ", "* "));
  if (run.summary.length > 0) out.push("");
  out.push(paint(c, "1", "Checks"));
  for (const check of run.checks) {
    const mark = check.pass ? paint(c, "32", "PASS") : paint(c, "31;1", "FAIL");
    const [head = "", ...rest] = para(check.name, view, "        ", "        ");
    out.push(`  ${mark}  ${head.trimStart()}`, ...rest);
    for (const line of para(check.message, view, "        ")) out.push(paint(c, "2", line));
  }
  return out.join("\n") + "\n";
}

/**
 * When the run stopped with timers still armed, what they were and when they were due: a reader must
 * not take a run cut short (`tcplab run S2 --loss 1` stops before the first SYN retransmission) for
 * the end of the story.
 */
export function cutShort(run: ScenarioRun): string | null {
  const events = run.events;
  const last = events[events.length - 1];
  if (!last) return null;
  const end = run.endedAt ?? last.t;
  const pending = new Map<string, { host: string; timer: string; deadline: number }>();
  for (const e of events) {
    if (e.kind === "state" && e.to === "CLOSED") {
      for (const key of [...pending.keys()])
        if (key.startsWith(`${e.host}\u0000${e.conn}\u0000`)) pending.delete(key);
    }
    if (e.kind !== "timer") continue;
    const key = `${e.host}\u0000${e.conn}\u0000${e.timer}`;
    if ((e.action === "armed" || e.action === "restarted") && e.deadline !== undefined)
      pending.set(key, { host: e.host, timer: timerLabel(e.timer), deadline: e.deadline });
    else pending.delete(key);
  }
  const due = [...pending.values()].filter((p) => p.deadline > end);
  if (due.length === 0) return null;
  const first = due.reduce((a, b) => (b.deadline < a.deadline ? b : a));
  const start = events[0]?.t ?? 0;
  return (
    `The run stopped at ${formatClock(end - start)} with ${due.length === 1 ? "a timer" : `${due.length} timers`} still armed ` +
    `(first: ${first.host}'s ${first.timer}, due at ${formatClock(first.deadline - start)}): what would happen next is not shown.`
  );
}

export function renderResult(result: ScenarioResult, view: ViewOptions): string {
  const c = view.color;
  const s = result.scenario;
  const out: string[] = [];
  for (const line of para(`=== ${s.id} ${s.name}: ${s.title}`, view, "    ", ""))
    out.push(paint(c, "1", line));
  out.push("");
  result.runs.forEach((run, i) => out.push(renderRun(run, i, result.runs.length, view)));
  out.push(verdictLine(result, c));
  if (s.tryNext && s.tryNext.length > 0) {
    out.push("", "Try next:");
    for (const t of s.tryNext) out.push(...para(t, view, "    ", "  "));
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
