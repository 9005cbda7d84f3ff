// resetAndDestroy() (RST, SO_LINGER 0) is the application throwing the connection away: as with
// net.Socket, the stream then emits 'close' — never 'end', which means "the peer finished sending" and
// would make a truncated stream look complete. Found by the socket property (client reset at 101 µs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createConnection, createServer } from "../../src/stack/socket.js";
import { makeWorld, SERVER_ADDR, SERVER_PORT } from "./world.js";

test("resetAndDestroy(): 'close' without 'end' or 'error', and the peer sees ECONNRESET", async () => {
  const world = makeWorld({ seed: 1, link: { delay: 50 } });
  const serverEvents: string[] = [];
  createServer(world.server, {}, (s) => {
    s.on("error", (e: NodeJS.ErrnoException) => serverEvents.push(`error ${e.code}`));
    s.on("close", () => serverEvents.push("close"));
    s.write("x");
  }).listen(SERVER_PORT);
  const socket = createConnection(world.client, { port: SERVER_PORT, host: SERVER_ADDR });
  const events: string[] = [];
  socket.on("data", (d: Buffer) => events.push(`data ${d.length}`));
  socket.on("end", () => events.push("end"));
  socket.on("error", (e: NodeJS.ErrnoException) => events.push(`error ${e.code}`));
  socket.on("close", () => events.push("close"));
  // Established at 100 µs; the server's byte is still on the wire at 101 µs.
  world.sim.at(101, () => socket.resetAndDestroy());
  await world.sim.runAsync();
  assert.deepEqual(events, ["close"]);
  assert.deepEqual(serverEvents, ["error ECONNRESET", "close"]);
});
