// Node's own HTTP client and server, unchanged, talking over our TCP on the simulated network: the
// server gets our accepted sockets through `emit("connection")`, the client gets ours through an
// Agent's createConnection. Headers and bodies (one of 1 MiB each way) must arrive byte-exact, a second
// request must reuse the kept-alive connection, and the close must leave TIME_WAIT on the side that
// closed first — the client when it hangs up, the server when it answers "Connection: close".
import { test } from "node:test";
import assert from "node:assert/strict";
import { SECOND } from "../../src/tcp/profile.js";
import type { World } from "./world.js";
import { DOWNLOAD, UPLOAD, drive, request, sha256, stage } from "./http-stage.js";

function firstFinFrom(world: World): string | undefined {
  const fin = world.trace.events.find((e) => e.kind === "segment-sent" && (e.seg.flags & 1) !== 0);
  return fin?.host;
}

test("node:http over our sockets: GET and a 1 MiB POST/response on one kept-alive connection; the client closes first and holds TIME_WAIT", async () => {
  const { world, agent, clientSockets, serverSockets } = stage(31);
  const { client, server } = world;

  const [hello, upload] = await drive(
    world,
    (async () => {
      const a = await request(agent, "GET", "/hello");
      const b = await request(agent, "POST", "/upload", UPLOAD, {
        "content-type": "application/octet-stream",
      });
      return [a, b] as const;
    })(),
  );

  assert.equal(hello.status, 200);
  assert.equal(hello.headers["content-type"], "text/plain; charset=utf-8");
  assert.equal(hello.headers["x-tcplab"], "hello");
  assert.equal(hello.body.toString("utf8"), "hello over tcplab\n");

  assert.equal(upload.status, 201);
  assert.equal(upload.headers["x-upload-length"], String(UPLOAD.length));
  assert.equal(upload.headers["x-upload-sha256"], sha256(UPLOAD), "the server got the upload byte-exact");
  assert.equal(upload.body.length, DOWNLOAD.length);
  assert.ok(upload.body.equals(DOWNLOAD), "the 1 MiB response arrived byte-exact");

  // Keep-alive: one TCP connection carried both exchanges.
  assert.equal(clientSockets.length, 1);
  assert.equal(serverSockets.length, 1);
  assert.equal(hello.socket, upload.socket);
  assert.equal(upload.socket, clientSockets[0]);
  assert.equal(clientSockets[0]!.tcpState, "ESTABLISHED");

  // The client hangs up: its FIN goes first, so TIME_WAIT is the client's.
  agent.destroy();
  await drive(
    world,
    Promise.resolve(),
    () => server.connections().length === 0 && client.connections().length === 0,
  );
  assert.equal(firstFinFrom(world), "client");
  assert.equal(client.timeWaitEntries, 1);
  assert.equal(server.timeWaitEntries, 0);
  assert.equal(clientSockets[0]!.tcpState, "TIME_WAIT");
  assert.equal(serverSockets[0]!.tcpState, "CLOSED");
  const entered = world.sim.now;

  // TIME_WAIT ends after exactly the profile's length, and then nothing is left.
  assert.equal(await world.sim.runAsync({ until: entered + 600 * SECOND }), "idle");
  assert.equal(client.timeWaitEntries, 0);
  const expiry = world.trace.events.find(
    (e) => e.kind === "state" && e.host === "client" && e.from === "TIME_WAIT",
  );
  assert.ok(expiry?.kind === "state", "the client's TIME_WAIT ended");
  assert.equal(expiry.cause, "2MSL timeout");
  const armed = world.trace.events.find(
    (e) => e.kind === "timer" && e.host === "client" && e.timer === "time-wait" && e.action === "armed",
  );
  assert.ok(armed, "the client armed a TIME_WAIT timer");
  assert.equal(expiry.t - armed.t, world.profile.timeWait);
  assert.equal(client.nextDeadline(), Infinity);
  assert.equal(server.nextDeadline(), Infinity);
});

test("node:http over our sockets: a response with 'Connection: close' makes the server close first and hold TIME_WAIT", async () => {
  const { world, agent, clientSockets, serverSockets } = stage(32);
  const { client, server } = world;

  const [hello, bye] = await drive(
    world,
    (async () => {
      const a = await request(agent, "GET", "/hello");
      const b = await request(agent, "GET", "/bye");
      return [a, b] as const;
    })(),
    () => client.connections().length === 0 && server.connections().length === 0,
  );
  assert.equal(hello.status, 200);
  assert.equal(bye.status, 200);
  assert.equal(bye.headers.connection, "close");
  assert.equal(bye.body.toString(), "bye\n");
  assert.equal(clientSockets.length, 1, "both requests went over one connection");
  assert.equal(serverSockets.length, 1);

  assert.equal(firstFinFrom(world), "server");
  assert.equal(server.timeWaitEntries, 1);
  assert.equal(client.timeWaitEntries, 0);
  assert.equal(serverSockets[0]!.tcpState, "TIME_WAIT");
  assert.equal(clientSockets[0]!.tcpState, "CLOSED");
  const states = world.trace.events.flatMap((e) =>
    e.kind === "state" ? [`${e.host}:${e.from}>${e.to}`] : [],
  );
  for (const s of [
    "server:ESTABLISHED>FIN_WAIT_1",
    "client:ESTABLISHED>CLOSE_WAIT",
    "client:CLOSE_WAIT>LAST_ACK",
    "client:LAST_ACK>CLOSED",
    "server:FIN_WAIT_2>TIME_WAIT",
  ]) {
    assert.ok(states.includes(s), s);
  }
  assert.equal(await world.sim.runAsync({ until: world.sim.now + 600 * SECOND }), "idle");
  assert.equal(server.timeWaitEntries, 0);
});

test("node:http over our sockets on a bad link (loss, reordering, duplicates, corruption): byte-exact 1 MiB each way", async () => {
  const { world, agent, clientSockets } = stage(33, {
    delay: 10_000,
    jitter: 3_000,
    loss: 0.05,
    duplicate: 0.02,
    reorder: 0.1,
    reorderDelay: 20_000,
    corrupt: 0.01,
  });
  const { client, server } = world;
  const upload = await drive(world, request(agent, "POST", "/upload", UPLOAD));
  assert.equal(upload.status, 201);
  assert.equal(upload.headers["x-upload-sha256"], sha256(UPLOAD));
  assert.ok(upload.body.equals(DOWNLOAD), "the 1 MiB response arrived byte-exact");
  const lost = world.trace.events.filter((e) => e.kind === "network" && e.reason === "loss").length;
  const retransmitted = world.trace.events.filter(
    (e) => e.kind === "segment-sent" && e.retransmission,
  ).length;
  assert.ok(
    lost > 0 && retransmitted > 0,
    `the link really lost packets (${lost}) and TCP repaired it (${retransmitted})`,
  );
  agent.destroy();
  assert.equal(await world.sim.runAsync({ until: world.sim.now + 900 * SECOND }), "idle");
  assert.equal(client.connections().length + server.connections().length, 0);
  assert.equal(client.timeWaitEntries + server.timeWaitEntries, 0);
  assert.equal(clientSockets.length, 1);
  const errors = world.trace.events.filter((e) => e.kind === "app" && e.error !== undefined);
  assert.deepEqual(errors, [], "no application saw an error");
});
