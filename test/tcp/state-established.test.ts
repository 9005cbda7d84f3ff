// ESTABLISHED (RFC 9293 §3.10.2, §3.10.4, §3.10.5, §3.10.7.4): data both ways, the peer's FIN, the close calls.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, FIN, PSH, RST, URG } from "../../src/wire/segment.js";
import { TcpError } from "../../src/tcp/errors.js";
import { Bench, bytes, passiveOpen, text } from "./harness.js";

/** The ACK may be delayed, but no longer than the profile allows (§3.8.6.3: at most 0.5 s). */
function ackWithin(b: Bench): ReturnType<Bench["one"]> {
  b.runTo(b.now + b.host.profile.delayedAckTimeout);
  return b.one();
}

test("ESTABLISHED: in-order data is delivered and acknowledged with the window shrunk (§3.10.7.4 seventh)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  const before = p.conn.rcv.window;
  p.conn.pause(); // the application does not read yet: the bytes occupy the window
  b.feed({ flags: ACK | PSH, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("hello") });
  const ack = ackWithin(b);
  assert.equal(ack.flags, ACK);
  assert.equal(ack.seq, p.ourNxt);
  assert.equal(ack.ack, p.peerNxt + 5);
  assert.ok(ack.window <= before - 5, `window ${ack.window} should have shrunk from ${before}`);
  assert.equal(p.log.data.length, 0);
  p.conn.resume(b.now);
  assert.equal(text(p.log.data), "hello");
});

test("ESTABLISHED: SEND puts <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK,PSH> on the wire and arms the RTO (§3.10.2, RFC 6298 §5.1)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  const m = b.mark();
  assert.equal(p.conn.send(bytes("reply"), b.now), 5);
  const seg = b.one();
  assert.equal(seg.flags, ACK | PSH);
  assert.equal(seg.seq, p.ourNxt);
  assert.equal(seg.ack, p.peerNxt);
  assert.equal(text([seg.payload]), "reply");
  const rtx = b.timers(m, "retransmit");
  assert.deepEqual(
    rtx.map((e) => [e.action, e.deadline]),
    [["armed", b.now + 300_000]], // 100 ms handshake RTT → RTO 300 ms (linux-profile.md "Data RTO")
  );
  // RFC 6298 §5.2: all data acknowledged → the timer is turned off.
  const m2 = b.mark();
  b.at(b.now + 100_000).feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 5 });
  b.none();
  assert.deepEqual(
    b.timers(m2, "retransmit").map((e) => e.action),
    ["cancelled"],
  );
  assert.equal(p.conn.snd.sndUna, p.ourNxt + 5);
});

test("ESTABLISHED + FIN → CLOSE_WAIT, ACK of the FIN, EOF after the data (§3.10.7.4 eighth)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  const m = b.mark();
  b.feed({ flags: ACK | FIN, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("bye") });
  const ack = ackWithin(b);
  assert.equal(ack.ack, p.peerNxt + 4);
  assert.equal(p.conn.state, "CLOSE_WAIT");
  assert.equal(text(p.log.data), "bye");
  assert.equal(p.log.ends, 1);
  assert.deepEqual(b.transitions(m), ["ESTABLISHED>CLOSE_WAIT"]);
});

test("write after end() → EPIPE (§3.10.2 'connection closing'; linux 'Write after SHUT_WR → EPIPE')", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  p.conn.shutdown(b.now);
  b.take();
  assert.throws(
    () => p.conn.send(bytes("late"), b.now),
    (e: unknown) => e instanceof TcpError && e.code === "EPIPE",
  );
  assert.equal(p.conn.writeError(), "EPIPE");
});

test("close() with unread data → <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>, not FIN (RFC 2525 §2.17; linux close semantics)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  p.conn.pause();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("unread") });
  b.runTo(b.now + 1_000_000);
  b.take();
  const m = b.mark();
  p.conn.close(b.now);
  const rst = b.one();
  assert.equal(rst.flags, RST | ACK);
  assert.equal(rst.seq, p.ourNxt);
  assert.equal(rst.ack, p.peerNxt + 6);
  assert.equal(p.conn.state, "CLOSED");
  assert.deepEqual(b.transitions(m), ["ESTABLISHED>CLOSED"]);
  assert.equal(b.host.counters.abortOnClose, 1);
  assert.equal(b.host.connections().length, 0);
});

test("close() with everything read sends FIN: ESTABLISHED → FIN_WAIT_1 (§3.10.4)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  const m = b.mark();
  p.conn.close(b.now);
  const fin = b.one();
  assert.equal(fin.flags, ACK | FIN);
  assert.equal(fin.seq, p.ourNxt);
  assert.equal(fin.ack, p.peerNxt);
  assert.deepEqual(b.transitions(m), ["ESTABLISHED>FIN_WAIT_1"]);
  assert.equal(b.sentEvents(m)[0]!.why, "fin");
});

test("FIN follows queued data: send then end() puts the FIN after the last byte (§3.10.4 'queue this until all preceding SENDs')", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  p.conn.send(bytes("abc"), b.now);
  p.conn.shutdown(b.now);
  const out = b.take();
  const last = out.at(-1)!;
  assert.ok(last.flags & FIN);
  // The FIN occupies the sequence number right after the data.
  assert.equal((last.seq + last.payload.length) >>> 0, p.ourNxt + 3);
  assert.equal(p.conn.snd.sndNxt, p.ourNxt + 4);
});

test("ABORT in ESTABLISHED → <SEQ=SND.NXT><CTL=RST> and CLOSED (§3.10.5; linux 'R. snd_nxt ack rcv_nxt')", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  const m = b.mark();
  p.conn.abort(b.now);
  const rst = b.one();
  assert.equal(rst.flags, RST | ACK);
  assert.equal(rst.seq, p.ourNxt);
  assert.equal(rst.ack, p.peerNxt);
  assert.equal(rst.window, 0);
  assert.equal(b.sentEvents(m)[0]!.why, "rst-abort");
  assert.equal(p.conn.state, "CLOSED");
  assert.deepEqual(p.log.closes, [null]);
});

test("a peer RST in ESTABLISHED: the application gets ECONNRESET, a later write fails with it too (§3.10.7.4 second)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  b.feed({ flags: RST, seq: p.peerNxt });
  b.none();
  assert.equal(p.conn.state, "CLOSED");
  assert.deepEqual(p.log.closes, ["ECONNRESET"]);
  assert.equal(b.host.counters.estabResets, 1);
  assert.throws(
    () => p.conn.send(bytes("x"), b.now),
    (e: unknown) => e instanceof TcpError && e.code === "ECONNRESET",
  );
});

test("ESTABLISHED: an ACK with a window update lets queued data flow (§3.10.7.4 fifth, SND.WND update)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 0 });
  p.conn.send(bytes("held back"), b.now);
  b.none(); // zero window: nothing may be sent
  b.at(b.now + 1000).feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 1000 });
  const seg = b.one();
  assert.equal(text([seg.payload]), "held back");
});

test("a FIN that arrives while the application is not reading: EOF only after the data, once it reads", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  p.conn.pause();
  b.feed({ flags: ACK | FIN, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("tail") });
  assert.equal(p.conn.state, "CLOSE_WAIT");
  assert.equal(p.log.ends, 0);
  p.conn.resume(b.now);
  assert.equal(text(p.log.data), "tail");
  assert.equal(p.log.ends, 1);
});

test("urgent data is delivered inline and RCV.UP advances (§3.8.5; RFC 6093 recommends inline)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  b.feed({ flags: ACK | URG, seq: p.peerNxt, ack: p.ourNxt, urgent: 3, payload: bytes("abcdef") });
  assert.equal(text(p.log.data), "abcdef");
  assert.equal(p.conn.rcv.rcvUp, p.peerNxt + 3);
});
