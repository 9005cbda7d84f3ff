// The views on real runs: every quick scenario of src/scenarios (the real engine on the simulator)
// renders, stays readable, and survives the JSON trace unchanged. Hand-built traces pin the exact
// pictures (ladder.test.ts); this keeps the views honest about what the engine really emits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SCENARIOS } from "../../src/scenarios/index.js";
import { renderLadder } from "../../src/trace/ladder.js";
import { renderTimeline, stateTimeline } from "../../src/trace/timeline.js";
import { toJsonTrace } from "../../src/trace/json-trace.js";
import { fromJsonTrace, validateJsonTrace } from "../../src/trace/json-validate.js";

for (const scenario of SCENARIOS.filter((s) => !s.long)) {
  test(`${scenario.id} ${scenario.name}: ladder, timeline and JSON of each run`, () => {
    for (const run of scenario.run({ seed: 1, profile: "linux" })) {
      const what = `${scenario.id} ${run.title}`;
      const ladder = renderLadder(run.shown, { hosts: run.hosts, summarize: false });
      const lines = ladder.split("\n");
      for (const line of lines) assert.ok([...line].length <= 80, `${what}: ${line}`);
      // Every segment sent in the shown part appears on a line of its own (its arrival may add another).
      const sent = run.shown.filter((e) => e.kind === "segment-sent").length;
      const segmentLines = lines.filter((l) => /(-->|<--|XXX)/.test(l)).length;
      assert.ok(segmentLines >= sent, `${what}: ${segmentLines} segment lines for ${sent} segments sent`);
      assert.ok(
        renderTimeline(run.shown, { hosts: run.hosts }).length > 0 ||
          stateTimeline(run.shown).connections.length === 0,
        what,
      );

      const json = JSON.parse(
        JSON.stringify(toJsonTrace(run.events, { scenario: scenario.name, seed: 1, profile: "linux" })),
      );
      const result = validateJsonTrace(json);
      assert.deepEqual(result.ok ? [] : result.errors, [], what);
      assert.deepEqual(fromJsonTrace(json).events, run.events, what);
    }
  });
}
