// Application code called back by the engine (issue 11, "one outbox"): a handler that writes, closes or
// aborts runs only after the entry that caused it has finished, so the engine never continues a
// half-processed segment for a connection the application has just ended. Each test names the callback
// and what the application does inside it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, FIN, PSH, RST, SYN } from "../../src/wire/segment.js";
import type { Connection } from "../../src/tcp/connection.js";
import {
  Bench,
  LOCAL_PORT,
  PEER_SYN_OPTIONS,
  REMOTE,
  REMOTE_ISS,
  REMOTE_PORT,
  brief,
  bytes,
  listenRecording,
  passiveOpen,
  recordingHandlers,
} from "./harness.js";

test("abort() inside onData, on a segment with data and FIN: the RST is the last thing sent", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  const m = b.mark();
  let seen = 0;
  p.conn.handlers = {
    onData: (c) => {
      seen++;
      c.abort(b.now);
    },
  };
  b.at(b.now + 10_000);
  b.feed({ flags: ACK | PSH | FIN, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("bye") });
  const out = b.take();
  assert.deepEqual(
    out.map(brief),
    [`[R.] seq=${p.ourNxt} ack=${p.peerNxt + 4} len=0 win=0`],
    "only the RST (which covers the FIN, processed before the handler ran): no ACK of the FIN from CLOSED",
  );
  assert.equal(seen, 1);
  assert.equal(p.conn.state, "CLOSED");
  // The FIN was processed before the application ran (CLOSE_WAIT), then the abort ended the connection.
  assert.deepEqual(b.transitions(m), ["ESTABLISHED>CLOSE_WAIT", "CLOSE_WAIT>CLOSED"]);
});

test("abort() inside onEnd: the ACK of the FIN, then the RST, then nothing", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  p.conn.handlers = { onEnd: (c) => c.abort(b.now) };
  b.at(b.now + 10_000);
  b.feed({ flags: ACK | FIN, seq: p.peerNxt, ack: p.ourNxt });
  const out = b.take();
  assert.deepEqual(
    out.map((s) => `${brief(s).split(" win=")[0]}`),
    [`[.] seq=${p.ourNxt} ack=${p.peerNxt + 1} len=0`, `[R.] seq=${p.ourNxt} ack=${p.peerNxt + 1} len=0`],
  );
  assert.equal(p.conn.state, "CLOSED");
});

test("close() inside onData on data+FIN: the data is ACKed with the FIN, then our FIN (LAST_ACK)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  const m = b.mark();
  p.conn.handlers = { onData: (c) => c.close(b.now) };
  b.at(b.now + 10_000);
  b.feed({ flags: ACK | PSH | FIN, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("bye") });
  const out = b.take();
  assert.ok(out.length >= 1 && out.length <= 2, out.map(brief).join(" "));
  assert.ok(
    out.every((s) => !(s.flags & RST)),
    "nothing unread: an orderly close, no RST",
  );
  const last = out[out.length - 1]!;
  assert.ok(last.flags & FIN, "our FIN goes");
  assert.equal(last.ack, p.peerNxt + 4, "and acknowledges the data and the peer's FIN");
  assert.equal(p.conn.state, "LAST_ACK");
  assert.deepEqual(b.transitions(m), ["ESTABLISHED>CLOSE_WAIT", "CLOSE_WAIT>LAST_ACK"]);
});

test("a reply written inside onData carries the ACK of the request (no separate ACK)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  p.conn.handlers = { onData: (c) => void c.send(bytes("pong"), b.now) };
  b.at(b.now + 10_000);
  b.feed({ flags: ACK | PSH, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("ping") });
  const reply = b.one();
  assert.equal(reply.payload.length, 4);
  assert.equal(reply.ack, p.peerNxt + 4);
});

test("abort() inside onData while the data is out of order no longer: nothing after the RST", () => {
  // Two segments: the second arrives first (held), the first fills the hole and both are delivered in
  // one onData call each; the handler aborts on the first chunk, so the second is never delivered.
  const b = new Bench();
  const p = passiveOpen(b);
  const got: string[] = [];
  p.conn.handlers = {
    onData: (c, d) => {
      got.push(new TextDecoder().decode(d));
      c.abort(b.now);
    },
  };
  b.at(b.now + 10_000);
  b.feed({ flags: ACK | PSH | FIN, seq: p.peerNxt + 3, ack: p.ourNxt, payload: bytes("def") });
  b.one(); // the duplicate ACK for the hole
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("abc") });
  const out = b.take();
  assert.deepEqual(out.map(brief), [`[R.] seq=${p.ourNxt} ack=${p.peerNxt + 7} len=0 win=0`]);
  assert.deepEqual(got, ["abc"], "nothing delivered after the abort");
});

test("abort() inside onDrain: the RST is the last thing sent for that ACK", () => {
  const b = new Bench({ sendBuffer: 4096 });
  const p = passiveOpen(b);
  const big = new Uint8Array(10_000);
  const taken = p.conn.send(big, b.now);
  assert.ok(taken < big.length, "the send buffer refused part of the write");
  const first = b.take();
  assert.ok(first.length > 0);
  let drains = 0;
  p.conn.handlers = {
    onDrain: (c) => {
      drains++;
      c.abort(b.now);
    },
  };
  b.at(b.now + 10_000);
  // ACK everything sent, with data and a FIN: the data and FIN must not be ACKed after the RST.
  const sentEnd = first.reduce((n, s) => Math.max(n, s.seq + s.payload.length), 0);
  b.feed({ flags: ACK | PSH | FIN, seq: p.peerNxt, ack: sentEnd, payload: bytes("x") });
  const out = b.take();
  assert.equal(drains, 1);
  assert.ok(out.length >= 1, "the RST");
  const rst = out.findIndex((s) => (s.flags & RST) !== 0);
  assert.equal(rst, out.length - 1, `nothing after the RST: ${out.map(brief).join(" ")}`);
  assert.equal(p.conn.state, "CLOSED");
});

test("a write inside onDrain goes out at once, within the window the ACK brought", () => {
  const b = new Bench({ sendBuffer: 4096 });
  const p = passiveOpen(b);
  p.conn.send(new Uint8Array(10_000), b.now);
  const first = b.take();
  const sentEnd = first.reduce((n, s) => Math.max(n, s.seq + s.payload.length), 0);
  let wrote = 0;
  p.conn.handlers = {
    onDrain: (c) => {
      wrote += c.send(new Uint8Array(100), b.now);
    },
  };
  b.at(b.now + 10_000);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: sentEnd, window: 1000 });
  const out = b.take();
  assert.ok(wrote > 0);
  assert.ok(out.length > 0 && out.every((s) => s.seq + s.payload.length <= sentEnd + 1000));
});

test("abort() inside onEstablished, on a SYN,ACK that carries a FIN: the handshake ACK and the RST only", () => {
  const b = new Bench();
  let established = 0;
  const conn = b.host.connect(
    { address: REMOTE, port: REMOTE_PORT, localPort: LOCAL_PORT },
    {
      onEstablished: (c) => {
        established++;
        c.abort(b.now);
      },
    },
  );
  const syn = b.one();
  b.at(100_000);
  b.feed({
    flags: SYN | ACK | FIN,
    seq: REMOTE_ISS,
    ack: syn.seq + 1,
    options: PEER_SYN_OPTIONS,
  });
  const out = b.take();
  assert.equal(established, 1);
  assert.equal(conn.state, "CLOSED");
  const rst = out.findIndex((s) => (s.flags & RST) !== 0);
  assert.ok(rst >= 0, out.map(brief).join(" "));
  assert.equal(rst, out.length - 1, `nothing after the RST: ${out.map(brief).join(" ")}`);
});

test("a write inside onEstablished goes after the handshake's ACK", () => {
  const b = new Bench();
  b.host.connect(
    { address: REMOTE, port: REMOTE_PORT, localPort: LOCAL_PORT },
    { onEstablished: (c) => void c.send(bytes("hello"), b.now) },
  );
  const syn = b.one();
  b.at(100_000);
  b.feed({ flags: SYN | ACK, seq: REMOTE_ISS, ack: syn.seq + 1, options: PEER_SYN_OPTIONS });
  const out = b.take();
  assert.deepEqual(
    out.map((s) => s.payload.length),
    [0, 5],
  );
});

test("close() inside onEstablished: the FIN follows the handshake's ACK", () => {
  const b = new Bench();
  const conn = b.host.connect(
    { address: REMOTE, port: REMOTE_PORT, localPort: LOCAL_PORT },
    { onEstablished: (c) => c.close(b.now) },
  );
  const syn = b.one();
  b.at(100_000);
  b.feed({ flags: SYN | ACK, seq: REMOTE_ISS, ack: syn.seq + 1, options: PEER_SYN_OPTIONS });
  const out = b.take();
  assert.equal(out.length, 2, out.map(brief).join(" "));
  assert.ok(out[1]!.flags & FIN);
  assert.equal(conn.state, "FIN_WAIT_1");
});

test("abort() inside onConnection, when the handshake's last ACK carries data: the RST and nothing else", () => {
  const b = new Bench();
  let children = 0;
  b.host.listen(
    LOCAL_PORT,
    {},
    {
      onConnection: (c: Connection) => {
        children++;
        c.abort(b.now);
        return recordingHandlers();
      },
    },
  );
  b.feed({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS });
  const synAck = b.one();
  b.at(100_000);
  b.feed({ flags: ACK | PSH, seq: REMOTE_ISS + 1, ack: synAck.seq + 1, payload: bytes("GET /") });
  const out = b.take();
  assert.equal(children, 1);
  assert.deepEqual(
    out.map((s) => s.flags & (RST | ACK | FIN)),
    [RST | ACK],
    out.map(brief).join(" "),
  );
});

test("a reply written inside onConnection's onData, on a handshake-completing data segment, carries the ACK", () => {
  const b = new Bench();
  b.host.listen(
    LOCAL_PORT,
    {},
    { onConnection: () => ({ onData: (c) => void c.send(bytes("200 OK"), b.now) }) },
  );
  b.feed({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS });
  const synAck = b.one();
  b.at(100_000);
  b.feed({ flags: ACK | PSH, seq: REMOTE_ISS + 1, ack: synAck.seq + 1, payload: bytes("GET /") });
  const reply = b.one();
  assert.equal(reply.payload.length, 6);
  assert.equal(reply.ack, REMOTE_ISS + 6);
});

test("close() inside onConnection: the child's FIN goes, the listener keeps listening", () => {
  const b = new Bench();
  const listener = b.host.listen(LOCAL_PORT, {}, { onConnection: (c) => void c.close(b.now) });
  b.feed({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS });
  const synAck = b.one();
  b.at(100_000);
  b.feed({ flags: ACK, seq: REMOTE_ISS + 1, ack: synAck.seq + 1 });
  const fin = b.one();
  assert.ok(fin.flags & FIN);
  assert.equal(listener.closed, false);
  assert.equal(b.host.stateCounts().LISTEN, 1);
  assert.equal(b.host.stateCounts().FIN_WAIT_1, 1);
});

test("a handler that closes another connection runs as its own entry (no nested segment processing)", () => {
  // Two connections; the first one's onData aborts the second. The second's RST goes out, and the
  // first connection's own ACK for the data still follows its rules.
  const b = new Bench();
  const p1 = passiveOpen(b, 100_000, REMOTE_PORT);
  const p2 = passiveOpen(b, 100_000, REMOTE_PORT + 1);
  p1.conn.handlers = { onData: () => p2.conn.abort(b.now) };
  b.at(b.now + 10_000);
  b.feed({ flags: ACK | PSH, seq: p1.peerNxt, ack: p1.ourNxt, payload: bytes("x") });
  const out = b.take();
  assert.equal(p2.conn.state, "CLOSED");
  assert.equal(p1.conn.state, "ESTABLISHED");
  assert.ok(out.some((s) => s.flags & RST && s.dstPort === REMOTE_PORT + 1));
  assert.ok(out.every((s) => !(s.flags & RST) || s.dstPort === REMOTE_PORT + 1));
});

test("connect() inside onClose reuses the 4-tuple the closed connection just left", () => {
  const b = new Bench();
  const h = recordingHandlers();
  let again: Connection | null = null;
  const conn = b.host.connect(
    { address: REMOTE, port: REMOTE_PORT, localPort: LOCAL_PORT },
    {
      ...h,
      onClose: () => {
        again = b.host.connect({ address: REMOTE, port: REMOTE_PORT, localPort: LOCAL_PORT }, {});
      },
    },
  );
  const syn = b.one();
  b.at(100_000);
  b.feed({ flags: SYN | ACK, seq: REMOTE_ISS, ack: syn.seq + 1, options: PEER_SYN_OPTIONS });
  b.one();
  b.feed({ flags: ACK | FIN, seq: REMOTE_ISS + 1, ack: syn.seq + 1 }); // the peer closes first
  b.take();
  conn.close(b.now); // LAST_ACK
  const fin = b.one();
  b.feed({ flags: ACK, seq: REMOTE_ISS + 2, ack: fin.seq + 1 }); // → CLOSED, onClose reconnects
  assert.equal(conn.state, "CLOSED");
  assert.ok(again, "onClose ran");
  assert.equal((again as Connection).state, "SYN_SENT");
  const out = b.take();
  assert.deepEqual(
    out.map((s) => s.flags),
    [SYN],
    "the new SYN, and nothing of the old connection",
  );
});

test("accept() of a waiting child from inside another connection's onData delivers the child's data", () => {
  const b = new Bench();
  const { listener, accepted } = listenRecording(b);
  const first = passiveOpen(b, 100_000, REMOTE_PORT); // accepted at once
  listener.paused = true;
  b.feed({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS, srcPort: REMOTE_PORT + 1 });
  const synAck = b.oneTo(REMOTE_PORT + 1);
  b.feed({
    flags: ACK | PSH,
    seq: REMOTE_ISS + 1,
    ack: synAck.seq + 1,
    payload: bytes("queued"),
    srcPort: REMOTE_PORT + 1,
  });
  b.take();
  assert.equal(listener.acceptQueue.length, 1, "the child waits in the accept queue");
  assert.equal(accepted.length, 1);
  first.conn.handlers = { onData: () => void b.host.accept(listener) };
  b.feed({ flags: ACK | PSH, seq: first.peerNxt, ack: first.ourNxt, payload: bytes("go") });
  assert.equal(accepted.length, 2);
  assert.deepEqual(
    accepted[1]!.log.data.map((d) => new TextDecoder().decode(d)),
    ["queued"],
  );
  assert.equal(accepted[1]!.log.established, 1);
  assert.equal(listener.acceptQueue.length, 0);
});
