import { test } from "node:test";
import assert from "node:assert/strict";
import { EventQueue } from "../../src/sim/event-queue.js";
import { RandomStreams } from "../../src/sim/random.js";

test("pops in time order, equal times in insertion order", () => {
  const q = new EventQueue<string>();
  q.push(30, "c1");
  q.push(10, "a1");
  q.push(30, "c2");
  q.push(20, "b1");
  q.push(10, "a2");
  q.push(30, "c3");
  q.push(10, "a3");
  const out: string[] = [];
  const times: number[] = [];
  while (q.size > 0) {
    out.push(q.pop() as string);
    times.push(q.poppedTime);
  }
  assert.deepEqual(out, ["a1", "a2", "a3", "b1", "c1", "c2", "c3"]);
  assert.deepEqual(times, [10, 10, 10, 20, 30, 30, 30]);
  assert.equal(q.pop(), undefined);
  assert.equal(q.peekTime(), Infinity);
});

test("interleaved pushes and pops match a stable sort of (time, sequence)", () => {
  const rng = new RandomStreams(99).stream("heap");
  const q = new EventQueue<number>();
  // Reference: a plain array kept sorted by (time, seq).
  const reference: Array<{ time: number; seq: number; arg: number }> = [];
  let seq = 0;
  for (let round = 0; round < 20000; round++) {
    if (rng.below(3) < 2 || reference.length === 0) {
      const time = rng.below(50); // few distinct times: many ties
      const arg = rng.uint32();
      q.push(time, seq, arg);
      reference.push({ time, seq, arg });
      seq++;
    } else {
      reference.sort((x, y) => x.time - y.time || x.seq - y.seq);
      const want = reference.shift()!;
      assert.equal(q.peekTime(), want.time);
      assert.equal(q.pop(), want.seq);
      assert.equal(q.poppedTime, want.time);
      assert.equal(q.poppedArg, want.arg);
    }
    assert.equal(q.size, reference.length);
  }
  reference.sort((x, y) => x.time - y.time || x.seq - y.seq);
  for (const want of reference) assert.equal(q.pop(), want.seq);
  assert.equal(q.size, 0);
});

test("clear empties the queue", () => {
  const q = new EventQueue<number>();
  for (let i = 0; i < 10; i++) q.push(i, i);
  q.clear();
  assert.equal(q.size, 0);
  assert.equal(q.pop(), undefined);
});
