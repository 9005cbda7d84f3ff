// The RFC receive window (RFC 9293 §3.8.6, the "free-space" rule of the bsd, windows and rfc profiles):
// advertised from free buffer space, zero when the application stops reading, still ACKing at zero window
// (§3.8.6.1), reopening with a window update, receiver-side SWS avoidance. Linux's own accounting is
// tested in receive-window-linux.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK } from "../../src/wire/segment.js";
import { Bench, concat, passiveOpen } from "./harness.js";

function fullWindow(): { b: Bench; p: ReturnType<typeof passiveOpen> } {
  const b = new Bench({ receiveBuffer: 4000, receiveWindowRule: "free-space" });
  const p = passiveOpen(b);
  p.conn.pause();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, payload: new Uint8Array(4000).fill(1) });
  b.runTo(b.now + 100_000);
  const ack = b.take().at(-1)!;
  assert.equal(ack.ack, p.peerNxt + 4000);
  assert.equal(ack.window, 0);
  return { b, p };
}

test("the window advertised is the free receive buffer; a reader that stops makes it zero", () => {
  const b = new Bench({ receiveBuffer: 4000, receiveWindowRule: "free-space" });
  const p = passiveOpen(b);
  p.conn.pause();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, payload: new Uint8Array(1500) });
  b.runTo(b.now + 100_000);
  assert.equal(b.take().at(-1)!.window, 2500);
});

test("at zero window a probe carrying data is not accepted but answered: ACK=RCV.NXT, window 0 (§3.8.6.1)", () => {
  const { b, p } = fullWindow();
  const m = b.mark();
  b.at(b.now + 300_000).feed({
    flags: ACK,
    seq: p.peerNxt + 4000,
    ack: p.ourNxt,
    payload: new Uint8Array(1),
  });
  const ack = b.one();
  assert.equal(ack.ack, p.peerNxt + 4000);
  assert.equal(ack.window, 0);
  assert.equal(b.drops(m).length, 1);
  assert.equal(p.conn.rcv.rcvNxt, p.peerNxt + 4000);
});

test("at zero window an ACK at RCV.NXT is still processed (§3.10.7.4 zero-window allowance)", () => {
  const { b, p } = fullWindow();
  p.conn.send(new Uint8Array(10), b.now);
  b.take();
  b.feed({ flags: ACK, seq: p.peerNxt + 4000, ack: p.ourNxt + 10 });
  assert.equal(p.conn.snd.sndUna, p.ourNxt + 10);
});

test("reading frees the buffer: one window update opens the window (§3.8.6.2.2), data flows again", () => {
  const { b, p } = fullWindow();
  const m = b.mark();
  p.conn.resume(b.now);
  assert.equal(concat(p.log.data).length, 4000);
  const upd = b.one();
  assert.equal(upd.flags, ACK);
  assert.equal(upd.ack, p.peerNxt + 4000);
  assert.equal(upd.window, 4000);
  assert.equal(b.sentEvents(m)[0]!.why, "window-update");
  b.feed({ flags: ACK, seq: p.peerNxt + 4000, ack: p.ourNxt, payload: new Uint8Array(100) });
  assert.equal(concat(p.log.data).length, 4100);
});

test("the right edge of the advertised window never moves left (§3.8.6: shrinking the window is strongly discouraged)", () => {
  const b = new Bench({ receiveBuffer: 4000, receiveWindowRule: "free-space" });
  const p = passiveOpen(b);
  p.conn.pause();
  let seq = p.peerNxt;
  let edge = p.peerNxt + 4000;
  for (const n of [1000, 700, 1200, 300, 800]) {
    b.feed({ flags: ACK, seq, ack: p.ourNxt, payload: new Uint8Array(n) });
    seq += n;
    b.runTo(b.now + 50_000);
    for (const s of b.take()) {
      const right = s.ack + s.window;
      assert.ok(right >= edge, `the window's right edge moved left: ${right} < ${edge}`);
      edge = right;
    }
  }
});
