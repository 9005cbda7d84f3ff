// The state timeline as data (what scenario verdicts assert on) and as text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderTimeline, stateTimeline } from "../../src/trace/timeline.js";
import { C, L, S } from "./sample-traces.js";
import * as samples from "./sample-traces.js";
import { TraceBuilder } from "./trace-builder.js";

const SECOND = 1_000_000;

test("four-way close: each side's states, entry times and durations", () => {
  const timeline = stateTimeline(samples.fourWayClose(), ["client", "server"]);
  assert.equal(timeline.start, 0);
  assert.equal(timeline.end, 60_020_250);
  assert.deepEqual(
    timeline.connections.map((c) => [c.host, c.conn, c.incarnation]),
    [
      ["client", C, 1],
      ["server", L, 1],
      ["server", S, 1],
    ],
  );
  const [client, listener, server] = timeline.connections;
  assert.ok(client && listener && server);
  assert.equal(client.initial, "CLOSED");
  assert.deepEqual(client.states, [
    "SYN_SENT",
    "ESTABLISHED",
    "FIN_WAIT_1",
    "FIN_WAIT_2",
    "TIME_WAIT",
    "CLOSED",
  ]);
  assert.deepEqual(server.states, ["SYN_RECEIVED", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED"]);
  // The listener's child starts at CLOSED (the engine's own shape); the listener is a socket of its own.
  assert.equal(server.initial, "CLOSED");
  assert.equal(server.listener, false);
  assert.equal(listener.listener, true);
  // Only the side that closes first enters TIME_WAIT (S3).
  assert.ok(!server.states.includes("TIME_WAIT"));
  const timeWait = client.intervals.find((i) => i.state === "TIME_WAIT");
  assert.deepEqual(timeWait, {
    state: "TIME_WAIT",
    enter: 20_250,
    exit: 60_020_250,
    duration: 60 * SECOND,
    cause: "rcv FIN",
  });
  assert.deepEqual(client.closed, { t: 60_020_250, cause: "2MSL timeout" });
  assert.deepEqual(server.closed, { t: 20_500, cause: "rcv ACK of FIN" });
  const lastAck = server.intervals.find((i) => i.state === "LAST_ACK");
  assert.equal(lastAck?.duration, 500);
  // The listener is still listening at the end: no exit, no duration.
  assert.deepEqual(listener.intervals, [
    { state: "LISTEN", enter: 0, exit: null, duration: null, cause: "listen" },
  ]);
  assert.equal(listener.closed, null);
});

test("lost final ACK: the restarted 2·MSL timer makes TIME_WAIT last 60.2 s; LAST_ACK waits one RTO", () => {
  const timeline = stateTimeline(samples.lostFinalAck());
  const client = timeline.connections.find((c) => c.host === "client");
  const server = timeline.connections.find((c) => c.conn === S);
  assert.equal(client?.intervals.find((i) => i.state === "TIME_WAIT")?.duration, 60_200_000);
  assert.equal(server?.intervals.find((i) => i.state === "LAST_ACK")?.duration, 200_500);
  assert.equal(server?.closed?.cause, "rcv ACK of FIN");
});

test("simultaneous close: both sides pass through CLOSING for one one-way delay each", () => {
  const timeline = stateTimeline(samples.simultaneousClose());
  for (const conn of [C, S]) {
    const c = timeline.connections.find((x) => x.conn === conn);
    assert.deepEqual(c?.states.slice(-4), ["FIN_WAIT_1", "CLOSING", "TIME_WAIT", "CLOSED"], conn);
    assert.equal(c?.intervals.find((i) => i.state === "CLOSING")?.duration, 250, conn);
  }
});

test("a 4-tuple used again after CLOSED is a new incarnation", () => {
  const b = new TraceBuilder(samples.ADDRESSES);
  b.state(0, "client", C, "CLOSED", "SYN_SENT", "connect");
  b.state(500, "client", C, "SYN_SENT", "ESTABLISHED", "rcv SYN,ACK");
  b.state(1000, "client", C, "ESTABLISHED", "CLOSED", "rcv RST");
  b.state(2000, "client", C, "CLOSED", "SYN_SENT", "connect");
  const timeline = stateTimeline(b.events);
  assert.deepEqual(
    timeline.connections.map((c) => [c.incarnation, c.states, c.closed?.cause ?? null]),
    [
      [1, ["SYN_SENT", "ESTABLISHED", "CLOSED"], "rcv RST"],
      [2, ["SYN_SENT"], null],
    ],
  );
  assert.match(renderTimeline(b.events), /\(incarnation 2\)/);
  assert.match(renderTimeline(b.events), /SYN_SENT\s+2\.000 ms →\s+end\s+\(0 µs so far\)\s+connect/);
});

test("a trace without state events has an empty timeline", () => {
  assert.deepEqual(stateTimeline([]), { start: 0, end: 0, connections: [] });
  assert.equal(renderTimeline([]), "");
});

test("renderTimeline prints per host, per connection, entry → exit (duration) cause", () => {
  assert.equal(
    renderTimeline(samples.fourWayClose(), { hosts: ["client", "server"] }),
    `client 10.0.0.1
  10.0.0.1:40000>10.0.0.2:80
    SYN_SENT       0.000 ms →  0.500 ms  (500 µs)              connect
    ESTABLISHED    0.500 ms → 10.000 ms  (9.5 ms)              rcv SYN,ACK
    FIN_WAIT_1    10.000 ms → 10.500 ms  (500 µs)              close
    FIN_WAIT_2    10.500 ms → 20.250 ms  (9.75 ms)             rcv ACK of FIN
    TIME_WAIT     20.250 ms →  60.020 s  (60 s)                rcv FIN
    CLOSED         60.020 s                                    2MSL timeout

server 10.0.0.2
  10.0.0.2:80  (listening socket)
    LISTEN         0.000 ms →       end  (60.02025 s so far)   listen
  10.0.0.2:80>10.0.0.1:40000
    SYN_RECEIVED   0.250 ms →  0.750 ms  (500 µs)              rcv SYN
    ESTABLISHED    0.750 ms → 10.250 ms  (9.5 ms)              rcv ACK
    CLOSE_WAIT    10.250 ms → 20.000 ms  (9.75 ms)             rcv FIN
    LAST_ACK      20.000 ms → 20.500 ms  (500 µs)              close
    CLOSED        20.500 ms                                    rcv ACK of FIN
`,
  );
});

test("renderTimeline measures from a given origin", () => {
  const text = renderTimeline(samples.fourWayClose(), { hosts: ["client"], timeOrigin: 500 });
  assert.match(text, /ESTABLISHED\s+0\.000 ms →\s+9\.500 ms\s+\(9\.5 ms\)\s+rcv SYN,ACK/);
  assert.match(text, /SYN_SENT\s+-0\.500 ms/);
});
