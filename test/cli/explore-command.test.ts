// `tcplab explore` (src/cli/explore-command.ts over src/sim/explore.ts): the CI check of issue 10 — every
// schedule of up to two faults on S2–S6 breaks nothing — and that an engine with a liveness bug put back
// is caught, with the shortest counterexample printed as a ladder with its faults marked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { findScenario } from "../../src/scenarios/index.js";
import { exploreScenario } from "../../src/scenarios/explore-run.js";
import { executeExplore } from "../../src/cli/explore-command.js";
import type { Connection } from "../../src/tcp/connection.js";
import { ConnectionTimerActions } from "../../src/tcp/timer-actions.js";
import { armRetransmit } from "../../src/tcp/retransmit.js";
import { bulkExchange } from "../../src/scenarios/explore-exchanges.js";
import { clearRegressions, regressions } from "../../src/tcp/regressions.js";

function capture(): { stream: NodeJS.WritableStream; text: () => string } {
  const chunks: string[] = [];
  const stream = { write: (s: string) => chunks.push(s) > 0 } as unknown as NodeJS.WritableStream;
  return { stream, text: () => chunks.join("") };
}

for (const id of ["S2", "S3", "S4", "S5", "S6"]) {
  test(`explore ${id} with up to 2 faults: no schedule breaks an invariant or liveness`, () => {
    const r = exploreScenario(findScenario(id)!, { seed: 1, profile: "linux" }, { maxFaults: 2 });
    assert.deepEqual(
      r.violations.slice(0, 3).map((v) => `${JSON.stringify(v.faults)} ${v.violations.join("; ")}`),
      [],
    );
    assert.ok(r.complete);
    // Every single fault on every segment of the fault-free run was tried (none pruned at depth 1).
    assert.ok(r.explored > 1 + 4 * r.baselineSegments, `${r.explored} schedules`);
  });
}

test("tcplab explore --json: explored, outcomes and violations; exit 0 when nothing breaks", () => {
  const out = capture();
  const code = executeExplore("S3", { faults: "1", json: true }, out.stream, {});
  assert.equal(code, 0);
  const doc = JSON.parse(out.text()) as {
    schema: string;
    explored: number;
    violations: unknown[];
    outcomes: Record<string, number>;
  };
  assert.equal(doc.schema, "tcplab-explore-result");
  assert.deepEqual(doc.violations, []);
  assert.equal(
    doc.explored,
    Object.values(doc.outcomes).reduce((a, b) => a + b, 0),
  );
  // Same arguments, same search: the order and the counts are deterministic.
  const again = capture();
  executeExplore("S3", { faults: "1", json: true }, again.stream, {});
  const { elapsedMs: _a, ...first } = doc as unknown as Record<string, unknown>;
  const { elapsedMs: _b, ...second } = JSON.parse(again.text()) as Record<string, unknown>;
  assert.deepEqual(second, first);
});

test("an engine whose RTO fires and sends nothing (F1's symptom) is caught in the close, with a ladder", () => {
  // The RTO's work is ConnectionTimerActions.retransmitTimeout (src/tcp/timer-actions.ts); the invariant
  // check that follows it in retransmissionExpired stays.
  type Actions = { retransmitTimeout(c: Connection): void };
  const proto = ConnectionTimerActions.prototype as unknown as Actions;
  const original = proto.retransmitTimeout;
  proto.retransmitTimeout = function (c: Connection) {
    if (c.snd.backoffs >= 3) return c.terminate("retransmission limit", null);
    c.snd.backoffs++;
    armRetransmit(c); // re-armed, nothing sent
  };
  try {
    const out = capture();
    const code = executeExplore("S3", { faults: "1" }, out.stream, {});
    const text = out.text();
    assert.equal(code, 1);
    assert.match(text, /silent-retransmission-timeout/);
    assert.match(text, /Shortest counterexample: drop /);
    assert.match(text, /lost: fault "explore: drop /, "the ladder marks the fault");
    const json = capture();
    assert.equal(executeExplore("S3", { faults: "1", json: true }, json.stream, {}), 1);
    const doc = JSON.parse(json.text()) as { violations: Array<{ faults: unknown[]; broke: string[] }> };
    assert.ok(doc.violations.length > 0);
    assert.equal(doc.violations[0]!.faults.length, 1);
  } finally {
    proto.retransmitTimeout = original;
  }
});

test("explore bulk: F1 put back (SWS holding a retransmission) is found with two lost segments; fixed, nothing is", () => {
  // Under the rfc profile: F1 lives on the RTO path, and linux's tail loss probe (RFC 8985 §7) repairs
  // the two-drop schedules that reached it before the RTO fires.
  const search = () =>
    exploreScenario(bulkExchange, { seed: 1, profile: "rfc" }, { maxFaults: 2, kinds: ["drop"] });
  assert.deepEqual(search().violations, []);
  regressions.swsHoldsRetransmission = true;
  try {
    const r = search();
    assert.ok(r.violations.length > 0, "explore did not find F1");
    assert.equal(r.violations[0]!.faults.length, 2);
    assert.match(r.violations[0]!.violations.join(" "), /silent-retransmission-timeout/);
  } finally {
    clearRegressions();
  }
});

test("each ending comes with a shortest schedule that leads to it, and --show replays one as a ladder", () => {
  const out = capture();
  executeExplore("S3", { faults: "1" }, out.stream, {});
  const example = /^ {2}reset +e\.g\. (.+)$/m.exec(out.text());
  assert.ok(example, out.text());
  const shown = capture();
  assert.equal(executeExplore("S3", { show: example[1]! }, shown.stream, {}), 0);
  assert.match(shown.text(), new RegExp(`with ${example[1]!}: reset`));
  assert.match(shown.text(), /fault "explore: /, "the ladder marks the fault");
  assert.match(shown.text(), /ECONNRESET/);
});

test("bad arguments are usage errors", () => {
  assert.throws(() => executeExplore("S3", { show: "melt A#3" }, capture().stream, {}), /--show/);
  assert.throws(() => executeExplore("S3", { kinds: "drop,melt" }, capture().stream, {}), /--kinds/);
  assert.throws(() => executeExplore("S99", {}, capture().stream, {}), /unknown scenario/);
  assert.throws(() => executeExplore("S3", { faults: "x" }, capture().stream, {}), /--faults/);
  assert.throws(() => executeExplore("S3", { budget: "soon" }, capture().stream, {}), /--budget/);
});
