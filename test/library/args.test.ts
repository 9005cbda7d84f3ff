// Plain-JavaScript robustness (issue 15): wrong argument types are TypeErrors with an ERR_TCPLAB_* code,
// calls without a time use the host's clock, helpers that need a host say so instead of writing nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type ArgumentError,
  Host,
  Simulator,
  Socket,
  TcplabAgent,
  createConnection,
  createServer,
  pcapFromTrace,
  renderLadder,
  renderTimeline,
  toJsonTrace,
  type Connection,
} from "../../src/index.js";
import { libStage, runUntil } from "./stage.js";

/** Call `fn` as plain JavaScript would (no type checks) and return what it threw. */
function thrown(fn: () => unknown): ArgumentError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TypeError, `a TypeError, got ${String(err)}`);
    return err as ArgumentError;
  }
  assert.fail("did not throw");
}

const js = <T>(x: unknown): T => x as T;

test("wrong argument types throw TypeError with ERR_TCPLAB_INVALID_ARG_TYPE, naming the argument", () => {
  const { client } = libStage();
  const cases: Array<[() => unknown, RegExp]> = [
    [() => new Host(js(undefined)), /new Host\(options\)/],
    [() => new Host(js({ name: 5, address: "10.0.0.9" })), /options\.name must be a string/],
    [() => new Host(js({ name: "x", address: true })), /options\.address/],
    [() => new Host(js({ name: "x", address: "10.0.0.9", mtu: "1500" })), /options\.mtu must be a number/],
    [
      () => createConnection(js({ port: 80, host: "10.0.0.2" }), js(undefined)),
      /first argument is the tcplab Host/,
    ],
    [() => createConnection(client, js("10.0.0.2:80")), /options must be \{ host, port \}/],
    [() => createConnection(client, js({ host: "10.0.0.2", port: "80" })), /port must be a number/],
    [() => createServer(js({}), js(undefined)), /first argument is the tcplab Host/],
    [() => new Socket(client).setTimeout(js("1000")), /ms must be a number/],
    [() => createServer(client, () => undefined).listen(js("80")), /port number or/],
    [() => new TcplabAgent(js({ name: "client" })), /host must be a tcplab Host/],
    [() => client.connect(js({ address: "10.0.0.2", port: "80" })), /options\.port must be a number/],
    [() => client.listen(js(80), js(undefined), js(undefined)), /options must be an object/],
    [() => renderLadder(js("events")), /renderLadder\(trace\): pass the trace events/],
    [() => renderTimeline(js(42)), /renderTimeline/],
    [() => toJsonTrace(js(null)), /toJsonTrace/],
  ];
  for (const [fn, message] of cases) {
    const err = thrown(fn);
    assert.equal(err.code, "ERR_TCPLAB_INVALID_ARG_TYPE", err.message);
    assert.match(err.message, message);
  }
});

test("missing required options say which: ERR_TCPLAB_MISSING_ARG", () => {
  assert.equal(thrown(() => new Host(js({ address: "10.0.0.9" }))).code, "ERR_TCPLAB_MISSING_ARG");
  assert.equal(thrown(() => new Host(js({ name: "x" }))).code, "ERR_TCPLAB_MISSING_ARG");
});

test("engine calls without `now` (plain JavaScript) use the host's clock, not NaN", async () => {
  const { sim, client, server } = libStage(21);
  server.listen(80, {}, { onConnection: () => ({}) });
  await sim.runAsync({ until: 2_000_000 }); // the clock moves on to 2 s
  let conn: Connection | null = null;
  sim.at(2_500_000, () => {
    conn = client.connect({ address: "10.0.0.2", port: 80 });
  });
  await runUntil(sim, () => conn?.state === "ESTABLISHED");
  // Called as plain JS does: no `now`.
  const c = conn as unknown as { send(d: Uint8Array): number; shutdown(): void; close(): void };
  assert.equal(c.send(new TextEncoder().encode("hi")), 2);
  c.shutdown();
  await runUntil(sim, () => conn!.state === "FIN_WAIT_2" || conn!.state === "TIME_WAIT");
  const times = sim.events.map((e) => e.t);
  assert.ok(
    times.every((t) => Number.isFinite(t)),
    "every event has a real time",
  );
  const sent = sim.events.filter((e) => e.kind === "segment-sent" && e.host === "client");
  assert.ok(
    sent.every((e) => e.t >= 2_500_000),
    "stamped with the host's clock",
  );
  assert.equal(thrown(() => c.send(js("text"))).code, "ERR_TCPLAB_INVALID_ARG_TYPE");
  assert.equal(
    thrown(() => (conn as unknown as { close(n: unknown): void }).close("now")).code,
    "ERR_TCPLAB_INVALID_ARG_TYPE",
  );
});

test("pcapFromTrace without a host name says whose capture to choose; an unknown host is named; an empty trace is refused", async () => {
  const { sim, client, server } = libStage(22);
  createServer(server, (s) => s.end()).listen(80);
  createConnection(client, { host: "10.0.0.2", port: 80 }).resume();
  await sim.runAsync({ until: 1_000_000 });
  const missing = thrown(() => pcapFromTrace(sim.events, js(undefined)));
  assert.equal(missing.code, "ERR_TCPLAB_MISSING_ARG");
  assert.match(missing.message, /client, server|server, client/);
  const unknown = thrown(() => pcapFromTrace(sim.events, "serveur"));
  assert.equal(unknown.code, "ERR_TCPLAB_UNKNOWN_HOST");
  assert.ok(pcapFromTrace(sim, "client").length > 24, "a Simulator is accepted as the trace");
  const empty = thrown(() => renderLadder(new Simulator().events));
  assert.equal(empty.code, "ERR_TCPLAB_MISSING_ARG");
  assert.match(empty.message, /the trace is empty/);
});

test("the simulator checks its arguments too, and links hosts given by name or as Hosts", () => {
  const sim = new Simulator();
  assert.equal(thrown(() => sim.addHost(js({ name: "x" }))).code, "ERR_TCPLAB_INVALID_ARG_TYPE");
  assert.equal(thrown(() => new Simulator(js("seed 1"))).code, "ERR_TCPLAB_INVALID_ARG_TYPE");
  const a = sim.addHost(new Host({ name: "a", address: "10.0.0.1", trace: sim.trace }));
  const b = sim.addHost(new Host({ name: "b", address: "10.0.0.2", trace: sim.trace }));
  assert.equal(thrown(() => sim.link(js(1), "b")).code, "ERR_TCPLAB_INVALID_ARG_TYPE");
  sim.link(a, b, { delay: 2_000 });
  assert.equal(sim.linkDirection("a", "b").options.delay, 2_000);
});

test("a socket given a name instead of an address fails as a failed lookup would (ENOTFOUND), since tcplab does no DNS", async () => {
  const { sim, client } = libStage(23);
  const socket = createConnection(client, { host: "server.example", port: 80 });
  let error: NodeJS.ErrnoException | null = null;
  socket.on("error", (e) => (error = e));
  await runUntil(sim, () => error !== null);
  assert.equal(error!.code, "ENOTFOUND");
  assert.match(error!.message, /tcplab does no DNS/);
  assert.equal(client.connections().length, 0, "nothing was sent");
});
