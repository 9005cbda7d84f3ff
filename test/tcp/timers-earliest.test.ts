// A connection's next deadline is kept as its timers change (Timers.nextDeadline, asked after every
// delivery), not found by a scan: it must always equal the earliest running slot, whatever order slots are
// armed, restarted, cancelled and fired in.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Connection } from "../../src/tcp/connection.js";
import { Timers, type TimerActions } from "../../src/tcp/timers.js";

const SLOTS = 7;

/** Just what Timers reads of its connection, with tracing off; the engine hears of earlier deadlines. */
function fakeConnection(): Connection {
  return {
    env: { trace: { enabled: false }, deadlineChanged: () => {} },
    scheduledAt: Infinity,
    state: "ESTABLISHED",
    isClosed: () => false,
  } as unknown as Connection;
}

const noActions: TimerActions = {
  finWait2Expired: () => {},
  lossProbeExpired: () => {},
  retransmissionExpired: () => {},
  reorderExpired: () => {},
  persistExpired: () => {},
  keepAliveExpired: () => {},
  delayedAckExpired: () => {},
};

function scan(t: Timers): number {
  let min = Infinity;
  for (let i = 0; i < SLOTS; i++) min = Math.min(min, t.deadline(i));
  return min;
}

test("Timers.nextDeadline is the earliest running slot after any sequence of sets and firings", () => {
  const step = fc.oneof(
    fc.record({
      kind: fc.constant("set" as const),
      slot: fc.integer({ min: 0, max: SLOTS - 1 }),
      at: fc.integer({ min: 0, max: 50 }),
    }),
    fc.record({ kind: fc.constant("cancel" as const), slot: fc.integer({ min: 0, max: SLOTS - 1 }) }),
    fc.record({ kind: fc.constant("fire" as const), now: fc.integer({ min: 0, max: 50 }) }),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
      const t = new Timers(fakeConnection());
      assert.equal(t.nextDeadline(), Infinity);
      for (const s of steps) {
        if (s.kind === "set") t.set(s.slot, s.at);
        else if (s.kind === "cancel") t.set(s.slot, Infinity);
        else t.dispatch(s.now, noActions); // fires every slot due at `now` (an orphan's FIN_WAIT_2 alone stops the rest)
        assert.equal(t.nextDeadline(), scan(t));
      }
    }),
    { numRuns: 500 },
  );
});

test("Timers.nextDeadline: the earliest slot moving later, or going, uncovers the next one", () => {
  const t = new Timers(fakeConnection());
  t.set(0, 30);
  t.set(5, 10);
  t.set(4, 20);
  assert.equal(t.nextDeadline(), 10);
  t.set(5, 40); // the earliest moved later: the delayed ACK's 20 comes next
  assert.equal(t.nextDeadline(), 20);
  t.set(4, Infinity);
  assert.equal(t.nextDeadline(), 30);
  t.clear();
  assert.equal(t.nextDeadline(), Infinity);
});
