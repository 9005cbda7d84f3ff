// The host's next deadline (the sans-I/O "poll_at"): the earliest timer anything still needs, and none at
// all once nothing is left (issue 2: "a host with no connections left holds no timers").
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, RST } from "../../src/wire/segment.js";
import { Bench, bytes, passiveOpen, placeIn } from "../tcp/harness.js";

test("nextDeadline is the armed RTO while data is in flight, the TIME_WAIT expiry in TIME_WAIT", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  p.conn.send(bytes("x"), b.now);
  assert.equal(b.host.nextDeadline(), b.now + 300_000);
  const b2 = new Bench();
  placeIn(b2, "TIME_WAIT");
  b2.runTo(b2.now + 1_000_000); // let the cancelled FIN timer's old slot pass
  assert.equal(b2.host.nextDeadline(), b2.now - 1_000_000 + 60_000_000);
});

test("a normal lifecycle ends with no deadline at all", () => {
  const b = new Bench();
  const p = placeIn(b, "TIME_WAIT");
  b.runTo(b.now + 61_000_000);
  assert.equal(b.host.stateOf(p.conn), "CLOSED");
  assert.equal(b.host.nextDeadline(), Infinity);
});

test("no connection left after a peer RST cancelled the RTO: no deadline", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  p.conn.send(bytes("x"), b.now);
  b.feed({ flags: RST, seq: p.peerNxt });
  assert.equal(b.host.connections().length, 0);
  assert.equal(b.host.nextDeadline(), Infinity);
});

test("an ACK that cancels the only timer leaves no deadline", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  p.conn.send(bytes("x"), b.now);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 1 });
  assert.equal(b.host.nextDeadline(), Infinity);
});

test("TIME_WAIT killed by RST: no deadline left", () => {
  const b = new Bench();
  const p = placeIn(b, "TIME_WAIT");
  b.feed({ flags: RST, seq: p.peerNxt });
  assert.equal(b.host.timeWaitEntries, 0);
  assert.equal(b.host.nextDeadline(), Infinity);
});

test("LAST_ACK closed by the ACK of our FIN: no deadline left", () => {
  const b = new Bench();
  const p = placeIn(b, "LAST_ACK");
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt });
  assert.equal(b.host.connections().length, 0);
  assert.equal(b.host.nextDeadline(), Infinity);
});
