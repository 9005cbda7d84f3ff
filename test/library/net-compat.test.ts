// One test per node:net compatibility item of issue 15 (the table in docs/library.md): each checks what
// net.Socket / net.Server do, over our TCP on the simulator.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MS, SECOND, Socket, createConnection, createServer } from "../../src/index.js";
import { connectedPair, libStage, runUntil } from "./stage.js";

test("setTimeout: 'timeout' after ms of idleness on the host's (virtual) clock, once per idle period, postponed by activity, off with 0", async () => {
  const stage = libStage(2);
  const { client, accepted } = await connectedPair(stage);
  const fired: number[] = [];
  client.setTimeout(500, () => fired.push(stage.sim.now));
  assert.equal(client.timeout, 500);
  const set = stage.sim.now;
  // Activity at +300 ms (a write) moves the idle period on.
  stage.sim.at(set + 300 * MS, () => client.write("x"));
  await stage.sim.runAsync({ until: set + 2 * SECOND });
  assert.equal(fired.length, 1, "the callback is a once-listener, as in net");
  // The last activity: the echo-less write at +300 ms (and its ACK is not application activity).
  assert.equal(fired[0], set + 300 * MS + 500 * MS, "fired 500 ms after the last activity");
  // The timer keeps reporting idle periods to 'timeout' listeners, each after new activity.
  const events: number[] = [];
  client.on("timeout", () => events.push(stage.sim.now));
  await stage.sim.runAsync({ until: stage.sim.now + 2 * SECOND });
  assert.deepEqual(events, [], "no second 'timeout' without activity in between");
  const t = stage.sim.now;
  accepted.write("y"); // data arriving at the client is activity
  await stage.sim.runAsync({ until: t + 2 * SECOND });
  assert.equal(events.length, 1);
  assert.equal(events[0], t + 10 * MS + 500 * MS, "500 ms after the data arrived (10 ms link)");
  // 0 turns it off; nothing is left on the host's clock for it.
  client.setTimeout(0);
  assert.equal(client.timeout, undefined);
  accepted.write("z");
  await stage.sim.runAsync({ until: stage.sim.now + 2 * SECOND });
  assert.equal(events.length, 1);
  assert.equal(client.readyState, "open", "a timeout only notifies; the socket stays open");
});

test("setTimeout on an idle connection keeps the simulator's clock going until it fires, and destroy() cancels it", async () => {
  const stage = libStage(3);
  const { client } = await connectedPair(stage);
  let timeouts = 0;
  client.setTimeout(1000, () => {
    timeouts++;
    client.destroy();
  });
  assert.equal(stage.client.nextDeadline() <= stage.sim.now + 1000 * MS, true, "the host reports the timer");
  await runUntil(stage.sim, () => client.destroyed);
  assert.equal(timeouts, 1);
  const stage2 = libStage(4);
  const other = await connectedPair(stage2);
  let late = 0;
  other.client.setTimeout(1000, () => late++);
  other.client.destroy();
  // Nothing fires after destroy: run well past the time it would have.
  await stage2.sim.runAsync({ until: stage2.sim.now + 5 * SECOND });
  assert.equal(late, 0);
});

test("address(): { address, family, port } of the local end once connected, {} before", async () => {
  const stage = libStage(5);
  const socket = createConnection(stage.client, { host: "10.0.0.2", port: 9 });
  createServer(stage.server, () => undefined).listen(9);
  assert.deepEqual(
    { ...socket.address() },
    {
      address: "10.0.0.1",
      family: "IPv4",
      port: socket.localPort,
    },
  );
  const fresh = new Socket(stage.client);
  assert.deepEqual(fresh.address(), {});
});

test("remoteAddress, remotePort, localAddress, localPort on both ends", async () => {
  const { client, accepted } = await connectedPair(libStage(6));
  assert.equal(client.remoteAddress, "10.0.0.2");
  assert.equal(client.remotePort, 7);
  assert.equal(client.localAddress, "10.0.0.1");
  assert.ok(
    client.localPort! >= 32768 && client.localPort! <= 60999,
    "an ephemeral port of the linux profile",
  );
  assert.equal(accepted.remoteAddress, "10.0.0.1");
  assert.equal(accepted.remotePort, client.localPort);
  assert.equal(accepted.localAddress, "10.0.0.2");
  assert.equal(accepted.localPort, 7);
  assert.equal(client.remoteFamily, "IPv4");
});

test("bytesRead and bytesWritten count payload bytes each way", async () => {
  const stage = libStage(7);
  const { client, accepted } = await connectedPair(stage);
  const got: Buffer[] = [];
  accepted.on("data", (d: Buffer) => got.push(d));
  client.write(Buffer.alloc(3000, 1));
  client.write("hello");
  await runUntil(stage.sim, () => accepted.bytesRead === 3005);
  accepted.write("abc");
  await runUntil(stage.sim, () => client.bytesRead === 3);
  assert.equal(client.bytesWritten, 3005);
  assert.equal(accepted.bytesWritten, 3);
  assert.equal(Buffer.concat(got).length, 3005);
});

test("readyState: opening → open → writeOnly after the peer's FIN (allowHalfOpen) → closed", async () => {
  const stage = libStage(8);
  const socket = createConnection(stage.client, { host: "10.0.0.2", port: 7, allowHalfOpen: true });
  let accepted: Socket | null = null;
  createServer(stage.server, (s) => (accepted = s)).listen(7);
  assert.equal(socket.readyState, "opening");
  await runUntil(stage.sim, () => !socket.connecting && accepted !== null);
  assert.equal(socket.readyState, "open");
  socket.resume();
  accepted!.end();
  await runUntil(stage.sim, () => socket.readableEnded);
  assert.equal(socket.readyState, "writeOnly");
  socket.end();
  await runUntil(stage.sim, () => socket.destroyed);
  assert.equal(socket.readyState, "closed");
});

test("readyState: readOnly after our end() while the peer still sends", async () => {
  const stage = libStage(9);
  const { client } = await connectedPair(stage, { serverAllowHalfOpen: true });
  client.end();
  await runUntil(stage.sim, () => client.writableFinished);
  assert.equal(client.readyState, "readOnly");
});

test("server.address(): null before listening, { address, family, port } while listening, null after close", async () => {
  const stage = libStage(10);
  const server = createServer(stage.server, () => undefined);
  assert.equal(server.address(), null);
  server.listen(0);
  const a = server.address();
  assert.equal(a?.address, "10.0.0.2");
  assert.equal(a?.family, "IPv4");
  assert.ok(a!.port >= 32768, "listen(0) takes a free ephemeral port");
  let closed = false;
  server.close(() => (closed = true));
  assert.equal(server.address(), null);
  await runUntil(stage.sim, () => closed);
});

test("server.close(cb): stops accepting at once, cb once the last accepted socket closed; ERR_SERVER_NOT_RUNNING when not listening", async () => {
  const stage = libStage(11);
  const { client, accepted, server } = await connectedPair(stage);
  let closeArg: unknown = "not called";
  server.close((err) => (closeArg = err));
  // A new connect is refused now: the listener is gone.
  const refused = createConnection(stage.client, { host: "10.0.0.2", port: 7 });
  let refusal: NodeJS.ErrnoException | null = null;
  refused.on("error", (e) => (refusal = e));
  await runUntil(stage.sim, () => refusal !== null);
  assert.equal(refusal!.code, "ECONNREFUSED");
  assert.equal(closeArg, "not called", "an accepted socket is still open");
  accepted.resume();
  client.end();
  await runUntil(stage.sim, () => closeArg !== "not called");
  assert.equal(closeArg, undefined, "cb gets no error");
  let second: Error | undefined;
  server.close((err) => (second = err));
  await runUntil(stage.sim, () => second !== undefined);
  assert.equal((second as NodeJS.ErrnoException).code, "ERR_SERVER_NOT_RUNNING");
});

test("server.getConnections(cb): the accepted sockets still open, asynchronously", async () => {
  const stage = libStage(12);
  const { client, accepted, server } = await connectedPair(stage);
  const counts: number[] = [];
  let sync = true;
  server.getConnections((err, n) => {
    assert.equal(err, null);
    assert.equal(sync, false, "called back asynchronously, as net");
    counts.push(n);
  });
  sync = false;
  await runUntil(stage.sim, () => counts.length === 1);
  assert.deepEqual(counts, [1]);
  accepted.resume();
  client.end();
  await runUntil(stage.sim, () => accepted.destroyed);
  server.getConnections((_e, n) => counts.push(n));
  await runUntil(stage.sim, () => counts.length === 2);
  assert.deepEqual(counts, [1, 0]);
});

test("allowHalfOpen false (net's default): the peer's FIN ends our side too; true: we keep writing after it", async () => {
  {
    const stage = libStage(13);
    const { client, accepted } = await connectedPair(stage); // server side allowHalfOpen false
    accepted.resume();
    client.resume();
    client.end();
    await runUntil(stage.sim, () => accepted.writableEnded);
    assert.equal(accepted.writableEnded, true, "the accepted socket ended its side by itself");
    await runUntil(stage.sim, () => client.readableEnded);
  }
  {
    const stage = libStage(14);
    const { client, accepted } = await connectedPair(stage, { serverAllowHalfOpen: true });
    accepted.resume();
    const got: Buffer[] = [];
    client.on("data", (d: Buffer) => got.push(d));
    client.end();
    await runUntil(stage.sim, () => accepted.readableEnded);
    assert.equal(accepted.writableEnded, false, "half open: still writable");
    assert.equal(accepted.tcpState, "CLOSE_WAIT");
    accepted.end("after your FIN");
    await runUntil(stage.sim, () => client.readableEnded);
    assert.equal(Buffer.concat(got).toString(), "after your FIN");
  }
});
