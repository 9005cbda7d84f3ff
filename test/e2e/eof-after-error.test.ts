// Once the application was told that the connection ended with an error, nothing may follow that
// looks like an orderly end: resume() must not produce an EOF (the data before it was discarded).
// Found by the transfer property: a paused reader in CLOSE_WAIT whose peer vanished got ETIMEDOUT from
// keepalive, and a later resume() delivered EOF after a stream one byte short.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SECOND } from "../../src/tcp/profile.js";
import type { Connection } from "../../src/tcp/connection.js";
import { makeWorld, SERVER_PORT } from "./world.js";

test("after onClose(ETIMEDOUT) a resume() delivers neither data nor EOF", () => {
  const world = makeWorld({
    seed: 5,
    link: { delay: 1_000 },
    overrides: { keepAliveIdle: 10 * SECOND, keepAliveInterval: 1 * SECOND, keepAliveProbes: 2 },
  });
  const { sim, client, server } = world;
  server.listen(
    SERVER_PORT,
    {},
    {
      onConnection: (conn) => {
        conn.send(new Uint8Array(3000).fill(1), server.time());
        conn.shutdown(server.time());
        return {};
      },
    },
  );
  // Once the data and FIN are out, the server is gone for good.
  sim.fault({
    name: "server gone",
    action: "drop",
    from: "server",
    match: (_s, ctx) => ctx.now >= 50_000,
    times: Infinity,
  });
  const log: string[] = [];
  let conn: Connection | null = null;
  sim.at(0, () => {
    conn = client.connect(
      { address: server.address, port: SERVER_PORT, keepAlive: true },
      {
        onData: (_c, d) => log.push(`data ${d.length}`),
        onEnd: () => log.push("end"),
        onClose: (_c, e) => log.push(`close ${e ? e.code : "ok"}`),
      },
    );
    conn.pause(); // the application is not reading
  });
  sim.at(60 * SECOND, (now) => conn!.resume(now));
  assert.equal(sim.runUntilIdle(), "idle");
  assert.deepEqual(log, ["close ETIMEDOUT"]);
});
