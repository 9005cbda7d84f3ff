import { test } from "node:test";
import assert from "node:assert/strict";
import type { RunOutcome } from "../../src/sim/simulator.js";
import { Simulator } from "../../src/driver/simulator.js";
import type { Trace } from "../../src/tcp/events.js";
import { EchoEndpoint, RecordingEndpoint, makeSegment } from "./fake-endpoints.js";
import { hasFlags, withPayload } from "../../src/sim/match.js";
import { FIN } from "../../src/wire/segment.js";

/**
 * A randomized scenario: a client talks to two echo servers over impaired links, with targeted
 * faults, timers and an injection. Every random choice, the scenario's own included, comes from
 * the simulator's seeded streams.
 */
function scenario(seed: number): Simulator {
  const sim = new Simulator({ seed, msl: 40_000 });
  const client = sim.addHost(new RecordingEndpoint("client", 0x0a000001, sim.trace));
  sim.addHost(new EchoEndpoint("s1", 0x0a000002, sim.trace));
  sim.addHost(new EchoEndpoint("s2", 0x0a000003, sim.trace));
  sim.link("client", "s1", {
    delay: 2000,
    jitter: 500,
    loss: 0.1,
    duplicate: 0.05,
    reorder: 0.1,
    reorderDelay: 3000,
    corrupt: 0.05,
    forward: { rate: 2_000_000, queueLimit: 4 },
  });
  sim.link("client", "s2", { delay: 5000, loss: 0.2, duplicate: 0.1, corrupt: 0.1 });
  sim.fault({ name: "drop-fins", action: "drop", match: hasFlags(FIN), nth: 2, times: 3 });
  sim.fault({ name: "late-data", action: "delay", delay: 50_000, match: withPayload(), nth: 5 });
  sim.fault({ name: "dup-reply", action: "duplicate", from: "s2", nth: 3, times: 4, delay: 100 });
  sim.inject({ name: "stray", at: 30_000, seg: makeSegment(client, sim.host("s1"), { seq: 123456 }) });

  const app = sim.random.stream("scenario:app");
  const servers = [sim.host("s1"), sim.host("s2")];
  let seq = 0;
  client.onTimer = (now) => {
    const burst = 1 + app.below(4);
    for (let i = 0; i < burst; i++) {
      const to = servers[app.below(2)]!;
      const len = app.below(1200);
      const flags = 0x10 | (app.chance(0.1) ? FIN : 0);
      client.send(makeSegment(client, to, { seq, flags, payload: new Uint8Array(len).fill(seq & 255) }), now);
      seq += len + 1;
    }
    if (now < 200_000) client.deadlines.push(now + 1 + app.below(5000));
  };
  client.deadlines.push(0);
  return sim;
}

function traceJson(sim: Simulator): string {
  return JSON.stringify((sim.trace as Trace).events);
}

test("same seed ⇒ byte-identical trace; different seed ⇒ different trace", () => {
  const a = scenario(2024);
  const b = scenario(2024);
  const outcomeA: RunOutcome = a.runUntilIdle();
  assert.equal(outcomeA, "idle");
  assert.equal(b.runUntilIdle(), "idle");
  const ja = traceJson(a);
  assert.equal(traceJson(b), ja);

  // The scenario exercised every kind of network event, so the comparison covers them all.
  const actions = new Set((a.trace as Trace).events.flatMap((e) => (e.kind === "network" ? [e.action] : [])));
  for (const act of ["deliver", "drop", "duplicate", "corrupt", "delay", "inject"])
    assert.ok(actions.has(act as never), act);
  const reasons = new Set(
    (a.trace as Trace).events.flatMap((e) => (e.kind === "network" && e.reason ? [e.reason] : [])),
  );
  for (const r of ["loss", "fault", "msl-expired", "queue-full"]) assert.ok(reasons.has(r as never), r);

  const c = scenario(2025);
  c.runUntilIdle();
  assert.notEqual(traceJson(c), ja);
});

test("runAsync produces the same trace as the synchronous run when no app code interleaves", async () => {
  const sync = scenario(7);
  sync.runUntilIdle();
  const asyncRun = scenario(7);
  assert.equal(await asyncRun.runAsync({ yieldEvery: "request" }), "idle");
  assert.equal(traceJson(asyncRun), traceJson(sync));
});

test("running in slices gives the same trace as one run", () => {
  const whole = scenario(99);
  whole.runUntilIdle();
  const sliced = scenario(99);
  for (let t = 0; sliced.pendingEvents > 0; t += 7_777) sliced.runUntil(t);
  assert.equal(traceJson(sliced), traceJson(whole));
});
