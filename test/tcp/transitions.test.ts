// RFC 9293 Figure 5 as ./src/tcp/transitions.ts writes it: the pure rules, and the FIGURE_5 map kept
// complete — every state change any scenario makes, under every profile, is an edge the map lists.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FIGURE_5,
  closeCall,
  closeQueuesFin,
  finAcked,
  finArrives,
  queuedClose,
  sendsFin,
  synSentGetsSyn,
} from "../../src/tcp/transitions.js";
import { ALL_STATES, type TcpState } from "../../src/tcp/state.js";
import { SCENARIOS } from "../../src/scenarios/index.js";

const to = (e: { to: TcpState } | null): TcpState | null => e?.to ?? null;

test("our FIN acknowledged: FIN_WAIT_1 → FIN_WAIT_2, CLOSING → TIME_WAIT, LAST_ACK → CLOSED, else no edge", () => {
  const expected: Partial<Record<TcpState, TcpState>> = {
    FIN_WAIT_1: "FIN_WAIT_2",
    CLOSING: "TIME_WAIT",
    LAST_ACK: "CLOSED",
  };
  for (const s of ALL_STATES) assert.equal(to(finAcked(s)), expected[s] ?? null, s);
});

test("the peer's FIN: CLOSE_WAIT, CLOSING (simultaneous close) or TIME_WAIT", () => {
  assert.equal(to(finArrives("ESTABLISHED", false)), "CLOSE_WAIT");
  assert.equal(to(finArrives("FIN_WAIT_1", false)), "CLOSING");
  assert.equal(to(finArrives("FIN_WAIT_1", true)), "TIME_WAIT");
  assert.equal(to(finArrives("FIN_WAIT_2", true)), "TIME_WAIT");
  for (const s of ["CLOSE_WAIT", "CLOSING", "LAST_ACK"] as const) assert.equal(finArrives(s, true), null, s);
});

test("CLOSE: FIN_WAIT_1 or LAST_ACK at once, queued before ESTABLISHED, nothing once closing", () => {
  assert.equal(to(closeCall("ESTABLISHED")), "FIN_WAIT_1");
  assert.equal(to(closeCall("CLOSE_WAIT")), "LAST_ACK");
  assert.equal(closeCall("SYN_SENT"), null);
  assert.equal(closeQueuesFin("SYN_SENT"), true);
  assert.equal(closeQueuesFin("SYN_RECEIVED"), true);
  assert.equal(closeQueuesFin("FIN_WAIT_1"), false);
  assert.equal(to(queuedClose("SYN_SENT")), "FIN_WAIT_1");
  assert.equal(to(queuedClose("SYN_RECEIVED")), "FIN_WAIT_1");
  assert.deepEqual(
    ALL_STATES.filter((s) => sendsFin(s)),
    ["FIN_WAIT_1", "CLOSING", "LAST_ACK"],
  );
  assert.equal(to(synSentGetsSyn(true)), "ESTABLISHED");
  assert.equal(to(synSentGetsSyn(false)), "SYN_RECEIVED");
});

test("FIGURE_5 lists every state change the scenarios make, under every profile", () => {
  const listed = new Set(FIGURE_5.map((e) => `${e.from}>${e.to}`));
  const seen = new Map<string, string>();
  for (const scenario of SCENARIOS) {
    for (const profile of ["linux", "bsd", "windows", "rfc"] as const) {
      for (const run of scenario.run({ seed: 1, profile })) {
        for (const e of run.events) {
          if (e.kind !== "state") continue;
          const key = `${e.from}>${e.to}`;
          if (!seen.has(key)) seen.set(key, `${scenario.id} ${profile} "${e.cause}"`);
        }
      }
    }
  }
  const missing = [...seen].filter(([key]) => !listed.has(key));
  assert.deepEqual(missing, [], "state changes FIGURE_5 does not list");
  // The heart of Figure 5 is exercised, not only listed.
  for (const key of ["LAST_ACK>CLOSED", "TIME_WAIT>CLOSED", "FIN_WAIT_1>CLOSING", "CLOSING>TIME_WAIT"]) {
    assert.ok(seen.has(key), `no scenario shows ${key}`);
  }
  for (const e of FIGURE_5) assert.match(e.rule, /§|RFC|Linux|profile/, `${e.from}>${e.to} cites a rule`);
});
