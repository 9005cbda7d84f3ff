// The min_rtt filter (src/tcp/windowed-min.ts) against the plain definition: the minimum of the samples
// taken within the last `window`. Nichols' three-sample estimate is a sample from within the window, never
// below the window's true minimum, and exact whenever a new minimum arrives; once the minimum ages out it
// may report a larger sample than the true minimum of what remains (it keeps only three).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { WindowedMin } from "../../src/tcp/windowed-min.js";

test("a new minimum is taken at once; no sample reads as Infinity", () => {
  const m = new WindowedMin(1000);
  assert.equal(m.value, Infinity);
  assert.equal(m.update(10, 50), 50);
  assert.equal(m.update(20, 70), 50);
  assert.equal(m.update(30, 40), 40);
});

test("an infinite window keeps the smallest sample of the connection's life", () => {
  const m = new WindowedMin(Infinity);
  m.update(0, 10);
  for (let t = 1; t < 100; t++) m.update(t * 1e9, 400);
  assert.equal(m.value, 10);
});

test("the handshake's small sample leaves a 1 s window after a second of larger ones (rack-min-rtt-windowed.pkt)", () => {
  const m = new WindowedMin(1_000_000);
  m.update(10_000, 10_000);
  let t = 10_000;
  for (let i = 0; i < 10; i++) assert.equal(m.update((t += 100_000), 100_000), 10_000, `round trip ${i + 1}`);
  // 1.11 s: the 10 ms sample is more than a window old.
  assert.equal(m.update((t += 100_000), 100_000), 100_000);
});

test("the filter reports a sample from within the window, never below the window's minimum", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 4, max: 1000 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 1000 })), {
        minLength: 1,
        maxLength: 200,
      }),
      (window, steps) => {
        const m = new WindowedMin(window);
        const seen: Array<[number, number]> = [];
        let t = 0;
        for (const [dt, v] of steps) {
          t += dt;
          seen.push([t, v]);
          const got = m.update(t, v);
          const inWindow = seen.filter(([st]) => t - st <= window);
          const trueMin = Math.min(...inWindow.map(([, sv]) => sv));
          assert.ok(got >= trueMin, `${got} below the window's minimum ${trueMin} at ${t}`);
          assert.ok(got <= v, "never above the sample just taken");
          assert.ok(
            inWindow.some(([, sv]) => sv === got),
            `${got} is a sample from within the window`,
          );
        }
      },
    ),
  );
});
