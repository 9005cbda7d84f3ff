// A listening socket's own state changes are state events (issue 11: every state change goes through the one
// reportStateChange): CLOSED → LISTEN when listen() succeeds, LISTEN → CLOSED when the listener is closed,
// nothing when listen() fails; marked listener: true so readers tell them from connections'; and the ladder
// draws the server's column starting in LISTEN.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Bench, LOCAL_PORT, listenRecording } from "./harness.js";
import {
  isConnectionStateEvent,
  isListenerEvent,
  type StateChangeEvent,
  type TraceEvent,
  type TraceSink,
} from "../../src/tcp/events.js";
import { reportStateChange } from "../../src/tcp/state.js";
import { Host } from "../../src/tcp/engine.js";
import { ACK, SYN } from "../../src/wire/segment.js";
import { world, SERVER_ADDR } from "../stack/world.js";
import { recordingHandlers } from "./harness.js";
import { MS } from "../../src/tcp/profile.js";
import { renderLadder } from "../../src/trace/ladder.js";
import { findScenario } from "../../src/scenarios/index.js";

const stateEvents = (events: readonly TraceEvent[]): StateChangeEvent[] =>
  events.filter((e): e is StateChangeEvent => e.kind === "state");

/** What reportStateChange itself emits for these arguments. */
function reported(...args: Parameters<typeof reportStateChange> extends [TraceSink, ...infer R] ? R : never) {
  const got: TraceEvent[] = [];
  reportStateChange({ enabled: true, emit: (e) => got.push(e), nextPacketId: () => 0 }, ...args);
  return got;
}

test("listen() emits CLOSED → LISTEN, the event reportStateChange makes for a listener", () => {
  const b = new Bench();
  b.now = 5_000;
  const m = b.mark();
  listenRecording(b);
  const states = stateEvents(b.since(m));
  assert.deepEqual(
    states,
    reported(5_000, "local", `10.0.0.1:${LOCAL_PORT}`, "CLOSED", "LISTEN", "listen", true),
  );
  assert.deepEqual(states, [
    {
      kind: "state",
      t: 5_000,
      host: "local",
      conn: `10.0.0.1:${LOCAL_PORT}`,
      from: "CLOSED",
      to: "LISTEN",
      cause: "listen",
      listener: true,
    },
  ]);
  // A connection's event has no listener field at all (the JSON trace writes it as before).
  assert.equal("listener" in reported(0, "h", "a:1>b:2", "CLOSED", "SYN_SENT", "connect")[0]!, false);
});

test("closing the listener emits LISTEN → CLOSED (cause close) once; a second close emits nothing", () => {
  const b = new Bench();
  const { listener } = listenRecording(b);
  b.now = 7_000;
  const m = b.mark();
  b.host.closeListener(listener);
  b.host.closeListener(listener);
  const states = stateEvents(b.since(m));
  assert.deepEqual(
    states.map((e) => [e.t, e.conn, e.from, e.to, e.cause, e.listener]),
    [[7_000, `10.0.0.1:${LOCAL_PORT}`, "LISTEN", "CLOSED", "close", true]],
  );
});

test("a listen() that fails (EADDRINUSE, EADDRNOTAVAIL) emits no state event", () => {
  const b = new Bench();
  listenRecording(b);
  const m = b.mark();
  assert.throws(() => listenRecording(b), { code: "EADDRINUSE" });
  assert.throws(() => b.host.listen(90, { family: 6 }, { onConnection: () => undefined }), {
    code: "EADDRNOTAVAIL",
  });
  assert.deepEqual(stateEvents(b.since(m)), []);
});

test("a listener's events are told from its children's: listener: true and a label without a remote end", () => {
  const b = new Bench({ synCookies: "off" });
  const m = b.mark();
  listenRecording(b);
  b.feed({ flags: SYN, seq: 1000, srcPort: 41000, options: { mss: 1460 } });
  const [synAck] = b.take();
  b.feed({ flags: ACK, seq: 1001, ack: synAck!.seq + 1, srcPort: 41000 });
  const events = b.since(m);
  const listenerEvents = events.filter(isListenerEvent);
  const connectionEvents = events.filter(isConnectionStateEvent);
  assert.deepEqual(
    listenerEvents.map((e) => `${e.conn} ${e.from}>${e.to}`),
    [`10.0.0.1:${LOCAL_PORT} CLOSED>LISTEN`],
  );
  assert.deepEqual(
    connectionEvents.map((e) => `${e.conn} ${e.from}>${e.to} ${"listener" in e}`),
    [
      `10.0.0.1:${LOCAL_PORT}>10.0.0.2:41000 CLOSED>SYN_RECEIVED false`,
      `10.0.0.1:${LOCAL_PORT}>10.0.0.2:41000 SYN_RECEIVED>ESTABLISHED false`,
    ],
  );
});

test("an IPv6 listener is named [address]:port", () => {
  const events: TraceEvent[] = [];
  const host = new Host({
    name: "v6",
    address: "fd00::2",
    trace: { enabled: true, emit: (e) => events.push(e), nextPacketId: () => 0 },
    seed: 1,
  });
  host.listen(443, {}, { onConnection: () => undefined });
  assert.deepEqual(
    events.filter(isListenerEvent).map((e) => e.conn),
    ["[fd00::2]:443"],
  );
});

test("the ladder: the server's column starts in LISTEN under listen(), once", () => {
  const [run] = findScenario("S3")!.run({ seed: 1, profile: "linux" });
  const lines = renderLadder(run!.shown, { hosts: run!.hosts }).split("\n");
  const listen = lines.findIndex((l) => l.includes("listen(port 80 backlog 511)"));
  assert.ok(listen >= 0);
  // The line under the call: LISTEN in the right-hand (P) column, nothing in A's.
  assert.match(lines[listen + 1]!, /^\s{40,}LISTEN$/);
  assert.equal(lines.filter((l) => /\bLISTEN\b/.test(l)).length, 1);
});

test("the ladder: a listener closed while a segment is handled keeps the arrow on the connection's state", () => {
  const w = world();
  let listener: ReturnType<typeof w.server.listen> | null = null;
  listener = w.server.listen(
    80,
    {},
    {
      onConnection: () => ({
        // The server stops listening as soon as the first request arrives (a one-shot server).
        onData: () => {
          if (listener) w.server.closeListener(listener);
        },
      }),
    },
  );
  const client = recordingHandlers();
  const conn = w.client.connect({ address: SERVER_ADDR, port: 80 }, client);
  w.sim.at(50 * MS, () => conn.send(new TextEncoder().encode("hi")));
  w.sim.runUntil(200 * MS);
  const ladder = renderLadder(w.trace.events);
  const lines = ladder.split("\n");
  const data = lines.findIndex((l) => l.includes("<DATA=2>"));
  assert.ok(data >= 0, ladder);
  // The data segment's arrow ends at the server's connection, still ESTABLISHED, and the listener's
  // close is told beside it, not as the state of that line.
  const around = lines.slice(data - 1, data + 6).join("\n");
  assert.match(around, /--> ESTABLISHED/, ladder);
  assert.match(around, /listener LISTEN → CLOSED/, ladder);
  assert.doesNotMatch(around, /--> CLOSED/, ladder);
});
