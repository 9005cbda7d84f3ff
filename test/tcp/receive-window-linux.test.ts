// Linux's receive-buffer accounting (the `linux` profile's receiveWindowRule, src/tcp/receive-window.ts):
// the numbers the packetdrill scripts in test/packetdrill/window/ show on Linux 6.18, checked here on the
// model itself and through a connection.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  LinuxReceiveSpace,
  segmentTailroom,
  segmentTruesize,
  winFromSpace,
} from "../../src/tcp/receive-window.js";
import { collapseBuffers } from "../../src/tcp/receive-memory.js";
import { ACK, PSH } from "../../src/wire/segment.js";
import { Bench, concat, passiveOpen } from "./harness.js";

test("truesize of a received segment: a 1000- or 1460-byte segment costs 2304, a 100-byte one 832", () => {
  assert.equal(segmentTruesize(40 + 1000), 2304);
  assert.equal(segmentTruesize(40 + 1460), 2304);
  assert.equal(segmentTruesize(52 + 1448), 2304);
  assert.equal(segmentTruesize(40 + 100), 832); // the 576-byte small-head cache of the kernel under test
  // No room for a second 100-byte segment in a small head; 612 bytes after a 1000-byte one (with timestamps).
  assert.equal(segmentTailroom(40 + 100), 52);
  assert.equal(segmentTailroom(52 + 1000), 612);
  assert.equal(winFromSpace(8192, 128), 4096);
});

test("initial window: SO_RCVBUF 4096 (8192) offers 2920; the stock 128 KiB 64240; packetdrill's 540000 65535", () => {
  assert.equal(new LinuxReceiveSpace(8192, true, 6291456, 1460).initialWindow(1460, 0), 2920);
  assert.equal(new LinuxReceiveSpace(131072, false, 6291456, 1460).initialWindow(1460, 7), 64240);
  // 268640 (184 segments): the SYN,ACK's unscaled field shows 65535 of it.
  assert.equal(new LinuxReceiveSpace(540000, false, 15728640, 1460).initialWindow(1460, 8), 268640);
});

test("a reader that stops: 1000-byte segments close an 8192-byte buffer's window 2920 → 2000 → 1000 → 0", () => {
  const s = new LinuxReceiveSpace(8192, true, 6291456, 1460);
  s.initialWindow(1460, 0);
  s.established(1460, 1000, 0);
  // tcp_init_buffer_space reserves one segment: the clamp is 2920, not the full space of 4096.
  assert.equal(s.windowClamp, 2920);
  assert.equal(s.rcvMss, 536);
  let rmem = 0;
  const windows: number[] = [];
  for (let i = 0; i < 3; i++) {
    rmem += 2304;
    s.segmentQueued(1000, 2304, rmem, 0);
    const window = s.select(rmem, 0);
    windows.push(window);
    s.rcvWnd = Math.max(window, s.rcvWnd - 1000);
  }
  assert.deepEqual(windows, [2000, 1000, 0]);
  // The measured ratio (1000/2304 of 256) replaced the default half.
  assert.equal(s.ratio, 111);
});

test("the first data segment sets the quick-ACK budget from the window: 2920 / (2 · 1000) → 1, at most 16", () => {
  const small = new LinuxReceiveSpace(8192, true, 6291456, 1460);
  small.initialWindow(1460, 0);
  small.established(1460, 1000, 0);
  assert.equal(small.segmentQueued(1000, 2304, 2304, 0), 1);
  const big = new LinuxReceiveSpace(540000, false, 15728640, 1460);
  big.initialWindow(1460, 8);
  big.established(1460, 1460, 8);
  // rcv_ssthresh starts at the initial window (268640, clamped), above the clamp the measured ratio
  // leaves (234140): nothing to grow, so no extra quick ACK from tcp_grow_window.
  assert.equal(big.segmentQueued(1000, 2304, 2304, 0), 16);
});

test("a small buffer set with SO_RCVBUF grows rcv_ssthresh by two segments per segment (tcp_grow_window)", () => {
  const s = new LinuxReceiveSpace(65536, true, 6291456, 1460);
  s.initialWindow(1000, 0);
  s.established(1460, 1000, 0);
  s.segmentQueued(1000, 2304, 0, 0); // measured: the ratio falls to 111/256, the clamp follows
  s.rcvSsthresh = 20_000;
  assert.equal(s.segmentQueued(1000, 2304, 0, 0) & 1, 1, "growing asks for a quick ACK");
  assert.equal(s.rcvSsthresh, 20_000 + 2920);
});

test("through a connection: an application that does not read sees the window fall to 0; reading reopens it", () => {
  const b = new Bench({ receiveBuffer: 8192 });
  const p = passiveOpen(b);
  p.conn.pause();
  let seq = p.peerNxt;
  for (let i = 0; i < 4; i++) {
    b.feed({ flags: ACK | PSH, seq, ack: p.ourNxt, payload: new Uint8Array(1000) });
    seq += 1000;
    b.runTo(b.now + 100_000);
  }
  const last = b.take().at(-1)!;
  assert.equal(last.window, 0, "the window is closed before the buffer's bytes are used up");
  assert.ok(last.ack - p.peerNxt < 8192, "less payload than the buffer's size fits: truesize counts");
  p.conn.resume(b.now);
  const update = b.take().at(-1)!;
  assert.ok(update.window > 0);
  assert.equal(concat(p.log.data).length, last.ack - p.peerNxt);
});

test("an application that reads at once gets a small pushed segment ACKed then, not at the delayed-ACK timer", () => {
  // 8192 bytes: an initial window of 2920, so the first 1000-byte segment uses up the quick-ACK budget.
  const b = new Bench({ receiveBuffer: 8192 });
  const p = passiveOpen(b);
  b.feed({ flags: ACK | PSH, seq: p.peerNxt, ack: p.ourNxt, payload: new Uint8Array(1000) });
  assert.equal(b.take().at(-1)!.ack, p.peerNxt + 1000, "the first segment: a quick ACK");
  b.at(b.now + 10_000).feed({
    flags: ACK | PSH,
    seq: p.peerNxt + 1000,
    ack: p.ourNxt,
    payload: new Uint8Array(100),
  });
  const now = b.take();
  assert.equal(concat(p.log.data).length, 1100, "the application read both segments");
  assert.equal(now.length, 1, "__tcp_cleanup_rbuf: the read that drained the queue sent the pending ACK");
  assert.equal(now[0]!.ack, p.peerNxt + 1100);
});

test("tcp_collapse: 1400 queued bytes become one 2304-byte buffer with 328 bytes of room; 8000 need three", () => {
  assert.deepEqual(collapseBuffers(1400), [{ bytes: 1400, truesize: 2304, tailroom: 328 }]);
  assert.deepEqual(
    collapseBuffers(8000).map((b) => b.bytes),
    [3776, 3776, 448],
  );
  assert.equal(collapseBuffers(8000)[0]!.truesize, 4352);
});
