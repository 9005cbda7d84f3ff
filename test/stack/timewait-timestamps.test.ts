// Timestamps in TIME_WAIT seen from the wire (Linux tcp_timewait_state_process, RFC 7323, RFC 6191): ACKs
// sent from TIME_WAIT carry TSval/TSecr when the connection used timestamps, an old TSval is rejected by
// PAWS and answered, an acceptable bare ACK refreshes TS.Recent, and a SYN with a newer TSval reopens the
// 4-tuple although its sequence number is below the old RCV.NXT.
//
// The connection's timestamp state is set by hand just before its last segment, as negotiation would
// have left it: the host's TIME_WAIT only reads conn.ts (ok, recent, recentAt) when the record is made.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, FIN, SYN, type Segment } from "../../src/wire/segment.js";
import {
  Bench,
  LOCAL,
  LOCAL_PORT,
  PEER_SYN_OPTIONS,
  REMOTE,
  REMOTE_PORT,
  placeIn,
  type Placed,
} from "../tcp/harness.js";

const TW = 60_000_000;
const RECENT = 3_000_000;

const ts = (val: number, ecr = 0) => ({ timestamp: { val: val >>> 0, ecr } });

/** A passively opened connection in TIME_WAIT whose TS.Recent is `recent` (set at the peer's FIN). */
function timeWaitWithTimestamps(b: Bench, recent = RECENT): Placed {
  const p = placeIn(b, "FIN_WAIT_2");
  p.conn.ts.ok = true;
  p.conn.ts.recent = recent;
  p.conn.ts.recentAt = b.now;
  b.at(b.now + 10_000);
  b.feed({ flags: ACK | FIN, seq: p.peerNxt, ack: p.ourNxt, options: ts(recent, p.conn.ts.val(b.now)) });
  p.peerNxt = (p.peerNxt + 1) >>> 0;
  b.take();
  assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
  return p;
}

/** Our TSval at `now` for the bench's 4-tuple: the 1 ms clock plus the keyed per-4-tuple offset. */
function ourTsval(b: Bench, now: number): number {
  return (Math.floor(now / 1000) + b.host.tsOffset(LOCAL, LOCAL_PORT, REMOTE, REMOTE_PORT)) >>> 0;
}

test("PAWS in TIME_WAIT: an ACK with an old TSval is dropped as 'paws' and answered with a timestamped ACK", () => {
  const b = new Bench();
  const p = timeWaitWithTimestamps(b);
  const m = b.mark();
  const before = b.host.counters.pawsRejected;
  b.feedAt(b.now + 2_000_000, { flags: ACK, seq: p.peerNxt, ack: p.ourNxt, options: ts(RECENT - 1) });
  const ack: Segment = b.one();
  assert.equal(ack.flags, ACK);
  assert.equal(ack.seq, p.ourNxt);
  assert.equal(ack.ack, p.peerNxt);
  assert.deepEqual(ack.options.timestamp, { val: ourTsval(b, b.now), ecr: RECENT });
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["paws"],
  );
  assert.equal(b.host.counters.pawsRejected, before + 1);
  assert.equal(b.timers(m, "time-wait").length, 0, "a rejected segment does not restart 2·MSL here");
  assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
});

test("the same ACK with a newer TSval restarts TIME_WAIT silently and becomes TS.Recent (then older ones are PAWS)", () => {
  const b = new Bench();
  const p = timeWaitWithTimestamps(b);
  const m = b.mark();
  const newer = RECENT + 5_000;
  b.feedAt(b.now + 2_000_000, { flags: ACK, seq: p.peerNxt, ack: p.ourNxt, options: ts(newer) });
  b.none();
  assert.deepEqual(
    b.timers(m, "time-wait").map((e) => [e.action, e.deadline]),
    [["restarted", b.now + TW]],
  );
  // Between the old TS.Recent and the new one: acceptable before, PAWS now; the echo shows the new value.
  const m2 = b.mark();
  b.feedAt(b.now + 1_000, { flags: ACK, seq: p.peerNxt, ack: p.ourNxt, options: ts(RECENT + 1) });
  assert.deepEqual(b.one().options.timestamp, { val: ourTsval(b, b.now), ecr: newer });
  assert.deepEqual(
    b.drops(m2).map((d) => d.reason),
    ["paws"],
  );
});

test("a retransmitted FIN is re-ACKed from TIME_WAIT with TSecr = TS.Recent", () => {
  const b = new Bench();
  const p = timeWaitWithTimestamps(b);
  b.feedAt(b.now + 300_000, {
    flags: ACK | FIN,
    seq: p.peerNxt - 1,
    ack: p.ourNxt,
    options: ts(RECENT + 300),
  });
  const ack = b.one();
  assert.equal(ack.ack, p.peerNxt);
  assert.deepEqual(ack.options.timestamp, { val: ourTsval(b, b.now), ecr: RECENT });
});

test("without timestamps on the old connection, ACKs from TIME_WAIT carry no timestamp and TSvals are not judged", () => {
  const b = new Bench();
  const p = placeIn(b, "TIME_WAIT");
  b.feed({ flags: ACK | FIN, seq: p.peerNxt - 1, ack: p.ourNxt, options: ts(1) });
  const ack = b.one();
  assert.equal(ack.options.timestamp, undefined);
  assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
});

test("RFC 6191: a SYN with a newer TSval but a sequence number below RCV.NXT reopens the 4-tuple", () => {
  const b = new Bench();
  const p = timeWaitWithTimestamps(b);
  const m = b.mark();
  b.at(b.now + 10_000).feed({
    flags: SYN,
    seq: p.peerNxt - 500,
    options: { ...PEER_SYN_OPTIONS, ...ts(RECENT + 10) },
  });
  const sa = b.one();
  assert.equal(sa.flags, SYN | ACK);
  assert.equal(sa.ack, p.peerNxt - 500 + 1);
  // 10 ms after the old handshake the clock-driven ISN is far below the floor: ISS = old SND.NXT + 65537.
  assert.equal(sa.seq, (p.ourNxt + 65537) >>> 0);
  assert.deepEqual(b.transitions(m), ["TIME_WAIT>CLOSED", "CLOSED>SYN_RECEIVED"]);
  assert.equal(b.host.timeWaitEntries, 0);
  assert.equal(b.host.counters.timeWaitRecycled, 1);
});

test("RFC 6191: a SYN with an older TSval does not reopen, even with a sequence number above RCV.NXT (PAWS, ACKed)", () => {
  const b = new Bench();
  const p = timeWaitWithTimestamps(b);
  const m = b.mark();
  b.feed({ flags: SYN, seq: p.peerNxt + 100_000, options: { ...PEER_SYN_OPTIONS, ...ts(RECENT - 10) } });
  const ack = b.one();
  assert.equal(ack.flags, ACK);
  assert.equal(ack.ack, p.peerNxt);
  assert.deepEqual(ack.options.timestamp, { val: ourTsval(b, b.now), ecr: RECENT });
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["paws"],
  );
  assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 0);
});
