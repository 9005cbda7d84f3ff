import { test } from "node:test";
import assert from "node:assert/strict";
import { RandomStreams } from "../../src/sim/random.js";
import { SimError } from "../../src/sim/sim-error.js";

function draw(streams: RandomStreams, name: string, n: number): number[] {
  const s = streams.stream(name);
  return Array.from({ length: n }, () => s.uint32());
}

test("same seed and name give the same sequence", () => {
  assert.deepEqual(
    draw(new RandomStreams(42), "link:a->b:loss", 100),
    draw(new RandomStreams(42), "link:a->b:loss", 100),
  );
});

test("different seeds or names give different sequences", () => {
  const base = draw(new RandomStreams(42), "x", 20);
  assert.notDeepEqual(draw(new RandomStreams(43), "x", 20), base);
  assert.notDeepEqual(draw(new RandomStreams(42), "y", 20), base);
  // Seeds differing only above bit 32 must still differ.
  assert.notDeepEqual(draw(new RandomStreams(42 + 2 ** 32), "x", 20), base);
  // Names that are permutations of each other must differ.
  assert.notDeepEqual(draw(new RandomStreams(42), "ab", 20), draw(new RandomStreams(42), "ba", 20));
});

test("a stream is unaffected by other streams being created or drawn from", () => {
  const quiet = new RandomStreams(7);
  const expected = draw(quiet, "target", 50);

  const busy = new RandomStreams(7);
  draw(busy, "other-1", 1000);
  const t = busy.stream("target");
  const got: number[] = [];
  for (let i = 0; i < 50; i++) {
    got.push(t.uint32());
    busy.stream(`noise-${i}`).uint32(); // new streams appearing in between
  }
  assert.deepEqual(got, expected);
});

test("stream(name) returns one generator per name; derive(name) a fresh one", () => {
  const r = new RandomStreams(5);
  assert.equal(r.stream("a"), r.stream("a"));
  const first = r.stream("a").uint32();
  assert.equal(r.derive("a").uint32(), first);
});

test("float is in [0,1) and below(n) is in range and roughly uniform", () => {
  const s = new RandomStreams(11).stream("u");
  const buckets = new Array<number>(10).fill(0);
  const n = 100000;
  for (let i = 0; i < n; i++) {
    const f = s.float();
    assert.ok(f >= 0 && f < 1);
    const k = s.below(10);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 10);
    buckets[k]!++;
  }
  // Chi-square with 9 degrees of freedom: 27.9 is the 0.001 critical value.
  const expected = n / 10;
  const chi2 = buckets.reduce((acc, b) => acc + (b - expected) ** 2 / expected, 0);
  assert.ok(chi2 < 27.9, `chi-square ${chi2} over buckets ${buckets.join(",")}`);
  const v = s.between(5, 7);
  assert.ok(v >= 5 && v <= 7);
});

test("chance(p) hits about p of the time", () => {
  const s = new RandomStreams(3).stream("c");
  let hits = 0;
  for (let i = 0; i < 100000; i++) if (s.chance(0.25)) hits++;
  // 0.25 ± 5 standard deviations (σ ≈ 137).
  assert.ok(Math.abs(hits - 25000) < 700, `hits ${hits}`);
});

test("bad seeds and ranges are rejected with a code", () => {
  assert.throws(
    () => new RandomStreams(1.5),
    (e: unknown) => e instanceof SimError && e.code === "ERR_SIM_BAD_SEED",
  );
  assert.throws(
    () => new RandomStreams(Number.NaN),
    (e: unknown) => e instanceof SimError && e.code === "ERR_SIM_BAD_SEED",
  );
  const s = new RandomStreams(1).stream("x");
  assert.throws(
    () => s.below(0),
    (e: unknown) => e instanceof SimError && e.code === "ERR_SIM_BAD_OPTION",
  );
});
