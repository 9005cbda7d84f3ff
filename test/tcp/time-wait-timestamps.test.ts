// Timestamps in TIME_WAIT, the verdict alone (Linux tcp_timewait_state_process as a pure function):
// PAWS (RFC 7323 §5.3 R1, §5.5's 24 days), TS.Recent taken only from an acceptable segment, and a SYN
// reopening the 4-tuple by a newer timestamp whatever its sequence number (RFC 6191 §2).
import { test } from "node:test";
import assert from "node:assert/strict";
import { timeWaitVerdict, type TimeWaitView } from "../../src/tcp/timewait.js";
import { makeProfile } from "../../src/tcp/profile.js";
import { PAWS_IDLE_LIMIT } from "../../src/tcp/timestamps.js";
import { ACK, FIN, RST, SYN } from "../../src/wire/segment.js";
import { remoteSegment } from "./harness.js";

const linux = makeProfile("linux");
const NOW = 100_000_000;
const RCV_NXT = 5_000;
const SND_NXT = 900_000;
const RECENT = 77_000;

function view(over: Partial<TimeWaitView> = {}): TimeWaitView {
  return {
    localPort: 80,
    remoteAddr: 0x0a000002,
    remotePort: 40000,
    sndNxt: SND_NXT,
    rcvNxt: RCV_NXT,
    rcvWnd: 65535,
    rcvWscale: 0,
    tsOk: true,
    tsRecent: RECENT,
    tsRecentAt: NOW - 1_000_000,
    ...over,
  };
}

const ts = (val: number) => ({ timestamp: { val: val >>> 0, ecr: 1 } });

test("PAWS: a bare ACK with a TSval older than TS.Recent is rejected (answered with an ACK), not a restart", () => {
  const v = timeWaitVerdict(
    view(),
    remoteSegment({ flags: ACK, seq: RCV_NXT, ack: SND_NXT, options: ts(RECENT - 1) }),
    linux,
    NOW,
  );
  assert.deepEqual(v, { action: "paws" });
});

test("the same bare ACK with a TSval not older restarts TIME_WAIT and its TSval becomes TS.Recent", () => {
  for (const val of [RECENT, RECENT + 1, RECENT + 1_000_000]) {
    const v = timeWaitVerdict(
      view(),
      remoteSegment({ flags: ACK, seq: RCV_NXT, ack: SND_NXT, options: ts(val) }),
      linux,
      NOW,
    );
    assert.deepEqual(v, { action: "restart", takeTs: true }, `TSval ${val}`);
  }
});

test("a retransmitted FIN with an old TSval is a PAWS reject, not a FIN to re-ACK with a restart", () => {
  const fin = { flags: ACK | FIN, seq: RCV_NXT - 1, ack: SND_NXT };
  assert.deepEqual(timeWaitVerdict(view(), remoteSegment({ ...fin, options: ts(RECENT - 5) }), linux, NOW), {
    action: "paws",
  });
  assert.deepEqual(timeWaitVerdict(view(), remoteSegment({ ...fin, options: ts(RECENT + 5) }), linux, NOW), {
    action: "ack-and-restart",
  });
});

test("PAWS compares modulo 2^32: a TSval just past the wrap is newer, one just before TS.Recent is older", () => {
  const high = 0xffff_fff0;
  const seg = (val: number) => remoteSegment({ flags: ACK, seq: RCV_NXT, ack: SND_NXT, options: ts(val) });
  assert.equal(timeWaitVerdict(view({ tsRecent: high }), seg(0x10), linux, NOW).action, "restart");
  assert.equal(timeWaitVerdict(view({ tsRecent: 0x10 }), seg(high), linux, NOW).action, "paws");
});

test("no PAWS without timestamps on the old connection, nor once TS.Recent is over 24 days old (RFC 7323 §5.5)", () => {
  const old = remoteSegment({ flags: ACK, seq: RCV_NXT, ack: SND_NXT, options: ts(RECENT - 100) });
  assert.deepEqual(timeWaitVerdict(view({ tsOk: false }), old, linux, NOW), {
    action: "restart",
    takeTs: false,
  });
  const later = NOW + PAWS_IDLE_LIMIT;
  assert.equal(timeWaitVerdict(view({ tsRecentAt: NOW - 1 }), old, linux, later).action, "restart");
  assert.equal(timeWaitVerdict(view({ tsRecentAt: NOW }), old, linux, later).action, "paws");
});

test("an RST is not subject to PAWS (RFC 7323 §5.3 R1 'the RST bit is not set'): the exact one still kills", () => {
  const rst = remoteSegment({ flags: RST, seq: RCV_NXT, options: ts(RECENT - 100) });
  assert.deepEqual(timeWaitVerdict(view(), rst, linux, NOW), { action: "kill" });
});

test("RFC 6191: a SYN with a newer TSval reopens the 4-tuple even below the old RCV.NXT", () => {
  const syn = remoteSegment({ flags: SYN, seq: RCV_NXT - 1_000, options: ts(RECENT + 1) });
  assert.deepEqual(timeWaitVerdict(view(), syn, linux, NOW), {
    action: "accept-syn",
    isnFloor: SND_NXT + 65537,
  });
  // Without timestamps the same SYN is an old duplicate by RFC 1122 §4.2.2.13's sequence rule.
  assert.deepEqual(timeWaitVerdict(view({ tsOk: false }), syn, linux, NOW), { action: "challenge-ack" });
});

test("RFC 6191: a SYN with an older TSval never reopens, even above RCV.NXT: PAWS rejects it", () => {
  const syn = remoteSegment({ flags: SYN, seq: RCV_NXT + 100_000, options: ts(RECENT - 1) });
  assert.deepEqual(timeWaitVerdict(view(), syn, linux, NOW), { action: "paws" });
});

test("RFC 6191: an equal TSval, or a SYN without a timestamp, falls back on the sequence rule", () => {
  const above = remoteSegment({ flags: SYN, seq: RCV_NXT + 1, options: ts(RECENT) });
  const below = remoteSegment({ flags: SYN, seq: RCV_NXT - 1, options: ts(RECENT) });
  assert.equal(timeWaitVerdict(view(), above, linux, NOW).action, "accept-syn");
  assert.equal(timeWaitVerdict(view(), below, linux, NOW).action, "challenge-ack");
  const bare = remoteSegment({ flags: SYN, seq: RCV_NXT - 1 });
  assert.equal(timeWaitVerdict(view(), bare, linux, NOW).action, "challenge-ack");
});

test("the new ISS floor wraps modulo 2^32 (old SND.NXT near the top of the space)", () => {
  const syn = remoteSegment({ flags: SYN, seq: RCV_NXT + 1 });
  const v = timeWaitVerdict(view({ sndNxt: 0xffff_ff00 }), syn, linux, NOW);
  assert.deepEqual(v, { action: "accept-syn", isnFloor: (0xffff_ff00 + 65537) >>> 0 });
});

test("a SYN,ACK with a newer TSval does not reopen TIME_WAIT (only a bare SYN can): challenge ACK", () => {
  const synAck = remoteSegment({
    flags: SYN | ACK,
    seq: RCV_NXT + 10,
    ack: SND_NXT,
    options: ts(RECENT + 9),
  });
  assert.deepEqual(timeWaitVerdict(view(), synAck, linux, NOW), { action: "challenge-ack" });
});
