// Every scenario's --json document (built in-process) carries traces valid against tcplab-trace v1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SCENARIOS, runScenario } from "../../src/scenarios/index.js";
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
