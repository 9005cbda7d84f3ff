// Every scenario's --json document (built in-process) carries traces valid against tcplab-trace (version 2).
import { test } from "node:test";
import assert from "node:assert/strict";
import { SCENARIOS, findScenario, runScenario } from "../../src/scenarios/index.js";
import { scenarioOptions, viewOptions } from "../../src/cli/scenario-options.js";
import { resultToJson } from "../../src/cli/scenario-report.js";
import { validateJsonTrace } from "../../src/trace/json-validate.js";
import { progressBar } from "../../src/cli/progress.js";

test("every scenario's JSON result validates against the trace schema", () => {
  for (const scenario of SCENARIOS) {
    const doc = resultToJson(runScenario(scenario, { seed: 1, profile: "linux" }));
    // Round-trip through text, as a reader of `tcplab run --json` gets it.
    const parsed = JSON.parse(JSON.stringify(doc)) as typeof doc;
    assert.equal(parsed.runs.length, doc.runs.length);
    for (const run of parsed.runs) {
      const v = validateJsonTrace(run.trace);
      assert.ok(v.ok, `${scenario.id} ${run.title}: ${v.ok ? "" : v.errors.slice(0, 3).join("; ")}`);
      assert.equal(run.trace.meta.scenario, scenario.name);
    }
  }
});

test("the progress bar writes only to a terminal", () => {
  const written: string[] = [];
  const fake = (isTTY: boolean) =>
    ({ isTTY, write: (s: string) => written.push(s) }) as unknown as NodeJS.WriteStream;
  const quiet = progressBar("S14", fake(false));
  quiet.update(0.5);
  quiet.done();
  assert.deepEqual(written, []);
  const bar = progressBar("S14", fake(true));
  bar.update(0.5);
  bar.update(0.501); // same percentage: not redrawn
  bar.done();
  assert.equal(written.length, 2);
  assert.match(written[0]!, /\[#{15}\.{15}\] {2}50% S14/);
  assert.match(written[1]!, /^\r +\r$/);
});

test("every 'try next' suggestion is a valid command line", () => {
  for (const scenario of SCENARIOS) {
    for (const suggestion of scenario.tryNext ?? []) {
      const command = suggestion.split(": ")[0]!.split(" | ")[0]!;
      const [tool, verb, id, ...flags] = command.split(" ");
      assert.deepEqual([tool, verb], ["tcplab", "run"], suggestion);
      assert.equal(findScenario(id!), scenario, suggestion);
      const raw: Record<string, string | boolean> = {};
      for (let i = 0; i < flags.length; i++) {
        const name = flags[i]!.replace(/^--/, "").replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
        const value = flags[i + 1];
        if (value !== undefined && !value.startsWith("--")) {
          raw[name] = value;
          i++;
        } else raw[name] = true;
      }
      assert.doesNotThrow(() => scenarioOptions(raw), suggestion);
      assert.doesNotThrow(() => viewOptions(raw, { isTTY: false }, {}), suggestion);
    }
  }
});
