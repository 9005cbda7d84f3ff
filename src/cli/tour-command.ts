// `tcplab tour` (and `npm start`): every scenario in turn, each introduced by what to look at and why it
// happens, and a final table of verdicts. Exit 0 when every verdict holds.
import type { Command } from "commander";
import { SCENARIOS } from "../scenarios/index.js";
import { conditionOptions, runWithProgress } from "./run-command.js";
import { renderResult } from "./scenario-report.js";
import { scenarioOptions, viewOptions, type RawRunOptions } from "./scenario-options.js";
import { createInterface } from "node:readline";
import { wrap } from "../inspect/report/table.js";
import { ladderLegend } from "../trace/ladder-legend.js";

export interface TourRaw extends RawRunOptions {
  brief?: boolean;
  step?: boolean;
}

/** Wait for Enter on a terminal (`--step`); resolves at once when stdin is not a terminal. */
export type Pause = (prompt: string) => Promise<void>;

export function enterPause(input: NodeJS.ReadStream, prompt: NodeJS.WriteStream): Pause {
  return async (text) => {
    if (input.isTTY !== true) return;
    prompt.write(text);
    const rl = createInterface({ input, terminal: false });
    await new Promise<void>((resolve) => rl.once("line", () => resolve()).once("close", () => resolve()));
    rl.close();
  };
}

export async function executeTour(raw: TourRaw, out: NodeJS.WriteStream, pause?: Pause): Promise<number> {
  const options = scenarioOptions(raw);
  const view = viewOptions(raw, out, process.env);
  const bold = (t: string): string => (view.color ? `\u001b[1m${t}\u001b[0m` : t);
  const rows: Array<{ id: string; name: string; runs: number; checks: string; passed: boolean }> = [];
  if (raw.brief !== true) out.write(ladderLegend(view.width) + "\n");
  for (const [i, scenario] of SCENARIOS.entries()) {
    if (i > 0 && raw.step === true && pause) await pause(`-- Enter for ${scenario.id} --`);
    const title = wrap(`${scenario.id} — ${scenario.title}`, view.width, "    ", "").map(bold).join("\n");
    out.write(`${title}\n\n${wrap(scenario.explain, view.width, "  ").join("\n")}\n\n`);
    const result = runWithProgress(scenario, options);
    if (raw.brief !== true) out.write(renderResult(result, view) + "\n");
    const ok = result.runs.reduce((n, r) => n + r.checks.filter((c) => c.pass).length, 0);
    const all = result.runs.reduce((n, r) => n + r.checks.length, 0);
    rows.push({
      id: scenario.id,
      name: scenario.name,
      runs: result.runs.length,
      checks: `${ok}/${all}`,
      passed: result.passed,
    });
  }
  const w = Math.max(...rows.map((r) => r.name.length));
  out.write(`${bold("Verdicts")}\n\n`);
  out.write(`  ${"id".padEnd(4)} ${"scenario".padEnd(w)}  runs  checks  verdict\n`);
  for (const r of rows) {
    const verdict = r.passed ? "holds" : "DOES NOT HOLD";
    const coloured = view.color ? `\u001b[${r.passed ? "32" : "31;1"}m${verdict}\u001b[0m` : verdict;
    out.write(
      `  ${r.id.padEnd(4)} ${r.name.padEnd(w)}  ${String(r.runs).padStart(4)}  ${r.checks.padStart(6)}  ${coloured}\n`,
    );
  }
  const failed = rows.filter((r) => !r.passed).length;
  out.write(
    `\n${failed === 0 ? `All ${rows.length} verdicts hold.` : `${failed} of ${rows.length} verdicts do not hold.`}\n`,
  );
  return failed === 0 ? 0 : 1;
}

export function registerTourCommand(program: Command): void {
  const cmd = program
    .command("tour")
    .description(
      "Run every scenario in turn, each with a short explanation, and end with a table of verdicts",
    );
  conditionOptions(cmd)
    .option("--brief", "explanations and verdicts only, no ladders")
    .option("--step", "on a terminal, wait for Enter between scenarios")
    .action(async (raw: TourRaw) => {
      process.exitCode = await executeTour(raw, process.stdout, enterPause(process.stdin, process.stdout));
    });
}
