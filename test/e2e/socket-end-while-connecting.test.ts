// net.Socket lets an application write and end() before the connection is up (`createConnection(...).end(request)`):
// the data and the FIN go out once the handshake completes. Ours must do the same, not drop the data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createConnection, createServer } from "../../src/stack/socket.js";
import { makeWorld, SERVER_ADDR, SERVER_PORT } from "./world.js";

test("write + end() while connecting: the peer reads the bytes, then EOF", async () => {
  const world = makeWorld({ seed: 41, link: { delay: 2_000 } });
  const received: Buffer[] = [];
  let serverEnded = false;
  createServer(world.server, {}, (socket) => {
    socket.on("data", (c: Buffer) => received.push(c));
    socket.on("end", () => {
      serverEnded = true;
      socket.end();
    });
  }).listen(SERVER_PORT);
  const socket = createConnection(world.client, { port: SERVER_PORT, host: SERVER_ADDR });
  let clientError: unknown = null;
  socket.on("error", (e) => (clientError = e));
  socket.resume();
  socket.end("request sent before the handshake finished\n");
  await world.sim.runAsync({ stopWhen: () => serverEnded, until: 300_000_000 });
  assert.equal(clientError, null);
  assert.equal(Buffer.concat(received).toString(), "request sent before the handshake finished\n");
  assert.ok(serverEnded, "the server read EOF");
});
