// SYN_SENT (RFC 9293 §3.10.7.3): active open, the ACK and RST checks, simultaneous open (MUST-10).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, FIN, RST, SYN } from "../../src/wire/segment.js";
import {
  Bench,
  LOCAL_PORT,
  PEER_SYN_OPTIONS,
  REMOTE,
  REMOTE_ISS,
  REMOTE_PORT,
  bytes,
  recordingHandlers,
  text,
} from "./harness.js";

function connect(b: Bench): {
  conn: ReturnType<Bench["host"]["connect"]>;
  log: ReturnType<typeof recordingHandlers>["log"];
  iss: number;
} {
  const h = recordingHandlers();
  const conn = b.host.connect({ address: REMOTE, port: REMOTE_PORT, localPort: LOCAL_PORT }, h);
  const syn = b.one();
  return { conn, log: h.log, iss: syn.seq };
}

test("active OPEN sends <SEQ=ISS><CTL=SYN> and enters SYN_SENT with the SYN timer at the initial RTO (§3.10.1)", () => {
  const b = new Bench();
  b.at(2000);
  const m = b.mark();
  const h = recordingHandlers();
  const conn = b.host.connect({ address: REMOTE, port: REMOTE_PORT, localPort: LOCAL_PORT }, h);
  const syn = b.one();
  assert.equal(syn.flags, SYN);
  assert.equal(syn.ack, 0);
  assert.equal(syn.window, 64240); // tcp_select_initial_window: 131072 / 2 rounded down to 44 · 1460
  assert.equal(syn.options.mss, 1460);
  assert.equal(conn.state, "SYN_SENT");
  assert.deepEqual(b.transitions(m), ["CLOSED>SYN_SENT"]);
  const t = b.timers(m, "syn");
  assert.deepEqual(
    t.map((e) => [e.action, e.deadline]),
    [["armed", 2000 + 1_000_000]],
  );
  assert.equal(b.host.counters.activeOpens, 1);
});

test("SYN_SENT + acceptable SYN,ACK → ESTABLISHED, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (§3.10.7.3 fourth)", () => {
  const b = new Bench();
  const { conn, log, iss } = connect(b);
  const m = b.mark();
  b.at(50_000).feed({
    flags: SYN | ACK,
    seq: REMOTE_ISS,
    ack: iss + 1,
    options: PEER_SYN_OPTIONS,
    window: 5000,
  });
  const ack = b.one();
  assert.equal(ack.flags, ACK);
  assert.equal(ack.seq, iss + 1);
  assert.equal(ack.ack, REMOTE_ISS + 1);
  assert.equal(conn.state, "ESTABLISHED");
  assert.equal(log.established, 1);
  assert.equal(conn.snd.sndWnd, 5000);
  assert.deepEqual(b.transitions(m), ["SYN_SENT>ESTABLISHED"]);
  assert.deepEqual(
    b.timers(m, "syn").map((e) => e.action),
    ["cancelled"],
  );
  // The handshake RTT seeds SRTT: 50 ms + max(4·25 ms, 200 ms) = 250 ms (RFC 6298 §2.2, linux form).
  assert.equal(conn.snd.rto.rto, 250_000);
});

test("SYN_SENT + SYN,ACK carrying data: the data is delivered (§3.10.7.3 'continue processing at the sixth step')", () => {
  const b = new Bench();
  const { conn, log, iss } = connect(b);
  b.feed({ flags: SYN | ACK, seq: REMOTE_ISS, ack: iss + 1, payload: bytes("early") });
  // The RFC sends the handshake's ACK first and then processes the text, which may ACK again.
  const acks = b.take();
  assert.ok(acks.length >= 1 && acks.every((s) => s.flags === ACK));
  assert.equal(acks.at(-1)!.ack, REMOTE_ISS + 1 + 5);
  assert.equal(text(log.data), "early");
  assert.equal(conn.state, "ESTABLISHED");
});

for (const [name, ackOffset] of [
  ["SEG.ACK =< ISS", 0],
  ["SEG.ACK > SND.NXT", 2],
] as const) {
  test(`SYN_SENT + unacceptable ACK (${name}) → <SEQ=SEG.ACK><CTL=RST>, stays SYN_SENT (§3.10.7.3 first; linux 'R seq=SEG.ACK')`, () => {
    const b = new Bench();
    const { conn, iss } = connect(b);
    const m = b.mark();
    const bad = (iss + ackOffset) >>> 0;
    b.feed({ flags: SYN | ACK, seq: REMOTE_ISS, ack: bad });
    const rst = b.one();
    assert.equal(rst.flags, RST);
    assert.equal(rst.seq, bad);
    assert.equal(rst.ack, 0);
    assert.equal(rst.window, 0);
    assert.equal(conn.state, "SYN_SENT");
    assert.deepEqual(
      b.drops(m).map((d) => d.reason),
      ["syn-sent-bad-ack"],
    );
  });
}

test("SYN_SENT + RST with an unacceptable ACK is dropped silently (§3.10.7.3 first: 'unless the RST bit is set')", () => {
  const b = new Bench();
  const { conn, iss } = connect(b);
  b.feed({ flags: RST | ACK, seq: 0, ack: iss + 7 });
  b.none();
  assert.equal(conn.state, "SYN_SENT");
});

test("SYN_SENT + RST with an acceptable ACK → CLOSED, the application gets ECONNREFUSED (§3.10.7.3 second)", () => {
  const b = new Bench();
  const { conn, log, iss } = connect(b);
  const m = b.mark();
  b.feed({ flags: RST | ACK, seq: 0, ack: iss + 1 });
  b.none();
  assert.equal(conn.state, "CLOSED");
  assert.deepEqual(log.closes, ["ECONNREFUSED"]);
  assert.deepEqual(b.transitions(m), ["SYN_SENT>CLOSED"]);
  assert.deepEqual(
    b.timers(m, "syn").map((e) => e.action),
    ["cancelled"],
  );
  assert.equal(b.host.counters.attemptFails, 1);
  assert.equal(b.host.connections().length, 0);
});

test("SYN_SENT + RST without ACK is dropped (§3.10.7.3 second: 'If the ACK bit is off, drop'; RFC 5961 §3)", () => {
  const b = new Bench();
  const { conn, log } = connect(b);
  const m = b.mark();
  b.feed({ flags: RST, seq: REMOTE_ISS });
  b.none();
  assert.equal(conn.state, "SYN_SENT");
  assert.deepEqual(log.closes, []);
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["syn-sent-rst-no-ack"],
  );
});

test("SYN_SENT + a segment with neither SYN nor RST is dropped (§3.10.7.3 fifth)", () => {
  const b = new Bench();
  const { conn, iss } = connect(b);
  const m = b.mark();
  b.feed({ flags: ACK, seq: REMOTE_ISS + 1, ack: iss + 1 });
  b.none();
  assert.equal(conn.state, "SYN_SENT");
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["syn-sent-no-syn"],
  );
});

test("simultaneous open (MUST-10, Figure 8): SYN in SYN_SENT → SYN_RECEIVED with <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>", () => {
  const b = new Bench();
  const { conn, iss } = connect(b);
  const m = b.mark();
  b.at(10_000).feed({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS });
  const sa = b.one();
  assert.equal(sa.flags, SYN | ACK);
  assert.equal(sa.seq, iss);
  assert.equal(sa.ack, REMOTE_ISS + 1);
  assert.equal(conn.state, "SYN_RECEIVED");
  assert.deepEqual(b.transitions(m), ["SYN_SENT>SYN_RECEIVED"]);
});

test("simultaneous open (Figure 8 line 4): the peer's SYN,ACK in SYN_RECEIVED → ESTABLISHED and an ACK", () => {
  const b = new Bench();
  const { conn, log, iss } = connect(b);
  b.at(10_000).feed({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS });
  b.one();
  const m = b.mark();
  b.at(20_000).feed({ flags: SYN | ACK, seq: REMOTE_ISS, ack: iss + 1, options: PEER_SYN_OPTIONS });
  const ack = b.one();
  assert.equal(ack.flags & (ACK | SYN | RST), ACK);
  assert.equal(ack.seq, iss + 1);
  assert.equal(ack.ack, REMOTE_ISS + 1);
  assert.equal(conn.state, "ESTABLISHED");
  assert.deepEqual(b.transitions(m), ["SYN_RECEIVED>ESTABLISHED"]);
  assert.equal(log.established, 1);
});

test("simultaneous open: the peer's plain ACK of our SYN,ACK also completes it (§3.10.7.4 fifth, SYN-RECEIVED)", () => {
  const b = new Bench();
  const { conn, log, iss } = connect(b);
  b.feed({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS });
  b.one();
  b.feed({ flags: ACK, seq: REMOTE_ISS + 1, ack: iss + 1 });
  b.none();
  assert.equal(conn.state, "ESTABLISHED");
  assert.equal(log.established, 1);
});

test("close() in SYN_SENT deletes the TCB silently (§3.10.4; linux 'close() in SYN_SENT is silent')", () => {
  const b = new Bench();
  const { conn, log } = connect(b);
  const m = b.mark();
  conn.close(b.now);
  b.none();
  assert.equal(conn.state, "CLOSED");
  assert.deepEqual(b.transitions(m), ["SYN_SENT>CLOSED"]);
  assert.deepEqual(log.closes, [null]);
  assert.equal(b.host.connections().length, 0);
});

test("SYN_SENT + SYN,ACK,FIN: ESTABLISHED then CLOSE_WAIT, EOF to the application (§3.10.7.3, eighth step)", () => {
  const b = new Bench();
  const { conn, log, iss } = connect(b);
  b.feed({ flags: SYN | ACK | FIN, seq: REMOTE_ISS, ack: iss + 1 });
  const out = b.take();
  assert.ok(out.length >= 1);
  assert.equal(out.at(-1)!.ack, REMOTE_ISS + 2); // SYN and FIN both acknowledged
  assert.equal(conn.state, "CLOSE_WAIT");
  assert.equal(log.ends, 1);
});

test("a retransmitted SYN,ACK after ESTABLISHED (our ACK was lost) is answered with an ACK, state kept (§3.10.7.4)", () => {
  const b = new Bench();
  const { conn, iss } = connect(b);
  b.feed({ flags: SYN | ACK, seq: REMOTE_ISS, ack: iss + 1, options: PEER_SYN_OPTIONS });
  b.one();
  b.at(1_000_000).feed({ flags: SYN | ACK, seq: REMOTE_ISS, ack: iss + 1, options: PEER_SYN_OPTIONS });
  const ack = b.one();
  assert.equal(ack.flags, ACK);
  assert.equal(ack.seq, iss + 1);
  assert.equal(ack.ack, REMOTE_ISS + 1);
  assert.equal(conn.state, "ESTABLISHED");
});
