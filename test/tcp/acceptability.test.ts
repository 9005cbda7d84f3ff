// The acceptability rules of ./src/tcp/acceptability.ts, tested as the pure functions they are: the
// §3.10.7.4 table, RFC 5961's RST/SYN/ACK rules, PAWS (RFC 7323 §5.3), the window-update rule, across
// the 2^32 wrap. The end-to-end reactions are in acceptance-matrix.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ackCheck,
  ackRateAllows,
  entirelyOld,
  firstCheck,
  mayUpdateWindow,
  pawsDrops,
  resetCheck,
  sequenceAcceptable,
  synReceivedAckAcceptable,
  synSentAckUnacceptable,
  type PawsView,
} from "../../src/tcp/acceptability.js";
import { Timestamps } from "../../src/tcp/timestamps.js";
import { ACK, EMPTY_PAYLOAD, FIN, NO_OPTIONS, RST, SYN, type Segment } from "../../src/wire/segment.js";

function seg(seq: number, flags: number, len = 0, ack = 0, tsval?: number): Segment {
  return {
    srcAddr: 1,
    dstAddr: 2,
    srcPort: 1000,
    dstPort: 80,
    seq: seq >>> 0,
    ack: ack >>> 0,
    flags,
    window: 1000,
    urgent: 0,
    options: tsval === undefined ? NO_OPTIONS : { timestamp: { val: tsval, ecr: 0 } },
    payload: len > 0 ? new Uint8Array(len) : EMPTY_PAYLOAD,
  };
}

const NO_TS: PawsView = { ok: false, pawsReject: () => true };

for (const base of [1000, 0xffffff00]) {
  const at = (off: number): number => (base + off) >>> 0;
  test(`§3.10.7.4 table, RCV.NXT = ${base}: the four cases`, () => {
    // SEG.LEN = 0, RCV.WND = 0: only SEG.SEQ = RCV.NXT.
    assert.equal(sequenceAcceptable(seg(at(0), ACK), at(0), 0), true);
    assert.equal(sequenceAcceptable(seg(at(1), ACK), at(0), 0), false);
    assert.equal(sequenceAcceptable(seg(at(-1), ACK), at(0), 0), false);
    // SEG.LEN = 0, RCV.WND > 0: RCV.NXT =< SEG.SEQ < RCV.NXT + RCV.WND.
    assert.equal(sequenceAcceptable(seg(at(0), ACK), at(0), 100), true);
    assert.equal(sequenceAcceptable(seg(at(99), ACK), at(0), 100), true);
    assert.equal(sequenceAcceptable(seg(at(100), ACK), at(0), 100), false);
    assert.equal(sequenceAcceptable(seg(at(-1), ACK), at(0), 100), false);
    // SEG.LEN > 0, RCV.WND = 0: never (a FIN counts in SEG.LEN) — but Linux takes a bare FIN at RCV.NXT.
    assert.equal(sequenceAcceptable(seg(at(0), ACK, 10), at(0), 0), false);
    assert.equal(sequenceAcceptable(seg(at(0), ACK | FIN), at(0), 0), false);
    assert.equal(sequenceAcceptable(seg(at(0), ACK | FIN), at(0), 0, true), true, "Linux tcp_data_queue");
    assert.equal(sequenceAcceptable(seg(at(1), ACK | FIN), at(0), 0, true), false, "not at RCV.NXT");
    assert.equal(sequenceAcceptable(seg(at(0), ACK | FIN, 10), at(0), 0, true), false, "FIN with data");
    // SEG.LEN > 0, RCV.WND > 0: first or last octet in the window.
    assert.equal(sequenceAcceptable(seg(at(-5), ACK, 10), at(0), 100), true, "last octet in");
    assert.equal(sequenceAcceptable(seg(at(-10), ACK, 10), at(0), 100), false, "all left");
    assert.equal(sequenceAcceptable(seg(at(95), ACK, 10), at(0), 100), true, "first octet in");
    assert.equal(sequenceAcceptable(seg(at(100), ACK, 10), at(0), 100), false, "all right");
  });

  test(`RFC 5961 first/second/fifth checks, RCV.NXT = SND.UNA = ${base}`, () => {
    const rcv = { irs: at(-1), rcvNxt: at(0), window: 100 };
    assert.equal(firstCheck(rcv, NO_TS, seg(at(200), RST), 0), "rst-out-of-window");
    assert.equal(firstCheck(rcv, NO_TS, seg(at(200), SYN), 0), "syn-challenged");
    // The peer's SYN,ACK repeated (SEG.SEQ = IRS) is an old duplicate, not a SYN to challenge.
    assert.equal(firstCheck(rcv, NO_TS, seg(at(-1), SYN | ACK), 0), "unacceptable");
    assert.equal(firstCheck(rcv, NO_TS, seg(at(200), ACK, 5), 0), "unacceptable");
    assert.equal(firstCheck(rcv, NO_TS, seg(at(10), RST), 0), "acceptable");
    assert.equal(resetCheck(seg(at(0), RST), at(0)), "reset");
    assert.equal(resetCheck(seg(at(10), RST), at(0)), "rst-challenged");
    assert.equal(entirelyOld(seg(at(-10), ACK, 10), at(0)), true);
    assert.equal(entirelyOld(seg(at(-10), ACK, 11), at(0)), false);
    assert.equal(entirelyOld(seg(at(-10), ACK), at(0)), false, "a bare ACK is never a duplicate");

    const snd = { iss: at(-1), sndUna: at(0), sndMax: at(50), maxSndWnd: 1000 };
    assert.equal(ackCheck(snd, at(50)), "acceptable");
    assert.equal(ackCheck(snd, at(51)), "ack-unsent-data");
    assert.equal(ackCheck(snd, at(-1000)), "acceptable", "SND.UNA − MAX.SND.WND is still acceptable");
    assert.equal(ackCheck(snd, at(-1001)), "ack-too-old");
    assert.equal(synReceivedAckAcceptable(snd, at(0)), false);
    assert.equal(synReceivedAckAcceptable(snd, at(1)), true);
    assert.equal(synReceivedAckAcceptable(snd, at(51)), false);
    assert.equal(synSentAckUnacceptable(snd, seg(0, ACK, 0, at(-1))), true, "SEG.ACK =< ISS");
    assert.equal(synSentAckUnacceptable(snd, seg(0, SYN | ACK, 0, at(0))), false);
    assert.equal(synSentAckUnacceptable(snd, seg(0, SYN | ACK, 0, at(51))), true, "SEG.ACK > SND.NXT");
    assert.equal(synSentAckUnacceptable(snd, seg(0, SYN, 0, at(-1))), false, "no ACK: nothing to check");
  });

  test(`window update rule (SND.WL1/SND.WL2, Linux's advancing ACK), base ${base}`, () => {
    const snd = { sndUna: at(0), sndWl1: at(500), sndWl2: at(0) };
    assert.equal(mayUpdateWindow(snd, seg(at(501), ACK, 0, at(0)), false, false), true, "newer SEQ");
    assert.equal(mayUpdateWindow(snd, seg(at(500), ACK, 0, at(0)), false, false), true, "same SEQ, same ACK");
    assert.equal(mayUpdateWindow(snd, seg(at(499), ACK, 0, at(10)), false, false), false, "older SEQ");
    assert.equal(mayUpdateWindow(snd, seg(at(499), ACK, 0, at(10)), true, false), true, "advancing ACK");
    assert.equal(mayUpdateWindow(snd, seg(at(499), ACK, 0, at(10)), true, true), false, "regression switch");
    assert.equal(mayUpdateWindow(snd, seg(at(501), ACK, 0, at(-1)), false, false), false, "ACK < SND.UNA");
  });
}

test("PAWS (RFC 7323 §5.3 R1): older TSval dropped, RSTs exempt, only when negotiated", () => {
  const ts = new Timestamps();
  ts.ok = true;
  ts.update(1000, 0);
  const rcv = { irs: 0, rcvNxt: 1, window: 100 };
  assert.equal(pawsDrops(ts, seg(1, ACK, 0, 0, 999), 1), true);
  assert.equal(pawsDrops(ts, seg(1, ACK, 0, 0, 1000), 1), false, "equal is not older");
  assert.equal(pawsDrops(ts, seg(1, RST, 0, 0, 999), 1), false, "an RST is judged by its sequence number");
  assert.equal(pawsDrops(ts, seg(1, ACK), 1), false, "no timestamp option");
  assert.equal(firstCheck(rcv, ts, seg(1, ACK, 5, 0, 999), 1), "paws", "PAWS precedes the sequence check");
  assert.equal(
    pawsDrops(ts, seg(1, ACK, 0, 0, 999), 25 * 24 * 3600 * 1_000_000),
    false,
    "§5.5: 24 days idle",
  );
  ts.ok = false;
  assert.equal(pawsDrops(ts, seg(1, ACK, 0, 0, 999), 1), false, "not negotiated");
});

test("RFC 5961 §7 rate limit: one rate-limited ACK per interval", () => {
  assert.equal(ackRateAllows(-Infinity, 0, 500_000), true);
  assert.equal(ackRateAllows(100, 500_099, 500_000), false);
  assert.equal(ackRateAllows(100, 500_100, 500_000), true);
});
