import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { pair } from "./helpers.js";
import type { RecordingEndpoint } from "./fake-endpoints.js";
import { makeSegment } from "./fake-endpoints.js";
import type { Segment } from "../../src/wire/segment.js";
import { Simulator as SansIoSimulator, type Simulator } from "../../src/sim/simulator.js";
import type { SimError } from "../../src/sim/sim-error.js";
import { eventLoopTurn } from "../../src/driver/simulator.js";

/** b's arrivals become chunks of a Node stream, the way a socket layer would surface them. */
function streamOf(b: RecordingEndpoint, sim?: Simulator): PassThrough {
  const stream = new PassThrough();
  const orig = b.input.bind(b);
  b.input = (seg: Segment, now: number, id?: number) => {
    orig(seg, now, id);
    stream.write(seg.payload); // 'data' is emitted on a later tick, not synchronously
    sim?.requestYield();
  };
  return stream;
}

/** A server written with streams and promises: answers every chunk with a reply segment. */
function startServer(p: ReturnType<typeof pair>, stream: PassThrough): void {
  stream.on("data", (chunk: Uint8Array) => {
    void Promise.resolve().then(() => {
      process.nextTick(() => {
        p.b.send(makeSegment(p.b, p.a, { seq: chunk[0]!, payload: chunk }), p.sim.now);
      });
    });
  });
}

function requests(p: ReturnType<typeof pair>, n: number): void {
  for (let i = 0; i < n; i++) {
    p.sim.at(i * 10_000, (now) => p.a.send(makeSegment(p.a, p.b, { payload: new Uint8Array([i]) }), now));
  }
}

test("runAsync lets promise/nextTick code answer at the virtual time it was woken", async () => {
  const p = pair({ delay: 1000 });
  startServer(p, streamOf(p.b));
  requests(p, 3);
  assert.equal(await p.sim.runAsync(), "idle");
  // Each reply leaves b at the arrival time (i·10 000 + 1000) and reaches a 1000 µs later.
  assert.deepEqual(
    p.a.arrivals.map((x) => [x.seg.seq, x.t]),
    [
      [0, 2000],
      [1, 12000],
      [2, 22000],
    ],
  );
});

test("without runAsync the same code only runs after the synchronous run has ended", async () => {
  const p = pair({ delay: 1000 });
  startServer(p, streamOf(p.b));
  requests(p, 3);
  p.sim.runUntilIdle();
  assert.equal(p.a.arrivals.length, 0);
  // The app wakes up late, at whatever time the clock shows then: all three replies at 21 000 µs.
  await new Promise((r) => setImmediate(r));
  p.sim.runUntilIdle();
  assert.equal(p.a.arrivals.length, 3);
  assert.ok(p.a.arrivals.every((x) => x.t === 21000 + 1000));
});

test("yieldEvery 'request' yields only when asked, with the same result", async () => {
  const p = pair({ delay: 1000 });
  startServer(p, streamOf(p.b, p.sim));
  requests(p, 3);
  assert.equal(await p.sim.runAsync({ yieldEvery: "request" }), "idle");
  assert.deepEqual(
    p.a.arrivals.map((x) => x.t),
    [2000, 12000, 22000],
  );
});

test("runAsync stops on stopWhen, on a time limit and on an event limit", async () => {
  const p = pair({ delay: 1000 });
  startServer(p, streamOf(p.b));
  requests(p, 5);
  assert.equal(await p.sim.runAsync({ stopWhen: () => p.a.arrivals.length >= 2 }), "stopped");
  assert.equal(p.a.arrivals.length, 2);
  assert.equal(p.sim.now, 12000);
  assert.equal(await p.sim.runAsync({ until: 25_000 }), "time-limit");
  assert.equal(p.sim.now, 25_000);
  assert.equal(p.a.arrivals.length, 3);
  assert.equal(await p.sim.runAsync({ maxEvents: 1 }), "event-limit");
  assert.equal(await p.sim.runAsync(), "idle");
  assert.equal(p.a.arrivals.length, 5);
});

test("an app that acts after the last event still gets its packet delivered", async () => {
  const p = pair({ delay: 500 });
  p.sim.at(100, () => {
    // Acts only on a later turn of Node's loop, when no virtual event is left.
    setImmediate(() => p.a.send(makeSegment(p.a, p.b, { seq: 7 }), p.sim.now));
  });
  assert.equal(await p.sim.runAsync(), "idle");
  assert.deepEqual(
    p.b.arrivals.map((x) => [x.seg.seq, x.t]),
    [[7, 600]],
  );
});

test("the sans-I/O simulator has no timer of its own: runAsync yields with the turn its driver gives it", async () => {
  // src/sim's own class, given no turn, says where to get one instead of reaching for a timer.
  const bare = new SansIoSimulator();
  await assert.rejects(bare.runAsync(), (e: SimError) => e.code === "ERR_SIM_NO_TURN");
  // A turn of the driver's choosing is the one used: once before the run, once after each event, and once
  // more when the queue is empty (code woken by the last event may still act).
  let turns = 0;
  const p = pair({ delay: 1000 }, { turn: () => (turns++, eventLoopTurn()) });
  p.sim.at(0, (now) => p.a.send(makeSegment(p.a, p.b, { seq: 1 }), now));
  assert.equal(await p.sim.runAsync(), "idle");
  assert.equal(p.b.arrivals.length, 1);
  assert.equal(turns, 1 + p.sim.eventsRun + 1);
  assert.throws(() => new SansIoSimulator({ turn: 5 as never }), /options\.turn must be a function/);
});
