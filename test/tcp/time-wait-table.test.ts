// The compact TIME_WAIT table on its own: lookups by 4-tuple through inserts and removals (checked against
// a plain Map), expiry order with restarts, per-port counts, the reuse-delay clock across restarts, and
// what a million records cost in bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TimeWaitTable, type TimeWaitInit } from "../../src/tcp/time-wait-table.js";

function record(localPort: number, remoteAddr: number, remotePort: number, at = 0): TimeWaitInit {
  return {
    localPort,
    remoteAddr,
    remotePort,
    sndNxt: (localPort * 7919 + remotePort) >>> 0,
    rcvNxt: (remoteAddr ^ 0x5555) >>> 0,
    rcvWnd: 64_240,
    rcvWscale: 7,
    tsOk: true,
    tsRecent: 4_000_000_000,
    tsRecentAt: at,
    enteredAt: at,
    expiresAt: at + 60_000_000,
  };
}

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("a record reads back as inserted, through the view the verdict gets", () => {
  const t = new TimeWaitTable(1);
  const s = t.insert(record(40000, 0xc0a80001, 443, 5_000_000));
  assert.equal(t.find(40000, 0xc0a80001, 443), s);
  assert.equal(t.find(40000, 0xc0a80001, 444), -1);
  assert.equal(t.find(40001, 0xc0a80001, 443), -1);
  const v = t.view(s);
  assert.deepEqual(
    { ...v },
    {
      localPort: 40000,
      remoteAddr: 0xc0a80001,
      remotePort: 443,
      sndNxt: (40000 * 7919 + 443) >>> 0,
      rcvNxt: (0xc0a80001 ^ 0x5555) >>> 0,
      rcvWnd: 64_240,
      rcvWscale: 7,
      tsOk: true,
      tsRecent: 4_000_000_000,
      tsRecentAt: 5_000_000,
    },
  );
  assert.equal(t.expiresAt(s), 65_000_000);
  assert.equal(t.enteredAt(s), 5_000_000);
  assert.ok(t.hasTsRecent(s));
});

test("TS.Recent's time is kept in whole seconds (Linux ts_recent_stamp); never-set stays -1", () => {
  const t = new TimeWaitTable();
  const s = t.insert({ ...record(1, 2, 3), tsRecentAt: 7_654_321 });
  assert.equal(t.tsRecentAt(s), 7_000_000);
  const n = t.insert({ ...record(1, 2, 4), tsRecentAt: -1 });
  assert.equal(t.tsRecentAt(n), -1);
  assert.equal(t.hasTsRecent(n), false);
  t.setTsRecent(n, 99, 12_500_000);
  assert.equal(t.tsRecent(n), 99);
  assert.equal(t.tsRecentAt(n), 12_000_000);
  assert.ok(t.hasTsRecent(n));
  const off = t.insert({ ...record(1, 2, 5), tsOk: false });
  assert.equal(t.hasTsRecent(off), false, "a connection without timestamps cannot be reused");
});

test("random inserts and removals agree with a Map, across growth and backward-shift deletion", () => {
  const t = new TimeWaitTable(42);
  const ref = new Map<string, number>();
  const next = rng(7);
  // Few distinct keys, so the same 4-tuples come and go and probe chains collide and shift.
  for (let i = 0; i < 20_000; i++) {
    const lp = 1024 + Math.floor(next() * 40);
    const ra = 0x0a000000 + Math.floor(next() * 30);
    const rp = 80 + Math.floor(next() * 3);
    const key = `${lp}/${ra}/${rp}`;
    const s = t.find(lp, ra, rp);
    assert.equal(s >= 0, ref.has(key), `presence of ${key} at step ${i}`);
    if (s >= 0) {
      assert.equal(t.sndNxt(s), ref.get(key));
      t.remove(s);
      ref.delete(key);
    } else {
      const r = record(lp, ra, rp, i);
      t.insert(r);
      ref.set(key, r.sndNxt);
    }
    assert.equal(t.size, ref.size);
  }
  for (const [key, snd] of ref) {
    const [lp, ra, rp] = key.split("/").map(Number) as [number, number, number];
    const s = t.find(lp, ra, rp);
    assert.ok(s >= 0, key);
    assert.equal(t.sndNxt(s), snd);
  }
});

test("expiry order: oldest first; a restart moves a record to the back; removal from the middle keeps order", () => {
  const t = new TimeWaitTable();
  const a = t.insert(record(1, 1, 1, 0));
  const b = t.insert(record(2, 1, 1, 10));
  const c = t.insert(record(3, 1, 1, 20));
  assert.equal(t.oldest(), a);
  t.restart(a, 30 + 60_000_000);
  assert.equal(t.oldest(), b);
  t.remove(c);
  const order: number[] = [];
  while (t.oldest() >= 0) {
    const s = t.oldest();
    order.push(t.localPort(s));
    t.remove(s);
  }
  assert.deepEqual(order, [2, 1]);
  assert.equal(t.size, 0);
});

test("a restart keeps the time TIME_WAIT was entered (the reuse delay does not start over)", () => {
  const t = new TimeWaitTable();
  const s = t.insert(record(1, 1, 1, 1_000_000));
  t.restart(s, 50_000_000 + 60_000_000);
  assert.equal(t.enteredAt(s), 1_000_000);
  assert.equal(t.expiresAt(s), 110_000_000);
});

test("restarted for longer than the age field holds (262 s): the entry time errs late (conservative for reuse), never early", () => {
  const t = new TimeWaitTable();
  const s = t.insert(record(1, 1, 1, 0));
  const farExpiry = 5 * 3600 * 1_000_000;
  t.restart(s, farExpiry);
  assert.ok(t.enteredAt(s) >= 0, "not earlier than the real entry");
  assert.ok(t.enteredAt(s) < farExpiry);
});

test("an age that is not whole 4 ms ticks reads the entry up to one tick late, never early", () => {
  const t = new TimeWaitTable();
  const s = t.insert({ ...record(1, 1, 1, 1_000_001), expiresAt: 61_000_000 });
  assert.ok(t.enteredAt(s) >= 1_000_001, "not before the real entry");
  assert.ok(t.enteredAt(s) < 1_000_001 + 4000, `within one tick: ${t.enteredAt(s)}`);
});

test("slots of removed records are handed out again, and per-port counts follow", () => {
  const t = new TimeWaitTable();
  const slots = [t.insert(record(80, 1, 1)), t.insert(record(80, 2, 1)), t.insert(record(81, 1, 1))];
  assert.equal(t.onPort(80), 2);
  assert.equal(t.onPort(81), 1);
  assert.equal(t.onPort(82), 0);
  t.remove(slots[0]!);
  assert.equal(t.onPort(80), 1);
  assert.equal(t.isLive(slots[0]!), false);
  const again = t.insert(record(82, 9, 9));
  assert.equal(again, slots[0], "the freed slot is reused");
  assert.equal(t.find(80, 1, 1), -1);
  assert.equal(t.find(82, 9, 9), again);
});

test("a million records: at most 64 bytes each in typed arrays, and the 4-tuples still resolve", () => {
  const t = new TimeWaitTable(3);
  const n = 1_000_000;
  // 16 destinations × 62,500 ports: the shape of a load generator's TIME_WAIT.
  for (let i = 0; i < n; i++) {
    t.insert(record(1024 + (i % 62_500), 0x0a000100 + Math.floor(i / 62_500), 8080, i));
  }
  assert.equal(t.size, n);
  const perRecord = t.bytes() / n;
  assert.ok(perRecord <= 64, `${perRecord.toFixed(1)} bytes per record`);
  assert.ok(t.capacity >= n && t.capacity < 2 * n, `capacity ${t.capacity}: grown by doubling`);
  for (const i of [0, 1, 62_499, 62_500, 500_000, n - 1]) {
    const s = t.find(1024 + (i % 62_500), 0x0a000100 + Math.floor(i / 62_500), 8080);
    assert.ok(s >= 0, `record ${i}`);
    assert.equal(t.enteredAt(s), i);
  }
  assert.equal(t.find(1024, 0x0a000100 + 16, 8080), -1);
});
