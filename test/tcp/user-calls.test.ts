// The user calls in every state (RFC 9293 §3.10.2 SEND, §3.10.4 CLOSE, §3.10.5 ABORT), table-driven.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, FIN, RST, SYN } from "../../src/wire/segment.js";
import { TcpError } from "../../src/tcp/errors.js";
import {
  Bench,
  LOCAL_PORT,
  PEER_SYN_OPTIONS,
  REMOTE,
  REMOTE_ISS,
  REMOTE_PORT,
  bytes,
  placeIn,
  recordingHandlers,
  type PlaceableState,
} from "./harness.js";

const STATES: PlaceableState[] = [
  "ESTABLISHED",
  "FIN_WAIT_1",
  "FIN_WAIT_2",
  "CLOSE_WAIT",
  "CLOSING",
  "LAST_ACK",
  "TIME_WAIT",
];

// §3.10.2: ESTABLISHED and CLOSE_WAIT take data; the closing states answer "connection closing".
const SEND_OK = new Set<PlaceableState>(["ESTABLISHED", "CLOSE_WAIT"]);
// §3.10.5: these states send <SEQ=SND.NXT><CTL=RST>; CLOSING, LAST_ACK and TIME_WAIT just delete the TCB.
const ABORT_SENDS_RST = new Set<PlaceableState>(["ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT"]);
// §3.10.4: CLOSE moves ESTABLISHED → FIN_WAIT_1 and CLOSE_WAIT → LAST_ACK; elsewhere "connection closing".
const CLOSE_NEXT: Partial<Record<PlaceableState, string>> = {
  ESTABLISHED: "FIN_WAIT_1",
  CLOSE_WAIT: "LAST_ACK",
};

for (const state of STATES) {
  test(`SEND in ${state}: ${SEND_OK.has(state) ? "data goes out" : "EPIPE (connection closing)"} (§3.10.2)`, () => {
    const b = new Bench();
    const p = placeIn(b, state);
    if (SEND_OK.has(state)) {
      assert.equal(p.conn.send(bytes("abc"), b.now), 3);
      assert.equal(b.one().payload.length, 3);
    } else {
      assert.throws(
        () => p.conn.send(bytes("abc"), b.now),
        (e: unknown) => e instanceof TcpError && e.code === "EPIPE",
      );
      b.none();
    }
  });

  test(`CLOSE (end) in ${state}: ${CLOSE_NEXT[state] ? `FIN, ${CLOSE_NEXT[state]}` : "nothing changes"} (§3.10.4)`, () => {
    const b = new Bench();
    const p = placeIn(b, state);
    const m = b.mark();
    p.conn.shutdown(b.now);
    const next = CLOSE_NEXT[state];
    if (next) {
      const fin = b.one();
      assert.equal(fin.flags, ACK | FIN);
      assert.equal(fin.seq, p.ourNxt);
      assert.deepEqual(b.transitions(m), [`${state}>${next}`]);
    } else {
      b.none();
      assert.deepEqual(b.transitions(m), []);
    }
  });

  test(`ABORT in ${state}: ${ABORT_SENDS_RST.has(state) ? "<SEQ=SND.NXT><CTL=RST>" : "no segment"}, CLOSED (§3.10.5)`, () => {
    const b = new Bench();
    const p = placeIn(b, state);
    p.conn.abort(b.now);
    if (ABORT_SENDS_RST.has(state)) {
      const rst = b.one();
      assert.ok(rst.flags & RST);
      assert.equal(rst.seq, p.ourNxt);
    } else {
      b.none();
    }
    if (state !== "TIME_WAIT") assert.equal(p.conn.state, "CLOSED");
    assert.equal(b.host.connections().length, 0);
  });
}

test("ABORT in SYN_SENT: no segment, CLOSED (§3.10.5)", () => {
  const b = new Bench();
  const conn = b.host.connect({ address: REMOTE, port: REMOTE_PORT, localPort: LOCAL_PORT }, {});
  b.one();
  conn.abort(b.now);
  b.none();
  assert.equal(conn.state, "CLOSED");
});

test("simultaneous open: CLOSE in SYN_RECEIVED is queued and the FIN follows the handshake (§3.10.4 SYN-RECEIVED)", () => {
  const b = new Bench();
  const h = recordingHandlers();
  const conn = b.host.connect({ address: REMOTE, port: REMOTE_PORT, localPort: LOCAL_PORT }, h);
  const syn = b.one();
  b.feed({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS });
  b.one();
  const m = b.mark();
  conn.shutdown(b.now);
  b.none(); // nothing before ESTABLISHED
  assert.equal(conn.state, "SYN_RECEIVED");
  b.feed({ flags: ACK, seq: REMOTE_ISS + 1, ack: syn.seq + 1 });
  const fin = b.take().find((s) => s.flags & FIN);
  assert.ok(fin, "the queued FIN is sent");
  assert.equal(fin.seq, syn.seq + 1);
  assert.deepEqual(b.transitions(m), ["SYN_RECEIVED>ESTABLISHED", "ESTABLISHED>FIN_WAIT_1"]);
});

test("simultaneous open: an exact RST in SYN_RECEIVED (active side) → CLOSED with ECONNREFUSED (§3.10.7.4 second)", () => {
  const b = new Bench();
  const h = recordingHandlers();
  const conn = b.host.connect({ address: REMOTE, port: REMOTE_PORT, localPort: LOCAL_PORT }, h);
  b.one();
  b.feed({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS });
  b.one();
  b.feed({ flags: RST, seq: REMOTE_ISS + 1 });
  assert.equal(conn.state, "CLOSED");
  assert.deepEqual(h.log.closes, ["ECONNREFUSED"]);
});

test("shutdown() then close() in FIN_WAIT_2 makes the socket an orphan: the FIN_WAIT_2 timer is armed then", () => {
  const b = new Bench();
  const p = placeIn(b, "FIN_WAIT_2");
  const m = b.mark();
  p.conn.close(b.now);
  const armed = b.timers(m, "fin-wait-2");
  assert.deepEqual(
    armed.map((e) => [e.action, e.deadline]),
    [["armed", b.now + b.host.profile.finWait2Timeout]],
  );
});
