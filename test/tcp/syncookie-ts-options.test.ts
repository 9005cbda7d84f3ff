// SYN-cookie options in the TSval (Linux cookie_init_timestamp / cookie_timestamp_decode): the low 6 bits
// carry the peer's window scale and SACK-permitted, the value never runs ahead of the clock, and the
// options come back from the echo less the 4-tuple's offset.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  cookieAckOptions,
  cookieSynAckOptions,
  cookieTimestamp,
  decodeCookieTimestamp,
} from "../../src/tcp/syncookie.js";
import { makeProfile } from "../../src/tcp/profile.js";

const ALL = { sack: true, windowScaling: true };

test("cookieTimestamp keeps the clock's high bits, puts the options low, and never exceeds the clock", () => {
  for (const now of [0x40, 0x1000, 0x1003, 0x12345678, 0xffffffff]) {
    for (const opts of [
      { wscale: 7, sackOk: true },
      { wscale: 0, sackOk: false },
      { wscale: undefined, sackOk: true },
      { wscale: 14, sackOk: false },
    ]) {
      const ts = cookieTimestamp(now, opts);
      assert.ok(ts <= now, `${ts} > ${now}`);
      assert.ok(now - ts < 64, `${ts} too far below ${now}`);
      assert.deepEqual(decodeCookieTimestamp(ts, ALL), opts);
    }
  }
});

test("the wscale field 0xf means no window scale; a switched-off option refuses the cookie", () => {
  assert.deepEqual(decodeCookieTimestamp(0x40 | 0xf, ALL), { wscale: undefined, sackOk: false });
  assert.equal(decodeCookieTimestamp(0x10 | 0xf, { sack: false, windowScaling: true }), null);
  assert.equal(decodeCookieTimestamp(0x07, { sack: true, windowScaling: false }), null);
});

test("SYN,ACK options and the ACK's echo round-trip through the 4-tuple's TSval offset", () => {
  const linux = makeProfile("linux");
  const offset = 0xfffff000; // wraps: the echo less the offset must still give the low bits back
  const synAck = cookieSynAckOptions(
    linux,
    { mss: 1460, sackPermitted: true, wscale: 3, timestamp: { val: 777, ecr: 0 } },
    { mss: 1460 },
    5_000_000_123,
    offset,
  );
  assert.equal(synAck.sackPermitted, true);
  assert.equal(synAck.wscale, 7); // a linux listener with stock tcp_rmem offers 7 (linux-profile.md §1)
  assert.equal(synAck.timestamp?.ecr, 777);
  const restored = cookieAckOptions(linux, { timestamp: { val: 900, ecr: synAck.timestamp!.val } }, offset);
  assert.deepEqual(restored, { wscale: 3, sackOk: true, tsVal: 900 });
});

test("without timestamps, or under a profile without the TSval trick, a cookie carries only the MSS", () => {
  const syn = { mss: 1460, sackPermitted: true, wscale: 3, timestamp: { val: 1, ecr: 0 } };
  const linux = makeProfile("linux");
  assert.deepEqual(cookieSynAckOptions(linux, { mss: 1460, wscale: 3 }, { mss: 1460 }, 0, 0), { mss: 1460 });
  assert.deepEqual(cookieSynAckOptions(makeProfile("bsd"), syn, { mss: 1460 }, 0, 0), { mss: 1460 });
  assert.deepEqual(cookieAckOptions(linux, {}, 0), { wscale: undefined, sackOk: false, tsVal: undefined });
});
