import { test } from "node:test";
import assert from "node:assert/strict";
import { Simulator } from "../../src/sim/simulator.js";
import { SimError } from "../../src/sim/sim-error.js";
import { RecordingEndpoint, makeSegment } from "./fake-endpoints.js";
import { pair } from "./helpers.js";
import type { Endpoint } from "../../src/tcp/endpoint.js";

const code = (c: string) => (e: unknown) => e instanceof SimError && e.code === c;

test("at/after run at exact times; equal times in scheduling order", () => {
  const sim = new Simulator();
  const log: string[] = [];
  sim.at(500, (now) => log.push(`a@${now}`));
  sim.at(100, (now) => {
    log.push(`b@${now}`);
    sim.after(400, (t) => log.push(`c@${t}`)); // lands at 500, after a (scheduled earlier)
    sim.after(0, (t) => log.push(`d@${t}`)); // same instant, after everything already at 100
  });
  sim.at(100, (now) => log.push(`e@${now}`));
  sim.at(500, (now) => log.push(`f@${now}`));
  assert.equal(sim.runUntilIdle(), "idle");
  assert.deepEqual(log, ["b@100", "e@100", "d@100", "a@500", "f@500", "c@500"]);
  assert.equal(sim.now, 500);
});

test("scheduling in the past or at non-integer times is refused", () => {
  const sim = new Simulator();
  sim.runUntil(1000);
  assert.throws(() => sim.at(999, () => {}), code("ERR_SIM_PAST"));
  assert.throws(() => sim.at(1000.5, () => {}), code("ERR_SIM_BAD_OPTION"));
  assert.throws(() => sim.after(-1, () => {}), code("ERR_SIM_BAD_OPTION"));
  assert.throws(() => sim.runUntil(10), code("ERR_SIM_PAST"));
});

test("cancelled actions do not run", () => {
  const sim = new Simulator();
  let ran = false;
  const action = sim.at(10, () => (ran = true));
  action.cancel();
  sim.runUntilIdle();
  assert.equal(ran, false);
});

test("runUntil, runFor and runUntilIdle report and move the clock as documented", () => {
  const sim = new Simulator();
  const log: number[] = [];
  for (const t of [10, 20, 30, 40]) sim.at(t, (now) => log.push(now));
  assert.equal(sim.runUntil(20), 2); // inclusive of events at exactly t
  assert.equal(sim.now, 20);
  assert.equal(sim.runFor(5), 0);
  assert.equal(sim.now, 25);
  assert.equal(sim.runUntilIdle({ until: 35 }), "time-limit");
  assert.equal(sim.now, 35);
  sim.at(50, () => {});
  assert.equal(sim.runUntilIdle({ maxEvents: 1 }), "event-limit");
  assert.equal(sim.now, 40);
  assert.equal(sim.runUntilIdle(), "idle");
  assert.equal(sim.now, 50);
  assert.deepEqual(log, [10, 20, 30, 40]);
});

test("host timers: the host is advanced exactly at its deadlines, one live wake-up per host", () => {
  const sim = new Simulator();
  const h = sim.addHost(new RecordingEndpoint("h", 1, sim.trace));
  h.deadlines.push(300, 100);
  sim.at(150, () => {
    // Move the deadline earlier and later from application code: stale wake-ups must not fire.
    h.deadlines.length = 0;
    h.deadlines.push(400);
  });
  sim.at(160, () => {
    h.deadlines.length = 0;
    h.deadlines.push(200);
  });
  sim.runUntilIdle();
  assert.deepEqual(h.wakes, [100, 200]);
  assert.equal(sim.pendingEvents, 0);
});

test("deadline changes made outside any event are picked up by the next run", () => {
  const sim = new Simulator();
  const h = sim.addHost(new RecordingEndpoint("h", 1, sim.trace));
  sim.runUntil(50);
  h.deadlines.push(70);
  sim.runUntilIdle();
  assert.deepEqual(h.wakes, [70]);
});

test("a deadline already in the past wakes the host at the current time", () => {
  const sim = new Simulator();
  const h = sim.addHost(new RecordingEndpoint("h", 1, sim.trace));
  sim.runUntil(500);
  h.deadlines.push(100);
  sim.runUntilIdle();
  assert.deepEqual(h.wakes, [500]);
});

test("timers and arrivals interleave: a timer that sends, an arrival that re-arms", () => {
  const p = pair({ delay: 1000 });
  p.a.deadlines.push(5000);
  p.a.onTimer = (now) => p.a.send(makeSegment(p.a, p.b, { seq: 42 }), now);
  p.b.onTimer = (now) => p.b.send(makeSegment(p.b, p.a, { seq: 43 }), now);
  const orig = p.b.input.bind(p.b);
  p.b.input = (seg, now, id) => {
    orig(seg, now, id);
    p.b.deadlines.push(now + 250); // like a delayed ACK
  };
  p.sim.runUntilIdle();
  assert.deepEqual(p.a.wakes, [5000]);
  assert.deepEqual(p.b.wakes, [6250]);
  assert.deepEqual(
    p.a.arrivals.map((x) => [x.seg.seq, x.t]),
    [[43, 7250]],
  );
});

test("a host whose deadline never moves on is reported, not looped on forever", () => {
  const sim = new Simulator();
  const stuck: Endpoint = {
    name: "stuck",
    address: 1,
    mtu: 1500,
    attach() {},
    input() {},
    inputPacket() {},
    advance() {},
    nextDeadline: () => 10,
  };
  sim.addHost(stuck);
  assert.throws(() => sim.runUntil(100), code("ERR_SIM_HOST_STUCK"));
});

test("a NaN deadline is reported with a code", () => {
  const sim = new Simulator();
  const bad: Endpoint = {
    name: "nan",
    address: 1,
    mtu: 1500,
    attach() {},
    input() {},
    inputPacket() {},
    advance() {},
    nextDeadline: () => Number.NaN,
  };
  assert.throws(() => sim.addHost(bad), code("ERR_SIM_BAD_DEADLINE"));
});

test("running from inside an event is refused", () => {
  const sim = new Simulator();
  let error: unknown;
  sim.at(10, () => {
    try {
      sim.runUntil(20);
    } catch (e) {
      error = e;
    }
  });
  sim.runUntilIdle();
  assert.ok(code("ERR_SIM_REENTRANT")(error));
  // The simulator is usable again afterwards.
  sim.at(30, () => {});
  assert.equal(sim.runUntilIdle(), "idle");
});

test("hosts: duplicate names/addresses, unknown hosts and links are errors with codes", () => {
  const sim = new Simulator();
  sim.addHost(new RecordingEndpoint("a", 1, sim.trace));
  sim.addHost(new RecordingEndpoint("b", 2, sim.trace));
  assert.throws(() => sim.addHost(new RecordingEndpoint("a", 3, sim.trace)), code("ERR_SIM_DUPLICATE_HOST"));
  assert.throws(() => sim.addHost(new RecordingEndpoint("c", 2, sim.trace)), code("ERR_SIM_DUPLICATE_HOST"));
  assert.throws(() => sim.link("a", "zz"), code("ERR_SIM_UNKNOWN_HOST"));
  assert.throws(() => sim.link("a", "a"), code("ERR_SIM_BAD_OPTION"));
  sim.link("a", "b");
  assert.throws(() => sim.link("b", "a"), code("ERR_SIM_DUPLICATE_LINK"));
  assert.throws(() => sim.linkDirection("b", "c"), code("ERR_SIM_UNKNOWN_LINK"));
  assert.deepEqual(sim.hostNames, ["a", "b"]);
  assert.equal(sim.host("b").address, 2);
});

test("the driver's clock handed to attach() reads virtual time", () => {
  const sim = new Simulator();
  const h = sim.addHost(new RecordingEndpoint("h", 1, sim.trace));
  const seen: number[] = [];
  sim.at(1234, () => seen.push(h.clock!()));
  sim.runUntil(2000);
  seen.push(h.clock!());
  assert.deepEqual(seen, [1234, 2000]);
});

test("superseded wake-ups and cancelled actions do not keep a run from being idle", () => {
  const sim = new Simulator();
  const h = sim.addHost(new RecordingEndpoint("h", 1, sim.trace));
  h.deadlines.push(1000);
  sim.runUntil(10); // a wake-up for 1000 is now queued
  h.deadlines.length = 0; // the host no longer needs it
  sim.at(2000, () => {}).cancel();
  assert.equal(sim.runUntilIdle({ until: 500 }), "idle");
  assert.equal(sim.now, 10, "idle runs leave the clock at the last event");
  assert.equal(sim.pendingEvents, 0);
  assert.deepEqual(h.wakes, []);
});
