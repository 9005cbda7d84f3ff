// `tcplab tour` (and `npm start`): every scenario in turn, each introduced by what to look at and why it
// happens, and a final table of verdicts. Exit 0 when every verdict holds.
import type { Command } from "commander";
import { SCENARIOS } from "../scenarios/index.js";
import { conditionOptions, runWithProgress } from "./run-command.js";
import { renderResult } from "./scenario-report.js";
import { scenarioOptions, viewOptions, type RawRunOptions } from "./scenario-options.js";

/** Wrap prose to `width` columns. */
export function wrap(text: string, width = 100, indent = ""): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && (indent + line + " " + word).length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(indent + line);
  return lines.join("\n");
}

export function executeTour(raw: RawRunOptions & { brief?: boolean }, out: NodeJS.WriteStream): number {
  const options = scenarioOptions(raw);
  const view = viewOptions(raw, out, process.env);
  const bold = (t: string): string => (view.color ? `\u001b[1m${t}\u001b[0m` : t);
  const rows: Array<{ id: string; name: string; runs: number; checks: string; passed: boolean }> = [];
  for (const scenario of SCENARIOS) {
    out.write(`${bold(`${scenario.id} — ${scenario.title}`)}\n\n${wrap(scenario.explain, 100, "  ")}\n\n`);
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
    .action((raw: RawRunOptions & { brief?: boolean }) => {
      process.exitCode = executeTour(raw, process.stdout);
    });
}
