// Receiving out of order (RFC 9293 §3.10.7.4 seventh step; RFC 5681 §4.2 / RFC 9293 §3.8.6.3 immediate ACKs):
// segments held and reassembled, overlaps and duplicates trimmed, an ACK for every one of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, FIN } from "../../src/wire/segment.js";
import { RandomStreams } from "../../src/sim/random.js";
import { Bench, bytes, concat, passiveOpen, text } from "./harness.js";

test("an out-of-order segment is held and ACKed at once with RCV.NXT; the gap's arrival delivers both", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  const m = b.mark();
  b.feed({ flags: ACK, seq: p.peerNxt + 5, ack: p.ourNxt, payload: bytes("world") });
  const dup = b.one(); // immediately, not delayed (RFC 5681 §4.2: "SHOULD send an immediate duplicate ACK")
  assert.equal(dup.ack, p.peerNxt);
  assert.equal(p.log.data.length, 0);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("hello") });
  b.runTo(b.now + b.host.profile.delayedAckTimeout);
  const ack = b.one();
  assert.equal(ack.ack, p.peerNxt + 10);
  assert.equal(text(p.log.data), "helloworld");
  assert.ok(b.sentEvents(m)[0]!.why.startsWith("dup-ack"));
});

test("overlapping data: only the new part is delivered (§3.10.7.4 'only the new parts are processed')", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("hello") });
  b.feed({ flags: ACK, seq: p.peerNxt + 2, ack: p.ourNxt, payload: bytes("lloworld") });
  b.runTo(b.now + b.host.profile.delayedAckTimeout);
  assert.equal(text(p.log.data), "helloworld");
  assert.equal(b.take().at(-1)!.ack, p.peerNxt + 10);
});

test("a duplicate segment draws an immediate ACK and is not delivered twice (§3.10.7.4 first check)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("hello") });
  b.runTo(b.now + b.host.profile.delayedAckTimeout);
  b.take();
  const m = b.mark();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("hello") });
  const ack = b.one();
  assert.equal(ack.ack, p.peerNxt + 5);
  assert.equal(text(p.log.data), "hello");
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["duplicate"],
  );
});

test("overlapping out-of-order pieces held together reassemble exactly", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  const msg = "0123456789abcdefghij";
  const piece = (from: number, to: number): void =>
    b.feed({ flags: ACK, seq: p.peerNxt + from, ack: p.ourNxt, payload: bytes(msg.slice(from, to)) });
  piece(10, 15);
  piece(12, 20);
  piece(5, 12);
  piece(6, 8); // wholly inside held data
  assert.equal(p.log.data.length, 0);
  assert.equal(b.take().length, 4); // every out-of-order segment was ACKed
  piece(0, 5);
  assert.equal(text(p.log.data), msg);
});

test("a FIN held out of order takes effect when the gap fills: CLOSE_WAIT and EOF after all data", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  b.feed({ flags: ACK | FIN, seq: p.peerNxt + 3, ack: p.ourNxt, payload: bytes("def") });
  assert.equal(b.one().ack, p.peerNxt);
  assert.equal(p.conn.state, "ESTABLISHED");
  assert.equal(p.log.ends, 0);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("abc") });
  b.runTo(b.now + b.host.profile.delayedAckTimeout);
  assert.equal(b.take().at(-1)!.ack, p.peerNxt + 7);
  assert.equal(p.conn.state, "CLOSE_WAIT");
  assert.equal(text(p.log.data), "abcdef");
  assert.equal(p.log.ends, 1);
});

test("data running past the right window edge is trimmed to the window (§3.10.7.4 seventh; §3.8.6)", () => {
  const b = new Bench({ receiveBuffer: 1000, receiveWindowRule: "free-space" });
  const p = passiveOpen(b);
  p.conn.pause();
  const m = b.mark();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, payload: new Uint8Array(1500).fill(7) });
  b.runTo(b.now + b.host.profile.delayedAckTimeout);
  const ack = b.take().at(-1)!;
  assert.equal(ack.ack, p.peerNxt + 1000);
  assert.equal(ack.window, 0);
  assert.ok(b.drops(m).some((d) => d.reason === "receive-window-full"));
  p.conn.resume(b.now);
  assert.equal(concat(p.log.data).length, 1000);
});

test("randomly cut, overlapping, shuffled and duplicated pieces of 20 kB reassemble exactly (seeded)", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const rng = new RandomStreams(seed).stream("reassembly");
    const b = new Bench();
    const p = passiveOpen(b);
    const msg = new Uint8Array(20_000);
    for (let i = 0; i < msg.length; i++) msg[i] = rng.below(256);
    // Pieces with random starts and lengths that together cover every byte.
    const pieces: Array<[number, number]> = [];
    for (let at = 0; at < msg.length;) {
      const len = rng.between(1, 1400);
      const start = Math.max(0, at - rng.between(0, 300)); // overlap the previous piece a little
      const end = Math.min(msg.length, at + len);
      pieces.push([start, end]);
      at = end;
    }
    for (let k = 0; k < pieces.length / 4; k++) pieces.push(pieces[rng.below(pieces.length)]!); // duplicates
    for (let i = pieces.length - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [pieces[i], pieces[j]] = [pieces[j]!, pieces[i]!];
    }
    let t = b.now;
    for (const [s, e] of pieces) {
      const before = b.sent.length;
      const deliveredBefore = concat(p.log.data).length;
      b.feedAt(++t, { flags: ACK, seq: p.peerNxt + s, ack: p.ourNxt, payload: msg.slice(s, e) });
      const advanced = concat(p.log.data).length > deliveredBefore;
      // Out-of-order or duplicate: an immediate ACK (RFC 5681 §4.2). In order: possibly delayed.
      if (!advanced) assert.ok(b.sent.length > before, `seed ${seed}: no ACK for piece ${s}-${e}`);
    }
    b.runTo(t + 1_000_000);
    assert.deepEqual(concat(p.log.data), msg, `seed ${seed}`);
    assert.equal(p.conn.rcv.rcvNxt, p.peerNxt + msg.length);
  }
});
