import { test } from "node:test";
import assert from "node:assert/strict";
import { countNetwork, networkEvents, pair, sendMany } from "./helpers.js";
import { makeSegment, RecordingEndpoint } from "./fake-endpoints.js";
import { Simulator } from "../../src/sim/simulator.js";
import { all, flagsAre, fromState, hasFlags, pureAck, seqIs, withPayload } from "../../src/sim/match.js";
import { SimError } from "../../src/sim/sim-error.js";
import { ACK, FIN, SYN } from "../../src/wire/segment.js";
import type { TcpState } from "../../src/tcp/state.js";
import { encodeSegment } from "../../src/wire/codec.js";

const seqs = (p: ReturnType<typeof pair>) => p.b.arrivals.map((x) => x.seg.seq);

test("drop by index: the 3rd segment on the link, once", () => {
  const p = pair();
  const f = p.sim.fault({ name: "lose-third", action: "drop", from: "a", nth: 3 });
  sendMany(p, 6, 10);
  p.sim.runUntilIdle();
  assert.deepEqual(seqs(p), [0, 1, 3, 4, 5]);
  assert.equal(f.hits, 1);
  const drops = networkEvents(p.sim).filter((e) => e.action === "drop");
  assert.equal(drops.length, 1);
  assert.equal(drops[0]!.reason, "fault");
  assert.equal(drops[0]!.fault, "lose-third");
  assert.equal(p.sim.linkDirection("a", "b").counters.dropped.fault, 1);
});

test("drop n times and always", () => {
  const p = pair();
  p.sim.fault({ name: "two", action: "drop", nth: 2, times: 2 });
  sendMany(p, 6, 10);
  p.sim.runUntilIdle();
  assert.deepEqual(seqs(p), [0, 3, 4, 5]);

  const q = pair();
  q.sim.fault({ name: "blackhole", action: "drop", to: "b", nth: 4, times: Infinity });
  sendMany(q, 10, 10);
  q.sim.runUntilIdle();
  assert.deepEqual(seqs(q), [0, 1, 2]);
});

test("predicate over flags, sequence numbers and payload; candidates counted per predicate", () => {
  const p = pair();
  const f = p.sim.fault({ name: "second-data", action: "drop", match: withPayload(), nth: 2 });
  const shapes = [
    { flags: SYN, payload: new Uint8Array(0) },
    { flags: ACK, payload: new Uint8Array(10) },
    { flags: ACK, payload: new Uint8Array(0) },
    { flags: ACK, payload: new Uint8Array(10) }, // second segment with payload: dropped
    { flags: ACK | FIN, payload: new Uint8Array(0) },
  ];
  shapes.forEach((s, i) => p.sim.at(i, (now) => p.a.send(makeSegment(p.a, p.b, { seq: i, ...s }), now)));
  p.sim.fault({ name: "the-fin", action: "drop", match: hasFlags(FIN) });
  p.sim.runUntilIdle();
  assert.deepEqual(seqs(p), [0, 1, 2]);
  assert.equal(f.candidates, 2);

  const q = pair();
  q.sim.fault({ name: "seq-7", action: "drop", match: all(seqIs(7), flagsAre(ACK)) });
  q.sim.fault({ name: "pure-acks", action: "drop", match: pureAck, times: Infinity, nth: 1, from: "b" });
  sendMany(q, 10, 10);
  q.sim.runUntilIdle();
  assert.deepEqual(
    q.b.arrivals.map((x) => x.seg.seq),
    [0, 1, 2, 3, 4, 5, 6, 8, 9],
  );
});

test("scope: from and to restrict the fault to one direction", () => {
  const p = pair();
  p.sim.fault({ name: "b-only", action: "drop", from: "b", times: Infinity });
  sendMany(p, 3, 10);
  p.sim.at(100, (now) => p.b.send(makeSegment(p.b, p.a), now));
  p.sim.runUntilIdle();
  assert.equal(p.b.arrivals.length, 3);
  assert.equal(p.a.arrivals.length, 0);
  assert.throws(
    () => p.sim.fault({ name: "x", action: "drop", from: "nobody" }),
    (e: unknown) => e instanceof SimError && e.code === "ERR_SIM_UNKNOWN_HOST",
  );
});

test("the predicate sees the sender's TCP state through the stateOf hook, and the indices", () => {
  const sim = new Simulator();
  let state = "ESTABLISHED";
  const a = sim.addHost(new RecordingEndpoint("a", 1, sim.trace), { stateOf: () => state });
  const b = sim.addHost(new RecordingEndpoint("b", 2, sim.trace));
  sim.link("a", "b");
  const seen: Array<[number, number, string | undefined]> = [];
  sim.fault({
    name: "observe",
    action: "drop",
    match: (_seg, ctx) => {
      seen.push([ctx.linkIndex, ctx.hostIndex, ctx.stateOf()]);
      return false;
    },
  });
  const f = sim.fault({ name: "lose-last-ack-fin", action: "drop", match: fromState("LAST_ACK") });
  sim.at(0, (now) => a.send(makeSegment(a, b, { seq: 1 }), now));
  sim.at(10, (now) => {
    state = "LAST_ACK";
    a.send(makeSegment(a, b, { seq: 2, flags: FIN | ACK }), now);
  });
  sim.at(20, (now) => a.send(makeSegment(a, b, { seq: 3, dstAddr: 99 }), now)); // no route
  sim.at(30, (now) => b.send(makeSegment(b, a, { seq: 4 }), now));
  sim.runUntilIdle();
  assert.deepEqual(
    b.arrivals.map((x) => x.seg.seq),
    [1],
  );
  assert.equal(f.hits, 1);
  assert.deepEqual(seen, [
    [0, 0, "ESTABLISHED"],
    [1, 1, "LAST_ACK"],
    [0, 0, undefined],
  ]);
  assert.equal(countNetwork(sim, "drop", "no-route"), 1);
});

test("delay by Δ: the chosen segment arrives Δ later and is overtaken; the trace names the fault", () => {
  const p = pair({ delay: 1000 });
  p.sim.fault({ name: "hold-second", action: "delay", delay: 5000, nth: 2 });
  sendMany(p, 4, 100);
  p.sim.runUntilIdle();
  assert.deepEqual(seqs(p), [0, 2, 3, 1]);
  assert.equal(p.b.arrivals[3]!.t, 100 + 1000 + 5000);
  const delays = networkEvents(p.sim).filter((e) => e.action === "delay");
  assert.equal(delays.length, 1);
  assert.equal(delays[0]!.fault, "hold-second");
  assert.equal(delays[0]!.t, 100, "the decision is traced when the packet is sent");
});

test("MSL: a segment that would outlive the MSL is discarded at sent + MSL; exactly MSL still arrives", () => {
  const p = pair({ delay: 1000 }, { msl: 60_000 });
  p.sim.fault({ name: "too-old", action: "delay", delay: 59_001, nth: 1 }); // 60 001 µs in flight
  p.sim.fault({ name: "just-in-time", action: "delay", delay: 59_000, nth: 2 }); // exactly 60 000 µs
  sendMany(p, 2, 10);
  p.sim.runUntilIdle();
  assert.deepEqual(seqs(p), [1]);
  assert.equal(p.b.arrivals[0]!.t, 10 + 60_000);
  const expired = networkEvents(p.sim).filter((e) => e.reason === "msl-expired");
  assert.equal(expired.length, 1);
  assert.equal(expired[0]!.t, 60_000);
  assert.equal(p.sim.linkDirection("a", "b").counters.dropped["msl-expired"], 1);
});

test("MSL applies to plain link delay too; msl Infinity turns it off", () => {
  const p = pair({ delay: 200_000 }, { msl: 100_000 });
  sendMany(p, 3, 10);
  p.sim.runUntilIdle();
  assert.equal(p.b.arrivals.length, 0);
  assert.equal(countNetwork(p.sim, "drop", "msl-expired"), 3);

  const q = pair({ delay: 200_000 }, { msl: Infinity });
  sendMany(q, 3, 10);
  q.sim.runUntilIdle();
  assert.equal(q.b.arrivals.length, 3);
});

test("duplicate: a second copy arrives (optionally later), same packet id", () => {
  const p = pair({ delay: 1000 });
  p.sim.fault({ name: "echo-first", action: "duplicate", nth: 1, delay: 7000 });
  sendMany(p, 2, 100);
  p.sim.runUntilIdle();
  assert.deepEqual(
    p.b.arrivals.map((x) => [x.seg.seq, x.t]),
    [
      [0, 1000],
      [1, 1100],
      [0, 8000],
    ],
  );
  assert.equal(p.b.arrivals[0]!.id, p.b.arrivals[2]!.id);
  const dup = networkEvents(p.sim).filter((e) => e.action === "duplicate");
  assert.equal(dup.length, 1);
  assert.equal(dup[0]!.fault, "echo-first");
});

test("corrupt: the chosen segment arrives as bytes the receiver rejects", () => {
  const p = pair();
  p.sim.fault({ name: "flip", action: "corrupt", match: hasFlags(SYN) });
  p.sim.at(0, (now) => p.a.send(makeSegment(p.a, p.b, { flags: SYN, seq: 5 }), now));
  p.sim.at(10, (now) => p.a.send(makeSegment(p.a, p.b, { flags: SYN, seq: 6 }), now));
  p.sim.runUntilIdle();
  assert.equal(p.b.rejections.length, 1);
  assert.deepEqual(seqs(p), [6]);
  const c = networkEvents(p.sim).filter((e) => e.action === "corrupt");
  assert.equal(c.length, 1);
  assert.equal(c[0]!.fault, "flip");
});

test("faults combine: delay and duplicate on one segment", () => {
  const p = pair({ delay: 10 });
  p.sim.fault({ name: "late", action: "delay", delay: 100 });
  p.sim.fault({ name: "twice", action: "duplicate" });
  sendMany(p, 1);
  p.sim.runUntilIdle();
  assert.deepEqual(
    p.b.arrivals.map((x) => x.t),
    [110, 110],
  );
});

test("a cancelled fault stops acting", () => {
  const p = pair();
  const f = p.sim.fault({ name: "all", action: "drop", times: Infinity });
  sendMany(p, 2, 10);
  p.sim.at(15, () => f.cancel());
  sendMany(p, 2, 10, 20);
  p.sim.runUntilIdle();
  assert.equal(p.b.arrivals.length, 2);
  assert.equal(f.hits, 2);
});

test("inject: a crafted segment at an exact time, traced under the injection's name", () => {
  const p = pair();
  const old = makeSegment(p.b, p.a, { seq: 301, payload: new Uint8Array([1, 2, 3]) });
  p.sim.inject({ name: "old-duplicate", at: 5000, seg: old, delay: 250, from: "b" });
  p.sim.runUntilIdle();
  assert.equal(p.a.arrivals.length, 1);
  assert.equal(p.a.arrivals[0]!.t, 5250);
  assert.equal(p.a.arrivals[0]!.seg.seq, 301);
  const ev = networkEvents(p.sim);
  assert.deepEqual(
    ev.map((e) => [e.action, e.t, e.fault, e.from, e.to]),
    [
      ["inject", 5000, "old-duplicate", "b", "a"],
      ["deliver", 5250, "old-duplicate", "b", "a"],
    ],
  );
  assert.equal(ev[0]!.id, p.a.arrivals[0]!.id);
});

test("inject raw bytes goes through inputPacket; injections respect the MSL", () => {
  const p = pair({}, { msl: 1000 });
  const bytes = encodeSegment(makeSegment(p.a, p.b, { seq: 9 }));
  bytes[30] = bytes[30]! ^ 0xff; // break the TCP checksum
  p.sim.inject({ name: "garbage", at: 10, bytes, to: "b" });
  p.sim.inject({ name: "clean", at: 20, bytes: encodeSegment(makeSegment(p.a, p.b, { seq: 10 })), to: "b" });
  p.sim.inject({ name: "stale", at: 30, seg: makeSegment(p.a, p.b, { seq: 11 }), delay: 1001 });
  p.sim.runUntilIdle();
  assert.deepEqual(
    p.b.rejections.map((r) => r.reason),
    ["bad-tcp-checksum"],
  );
  assert.deepEqual(seqs(p), [10]);
  assert.equal(countNetwork(p.sim, "drop", "msl-expired"), 1);
  assert.throws(
    () => p.sim.inject({ name: "both", at: 50, bytes, seg: makeSegment(p.a, p.b) }),
    (e: unknown) => e instanceof SimError && e.code === "ERR_SIM_BAD_OPTION",
  );
  assert.throws(
    () => p.sim.inject({ name: "nowhere", at: 50, bytes }),
    (e: unknown) => e instanceof SimError && e.code === "ERR_SIM_BAD_OPTION",
  );
});

test("bad fault specs are rejected with ERR_SIM_BAD_OPTION", () => {
  const p = pair();
  const bad = [
    { name: "", action: "drop" },
    { name: "x", action: "explode" },
    { name: "x", action: "drop", nth: 0 },
    { name: "x", action: "drop", times: 0 },
    { name: "x", action: "delay" },
    { name: "x", action: "delay", delay: -5 },
  ];
  for (const spec of bad) {
    assert.throws(
      () => p.sim.fault(spec as never),
      (e: unknown) => e instanceof SimError && e.code === "ERR_SIM_BAD_OPTION",
      JSON.stringify(spec),
    );
  }
});

test("without a hook, the sender's state is read off the trace's state and segment-sent events", () => {
  const sim = new Simulator();
  const a = sim.addHost(new RecordingEndpoint("a", 1, sim.trace));
  const b = sim.addHost(new RecordingEndpoint("b", 2, sim.trace));
  sim.link("a", "b");
  const conn = "0.0.0.1:40000>0.0.0.2:80";
  const setState = (now: number, from: TcpState, to: TcpState) =>
    sim.trace.emit({ kind: "state", t: now, host: "a", conn, from, to, cause: "test" });
  const seen: Array<string | undefined> = [];
  sim.fault({ name: "observe", action: "drop", match: (_s, ctx) => (seen.push(ctx.stateOf()), false) });
  sim.fault({ name: "fin-in-last-ack", action: "drop", match: all(hasFlags(FIN), fromState("LAST_ACK")) });
  sim.at(0, (now) => {
    setState(now, "SYN_RECEIVED", "ESTABLISHED");
    a.send(makeSegment(a, b, { seq: 1, flags: FIN | ACK }), now, conn); // FIN in ESTABLISHED: kept
  });
  sim.at(10, (now) => {
    setState(now, "CLOSE_WAIT", "LAST_ACK");
    a.send(makeSegment(a, b, { seq: 2, flags: FIN | ACK }), now, conn); // dropped
    a.send(makeSegment(a, b, { seq: 3 }), now, null); // a stateless reply: no state
  });
  sim.at(20, (now) => {
    setState(now, "LAST_ACK", "CLOSED");
    a.send(makeSegment(a, b, { seq: 4, flags: FIN | ACK }), now, conn); // forgotten after CLOSED
  });
  sim.runUntilIdle();
  assert.deepEqual(seen, ["ESTABLISHED", "LAST_ACK", undefined, undefined]);
  assert.deepEqual(
    b.arrivals.map((x) => x.seg.seq),
    [1, 3, 4],
  );
});

test("reorder: the chosen segment swaps places with the next one on its link direction", () => {
  const p = pair({ delay: 1000 });
  p.sim.fault({ name: "swap-second", action: "reorder", nth: 2 });
  sendMany(p, 4, 100);
  p.sim.runUntilIdle();
  assert.deepEqual(seqs(p), [0, 2, 1, 3]);
  // It leaves right behind segment 2 (sent at 200): arrives at 200 + 1000, after it.
  assert.equal(p.b.arrivals[2]!.t, 200 + 1000);
  const delays = networkEvents(p.sim).filter((e) => e.action === "delay");
  assert.equal(delays.length, 1);
  assert.equal(delays[0]!.fault, "swap-second");
});

test("reorder with nothing behind it: the segment goes after the fault's longest wait", () => {
  const p = pair({ delay: 1000 });
  p.sim.fault({ name: "swap-last", action: "reorder", nth: 3, delay: 50_000 });
  sendMany(p, 3, 100);
  p.sim.runUntilIdle();
  assert.deepEqual(seqs(p), [0, 1, 2]);
  assert.equal(p.b.arrivals[2]!.t, 200 + 50_000 + 1000);
});
