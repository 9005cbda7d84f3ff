// Loss recovery as one object (src/tcp/recovery.ts), driven by hand: duplicate ACKs up to DupThresh, the
// NewReno partial ACK, the full ACK that ends recovery, SACK's early entry, RACK's verdict, and the timeout.
// An ACK goes through two phases (onAck, shouldEnter); the connection runs its loss detection in between.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Recovery } from "../../src/tcp/recovery.js";
import { Sender } from "../../src/tcp/sender.js";
import { makeProfile } from "../../src/tcp/profile.js";
import { ACK, EMPTY_PAYLOAD, type Segment } from "../../src/wire/segment.js";

const MSS = 1000;

function setup(): { snd: Sender; rec: Recovery } {
  const snd = new Sender(makeProfile("rfc"));
  snd.init(0);
  snd.mss = MSS;
  snd.cc.init(MSS, 0);
  snd.buffer.write(new Uint8Array(10 * MSS));
  snd.sndNxt = snd.sndMax = 1 + 10 * MSS; // ten segments in flight
  snd.sndUna = 1;
  const rec = new Recovery(snd);
  rec.start(0);
  return { snd, rec };
}

function ack(n: number, sack?: Array<[number, number]>): Segment {
  return {
    srcAddr: 2,
    dstAddr: 1,
    srcPort: 80,
    dstPort: 1000,
    seq: 1,
    ack: n,
    flags: ACK,
    window: 65535,
    urgent: 0,
    options: sack ? { sack } : {},
    payload: EMPTY_PAYLOAD,
  };
}

test("three duplicate ACKs start recovery (fast retransmit); more inflate cwnd (no SACK)", () => {
  const { snd, rec } = setup();
  assert.equal(rec.onAck(ack(1), false, true, false, 0), "duplicate");
  assert.equal(rec.shouldEnter(false), false);
  assert.equal(rec.onAck(ack(1), false, true, false, 0), "duplicate");
  assert.equal(rec.shouldEnter(false), false);
  assert.equal(rec.onAck(ack(1), false, true, false, 0), "duplicate");
  assert.equal(rec.shouldEnter(false), true, "DupThresh");
  const before = snd.cc.cwnd;
  rec.enter(false, 0);
  assert.equal(rec.active, true);
  assert.equal(rec.shouldEnter(false), false, "already in recovery");
  assert.equal(snd.cc.cwnd, snd.cc.ssthresh + 3 * MSS, "RFC 5681 §3.2 step 2");
  assert.ok(snd.cc.cwnd < before + 3 * MSS);
  assert.equal(rec.recover, snd.sndMax);
  const cwnd = snd.cc.cwnd;
  rec.onAck(ack(1), false, true, false, 0);
  assert.equal(snd.cc.cwnd, cwnd + MSS, "RFC 5681 §3.2 step 4");
  // A changed window is not a duplicate ACK (RFC 5681 §2).
  const dup = rec.dupAcks;
  assert.equal(rec.onAck(ack(1), false, false, false, 0), null);
  assert.equal(rec.dupAcks, dup);
});

test("a partial ACK retransmits at once (NewReno); a full ACK ends recovery", () => {
  const { snd, rec } = setup();
  for (let i = 0; i < 3; i++) rec.onAck(ack(1), false, true, false, 0);
  rec.enter(false, 0);
  snd.acknowledge(1 + 2 * MSS);
  assert.equal(rec.onAck(ack(1 + 2 * MSS), true, true, false, 0), "retransmit-partial-ack");
  assert.equal(rec.dupAcks, 0);
  snd.acknowledge(snd.sndMax);
  assert.equal(rec.onAck(ack(snd.sndMax), true, true, false, 0), null);
  assert.equal(rec.active, false);
});

test("with SACK the scoreboard starts recovery before three duplicate ACKs, and a timeout forgets it", () => {
  const { snd, rec } = setup();
  // Segments 2..5 SACKed: the first is lost by RFC 6675's IsLost (DupThresh segments above it).
  assert.equal(rec.onAck(ack(1, [[1 + MSS, 1 + 5 * MSS]]), false, true, true, 0), "duplicate");
  assert.equal(rec.dupAcks, 1);
  assert.equal(rec.shouldEnter(false), true, "RFC 6675 IsLost(SND.UNA)");
  assert.equal(rec.sackRecovery, null);
  rec.enter(true, 0);
  assert.ok(rec.sackRecovery !== null);
  rec.onRetransmit(1, MSS);
  assert.equal(rec.highRxt, 1 + MSS);
  rec.onTimeout();
  assert.equal(rec.active, false);
  assert.equal(rec.sackRecovery, null);
  assert.equal(rec.recover, snd.sndMax, "no new recovery for data sent before the timeout");
  assert.equal(rec.dupAcks, 0);
});

test("RACK's verdict alone starts recovery, but not for data below the recovery point", () => {
  const { snd, rec } = setup();
  assert.equal(rec.onAck(ack(1), false, false, true, 0), null, "a changed window, no SACK: not a duplicate");
  assert.equal(rec.shouldEnter(false), false);
  assert.equal(rec.shouldEnter(true), true, "newlyLost");
  rec.onTimeout(); // the recovery point moves to SND.MAX
  assert.equal(rec.shouldEnter(true), false, "SND.UNA is below the recovery point");
  snd.acknowledge(snd.sndMax);
  assert.equal(rec.shouldEnter(true), false, "nothing outstanding");
});
