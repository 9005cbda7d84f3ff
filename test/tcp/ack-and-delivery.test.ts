// When the ACK for arriving data goes out, and when the application hears of the end: the ACK follows the
// application's reading (its window shows the space reading freed) and rides on a reply written from onData;
// onClose comes only after the data and the EOF it announces have been delivered.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, FIN, PSH, RST, SYN } from "../../src/wire/segment.js";
import type { Connection } from "../../src/tcp/connection.js";
import {
  Bench,
  bytes,
  listenRecording,
  passiveOpen,
  placeIn,
  recordingHandlers,
  text,
  REMOTE_ISS,
} from "./harness.js";

test("data read at once: the ACK advertises the whole buffer again (RFC 9293 §3.8.6: the window is the free space)", () => {
  const b = new Bench({ receiveBuffer: 8000, receiveWindowRule: "free-space" });
  const p = passiveOpen(b);
  b.feed({ flags: ACK | PSH, seq: p.peerNxt, ack: p.ourNxt, payload: new Uint8Array(3000) });
  b.runTo(b.now + b.host.profile.delayedAckTimeout);
  const ack = b.take().at(-1)!;
  assert.equal(ack.ack, p.peerNxt + 3000);
  assert.equal(ack.window, 8000);
});

test("a reply written from onData carries the ACK: one segment, no separate pure ACK (§3.8.6.3 piggybacking)", () => {
  const b = new Bench();
  const { accepted } = listenRecording(b);
  // Replace the recording handlers with an echo application once accepted.
  b.feed({ flags: SYN, seq: REMOTE_ISS, options: { mss: 1460 } });
  const sa = b.one();
  b.feed({ flags: ACK, seq: REMOTE_ISS + 1, ack: sa.seq + 1 });
  const conn = accepted[0]!.conn;
  const log = recordingHandlers();
  conn.handlers = {
    ...log,
    onData(c: Connection, d: Uint8Array) {
      log.onData!(c, d);
      c.send(bytes("pong"), b.now);
    },
  };
  b.feed({ flags: ACK | PSH, seq: REMOTE_ISS + 1, ack: sa.seq + 1, payload: bytes("ping") });
  b.runTo(b.now + b.host.profile.delayedAckTimeout);
  const out = b.take();
  assert.equal(out.length, 1, `segments: ${out.length}`);
  assert.equal(text([out[0]!.payload]), "pong");
  assert.equal(out[0]!.ack, REMOTE_ISS + 1 + 4);
});

test("LAST_ACK closes while the application has not read everything: data, then EOF, then onClose (no data lost)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  p.conn.pause();
  b.feed({ flags: ACK | FIN, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("last words") });
  b.take();
  p.conn.shutdown(b.now); // CLOSE_WAIT → LAST_ACK
  b.take();
  b.feed({ flags: ACK, seq: p.peerNxt + 11, ack: p.ourNxt + 1 });
  assert.equal(p.conn.state, "CLOSED");
  assert.deepEqual(p.log.closes, [], "onClose waits for the reader");
  const order: string[] = [];
  p.conn.handlers = {
    onData: (_c, d) => void order.push(`data:${text([d])}`),
    onEnd: () => void order.push("end"),
    onClose: (_c, e) => void order.push(`close:${e ? e.code : "ok"}`),
  };
  p.conn.resume(b.now);
  assert.deepEqual(order, ["data:last words", "end", "close:ok"]);
});

test("a reset still reports at once: ECONNRESET does not wait for the reader (RFC 9293 §3.10.7.4: queues flushed)", () => {
  const b = new Bench();
  const p = placeIn(b, "ESTABLISHED");
  p.conn.pause();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("unread") });
  b.feed({ flags: RST, seq: p.peerNxt + 6 });
  assert.equal(p.conn.state, "CLOSED");
  assert.deepEqual(p.log.closes, ["ECONNRESET"]);
});

for (const [name, setup] of [
  ["Nagle holds the reply (a small segment is unacknowledged)", "nagle"],
  ["the peer's window is closed", "zero-window"],
] as const) {
  test(`a reply written from onData that cannot go out (${name}) does not swallow the ACK`, () => {
    const b = new Bench();
    const p = passiveOpen(b);
    if (setup === "nagle") {
      p.conn.send(bytes("a"), b.now); // outstanding, never ACKed by the peer here
      assert.equal(b.one().payload.length, 1);
    } else {
      b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 0 });
      b.take();
    }
    const base = recordingHandlers();
    p.conn.handlers = {
      ...base,
      onData(c: Connection, d: Uint8Array) {
        base.onData!(c, d);
        c.send(bytes("pong"), b.now);
      },
    };
    const window = setup === "nagle" ? 65535 : 0;
    b.feed({ flags: ACK | PSH, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("ping"), window });
    b.runTo(b.now + b.host.profile.delayedAckTimeout);
    const out = b.take();
    assert.ok(
      out.some((s) => s.ack === p.peerNxt + 4),
      `the peer's 4 bytes must be acknowledged; sent: ${out.map((s) => `ack=${s.ack} len=${s.payload.length}`).join(" ")}`,
    );
  });
}

test("the active closer enters TIME_WAIT with unread data: data, EOF, then onClose once it reads", () => {
  const b = new Bench();
  const p = placeIn(b, "FIN_WAIT_2");
  p.conn.pause();
  b.feed({ flags: ACK | FIN, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("bye") });
  assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
  assert.deepEqual(p.log.closes, []);
  const order: string[] = [];
  p.conn.handlers = {
    onData: (_c, d) => void order.push(`data:${text([d])}`),
    onEnd: () => void order.push("end"),
    onClose: (_c, e) => void order.push(`close:${e ? e.code : "ok"}`),
  };
  p.conn.resume(b.now);
  assert.deepEqual(order, ["data:bye", "end", "close:ok"]);
});

test("an application that aborts from onData sends its RST and nothing after it", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  p.conn.handlers = { onData: (c) => c.abort(b.now) };
  b.feed({ flags: ACK | PSH, seq: p.peerNxt, ack: p.ourNxt, payload: bytes("bad request") });
  b.runTo(b.now + 1_000_000);
  const out = b.take();
  assert.equal(out.length, 1, `sent: ${out.length}`);
  assert.ok(out[0]!.flags & RST);
  assert.equal(p.conn.state, "CLOSED");
});

test("an application that closes from onEnd: the FIN carries the ACK of the peer's FIN (CLOSE_WAIT → LAST_ACK)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  p.conn.handlers = { onEnd: (c) => c.close(b.now) };
  b.feed({ flags: ACK | FIN, seq: p.peerNxt, ack: p.ourNxt });
  b.runTo(b.now + b.host.profile.delayedAckTimeout);
  const out = b.take();
  const fin = out.find((s) => s.flags & FIN);
  assert.ok(fin, "our FIN");
  assert.equal(fin.ack, p.peerNxt + 1);
  assert.ok(out.length <= 2);
  assert.equal(p.conn.state, "LAST_ACK");
});
