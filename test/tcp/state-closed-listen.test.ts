// CLOSED and LISTEN (RFC 9293 §3.10.7.1, §3.10.7.2): what a host answers when no connection owns a segment.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, FIN, RST, SYN } from "../../src/wire/segment.js";
import { Bench, LOCAL_PORT, PEER_SYN_OPTIONS, REMOTE_ISS, bytes, listenRecording } from "./harness.js";

test("CLOSED: a segment with ACK draws <SEQ=SEG.ACK><CTL=RST>, window 0 (§3.10.7.1; linux RST formats)", () => {
  const b = new Bench();
  const m = b.mark();
  b.at(5).feed({ flags: ACK, seq: 5000, ack: 777 });
  const rst = b.one();
  assert.equal(rst.flags, RST); // no ACK flag
  assert.equal(rst.seq, 777);
  assert.equal(rst.ack, 0);
  assert.equal(rst.window, 0);
  assert.equal(rst.srcPort, LOCAL_PORT);
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["closed-port"],
  );
  assert.equal(b.sentEvents(m)[0]!.why, "rst-closed-port");
  assert.equal(b.host.counters.outRsts, 1);
});

test("CLOSED: a segment without ACK draws <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (§3.10.7.1)", () => {
  const b = new Bench();
  b.feed({ flags: SYN, seq: 4000 });
  const r1 = b.one();
  assert.equal(r1.flags, RST | ACK);
  assert.equal(r1.seq, 0);
  assert.equal(r1.ack, 4001); // SYN occupies one sequence number
  // SEG.LEN counts the payload and the FIN.
  b.feed({ flags: FIN, seq: 9000, payload: bytes("hello") });
  const r2 = b.one();
  assert.equal(r2.flags, RST | ACK);
  assert.equal(r2.ack, 9006);
});

test("CLOSED: an RST is dropped without reply (§3.10.7.1 'an incoming segment containing a RST is discarded')", () => {
  const b = new Bench();
  const m = b.mark();
  b.feed({ flags: RST | ACK, seq: 1, ack: 2 });
  b.none();
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["rst-to-closed-port"],
  );
  assert.equal(b.host.counters.outRsts, 0);
});

test("LISTEN: an RST is ignored (§3.10.7.2 first check)", () => {
  const b = new Bench();
  listenRecording(b);
  const m = b.mark();
  b.feed({ flags: RST, seq: 1 });
  b.none();
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["listen-rst"],
  );
  assert.equal(b.host.stateCounts().LISTEN, 1);
});

for (const policy of ["off", "overflow"] as const) {
  test(`LISTEN (syn cookies ${policy}): an ACK draws <SEQ=SEG.ACK><CTL=RST> — linux 'R 1:1(0) ack 0 win 0' (§3.10.7.2 second check)`, () => {
    const b = new Bench({ synCookies: policy });
    listenRecording(b);
    const m = b.mark();
    b.feed({ flags: ACK, seq: 100, ack: 1 });
    const rst = b.one();
    assert.equal(rst.flags, RST);
    assert.equal(rst.seq, 1);
    assert.equal(rst.ack, 0);
    assert.equal(rst.window, 0);
    assert.deepEqual(
      b.drops(m).map((d) => d.reason),
      ["listen-ack"],
    );
    assert.equal(b.host.connections().length, 0);
  });
}

test("LISTEN: a SYN,ACK is an ACK in LISTEN and draws <SEQ=SEG.ACK><CTL=RST> (§3.10.7.2 second check)", () => {
  const b = new Bench();
  listenRecording(b);
  b.feed({ flags: SYN | ACK, seq: 100, ack: 4242 });
  const rst = b.one();
  assert.equal(rst.flags, RST);
  assert.equal(rst.seq, 4242);
  assert.equal(b.host.connections().length, 0);
});

test("LISTEN: a segment with neither SYN, ACK nor RST is dropped silently (§3.10.7.2 fourth)", () => {
  const b = new Bench();
  listenRecording(b);
  const m = b.mark();
  b.feed({ flags: FIN, seq: 100, payload: bytes("x") });
  b.none();
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["listen-no-syn"],
  );
});

test("LISTEN: a SYN creates a SYN_RECEIVED child and draws <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> (§3.10.7.2 third)", () => {
  const b = new Bench();
  const { accepted } = listenRecording(b);
  const m = b.mark();
  b.at(1000).feed({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS });
  const sa = b.one();
  assert.equal(sa.flags, SYN | ACK);
  assert.equal(sa.ack, REMOTE_ISS + 1);
  // linux: tcp_select_initial_window, the stock 128 KiB buffer at the default 50 % ratio, rounded down
  // to 44 segments of 1460 (unscaled, RFC 7323 §2.2).
  assert.equal(sa.window, 64240);
  assert.deepEqual(sa.options, { mss: 1460 }); // linux: '<mss 1460>' when the peer offered nothing else
  assert.deepEqual(b.transitions(m), ["CLOSED>SYN_RECEIVED"]);
  const armed = b.timers(m, "synack");
  assert.equal(armed.length, 1);
  assert.equal(armed[0]!.action, "armed");
  assert.equal(armed[0]!.deadline, 1000 + 1_000_000); // initial RTO 1 s (RFC 6298 §2.1)
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 1);
  assert.equal(accepted.length, 0); // the application sees nothing before ESTABLISHED
  assert.equal(b.sentEvents(m)[0]!.why, "syn-ack");
});

test("LISTEN: the MSS we announce follows the MTU (MTU − 40)", () => {
  const b = new Bench({}, { mtu: 9000 });
  listenRecording(b);
  b.feed({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS });
  assert.equal(b.one().options.mss, 8960);
});
