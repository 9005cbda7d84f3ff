// ISNs per RFC 9293 §3.4.1 / RFC 6528 (M + F(4-tuple, key), M the profile's clock; the key from the seed)
// and the host's nstat-style counters after a known sequence of segments.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, RST, SYN } from "../../src/wire/segment.js";
import {
  Bench,
  PEER_SYN_OPTIONS,
  REMOTE,
  REMOTE_ISS,
  bytes,
  listenRecording,
  passiveOpen,
} from "../tcp/harness.js";
import type { ProfileName } from "../../src/tcp/profile.js";

function issAt(seed: number, t: number, srcPort = 40000, profile: ProfileName = "linux"): number {
  const b = new Bench({}, { seed, profile });
  listenRecording(b);
  b.at(t).feed({ flags: SYN, seq: REMOTE_ISS, srcPort, options: PEER_SYN_OPTIONS });
  return b.one().seq;
}

test("ISN: the same seed, 4-tuple and time give the same ISN on two hosts (deterministic runs)", () => {
  assert.equal(issAt(7, 0), issAt(7, 0));
  assert.equal(issAt(99, 123_456), issAt(99, 123_456));
});

test("ISN: another seed gives another ISN; another 4-tuple gives another ISN (keyed hash F)", () => {
  assert.notEqual(issAt(7, 0), issAt(8, 0));
  assert.notEqual(issAt(7, 0, 40000), issAt(7, 0, 40001));
});

test("ISN: under rfc M ticks every 4 µs (RFC 793 §3.3, RFC 9293 §3.4.1): 250 000 a second", () => {
  const base = issAt(7, 0, 40000, "rfc");
  assert.equal((issAt(7, 4_000, 40000, "rfc") - base) >>> 0, 1000);
  assert.equal((issAt(7, 1_000_000, 40000, "rfc") - base) >>> 0, 250_000);
});

test("ISN: under linux M is ns >> 6 (secure_seq.c seq_scale): 15.625 per µs, wrapping after ~275 s", () => {
  const base = issAt(7, 0);
  assert.equal((issAt(7, 64) - base) >>> 0, 1000);
  assert.equal((issAt(7, 1_000_000) - base) >>> 0, 15_625_000);
  // 2^32 ticks of 64 ns take 274.877906944 s: 1.056 µs past that, M has wrapped round to 16.
  assert.equal((issAt(7, 274_877_908) - base) >>> 0, 16);
});

test("ISN for active opens follows the same rule", () => {
  const iss = (seed: number, t: number, profile: ProfileName): number => {
    const b = new Bench({}, { seed, profile });
    b.at(t);
    b.host.connect({ address: REMOTE, port: 80, localPort: 33333 }, {});
    return b.one().seq;
  };
  assert.equal(iss(5, 0, "linux"), iss(5, 0, "linux"));
  assert.equal((iss(5, 400, "rfc") - iss(5, 0, "rfc")) >>> 0, 100);
  assert.equal((iss(5, 400, "linux") - iss(5, 0, "linux")) >>> 0, 6250);
  // FreeBSD tcp_new_isn: 1 MiB a second, and at least 4096 more per ISN handed out.
  assert.equal((iss(5, 1_000_000, "bsd") - iss(5, 0, "bsd")) >>> 0, 1_048_576);
});

test("ISN under bsd: a SYN,ACK's ISS is random (FreeBSD syncache arc4random), not the clock", () => {
  const a = issAt(7, 0, 40000, "bsd");
  const b = issAt(7, 4_000, 40000, "bsd");
  // Not clock-driven: the difference is not the 4 ms of a 1 MiB/s clock (4194), and the same seed and time
  // still give the same ISS (the random source is deterministic per seed).
  assert.notEqual((b - a) >>> 0, 4194);
  assert.equal(a, issAt(7, 0, 40000, "bsd"));
});

test("counters after a known exchange: segments in/out, opens, resets, RSTs, drops per reason", () => {
  const b = new Bench();
  const p = passiveOpen(b); // SYN in, SYN,ACK out, ACK in
  assert.equal(b.host.counters.inSegs, 2);
  assert.equal(b.host.counters.outSegs, 1);
  assert.equal(b.host.counters.passiveOpens, 1);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("data") });
  b.runTo(b.now + 200_000);
  const acks = b.take().length;
  assert.ok(acks >= 1);
  b.feed({ flags: RST, seq: p.peerNxt + 4 });
  assert.equal(b.host.counters.estabResets, 1);
  // A segment to a closed port draws an RST.
  b.feed({ flags: ACK, seq: 1, ack: 2, dstPort: 9999 });
  assert.equal(b.one().flags, RST);
  const c = b.host.counters;
  assert.equal(c.inSegs, 5);
  assert.equal(c.outSegs, 1 + acks + 1);
  assert.equal(c.outRsts, 1);
  assert.equal(c.dropCount("closed-port"), 1);
  const snap = c.snapshot();
  assert.equal(snap["drop:closed-port"], 1);
  assert.equal(snap.inSegs, 5);
  assert.equal(snap.estabResets, 1);
});

test("outSegs equals the segment-sent events and inSegs the segment-received events", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  p.conn.send(bytes("x".repeat(5000)), b.now);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 1460 });
  b.runTo(b.now + 5_000_000);
  const sent = b.trace.events.filter((e) => e.kind === "segment-sent").length;
  const received = b.trace.events.filter((e) => e.kind === "segment-received").length;
  assert.equal(b.host.counters.outSegs, sent);
  assert.equal(b.host.counters.inSegs, received);
  assert.ok(b.host.counters.retransSegs > 0);
  assert.equal(
    b.host.counters.retransSegs,
    b.trace.events.filter((e) => e.kind === "segment-sent" && e.retransmission).length,
  );
});

test("stateCounts agrees with the connections and TIME_WAIT records", () => {
  const b = new Bench({ synCookies: "off" });
  listenRecording(b);
  for (let i = 0; i < 3; i++) b.feed({ flags: SYN, seq: 100, srcPort: 41000 + i });
  b.host.connect({ address: REMOTE, port: 9, localPort: 30000 }, {});
  const counts = b.host.stateCounts();
  assert.equal(counts.LISTEN, 1);
  assert.equal(counts.SYN_RECEIVED, 3);
  assert.equal(counts.SYN_SENT, 1);
  assert.equal(counts.TIME_WAIT, 0);
  assert.equal(
    Object.values(counts).reduce((a, n) => a + n, 0),
    b.host.connections().length + 1,
  );
});
