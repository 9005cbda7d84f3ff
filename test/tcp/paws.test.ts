// PAWS and TS.Recent in a synchronized connection (RFC 7323 §4.3, §5): an old TSval makes an otherwise
// acceptable segment an old duplicate; RSTs are judged by sequence number only; TS.Recent follows the
// earliest unacknowledged segment; a TS.Recent idle for more than 24 days is no reference (§5.5); and the
// echo gives an RTT sample even for a retransmitted segment (§4).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, RST, SYN, type Segment } from "../../src/wire/segment.js";
import { PAWS_IDLE_LIMIT } from "../../src/tcp/timestamps.js";
import { MS } from "../../src/tcp/profile.js";
import type { TimerEvent } from "../../src/tcp/events.js";
import { Bench, REMOTE_ISS, listenRecording, concat, type AppLog } from "./harness.js";
import type { Connection } from "../../src/tcp/connection.js";

const DAY = 24 * 3600 * 1_000_000;

interface TsConn {
  b: Bench;
  conn: Connection;
  log: AppLog;
  /** The peer's next sequence number (our RCV.NXT once in order) and our SND.NXT. */
  peerNxt: number;
  ourNxt: number;
  /** The TSval of our SYN,ACK. */
  ourSynTs: number;
}

/** A passive open where both SYNs carry timestamps; the peer's SYN has TSval `peerTs`. */
function openWithTimestamps(rtt = 10_000, peerTs = 10_000, withTimestamps = true): TsConn {
  const b = new Bench();
  const { accepted } = listenRecording(b);
  b.feed({
    flags: SYN,
    seq: REMOTE_ISS,
    options: withTimestamps ? { mss: 1460, timestamp: { val: peerTs, ecr: 0 } } : { mss: 1460 },
  });
  const sa = b.one();
  const ourSynTs = sa.options.timestamp?.val ?? 0;
  if (withTimestamps) assert.ok(sa.options.timestamp, "timestamps negotiated");
  b.at(b.now + rtt);
  b.feed({
    flags: ACK,
    seq: REMOTE_ISS + 1,
    ack: (sa.seq + 1) >>> 0,
    ...(withTimestamps ? { options: { timestamp: { val: peerTs + 1, ecr: ourSynTs } } } : {}),
  });
  const child = accepted[0]!;
  assert.equal(child.conn.state, "ESTABLISHED");
  return {
    b,
    conn: child.conn,
    log: child.log,
    peerNxt: REMOTE_ISS + 1,
    ourNxt: (sa.seq + 1) >>> 0,
    ourSynTs,
  };
}

/** The peer sends `len` bytes at `seq` (default: in order) with timestamp `tsval`. */
function data(c: TsConn, len: number, tsval: number, seq = c.peerNxt, flags = ACK): void {
  c.b.feed({
    flags,
    seq: seq >>> 0,
    ack: c.ourNxt,
    payload: new Uint8Array(len).fill(tsval & 0xff),
    options: { timestamp: { val: tsval >>> 0, ecr: c.ourSynTs } },
  });
}

/** Segments we send within `dt` µs (immediate and delayed ACKs alike). */
function settle(c: TsConn, dt = 500_000): Segment[] {
  c.b.runTo(c.b.now + dt);
  return c.b.take();
}

const delivered = (log: AppLog): number => concat(log.data).length;

// ---------------------------------------------------------------- R1: PAWS

test("ESTABLISHED: data with an old TSval at RCV.NXT is dropped ('paws'), counted, ACKed, and not delivered", () => {
  const c = openWithTimestamps();
  data(c, 100, 10_005);
  c.peerNxt += 100;
  settle(c);
  assert.equal(delivered(c.log), 100);
  const before = c.b.host.counters.pawsRejected;
  const m = c.b.mark();
  data(c, 200, 10_003); // in sequence, so only the timestamp can make it unacceptable
  assert.deepEqual(
    c.b.drops(m).map((d) => d.reason),
    ["paws"],
  );
  assert.equal(c.b.host.counters.pawsRejected, before + 1);
  const replies = settle(c);
  assert.ok(replies.length >= 1, "RFC 7323 §5.3 R1: an acknowledgment is sent in reply");
  for (const s of replies) {
    assert.equal(s.ack, c.peerNxt, "RCV.NXT did not move");
    assert.equal(s.options.timestamp?.ecr, 10_005, "the rejected TSval did not become TS.Recent");
  }
  assert.equal(delivered(c.log), 100, "the 200 bytes were not delivered");
  // The same bytes with a current timestamp are taken: it was the TSval, not the sequence number.
  data(c, 200, 10_006);
  settle(c);
  assert.equal(delivered(c.log), 300);
  assert.equal(c.b.host.counters.pawsRejected, before + 1);
});

test("PAWS compares timestamps modulo 2^32 (RFC 7323 §5.3): a TSval that wrapped past 0 is newer", () => {
  const c = openWithTimestamps(10_000, 0xffff_fff0);
  data(c, 100, 0xffff_fff8);
  c.peerNxt += 100;
  data(c, 100, 5); // wrapped: 13 ticks later
  c.peerNxt += 100;
  const m = c.b.mark();
  data(c, 100, 0xffff_fffa); // before 5 in modular order
  assert.deepEqual(
    c.b.drops(m).map((d) => d.reason),
    ["paws"],
  );
  settle(c);
  assert.equal(delivered(c.log), 200);
});

test("a pure ACK with an old TSval is dropped by PAWS: its acknowledgment is not taken and the data is resent", () => {
  const results: Array<{ rejected: number; retransmitted: number }> = [];
  for (const tsval of [10_000, 10_002]) {
    // 10_000 is older than TS.Recent (10_001, from the handshake's ACK); 10_002 is current.
    const c = openWithTimestamps();
    c.conn.send(new Uint8Array(100), c.b.now);
    const sent = c.b.one();
    c.b.at(c.b.now + 10_000);
    c.b.feed({
      flags: ACK,
      seq: c.peerNxt,
      ack: (sent.seq + 100) >>> 0,
      options: { timestamp: { val: tsval, ecr: sent.options.timestamp!.val } },
    });
    const later = settle(c, 3_000_000);
    results.push({
      rejected: c.b.host.counters.pawsRejected,
      retransmitted: later.filter((s) => s.seq === sent.seq && s.payload.length === 100).length,
    });
  }
  assert.ok(results[0]!.rejected === 1 && results[0]!.retransmitted >= 1, JSON.stringify(results[0]));
  assert.deepEqual(results[1], { rejected: 0, retransmitted: 0 });
});

test("an RST is not subject to PAWS: an exact RST with an old TSval still resets the connection", () => {
  const c = openWithTimestamps();
  data(c, 100, 10_050);
  c.peerNxt += 100;
  settle(c);
  data(c, 0, 10_000, c.peerNxt, RST);
  assert.equal(c.conn.state, "CLOSED");
  assert.deepEqual(c.log.closes, ["ECONNRESET"]);
  assert.equal(c.b.host.counters.pawsRejected, 0);
});

// ---------------------------------------------------------------- R3: TS.Recent (RFC 7323 §4.3)

test("TS.Recent follows in-order data, ignores out-of-order and old segments, and takes a hole's filler", () => {
  const c = openWithTimestamps();
  const start = c.peerNxt;
  const echo = (): number[] => settle(c).map((s) => s.options.timestamp!.ecr);

  data(c, 100, 10_010, start);
  assert.deepEqual([...new Set(echo())], [10_010], "in order: its TSval is echoed");

  // Out of order (SEG.SEQ > Last.ACK.sent): it does not advance TS.Recent, whatever its TSval.
  data(c, 100, 10_030, start + 200);
  assert.deepEqual([...new Set(echo())], [10_010], "a segment beyond a hole: the older TS.Recent stays");

  // An old duplicate (entirely below RCV.NXT) is not acceptable: its newer TSval is not recorded either.
  data(c, 100, 10_040, start);
  assert.deepEqual([...new Set(echo())], [10_010], "an unacceptable segment leaves TS.Recent alone");

  // The segment filling the hole starts at Last.ACK.sent: its TSval is the one to echo (§4.3 case C).
  data(c, 100, 10_020, start + 100);
  const afterFill = settle(c).filter((s) => s.ack === start + 300);
  assert.ok(afterFill.length >= 1, "the filled hole is acknowledged");
  assert.equal(afterFill[0]!.options.timestamp!.ecr, 10_020);
  assert.equal(delivered(c.log), 300);
});

test("a TSval equal to TS.Recent is not old (R1 rejects only SEG.TSval < TS.Recent)", () => {
  const c = openWithTimestamps();
  data(c, 100, 10_010);
  c.peerNxt += 100;
  data(c, 100, 10_010);
  c.peerNxt += 100;
  settle(c);
  assert.equal(delivered(c.log), 200);
  assert.equal(c.b.host.counters.pawsRejected, 0);
});

test("each ACK echoes the TSval of the earliest segment it newly acknowledges (RFC 7323 §4.3, delayed ACKs)", () => {
  const c = openWithTimestamps();
  // Back-to-back segments: whether they are acknowledged together or one by one, the echo must name the
  // first segment each ACK covers, so that the peer's RTT sample includes any ACK delay.
  const fed: Array<{ seq: number; tsval: number }> = [];
  for (let i = 0; i < 6; i++) {
    fed.push({ seq: c.peerNxt, tsval: 10_100 + i });
    data(c, 500, 10_100 + i);
    c.peerNxt += 500;
    if (i % 2 === 1) c.b.at(c.b.now + 1000);
  }
  const acks = settle(c).filter((s) => s.flags & ACK);
  let covered = REMOTE_ISS + 1;
  let checked = 0;
  for (const a of acks) {
    if (a.ack === covered) continue; // nothing new acknowledged
    const first = fed.find((f) => f.seq === covered);
    assert.ok(first, `ACK ${a.ack} starts at a segment boundary`);
    assert.equal(a.options.timestamp!.ecr, first.tsval, `ACK ${a.ack - REMOTE_ISS - 1}`);
    covered = a.ack;
    checked++;
  }
  assert.equal(covered, c.peerNxt, "everything was acknowledged");
  assert.ok(checked >= 1);
});

// ---------------------------------------------------------------- §5.5: outdated timestamps

/** A connection whose TS.Recent (50000) has been idle for `idle` µs when a segment with TSval 40000 arrives. */
function idleThenOldTsval(idle: number): { c: TsConn; dropped: string[]; acks: Segment[] } {
  const c = openWithTimestamps();
  data(c, 100, 50_000);
  c.peerNxt += 100;
  settle(c);
  c.b.at(c.b.now + idle);
  const m = c.b.mark();
  data(c, 100, 40_000); // the peer's clock may have wrapped its sign bit: the TSval looks old
  const dropped = c.b.drops(m).map((d) => d.reason);
  if (dropped.length === 0) c.peerNxt += 100;
  const acks = settle(c).filter((s) => s.ack === c.peerNxt);
  return { c, dropped, acks };
}

test("a TS.Recent idle for less than 24 days is still a reference: an old TSval is rejected", () => {
  const { c, dropped } = idleThenOldTsval(23 * DAY);
  assert.deepEqual(dropped, ["paws"]);
  assert.equal(delivered(c.log), 100);
  assert.ok(PAWS_IDLE_LIMIT > 23 * DAY);
});

test("a TS.Recent idle for more than 24 days is invalid: a segment with an older TSval is accepted (§5.5)", () => {
  const { c, dropped, acks } = idleThenOldTsval(25 * DAY);
  assert.deepEqual(dropped, [], "accepted despite TSval < TS.Recent");
  assert.equal(delivered(c.log), 200);
  assert.ok(acks.length >= 1, "and acknowledged");
  assert.ok(PAWS_IDLE_LIMIT < 25 * DAY);
});

test("after 24 idle days R3 adopts the accepted segment's TSval: it is echoed and PAWS has a reference again (§5.5)", () => {
  const { c, acks } = idleThenOldTsval(25 * DAY);
  assert.ok(acks.length >= 1);
  // RFC 7323 §5.5: "rule R3 updates TS.Recent with the TSval from the new segment" — so the echo is the
  // new TSval, not one 25 days old, and TS.Recent is a valid reference again.
  assert.equal(acks[0]!.options.timestamp!.ecr, 40_000, "TS.Recent re-established from the segment");
  const m = c.b.mark();
  data(c, 100, 39_000);
  assert.deepEqual(
    c.b.drops(m).map((d) => d.reason),
    ["paws"],
    "a TSval older than the re-established TS.Recent is rejected again",
  );
});

// ---------------------------------------------------------------- §4: RTT from the echo

/** The RTO the connection arms for fresh data after a timeout, its retransmission and its late ACK. */
function rtoAfterRetransmission(withTimestamps: boolean): number {
  const rtt = 400 * MS;
  const c = openWithTimestamps(rtt, 10_000, withTimestamps);
  c.conn.send(new Uint8Array(100), c.b.now);
  const first = c.b.one();
  // The segment is lost: the timer fires and the segment goes again.
  let rtx: Segment | undefined;
  while (!rtx) {
    c.b.runTo(c.b.host.nextDeadline());
    rtx = c.b.take().find((s) => s.seq === first.seq && s.payload.length === 100);
  }
  // The retransmission's ACK arrives one (unchanged) RTT later, echoing the retransmission's TSval.
  c.b.at(c.b.now + rtt);
  c.b.feed({
    flags: ACK,
    seq: c.peerNxt,
    ack: (first.seq + 100) >>> 0,
    ...(withTimestamps ? { options: { timestamp: { val: 20_000, ecr: rtx.options.timestamp!.val } } } : {}),
  });
  c.b.at(c.b.now + 1000);
  const m = c.b.mark();
  c.conn.send(new Uint8Array(100), c.b.now);
  const armed = c.b
    .timers(m, "retransmit")
    .filter((e): e is TimerEvent & { deadline: number } => e.deadline !== undefined);
  assert.ok(armed.length >= 1, "fresh data arms the retransmission timer");
  return armed.at(-1)!.deadline - armed.at(-1)!.t;
}

test("the ACK of a retransmission still gives an RTT sample through its echo (RFC 7323 §4), Karn's rule without", () => {
  const karn = rtoAfterRetransmission(false);
  const echoed = rtoAfterRetransmission(true);
  // Without timestamps Karn's rule takes no sample: the RTO stays what the handshake's RTT made it.
  // With them the echo names the retransmission: a sample equal to SRTT shrinks RTTVAR and so the RTO.
  // (A sample taken from the first transmission would be 1.5 RTO too long and grow it instead.)
  assert.ok(echoed < karn, `RTO with the echo ${echoed} µs, without ${karn} µs`);
});
