// End-to-end lifecycles on the simulated network (issue 2's simulator checks): what each side's state
// machine did, what went over the wire, and what each application saw.
import { test } from "node:test";
import assert from "node:assert/strict";
import { world, statePath, SERVER_ADDR } from "./world.js";
import { newLog, recordingHandlers, bytes, text } from "../tcp/harness.js";
import { SECOND, MS } from "../../src/tcp/profile.js";
import { ACK, FIN, RST } from "../../src/wire/segment.js";
import { pureAck, fromState, all, hasFlags } from "../../src/sim/match.js";
import type { Connection } from "../../src/tcp/connection.js";
import type { SegmentSentEvent, TimerEvent } from "../../src/tcp/events.js";

function serve(w: ReturnType<typeof world>, port = 80) {
  const log = newLog();
  const h = recordingHandlers(log);
  const accepted: Connection[] = [];
  w.server.listen(
    port,
    {},
    {
      onConnection: (c) => {
        accepted.push(c);
        return h;
      },
    },
  );
  return { log, accepted };
}

test("three-way handshake: SYN_SENT and SYN_RECEIVED meet in ESTABLISHED, then data flows (S2)", () => {
  const w = world();
  const srv = serve(w);
  const cli = recordingHandlers();
  const conn = w.client.connect({ address: SERVER_ADDR, port: 80 }, cli);
  w.sim.runUntil(100 * MS);
  assert.equal(conn.state, "ESTABLISHED");
  assert.deepEqual(statePath(w.trace.events, "client"), ["CLOSED", "SYN_SENT", "ESTABLISHED"]);
  assert.deepEqual(statePath(w.trace.events, "server"), ["CLOSED", "SYN_RECEIVED", "ESTABLISHED"]);
  const sent = w.trace.events
    .filter((e): e is SegmentSentEvent => e.kind === "segment-sent")
    .map((e) => `${e.host}:${e.why}`);
  assert.deepEqual(sent, ["client:syn", "server:syn-ack", "client:ack"]);
  // The client is ESTABLISHED after one RTT (20 ms), the server after 1.5 RTT.
  conn.send(bytes("hello"), w.client.time());
  w.sim.runUntil(200 * MS);
  assert.equal(text(srv.log.data), "hello");
});

test("four-way close, client first: FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT → CLOSED after 60 s; server CLOSE_WAIT → LAST_ACK (S3)", () => {
  const w = world();
  const srv = serve(w);
  const cli = recordingHandlers();
  const conn = w.client.connect({ address: SERVER_ADDR, port: 80 }, cli);
  w.sim.runUntil(100 * MS);
  conn.close(w.client.time());
  w.sim.runUntil(200 * MS);
  assert.equal(srv.log.ends, 1, "the server application read EOF");
  assert.equal(srv.accepted[0]!.state, "CLOSE_WAIT");
  assert.equal(conn.state, "FIN_WAIT_2");
  srv.accepted[0]!.close(w.server.time());
  w.sim.runUntil(300 * MS);
  assert.equal(w.client.stateOf(conn), "TIME_WAIT");
  assert.deepEqual(statePath(w.trace.events, "server"), [
    "CLOSED",
    "SYN_RECEIVED",
    "ESTABLISHED",
    "CLOSE_WAIT",
    "LAST_ACK",
    "CLOSED",
  ]);
  w.sim.runUntil(60 * SECOND + 200 * MS);
  assert.equal(w.client.stateOf(conn), "TIME_WAIT", "TIME_WAIT lasts the full 60 s on linux");
  w.sim.runUntilIdle();
  assert.deepEqual(statePath(w.trace.events, "client"), [
    "CLOSED",
    "SYN_SENT",
    "ESTABLISHED",
    "FIN_WAIT_1",
    "FIN_WAIT_2",
    "TIME_WAIT",
    "CLOSED",
  ]);
  const tw = w.trace.events.filter((e) => e.kind === "state" && e.host === "client");
  const enter = tw.find((e) => e.kind === "state" && e.to === "TIME_WAIT")!;
  const leave = tw.find((e) => e.kind === "state" && e.from === "TIME_WAIT")!;
  assert.equal(leave.t - enter.t, 60 * SECOND);
  assert.equal(w.server.timeWaitEntries, 0, "only the side that closes first enters TIME_WAIT");
  assert.deepEqual(cli.log.closes, [null]);
  assert.equal(w.client.nextDeadline(), Infinity, "no timers left");
});

test("four-way close, server first: the TIME_WAIT is on the server", () => {
  const w = world();
  const srv = serve(w);
  const cli = recordingHandlers();
  const conn = w.client.connect({ address: SERVER_ADDR, port: 80 }, cli);
  w.sim.runUntil(100 * MS);
  srv.accepted[0]!.close(w.server.time());
  w.sim.runUntil(200 * MS);
  assert.equal(cli.log.ends, 1);
  conn.close(w.client.time());
  w.sim.runUntil(300 * MS);
  assert.equal(w.server.timeWaitEntries, 1);
  assert.equal(w.client.timeWaitEntries, 0);
  assert.deepEqual(statePath(w.trace.events, "client"), [
    "CLOSED",
    "SYN_SENT",
    "ESTABLISHED",
    "CLOSE_WAIT",
    "LAST_ACK",
    "CLOSED",
  ]);
});

test("half-close: after the client's FIN the server keeps sending and the client keeps receiving (S4)", () => {
  const w = world();
  const srv = serve(w);
  const cli = recordingHandlers();
  const conn = w.client.connect({ address: SERVER_ADDR, port: 80 }, cli);
  w.sim.runUntil(100 * MS);
  conn.send(bytes("request"), w.client.time());
  conn.shutdown(w.client.time()); // end(): FIN after the request
  w.sim.runUntil(200 * MS);
  assert.equal(conn.state, "FIN_WAIT_2");
  assert.equal(text(srv.log.data), "request");
  const server = srv.accepted[0]!;
  const big = new Uint8Array(200_000).map((_, i) => i % 251);
  let off = 0;
  const pump = () => {
    while (off < big.length) {
      const n = server.send(big.subarray(off), w.server.time());
      off += n;
      if (n === 0) return;
    }
    server.shutdown(w.server.time());
  };
  server.handlers.onDrain = pump;
  pump();
  w.sim.runUntil(10 * SECOND);
  const got = cli.log.data.reduce((n, d) => n + d.length, 0);
  assert.equal(got, big.length, "all 200 kB arrived in FIN_WAIT_2");
  assert.deepEqual(Buffer.concat(cli.log.data), Buffer.from(big));
  assert.equal(cli.log.ends, 1);
  assert.equal(w.client.stateOf(conn), "TIME_WAIT");
  assert.throws(() => conn.send(bytes("x"), w.client.time()), /EPIPE/);
});

test("simultaneous open: both SYN_SENT → SYN_RECEIVED → ESTABLISHED (MUST-10)", () => {
  const w = world();
  const a = recordingHandlers();
  const b = recordingHandlers();
  const ca = w.client.connect({ address: SERVER_ADDR, port: 5000, localPort: 6000 }, a);
  const cb = w.server.connect({ address: "10.0.0.1", port: 6000, localPort: 5000 }, b);
  w.sim.runUntil(200 * MS);
  assert.equal(ca.state, "ESTABLISHED");
  assert.equal(cb.state, "ESTABLISHED");
  for (const host of ["client", "server"]) {
    assert.deepEqual(statePath(w.trace.events, host), ["CLOSED", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED"]);
  }
  ca.send(bytes("ping"), w.client.time());
  cb.send(bytes("pong"), w.server.time());
  w.sim.runUntil(400 * MS);
  assert.equal(text(b.log.data), "ping");
  assert.equal(text(a.log.data), "pong");
});

test("simultaneous close: both FIN_WAIT_1 → CLOSING → TIME_WAIT; CLOSING lasts about one RTT (S5)", () => {
  const w = world();
  const srv = serve(w);
  const conn = w.client.connect({ address: SERVER_ADDR, port: 80 }, recordingHandlers());
  w.sim.runUntil(100 * MS);
  w.sim.at(200 * MS, (now) => {
    conn.close(now);
    srv.accepted[0]!.close(now);
  });
  w.sim.runUntil(1 * SECOND);
  for (const host of ["client", "server"]) {
    const path = statePath(w.trace.events, host);
    assert.deepEqual(path.slice(-3), ["FIN_WAIT_1", "CLOSING", "TIME_WAIT"], host);
    const changes = w.trace.events.filter((e) => e.kind === "state" && e.host === host);
    const finWait1 = changes.find((e) => e.kind === "state" && e.to === "FIN_WAIT_1")!;
    const closing = changes.find((e) => e.kind === "state" && e.to === "CLOSING")!;
    const tw = changes.find((e) => e.kind === "state" && e.to === "TIME_WAIT")!;
    // The FINs cross after one delay (10 ms); each FIN's ACK comes back one delay later.
    assert.equal(closing.t - finWait1.t, 10 * MS);
    assert.equal(tw.t - closing.t, 10 * MS);
    assert.equal(tw.t - finWait1.t, 20 * MS, "from FIN to TIME_WAIT: one round trip");
  }
  assert.equal(w.client.timeWaitEntries + w.server.timeWaitEntries, 2, "both sides hold TIME_WAIT");
});

test("lost final ACK: the server retransmits its FIN from LAST_ACK, TIME_WAIT re-ACKs and restarts 2·MSL (S6)", () => {
  const w = world();
  const srv = serve(w);
  const cli = recordingHandlers();
  const conn = w.client.connect({ address: SERVER_ADDR, port: 80 }, cli);
  w.sim.runUntil(100 * MS);
  // The final ACK leaves while the client is still FIN_WAIT_2 (like Linux: ACK first, then TIME_WAIT).
  w.sim.fault({
    name: "lose-final-ack",
    action: "drop",
    from: "client",
    match: all(pureAck, fromState("FIN_WAIT_2")),
  });
  conn.close(w.client.time());
  w.sim.runUntil(200 * MS);
  srv.accepted[0]!.close(w.server.time());
  w.sim.runUntilIdle();
  const serverFins = w.trace.events.filter(
    (e): e is SegmentSentEvent =>
      e.kind === "segment-sent" && e.host === "server" && (e.seg.flags & FIN) !== 0,
  );
  assert.equal(serverFins.length, 2);
  assert.equal(serverFins[1]!.retransmission, true);
  const twTimers = w.trace.events.filter(
    (e): e is TimerEvent => e.kind === "timer" && e.host === "client" && e.timer === "time-wait",
  );
  assert.deepEqual(
    twTimers.map((e) => e.action),
    ["armed", "restarted", "fired"],
  );
  assert.equal(
    twTimers[2]!.t - twTimers[1]!.t,
    60 * SECOND,
    "the 60 s start again from the retransmitted FIN",
  );
  assert.equal(statePath(w.trace.events, "server").at(-1), "CLOSED");
  assert.deepEqual(srv.log.closes, [null], "no error on the server");
  assert.deepEqual(cli.log.closes, [null]);
  assert.equal(
    w.trace.events.filter((e) => e.kind === "segment-sent" && (e.seg.flags & RST) !== 0).length,
    0,
  );
});

test("TIME_WAIT 0: the retransmitted FIN finds no connection, is answered with RST, the server sees ECONNRESET (S7)", () => {
  const w = world({ client: { timeWait: 0 } });
  const srv = serve(w);
  const conn = w.client.connect({ address: SERVER_ADDR, port: 80 }, recordingHandlers());
  w.sim.runUntil(100 * MS);
  w.sim.fault({ name: "lose-final-ack", action: "drop", from: "client", match: pureAck, nth: 1 });
  // The client's pure ACKs so far: the handshake ACK (already sent). The next pure ACK is the one for the server's FIN.
  conn.close(w.client.time());
  w.sim.runUntil(200 * MS);
  const server = srv.accepted[0]!;
  server.shutdown(w.server.time()); // the server's application waits for its close to complete
  w.sim.runUntilIdle();
  const rst = w.trace.events.find(
    (e): e is SegmentSentEvent =>
      e.kind === "segment-sent" && e.host === "client" && (e.seg.flags & RST) !== 0,
  );
  assert.ok(rst, "the client answered the retransmitted FIN with RST");
  assert.equal(rst.why, "rst-closed-port");
  assert.deepEqual(srv.log.closes, ["ECONNRESET"]);
  assert.deepEqual(statePath(w.trace.events, "server").slice(-2), ["LAST_ACK", "CLOSED"]);
});

test("connect to a closed port: RST,ACK and ECONNREFUSED", () => {
  const w = world();
  const cli = recordingHandlers();
  w.client.connect({ address: SERVER_ADDR, port: 81 }, cli);
  w.sim.runUntilIdle();
  assert.deepEqual(cli.log.closes, ["ECONNREFUSED"]);
  const rst = w.trace.events.find(
    (e): e is SegmentSentEvent => e.kind === "segment-sent" && e.host === "server",
  )!;
  assert.equal(rst.seg.flags, RST | ACK);
  assert.equal(rst.seg.seq, 0);
});

test("peer vanishes mid-transfer: ETIMEDOUT after the profile's retries, with doubling RTOs", () => {
  const w = world({ client: { dataRetries: 5 } });
  const srv = serve(w);
  const cli = recordingHandlers();
  const conn = w.client.connect({ address: SERVER_ADDR, port: 80 }, cli);
  w.sim.runUntil(100 * MS);
  assert.equal(srv.accepted.length, 1);
  w.sim.fault({ name: "peer-vanished", action: "drop", to: "server", times: Infinity });
  conn.send(bytes("are you there?"), w.client.time());
  w.sim.runUntilIdle();
  assert.deepEqual(cli.log.closes, ["ETIMEDOUT"]);
  const sent = w.trace.events.filter(
    (e): e is SegmentSentEvent => e.kind === "segment-sent" && e.host === "client" && e.retransmission,
  );
  // Under linux the first resend is a tail loss probe (RFC 8985 §7), which is no retry and no backoff.
  const probes = sent.filter((e) => e.why === "loss-probe");
  assert.equal(probes.length, 1);
  assert.equal(sent[0], probes[0]);
  const rtx = sent.filter((e) => e.why !== "loss-probe");
  assert.equal(rtx.length, 5);
  const gaps = rtx.slice(1).map((e, i) => e.t - rtx[i]!.t);
  for (let i = 1; i < gaps.length; i++) assert.equal(gaps[i], 2 * gaps[i - 1]!, "exponential backoff");
  assert.equal(w.client.nextDeadline(), Infinity);
});

test("SYN retransmissions follow linux's linear-then-exponential schedule and connect fails with ETIMEDOUT", () => {
  const w = world({ client: { synRetries: 2 } });
  const cli = recordingHandlers();
  w.sim.fault({ name: "black-hole", action: "drop", to: "server", times: Infinity });
  w.client.connect({ address: SERVER_ADDR, port: 80 }, cli);
  w.sim.runUntilIdle();
  const syns = w.trace.events.filter(
    (e): e is SegmentSentEvent => e.kind === "segment-sent" && e.why === "syn",
  );
  // linux-profile.md: with tcp_syn_retries=2, ETIMEDOUT at 7 s after 5 retransmissions (1,1,1,1,1,2 s).
  assert.deepEqual(
    syns.map((e) => e.t / SECOND),
    [0, 1, 2, 3, 4, 5],
  );
  const closed = w.trace.events.find((e) => e.kind === "state" && e.host === "client" && e.to === "CLOSED")!;
  assert.equal(closed.t, 7 * SECOND);
  assert.deepEqual(cli.log.closes, ["ETIMEDOUT"]);
  void hasFlags;
});

test("a segment the host drops is reported with its packet id, the one its segment-received event carries", () => {
  const w = world();
  // Nobody listens on port 81: the SYN is received, dropped as closed-port, and answered by an RST.
  w.client.connect({ address: SERVER_ADDR, port: 81 }, recordingHandlers());
  w.sim.runUntilIdle();
  const drop = w.trace.events.find((e) => e.kind === "segment-dropped" && e.host === "server");
  assert.ok(drop && drop.kind === "segment-dropped", "the server dropped the SYN");
  assert.equal(drop.reason, "closed-port");
  const received = w.trace.events.find((e) => e.kind === "segment-received" && e.host === "server");
  assert.ok(received && received.kind === "segment-received");
  assert.ok(drop.id >= 0, "the simulator numbers its packets");
  assert.equal(drop.id, received.id);
});
