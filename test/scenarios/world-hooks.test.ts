// The playground's hooks into scenario runs: `observe` sees each run's events under the run's own number,
// and a targeted segment fault lands on exactly the segment it names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SCENARIOS, findScenario, runScenario } from "../../src/scenarios/index.js";
import type { TraceEvent } from "../../src/tcp/events.js";

test("observe numbers every scenario's runs in the order of its result", () => {
  for (const scenario of SCENARIOS) {
    if (scenario.long) continue; // S14 and S16 build their worlds the same way; they take seconds
    const seen = new Map<number, TraceEvent[]>();
    const result = runScenario(scenario, {
      seed: 1,
      profile: "linux",
      observe: (run, e) => {
        if (!seen.has(run)) seen.set(run, []);
        seen.get(run)!.push(e);
      },
    });
    assert.equal(seen.size, result.runs.length, `${scenario.id}: one world per run`);
    result.runs.forEach((r, i) => assert.deepEqual(seen.get(i + 1), r.events, `${scenario.id} run ${i + 1}`));
  }
});

test("dropping A's last transmission in S3 drops the final ACK, and only in that run", () => {
  const s3 = findScenario("S3")!;
  const plain = runScenario(s3, { seed: 1, profile: "linux" }).runs[0]!;
  const fromA = plain.events.filter((e) => e.kind === "segment-sent" && e.host === "A");
  const last = fromA.length;
  const faulted = runScenario(s3, {
    seed: 1,
    profile: "linux",
    faults: [{ run: 1, host: "A", transmission: last, action: "drop" }],
  }).runs[0]!;
  const drops = faulted.events.filter((e) => e.kind === "network" && e.action === "drop");
  assert.equal(drops.length, 1);
  assert.equal(drops[0]!.kind === "network" && drops[0]!.fault, `drop A#${last}`);
  // P answers the silence by retransmitting its FIN (first as a tail loss probe under linux, RFC 8985
  // §7); A re-ACKs it from TIME_WAIT.
  const finRetransmitted = faulted.events.some(
    (e) =>
      e.kind === "segment-sent" &&
      e.host === "P" &&
      e.retransmission &&
      (e.why === "fin" || e.why === "loss-probe"),
  );
  assert.ok(finRetransmitted, "P retransmits its FIN");
  const other = runScenario(s3, {
    seed: 1,
    profile: "linux",
    faults: [{ run: 2, host: "A", transmission: last, action: "drop" }],
  }).runs[0]!;
  assert.equal(other.events.length, plain.events.length, "a fault for run 2 leaves run 1 alone");
});
