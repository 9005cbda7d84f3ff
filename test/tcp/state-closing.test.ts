// The closing states (RFC 9293 §3.6, §3.10.4, §3.10.7.4 fifth and eighth steps): FIN_WAIT_1, FIN_WAIT_2,
// CLOSE_WAIT, CLOSING, LAST_ACK — "our FIN sent" and "our FIN acknowledged" as separate facts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, FIN, RST } from "../../src/wire/segment.js";
import { Bench, activeOpen, bytes, passiveOpen, placeIn, text } from "./harness.js";

test("FIN_WAIT_1 + ACK of our FIN → FIN_WAIT_2, nothing sent (§3.10.7.4 fifth, FIN-WAIT-1)", () => {
  const b = new Bench();
  const p = placeIn(b, "FIN_WAIT_1");
  const m = b.mark();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt });
  b.none();
  assert.deepEqual(b.transitions(m), ["FIN_WAIT_1>FIN_WAIT_2"]);
  assert.ok(p.conn.snd.finAcked);
  assert.deepEqual(
    b.timers(m, "retransmit").map((e) => e.action),
    ["cancelled"],
  );
  // shutdown() keeps the socket: no orphan FIN_WAIT_2 timer (Linux arms tcp_fin_timeout only for orphans).
  assert.equal(b.timers(m, "fin-wait-2").length, 0);
});

test("FIN_WAIT_1 + ACK that covers data but not the FIN stays in FIN_WAIT_1 (§3.10.7.4 fifth)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  p.conn.send(bytes("data"), b.now);
  p.conn.shutdown(b.now);
  b.take();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 4 });
  assert.equal(p.conn.state, "FIN_WAIT_1");
  assert.ok(p.conn.snd.finSent);
  assert.ok(!p.conn.snd.finAcked);
});

test("half-close: in FIN_WAIT_1 and FIN_WAIT_2 the peer's data is still received, delivered and ACKed (§3.6.1, S4)", () => {
  const b = new Bench();
  const p = placeIn(b, "FIN_WAIT_1");
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt - 1, payload: bytes("still ") });
  b.runTo(b.now + b.host.profile.delayedAckTimeout);
  assert.equal(b.take().at(-1)!.ack, p.peerNxt + 6);
  b.feed({ flags: ACK, seq: p.peerNxt + 6, ack: p.ourNxt });
  assert.equal(p.conn.state, "FIN_WAIT_2");
  let seq = p.peerNxt + 6;
  for (const chunk of ["sending ", "after ", "your ", "FIN"]) {
    b.at(b.now + 1000).feed({ flags: ACK, seq, ack: p.ourNxt, payload: bytes(chunk) });
    seq += chunk.length;
    b.runTo(b.now + b.host.profile.delayedAckTimeout);
    const ack = b.take().at(-1)!;
    assert.equal(ack.ack, seq);
    assert.equal(ack.seq, p.ourNxt); // we send nothing new: our side is closed
  }
  assert.equal(p.conn.state, "FIN_WAIT_2");
  assert.equal(text(p.log.data), "still sending after your FIN");
});

test("FIN_WAIT_2 + FIN → TIME_WAIT with <ACK=FIN+1>; onClose(null) for the active closer (§3.10.7.4 eighth)", () => {
  const b = new Bench();
  const p = placeIn(b, "FIN_WAIT_2");
  const m = b.mark();
  b.feed({ flags: ACK | FIN, seq: p.peerNxt, ack: p.ourNxt });
  const ack = b.one();
  assert.equal(ack.flags, ACK);
  assert.equal(ack.seq, p.ourNxt);
  assert.equal(ack.ack, p.peerNxt + 1);
  assert.deepEqual(b.transitions(m), ["FIN_WAIT_2>TIME_WAIT"]);
  assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
  assert.equal(p.log.ends, 1);
  assert.deepEqual(p.log.closes, [null]);
  const tw = b.timers(m, "time-wait");
  assert.deepEqual(
    tw.map((e) => [e.action, e.deadline]),
    [["armed", b.now + 60_000_000]], // linux: TIME_WAIT fixed at 60 s
  );
  assert.equal(b.host.counters.timeWaitEntered, 1);
});

test("crossing FINs: FIN_WAIT_1 + FIN → CLOSING, then the ACK of our FIN → TIME_WAIT (§3.10.7.4, Figure 13, S5)", () => {
  const b = new Bench();
  const p = placeIn(b, "FIN_WAIT_1");
  const m = b.mark();
  b.feed({ flags: ACK | FIN, seq: p.peerNxt, ack: p.ourNxt - 1 });
  const ack = b.one();
  assert.equal(ack.ack, p.peerNxt + 1);
  assert.equal(p.conn.state, "CLOSING");
  // An ACK that does not cover our FIN keeps CLOSING.
  b.feed({ flags: ACK, seq: p.peerNxt + 1, ack: p.ourNxt - 1 });
  assert.equal(p.conn.state, "CLOSING");
  b.feed({ flags: ACK, seq: p.peerNxt + 1, ack: p.ourNxt });
  b.none();
  assert.deepEqual(b.transitions(m), ["FIN_WAIT_1>CLOSING", "CLOSING>TIME_WAIT"]);
  assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
});

test("FIN_WAIT_1 + FIN that also ACKs our FIN goes straight to TIME_WAIT (§3.10.7.4 eighth, FIN-WAIT-1)", () => {
  const b = new Bench();
  const p = placeIn(b, "FIN_WAIT_1");
  const m = b.mark();
  b.feed({ flags: ACK | FIN, seq: p.peerNxt, ack: p.ourNxt });
  assert.equal(b.one().ack, p.peerNxt + 1);
  // The fifth step (ACK of our FIN: FIN_WAIT_2) runs before the eighth (FIN: TIME_WAIT) on one segment.
  assert.deepEqual(b.transitions(m), ["FIN_WAIT_1>FIN_WAIT_2", "FIN_WAIT_2>TIME_WAIT"]);
  assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
});

test("CLOSE_WAIT: we may still send, the peer's ACK arrives; end() → LAST_ACK with the FIN after the data (§3.10.2, §3.10.4)", () => {
  const b = new Bench();
  const p = placeIn(b, "CLOSE_WAIT");
  p.conn.send(bytes("last words"), b.now);
  const data = b.one();
  assert.equal(text([data.payload]), "last words");
  assert.equal(data.ack, p.peerNxt);
  const m = b.mark();
  p.conn.shutdown(b.now);
  const fin = b.one();
  assert.ok(fin.flags & FIN);
  assert.equal(fin.seq, p.ourNxt + 10);
  assert.deepEqual(b.transitions(m), ["CLOSE_WAIT>LAST_ACK"]);
});

test("LAST_ACK leaves only on the ACK of our FIN: an ACK of data only keeps LAST_ACK (§3.10.7.4 fifth, LAST-ACK)", () => {
  const b = new Bench();
  const p = placeIn(b, "CLOSE_WAIT");
  p.conn.send(bytes("xyz"), b.now);
  p.conn.shutdown(b.now);
  b.take();
  const m = b.mark();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 3 }); // data acked, FIN not
  assert.equal(p.conn.state, "LAST_ACK");
  assert.deepEqual(p.log.closes, []);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 4 });
  b.none();
  assert.equal(p.conn.state, "CLOSED");
  assert.deepEqual(b.transitions(m), ["LAST_ACK>CLOSED"]);
  assert.deepEqual(p.log.closes, [null]);
  assert.equal(b.host.connections().length, 0);
  assert.equal(b.host.timeWaitEntries, 0); // only the active closer enters TIME_WAIT (S3)
});

test("LAST_ACK: an unanswered FIN is retransmitted on the RTO (§3.10.8; S6)", () => {
  const b = new Bench();
  const p = placeIn(b, "LAST_ACK");
  const m = b.mark();
  b.runTo(b.now + 350_000); // RTO after a 100 ms handshake: 300 ms
  const fin = b.one();
  assert.equal(fin.flags, ACK | FIN);
  assert.equal(fin.seq, p.ourNxt - 1);
  assert.ok(b.sentEvents(m)[0]!.retransmission);
  assert.equal(p.conn.state, "LAST_ACK");
});

test("CLOSING and LAST_ACK re-ACK a retransmitted FIN from the peer (§3.10.7.4 eighth: 'remain in the state')", () => {
  for (const state of ["CLOSING", "LAST_ACK", "CLOSE_WAIT"] as const) {
    const b = new Bench();
    const p = placeIn(b, state);
    b.feed({ flags: ACK | FIN, seq: p.peerNxt - 1, ack: p.ourNxt - (state === "CLOSE_WAIT" ? 0 : 1) });
    const ack = b.one();
    assert.equal(ack.flags, ACK, state);
    assert.equal(ack.ack, p.peerNxt, state);
    assert.equal(p.conn.state, state);
  }
});

for (const state of ["FIN_WAIT_1", "FIN_WAIT_2"] as const) {
  test(`orphan in ${state}: new data after close() → RST and CLOSED (RFC 1122 4.2.2.13 / linux close semantics)`, () => {
    const b = new Bench();
    const p = placeIn(b, state, { orphan: true });
    const m = b.mark();
    // In FIN_WAIT_1 the segment must not ACK our FIN, or it would move us to FIN_WAIT_2 first.
    const ack = state === "FIN_WAIT_1" ? p.ourNxt - 1 : p.ourNxt;
    b.feed({ flags: ACK, seq: p.peerNxt, ack, payload: bytes("anyone there?") });
    const out = b.take();
    const rst = out.find((s) => s.flags & RST);
    assert.ok(rst, "an RST must be sent");
    assert.ok(rst.seq === ack || rst.seq === p.ourNxt, `RST seq ${rst.seq}`); // SEG.ACK or SND.NXT
    assert.equal(b.host.stateOf(p.conn), "CLOSED");
    assert.deepEqual(b.transitions(m).at(-1), `${state}>CLOSED`);
    assert.equal(b.host.counters.abortOnData, 1);
    assert.ok(b.drops(m).some((d) => d.reason === "data-after-close"));
  });
}

test("not an orphan (shutdown only): data in FIN_WAIT_2 is delivered, no RST (linux: SHUT_WR still reads)", () => {
  const b = new Bench();
  const p = placeIn(b, "FIN_WAIT_2");
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("fine") });
  b.runTo(b.now + b.host.profile.delayedAckTimeout);
  assert.ok(b.take().every((s) => !(s.flags & RST)));
  assert.equal(text(p.log.data), "fine");
});

test("the active opener closes first (S3, client side): FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT, EOF then close", () => {
  const b = new Bench();
  const p = activeOpen(b);
  const m = b.mark();
  p.conn.shutdown(b.now);
  assert.equal(b.one().flags, ACK | FIN);
  b.at(b.now + 50_000).feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 1 });
  b.at(b.now + 50_000).feed({ flags: ACK | FIN, seq: p.peerNxt, ack: p.ourNxt + 1 });
  assert.equal(b.one().ack, p.peerNxt + 1);
  assert.deepEqual(b.transitions(m), [
    "ESTABLISHED>FIN_WAIT_1",
    "FIN_WAIT_1>FIN_WAIT_2",
    "FIN_WAIT_2>TIME_WAIT",
  ]);
  assert.equal(p.log.ends, 1);
  assert.deepEqual(p.log.closes, [null]);
});
