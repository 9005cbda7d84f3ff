// SYN_RECEIVED (RFC 9293 §3.10.7.4 for a passive child): duplicate SYN, unacceptable ACK, RST, the final ACK.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, FIN, RST, SYN } from "../../src/wire/segment.js";
import { Bench, PEER_SYN_OPTIONS, REMOTE_ISS, bytes, listenRecording, text } from "./harness.js";

function halfOpen(b: Bench): { iss: number; accepted: ReturnType<typeof listenRecording>["accepted"] } {
  const { accepted } = listenRecording(b);
  b.feed({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS });
  return { iss: b.one().seq, accepted };
}

test("SYN_RECEIVED + duplicate SYN → the same SYN,ACK again, no new child (Linux request sock; §3.10.7.4)", () => {
  const b = new Bench();
  const { iss } = halfOpen(b);
  const m = b.mark();
  b.at(300_000).feed({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS });
  const sa = b.one();
  assert.equal(sa.flags, SYN | ACK);
  assert.equal(sa.seq, iss);
  assert.equal(sa.ack, REMOTE_ISS + 1);
  assert.deepEqual(b.transitions(m), []);
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 1);
  assert.equal(b.host.connections().length, 1);
});

for (const [name, delta] of [
  ["SEG.ACK = ISS (acks nothing)", 0],
  ["SEG.ACK > SND.NXT", 5],
] as const) {
  test(`SYN_RECEIVED + unacceptable ACK (${name}) → <SEQ=SEG.ACK><CTL=RST> (§3.10.7.4 fifth; linux RST formats)`, () => {
    const b = new Bench();
    const { iss, accepted } = halfOpen(b);
    const bad = (iss + delta) >>> 0;
    b.feed({ flags: ACK, seq: REMOTE_ISS + 1, ack: bad });
    const rst = b.one();
    assert.equal(rst.flags, RST); // no ACK flag, ack field 0
    assert.equal(rst.seq, bad);
    assert.equal(rst.ack, 0);
    assert.equal(rst.window, 0);
    assert.equal(b.host.stateCounts().SYN_RECEIVED, 1); // the child stays (§3.10.7.4: "send a reset" only)
    assert.equal(accepted.length, 0);
  });
}

test("SYN_RECEIVED (passive) + exact RST → the child disappears, the listener stays (§3.10.7.4 second)", () => {
  const b = new Bench();
  const { accepted } = halfOpen(b);
  const m = b.mark();
  b.feed({ flags: RST, seq: REMOTE_ISS + 1 });
  b.none();
  assert.deepEqual(b.transitions(m), ["SYN_RECEIVED>CLOSED"]);
  assert.equal(b.host.connections().length, 0);
  assert.equal(b.host.stateCounts().LISTEN, 1);
  assert.equal(accepted.length, 0);
  assert.deepEqual(
    b.timers(m, "synack").map((e) => e.action),
    ["cancelled"],
  );
});

test("SYN_RECEIVED + in-window but inexact RST → challenge ACK, child kept (RFC 5961 §3.2)", () => {
  const b = new Bench();
  const { iss } = halfOpen(b);
  b.feed({ flags: RST, seq: REMOTE_ISS + 100 });
  const ack = b.one();
  assert.equal(ack.flags, ACK);
  assert.equal(ack.seq, iss + 1);
  assert.equal(ack.ack, REMOTE_ISS + 1);
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 1);
});

test("SYN_RECEIVED (passive) + in-window SYN with a new sequence number → back to LISTEN (§3.10.7.4 fourth)", () => {
  const b = new Bench();
  halfOpen(b);
  const m = b.mark();
  b.feed({ flags: SYN, seq: REMOTE_ISS + 50 });
  assert.deepEqual(b.transitions(m), ["SYN_RECEIVED>CLOSED"]);
  assert.equal(b.host.stateCounts().LISTEN, 1);
  assert.equal(b.host.connections().length, 0);
});

test("SYN_RECEIVED + acceptable ACK → ESTABLISHED, accepted, passiveOpens counted (§3.10.7.4 fifth)", () => {
  const b = new Bench();
  const { iss, accepted } = halfOpen(b);
  const m = b.mark();
  b.at(80_000).feed({ flags: ACK, seq: REMOTE_ISS + 1, ack: iss + 1, window: 30000 });
  b.none();
  assert.equal(accepted.length, 1);
  assert.equal(accepted[0]!.conn.state, "ESTABLISHED");
  assert.equal(accepted[0]!.log.established, 1);
  assert.equal(accepted[0]!.conn.snd.sndWnd, 30000);
  assert.deepEqual(b.transitions(m), ["SYN_RECEIVED>ESTABLISHED"]);
  const app = b.since(m).filter((e) => e.kind === "app");
  assert.deepEqual(
    app.map((e) => (e.kind === "app" ? e.call : "")),
    ["accept"],
  );
  assert.equal(b.host.counters.passiveOpens, 1);
});

test("SYN_RECEIVED + ACK carrying data and FIN → ESTABLISHED → CLOSE_WAIT, data then EOF (§3.10.7.4 seventh, eighth)", () => {
  const b = new Bench();
  const { iss, accepted } = halfOpen(b);
  const m = b.mark();
  b.feed({ flags: ACK | FIN, seq: REMOTE_ISS + 1, ack: iss + 1, payload: bytes("GET /") });
  // Linux (tcp_fin → ping-pong mode) delays the ACK of a FIN that follows data by the delayed-ACK time.
  assert.deepEqual(b.take(), [], "no ACK at once");
  b.runTo(b.now + b.host.profile.delayedAckTimeout);
  const out = b.take();
  assert.equal(out.at(-1)!.ack, REMOTE_ISS + 1 + 5 + 1);
  const child = accepted[0]!;
  assert.equal(text(child.log.data), "GET /");
  assert.equal(child.log.ends, 1);
  assert.equal(child.conn.state, "CLOSE_WAIT");
  assert.deepEqual(b.transitions(m), ["SYN_RECEIVED>ESTABLISHED", "ESTABLISHED>CLOSE_WAIT"]);
});

test("SYN_RECEIVED + segment without ACK (bare data) is dropped (§3.10.7.4 fifth: 'if the ACK bit is off, drop')", () => {
  const b = new Bench();
  halfOpen(b);
  const m = b.mark();
  b.feed({ flags: 0, seq: REMOTE_ISS + 1, payload: bytes("x") });
  b.none();
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["no-ack-flag"],
  );
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 1);
});
