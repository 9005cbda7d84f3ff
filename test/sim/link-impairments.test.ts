import { test } from "node:test";
import assert from "node:assert/strict";
import { countNetwork, inversions, pair, sendMany } from "./helpers.js";
import { decodePacket, encodeSegment } from "../../src/wire/codec.js";
import { corruptedPacket } from "../../src/sim/in-flight.js";
import { RandomStreams } from "../../src/sim/random.js";
import { Trace } from "../../src/tcp/events.js";
import { makeSegment, RecordingEndpoint } from "./fake-endpoints.js";
import { SimError } from "../../src/sim/sim-error.js";

const N = 10000;

/** Runs the same impairment twice with one seed: the outcome must be identical, and within `band`. */
function lossRun(seed: number): { lost: number; arrivedSeqs: number[] } {
  const p = pair({ delay: 500, loss: 0.1 }, { seed });
  sendMany(p, N, 10);
  assert.equal(p.sim.runUntilIdle(), "idle");
  return { lost: countNetwork(p.sim, "drop", "loss"), arrivedSeqs: p.b.arrivals.map((x) => x.seg.seq) };
}

test("delay: every packet arrives exactly `delay` µs after it was sent", () => {
  const p = pair({ delay: 2500 });
  sendMany(p, 20, 100, 1000);
  p.sim.runUntilIdle();
  assert.equal(p.b.arrivals.length, 20);
  p.b.arrivals.forEach((x, i) => assert.equal(x.t, 1000 + i * 100 + 2500));
});

test("loss 10%: loss count within a generous band, exactly reproducible for the seed", () => {
  const first = lossRun(1234);
  const again = lossRun(1234);
  assert.deepEqual(again, first);
  // Binomial(10000, 0.1): σ = 30; ±6σ.
  assert.ok(first.lost > 820 && first.lost < 1180, `lost ${first.lost}`);
  assert.equal(first.arrivedSeqs.length, N - first.lost);
  assert.equal(inversions(first.arrivedSeqs), 0, "loss alone never reorders");
  assert.notDeepEqual(lossRun(1235).arrivedSeqs, first.arrivedSeqs);
});

test("loss counters agree with the trace", () => {
  const p = pair({ loss: 0.3 }, { seed: 9 });
  sendMany(p, 1000);
  p.sim.runUntilIdle();
  const c = p.sim.linkDirection("a", "b").counters;
  assert.equal(c.offered, 1000);
  assert.equal(c.dropped.loss, countNetwork(p.sim, "drop", "loss"));
  assert.equal(c.delivered, p.b.arrivals.length);
  assert.equal(c.delivered + c.dropped.loss, 1000);
  assert.equal(p.sim.linkDirection("b", "a").counters.offered, 0);
});

test("loss 1 drops everything, loss 0 nothing", () => {
  const p = pair({ forward: { loss: 1 }, reverse: { loss: 0 } });
  sendMany(p, 100);
  p.sim.runUntilIdle();
  assert.equal(p.b.arrivals.length, 0);
});

test("duplication 5%: each duplicate arrives as a second copy with the same packet id", () => {
  const p = pair({ delay: 100, duplicate: 0.05 }, { seed: 77 });
  sendMany(p, N, 10);
  p.sim.runUntilIdle();
  const dups = countNetwork(p.sim, "duplicate");
  assert.ok(dups > 380 && dups < 620, `duplicates ${dups}`); // σ ≈ 21.8
  assert.equal(p.b.arrivals.length, N + dups);
  const perId = new Map<number, number>();
  for (const x of p.b.arrivals) perId.set(x.id, (perId.get(x.id) ?? 0) + 1);
  assert.equal([...perId.values()].filter((n) => n === 2).length, dups);
  assert.equal(p.sim.linkDirection("a", "b").counters.duplicated, dups);
});

test("jitter: arrival − send lies in [delay, delay + jitter] and reorders close packets", () => {
  const p = pair({ delay: 1000, jitter: 400 }, { seed: 5 });
  sendMany(p, 2000, 50);
  p.sim.runUntilIdle();
  assert.equal(p.b.arrivals.length, 2000);
  let min = Infinity;
  let max = -Infinity;
  for (const x of p.b.arrivals) {
    const lateness = x.t - x.seg.seq * 50;
    min = Math.min(min, lateness);
    max = Math.max(max, lateness);
  }
  assert.ok(min >= 1000 && max <= 1400, `range ${min}..${max}`);
  assert.ok(max - min > 350, "jitter spreads arrivals over most of its range");
  assert.ok(inversions(p.b.arrivals.map((x) => x.seg.seq)) > 100);
});

test("reorder 20%: a fifth of the packets are held back by up to reorderDelay and overtaken", () => {
  const p = pair({ delay: 1000, reorder: 0.2, reorderDelay: 3000 }, { seed: 21 });
  sendMany(p, N, 100);
  p.sim.runUntilIdle();
  assert.equal(p.b.arrivals.length, N);
  const held = p.b.arrivals.filter((x) => x.t - x.seg.seq * 100 > 1000);
  assert.equal(held.length, countNetwork(p.sim, "delay"));
  assert.ok(held.length > 1800 && held.length < 2200, `held ${held.length}`); // σ = 40
  for (const x of held) assert.ok(x.t - x.seg.seq * 100 <= 4000);
  assert.ok(inversions(p.b.arrivals.map((x) => x.seg.seq)) > 1000);
});

test("corruption 10%: corrupted packets arrive as bytes that fail decoding, the rest arrive intact", () => {
  const p = pair({ corrupt: 0.1 }, { seed: 8 });
  const payload = new Uint8Array(100).map((_, i) => i);
  sendMany(p, 5000, 10, 0, { payload });
  p.sim.runUntilIdle();
  const corrupted = countNetwork(p.sim, "corrupt");
  assert.ok(corrupted > 380 && corrupted < 620, `corrupted ${corrupted}`); // σ ≈ 21
  assert.equal(p.b.rejections.length, corrupted, "a single flipped bit is always caught");
  assert.equal(p.b.arrivals.length, 5000 - corrupted);
  for (const x of p.b.arrivals) assert.deepEqual(x.seg.payload, payload);
  const reasons = new Set(p.b.rejections.map((r) => r.reason));
  assert.ok(reasons.has("bad-tcp-checksum"), [...reasons].join(","));
});

test("corrupted bytes differ from the clean encoding in exactly one bit", () => {
  const t = new Trace();
  const x = new RecordingEndpoint("x", 1, t);
  const y = new RecordingEndpoint("y", 2, t);
  const rng = new RandomStreams(4).stream("c");
  for (let i = 0; i < 200; i++) {
    const seg = makeSegment(x, y, { seq: i, payload: new Uint8Array(i % 50) });
    const clean = encodeSegment(seg);
    const bad = corruptedPacket(seg, rng);
    let bits = 0;
    for (let j = 0; j < clean.length; j++) {
      let d = clean[j]! ^ bad[j]!;
      while (d) {
        bits += d & 1;
        d >>= 1;
      }
    }
    assert.equal(bits, 1);
    assert.equal(decodePacket(bad).ok, false);
  }
});

test("MTU: a packet of exactly the MTU passes, one byte more is dropped with reason mtu", () => {
  const p = pair({ mtu: 576 });
  // 20 IPv4 + 20 TCP + payload.
  sendMany(p, 1, 0, 0, { payload: new Uint8Array(536) });
  sendMany(p, 1, 0, 10, { payload: new Uint8Array(537), seq: 99 });
  p.sim.runUntilIdle();
  assert.equal(p.b.arrivals.length, 1);
  assert.equal(p.b.arrivals[0]!.seg.payload.length, 536);
  assert.equal(countNetwork(p.sim, "drop", "mtu"), 1);
  assert.equal(p.sim.linkDirection("a", "b").counters.dropped.mtu, 1);
});

test("rate limit: serialisation delay exact in µs, packets queue behind each other", () => {
  // 1000-byte packets (960 payload + 40 header) at 8 Mbit/s take exactly 1000 µs each.
  const p = pair({ delay: 200, rate: 8_000_000 });
  sendMany(p, 5, 0, 0, { payload: new Uint8Array(960) });
  p.sim.runUntilIdle();
  assert.deepEqual(
    p.b.arrivals.map((x) => x.t),
    [1200, 2200, 3200, 4200, 5200],
  );
});

test("rate limit: an idle link starts serialising at once; fractional µs round up", () => {
  // 41-byte packet (1 byte payload) at 1 Mbit/s: 328 µs exactly. At 3 Mbit/s: 109.33 → 110 µs.
  const p = pair({ delay: 0, forward: { rate: 1_000_000 }, reverse: { rate: 3_000_000 } });
  p.sim.at(5000, (now) => p.a.send({ ...base(p), payload: new Uint8Array(1) }, now));
  p.sim.at(5000, (now) => p.b.send({ ...base(p, true), payload: new Uint8Array(1) }, now));
  p.sim.runUntilIdle();
  assert.deepEqual(
    p.b.arrivals.map((x) => x.t),
    [5328],
  );
  assert.deepEqual(
    p.a.arrivals.map((x) => x.t),
    [5110],
  );
});

test("rate limit: the bounded queue drops the overflow with reason queue-full, then drains", () => {
  const p = pair({ delay: 0, rate: 8_000_000, queueLimit: 3 });
  sendMany(p, 5, 0, 0, { payload: new Uint8Array(960) });
  // At 2500 µs two packets have left and one is being serialised: room for two more.
  sendMany(p, 3, 0, 2500, { payload: new Uint8Array(960) });
  p.sim.runUntilIdle();
  assert.equal(countNetwork(p.sim, "drop", "queue-full"), 3);
  assert.deepEqual(
    p.b.arrivals.map((x) => x.t),
    [1000, 2000, 3000, 4000, 5000],
  );
  assert.equal(p.sim.linkDirection("a", "b").counters.dropped["queue-full"], 3);
});

test("bad link options are rejected with ERR_SIM_BAD_OPTION", () => {
  const bad = [
    { loss: 1.5 },
    { delay: -1 },
    { delay: 1.5 },
    { rate: -5 },
    { mtu: 20 },
    { queueLimit: 0 },
    { reorder: 0.1 },
  ];
  for (const opts of bad) {
    assert.throws(
      () => pair(opts),
      (e: unknown) => e instanceof SimError && e.code === "ERR_SIM_BAD_OPTION",
      JSON.stringify(opts),
    );
  }
});

test("configureLink changes one direction from now on", () => {
  const p = pair({ delay: 100 });
  sendMany(p, 1, 0, 0);
  p.sim.runUntil(1000);
  p.sim.configureLink("a", "b", { loss: 1 });
  sendMany(p, 5, 0, 1000);
  p.sim.runUntilIdle();
  assert.equal(p.b.arrivals.length, 1);
  assert.equal(p.sim.linkDirection("a", "b").options.delay, 100, "other settings kept");
});

function base(p: ReturnType<typeof pair>, reverse = false) {
  const [src, dst] = reverse ? [p.b, p.a] : [p.a, p.b];
  return {
    srcAddr: src.address,
    dstAddr: dst.address,
    srcPort: 1,
    dstPort: 2,
    seq: 0,
    ack: 0,
    flags: 0x10,
    window: 1000,
    urgent: 0,
    options: {},
    payload: new Uint8Array(0),
  };
}
