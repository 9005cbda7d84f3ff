// The host's deadline heap: earliest first, also across the copy to smaller arrays after a burst.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DeadlineHeap } from "../../src/tcp/deadline-heap.js";

test("replaceTop is a pop and a push in one: the same entries come out in the same order", () => {
  const a = new DeadlineHeap<number>();
  const b = new DeadlineHeap<number>();
  let x = 777;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) % 10_000;
  for (let i = 0; i < 2000; i++) {
    const t = next();
    a.push(t, i);
    b.push(t, i);
  }
  for (let k = 0; k < 5000; k++) {
    // The top moves later, as a connection's next deadline does (never earlier than it was).
    const t = a.peekTime() + (next() % 500);
    const item = a.peekItem()!;
    a.replaceTop(t, item);
    b.pop();
    b.push(t, item);
    assert.equal(a.peekTime(), b.peekTime());
  }
  const outA: number[] = [];
  const outB: number[] = [];
  while (a.size > 0) {
    outA.push(a.peekTime());
    a.pop();
  }
  while (b.size > 0) {
    outB.push(b.peekTime());
    b.pop();
  }
  assert.deepEqual(outA, outB);
});

test("after a burst of 100,000 entries the heap still yields them earliest first while it shrinks", () => {
  const heap = new DeadlineHeap<number>();
  let x = 12345;
  const times: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    times.push(x % 1_000_000);
    heap.push(x % 1_000_000, i);
  }
  times.sort((a, b) => a - b);
  const out: number[] = [];
  let pushedBack = false;
  while (heap.size > 0) {
    const t = heap.peekTime();
    const item = heap.peekItem();
    assert.equal(heap.pop(), item);
    out.push(t);
    // Interleave pushes at the shrink points, so the copy happens with live entries inside.
    if (heap.size === 1000 && !pushedBack) {
      pushedBack = true;
      heap.push(t, -1);
      times.splice(out.length, 0, t);
    }
  }
  assert.deepEqual(out, times);
  assert.equal(heap.peekTime(), Infinity);
});
