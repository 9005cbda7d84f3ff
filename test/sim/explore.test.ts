// The fault-schedule search of `tcplab explore` (src/sim/explore.ts) on a fake runner: what it enumerates,
// in which order, how it prunes, and how a budget cuts it short.
import { test } from "node:test";
import assert from "node:assert/strict";
import { explore, faultName, type ExploreRunResult, type PlannedFault } from "../../src/sim/explore.js";

/** A fake exchange of `n` segments alternating between hosts a and b; a fault never changes the run. */
function fixedRunner(
  n: number,
  judge: (faults: readonly PlannedFault[]) => Partial<ExploreRunResult> = () => ({}),
) {
  const calls: string[] = [];
  const runner = (faults: readonly PlannedFault[]): ExploreRunResult => {
    const name = faults.map(faultName).join(",");
    calls.push(name);
    const segments = Array.from({ length: n }, (_, i) => ({
      host: i % 2 === 0 ? "a" : "b",
      index: Math.floor(i / 2),
      // Each schedule's prefixes are its own: nothing is pruned by prefix.
      prefix: `${name}|${i}`,
    }));
    return { segments, key: name, outcome: "clean", violations: [], ...judge(faults) };
  };
  return { runner, calls };
}

test("every set of up to N faults once, breadth first, later segments only after the last fault", () => {
  const { runner, calls } = fixedRunner(3);
  const r = explore(runner, { maxFaults: 2, kinds: ["drop", "delay"] });
  // 1 baseline + 3·2 single faults + pairs (positions i < j: 3 pairs) · 2·2 kinds = 1 + 6 + 12.
  assert.equal(r.explored, 19);
  assert.equal(calls.length, 19);
  assert.deepEqual(calls.slice(0, 7), [
    "",
    "drop a#1",
    "delay a#1",
    "drop b#1",
    "delay b#1",
    "drop a#2",
    "delay a#2",
  ]);
  assert.equal(calls[7], "drop a#1,drop b#1");
  assert.ok(r.complete);
  assert.deepEqual(r.outcomes, { clean: 19 });
  assert.equal(r.baselineSegments, 3);
});

test("violations are reported per schedule, shortest first; outcomes are counted by kind", () => {
  const { runner } = fixedRunner(4, (faults) => ({
    outcome: faults.length === 0 ? "clean" : "reset",
    violations: faults.some((f) => f.kind === "drop" && f.host === "b") ? ["broke"] : [],
  }));
  const r = explore(runner, { maxFaults: 2, kinds: ["drop", "duplicate"] });
  assert.ok(r.violations.length > 0);
  assert.deepEqual(r.violations[0]!.faults, [{ host: "b", index: 0, kind: "drop" }]);
  for (let i = 1; i < r.violations.length; i++) {
    assert.ok(r.violations[i]!.faults.length >= r.violations[i - 1]!.faults.length);
  }
  assert.equal(r.outcomes.clean, 1);
  assert.equal(r.outcomes.reset, r.explored - 1);
});

test("pruning: equal prefixes are not run again, equal runs are not extended", () => {
  // Every run is the same (same key, same prefixes): only the baseline's extensions are new.
  const same = (): ExploreRunResult => ({
    segments: [0, 1, 2].map((i) => ({ host: "a", index: i, prefix: `p${i}` })),
    key: "k",
    outcome: "clean",
    violations: [],
  });
  const r = explore(same, { maxFaults: 2, kinds: ["drop"] });
  assert.equal(r.explored, 4, "baseline + 3 single drops; their runs equal the baseline's");
  assert.equal(r.duplicateRuns, 3);
  assert.equal(r.prunedByPrefix, 0);
  // Distinct runs whose segments share prefixes with runs already tried: the candidates are pruned.
  let n = 0;
  const shared = (): ExploreRunResult => ({
    segments: [0, 1, 2].map((i) => ({ host: "a", index: i, prefix: `p${i}` })),
    key: `run${n++}`,
    outcome: "clean",
    violations: [],
  });
  const q = explore(shared, { maxFaults: 2, kinds: ["drop"] });
  assert.equal(q.explored, 4);
  assert.equal(q.prunedByPrefix, 3, "drop a#2, drop a#3 after drop a#1, and drop a#3 after drop a#2");
});

test("a budget stops the search and says it is incomplete", () => {
  const { runner } = fixedRunner(5);
  const r = explore(runner, { maxFaults: 2, budget: 10 });
  assert.equal(r.explored, 10);
  assert.equal(r.complete, false);
  let asked = 0;
  const s = explore(fixedRunner(5).runner, { maxFaults: 1, shouldStop: () => ++asked > 3 });
  assert.equal(s.explored, 4);
  assert.equal(s.complete, false);
});
