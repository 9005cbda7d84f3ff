// TIME_WAIT (RFC 9293 §3.10.7.4 "TIME-WAIT STATE", RFC 1122 4.2.2.13, RFC 1337, linux-profile.md "TIME_WAIT"):
// the compact record's verdicts seen from the wire.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, FIN, RST, SYN } from "../../src/wire/segment.js";
import { seqGt } from "../../src/tcp/seq.js";
import { Bench, PEER_SYN_OPTIONS, listenRecording, passiveOpen, placeIn } from "./harness.js";

const TW = 60_000_000;

test("TIME_WAIT lasts 60 s on linux, then the 4-tuple is CLOSED (timer armed/fired events)", () => {
  const b = new Bench();
  const m0 = b.mark();
  const p = placeIn(b, "TIME_WAIT");
  const entered = b.now;
  assert.deepEqual(
    b.timers(m0, "time-wait").map((e) => [e.action, e.deadline]),
    [["armed", entered + TW]],
  );
  assert.equal(b.host.connections().length, 0); // replaced by a compact record
  assert.equal(b.host.timeWaitEntries, 1);
  assert.equal(b.host.stateCounts().TIME_WAIT, 1);
  b.runTo(entered + TW - 1);
  assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
  const m = b.mark();
  b.runTo(entered + TW);
  assert.equal(b.host.stateOf(p.conn), "CLOSED");
  assert.deepEqual(
    b.timers(m, "time-wait").map((e) => e.action),
    ["fired"],
  );
  assert.deepEqual(b.transitions(m), ["TIME_WAIT>CLOSED"]);
  assert.equal(b.host.timeWaitEntries, 0);
  b.none();
});

test("a retransmitted FIN in TIME_WAIT is re-ACKed and 2·MSL restarts (§3.10.7.4 TIME-WAIT; S6)", () => {
  const b = new Bench();
  const p = placeIn(b, "TIME_WAIT");
  const entered = b.now;
  const m = b.mark();
  b.feedAt(entered + 10_000_000, { flags: ACK | FIN, seq: p.peerNxt - 1, ack: p.ourNxt });
  const ack = b.one();
  assert.equal(ack.flags, ACK);
  assert.equal(ack.seq, p.ourNxt);
  assert.equal(ack.ack, p.peerNxt);
  assert.equal(b.sentEvents(m)[0]!.why, "ack-fin");
  assert.deepEqual(
    b.timers(m, "time-wait").map((e) => [e.action, e.deadline]),
    [["restarted", entered + 10_000_000 + TW]],
  );
  b.runTo(entered + TW + 1); // the original expiry has passed
  assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
  b.runTo(entered + 10_000_000 + TW);
  assert.equal(b.host.stateOf(p.conn), "CLOSED");
});

test("linux: an acceptable bare ACK restarts TIME_WAIT without a reply (linux-profile.md [verified])", () => {
  const b = new Bench();
  const p = placeIn(b, "TIME_WAIT");
  const m = b.mark();
  b.feedAt(b.now + 5_000_000, { flags: ACK, seq: p.peerNxt, ack: p.ourNxt });
  b.none();
  assert.deepEqual(
    b.timers(m, "time-wait").map((e) => [e.action, e.deadline]),
    [["restarted", b.now + TW]],
  );
});

test("bsd profile: a bare ACK does not restart TIME_WAIT", () => {
  const b = new Bench({}, { profile: "bsd" });
  const p = placeIn(b, "TIME_WAIT");
  const m = b.mark();
  b.feedAt(b.now + 5_000_000, { flags: ACK, seq: p.peerNxt, ack: p.ourNxt });
  b.none();
  assert.equal(b.timers(m, "time-wait").length, 0);
});

test("linux (tcp_rfc1337=0): an exact RST kills TIME_WAIT (§3.10.7.4 second check)", () => {
  const b = new Bench();
  const p = placeIn(b, "TIME_WAIT");
  const m = b.mark();
  b.feed({ flags: RST, seq: p.peerNxt });
  b.none();
  assert.equal(b.host.stateOf(p.conn), "CLOSED");
  assert.deepEqual(b.transitions(m), ["TIME_WAIT>CLOSED"]);
  assert.equal(b.host.counters.timeWaitKilled, 1);
  assert.equal(b.host.timeWaitEntries, 0);
  assert.deepEqual(
    b.timers(m, "time-wait").map((e) => e.action),
    ["cancelled"],
  );
});

test("rfc1337: true — an RST in TIME_WAIT is ignored (RFC 1337 §3 fix F1)", () => {
  const b = new Bench({ rfc1337: true });
  const p = placeIn(b, "TIME_WAIT");
  const m = b.mark();
  b.feed({ flags: RST, seq: p.peerNxt });
  b.none();
  assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["time-wait"],
  );
  assert.equal(b.host.counters.timeWaitKilled, 0);
});

test("a new SYN above RCV.NXT reopens the 4-tuple with ISS above the old SND.NXT (RFC 1122 4.2.2.13)", () => {
  const b = new Bench();
  const p = placeIn(b, "TIME_WAIT");
  const m = b.mark();
  b.at(b.now + 1_000_000).feed({ flags: SYN, seq: p.peerNxt + 100_000, options: PEER_SYN_OPTIONS });
  const sa = b.one();
  assert.equal(sa.flags, SYN | ACK);
  assert.equal(sa.ack, p.peerNxt + 100_001);
  assert.ok(seqGt(sa.seq, p.ourNxt), `new ISS ${sa.seq} must be above the old SND.NXT ${p.ourNxt}`);
  assert.deepEqual(b.transitions(m), ["TIME_WAIT>CLOSED", "CLOSED>SYN_RECEIVED"]);
  assert.equal(b.host.timeWaitEntries, 0);
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 1);
  assert.equal(b.host.counters.timeWaitRecycled, 1);
});

test("a SYN that reopens TIME_WAIT: ISS = old SND.NXT + 65537 (linux tw_snd_nxt + 65535 + 2), not the clock", () => {
  const b = new Bench();
  const p = placeIn(b, "TIME_WAIT");
  // 10 ms later Linux's ISN clock has moved 156,250, the RFC's 2,500: either way Linux takes the ISS from
  // TIME_WAIT's SND.NXT (tcp_conn_request uses tcp_tw_isn and skips init_seq).
  b.at(b.now + 10_000).feed({ flags: SYN, seq: p.peerNxt + 100_000, options: PEER_SYN_OPTIONS });
  const sa = b.one();
  assert.equal(sa.flags, SYN | ACK);
  assert.equal(sa.seq, (p.ourNxt + 65537) >>> 0);
});

test("an old SYN (at or below RCV.NXT) in TIME_WAIT gets a challenge ACK, TIME_WAIT stays (RFC 5961 §4; RFC 1122 4.2.2.13)", () => {
  const b = new Bench();
  const p = placeIn(b, "TIME_WAIT");
  const m = b.mark();
  b.feed({ flags: SYN, seq: p.peerNxt - 500, options: PEER_SYN_OPTIONS });
  const ack = b.one();
  assert.equal(ack.flags, ACK);
  assert.equal(ack.seq, p.ourNxt);
  assert.equal(ack.ack, p.peerNxt);
  assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
  assert.equal(b.sentEvents(m)[0]!.why, "challenge-ack");
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 0);
});

test("a new SYN in TIME_WAIT with no listener is answered with an ACK, not a new connection", () => {
  const b = new Bench();
  const p = placeIn(b, "TIME_WAIT");
  b.host.closeListener(p.listener!);
  b.feed({ flags: SYN, seq: p.peerNxt + 100_000 });
  const ack = b.one();
  assert.equal(ack.flags, ACK);
  assert.equal(ack.ack, p.peerNxt);
  assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
});

test("after TIME_WAIT expires, a segment with ACK draws <SEQ=SEG.ACK><CTL=RST> (§3.10.7.1; linux)", () => {
  const b = new Bench();
  const p = placeIn(b, "TIME_WAIT");
  b.host.closeListener(p.listener!);
  b.runTo(b.now + TW);
  b.feed({ flags: ACK | FIN, seq: p.peerNxt - 1, ack: p.ourNxt });
  const rst = b.one();
  assert.equal(rst.flags, RST);
  assert.equal(rst.seq, p.ourNxt);
});

test("TIME_WAIT = 0 ablation (S7): CLOSED at once, and the retransmitted FIN gets RST (§3.10.7.1)", () => {
  const b = new Bench({ timeWait: 0 });
  const p = passiveOpen(b);
  b.host.closeListener(p.listener!);
  p.conn.shutdown(b.now);
  b.take();
  const ourNxt = p.ourNxt + 1;
  b.feed({ flags: ACK, seq: p.peerNxt, ack: ourNxt });
  const m = b.mark();
  b.feed({ flags: ACK | FIN, seq: p.peerNxt, ack: ourNxt });
  const ack = b.one();
  assert.equal(ack.ack, p.peerNxt + 1);
  assert.deepEqual(b.transitions(m), ["FIN_WAIT_2>TIME_WAIT", "TIME_WAIT>CLOSED"]);
  assert.equal(b.host.timeWaitEntries, 0);
  assert.equal(b.host.stateOf(p.conn), "CLOSED");
  // The peer's FIN retransmission (its ACK was lost) now finds nothing.
  b.at(b.now + 300_000).feed({ flags: ACK | FIN, seq: p.peerNxt, ack: ourNxt });
  const rst = b.one();
  assert.equal(rst.flags, RST);
  assert.equal(rst.seq, ourNxt);
});

test("TIME_WAIT: data right of the window is not acceptable and draws an ACK (§3.10.7.4 first check)", () => {
  const b = new Bench();
  const p = placeIn(b, "TIME_WAIT");
  const m = b.mark();
  b.feed({ flags: ACK, seq: p.peerNxt + 70_000, ack: p.ourNxt, payload: new Uint8Array(10) });
  const ack = b.take();
  assert.equal(ack.length, 1, "one ACK expected");
  assert.equal(ack[0]!.ack, p.peerNxt);
  assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
  assert.equal(b.drops(m).length, 1);
});

test("a SYN that reopens TIME_WAIT still goes through the listener's SYN queue bound (cookies off: dropped when full)", () => {
  const b = new Bench({ synCookies: "off" });
  listenRecording(b, { backlog: 1 });
  const p = placeIn(b, "TIME_WAIT");
  b.feed({ flags: SYN, seq: 5000, srcPort: 41000, options: PEER_SYN_OPTIONS });
  b.one(); // the SYN queue (1) is now full
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 1);
  b.feed({ flags: SYN, seq: p.peerNxt + 100_000, options: PEER_SYN_OPTIONS });
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 1, "no child beyond the SYN queue bound");
});

test("a connection that is gone reads CLOSED: conn.state follows its TIME_WAIT record, not a later incarnation's", () => {
  const b = new Bench();
  const first = placeIn(b, "TIME_WAIT");
  assert.equal(first.conn.state, "TIME_WAIT");
  b.runTo(b.now + TW);
  assert.equal(first.conn.state, "CLOSED", "the record expired: the connection is gone");
  assert.equal(first.conn.isClosed(), true);
  // A new incarnation of the same 4-tuple (same ports) goes through TIME_WAIT too: the old Connection
  // object must not take its record for its own.
  const second = placeIn(b, "TIME_WAIT");
  assert.equal(second.conn.state, "TIME_WAIT");
  assert.equal(first.conn.state, "CLOSED");
  // Every state change is an event, the record's end included.
  const m = b.mark();
  b.runTo(b.now + TW);
  assert.deepEqual(b.transitions(m), ["TIME_WAIT>CLOSED"]);
  assert.equal(second.conn.state, "CLOSED");
});

test("abort() of a connection whose record still holds TIME_WAIT deletes the record (§3.10.5), once", () => {
  const b = new Bench();
  const p = placeIn(b, "TIME_WAIT");
  const m = b.mark();
  p.conn.abort(b.now);
  assert.equal(p.conn.state, "CLOSED");
  assert.equal(b.host.timeWaitEntries, 0);
  assert.deepEqual(b.transitions(m), ["TIME_WAIT>CLOSED"]);
  b.none();
  p.conn.abort(b.now); // gone: nothing more to end
  assert.deepEqual(b.transitions(m), ["TIME_WAIT>CLOSED"]);
});
