// Data that arrived before the peer's FIN belongs to the application until it reads it, even if the
// connection meanwhile finishes its close. Found by the transfer property (a paused reader that half-
// closes in CLOSE_WAIT): LAST_ACK → CLOSED threw the unread bytes away, reported a clean close, and a
// later resume() delivered EOF — the application saw a shorter stream as if it were complete.
// Linux keeps the receive queue of a socket the application still holds after tcp_done(); RFC 9293
// §3.10.7.4 only discards queued data on a reset.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Connection } from "../../src/tcp/connection.js";
import { makeWorld, SERVER_PORT } from "./world.js";

test("a paused reader that shuts down in CLOSE_WAIT still reads every byte, then EOF", () => {
  const world = makeWorld({ seed: 2, link: { delay: 1_000 } });
  const { sim, client, server } = world;
  server.listen(
    SERVER_PORT,
    {},
    {
      onConnection: (conn) => {
        conn.send(new Uint8Array(5000).fill(0x5a), server.time());
        conn.shutdown(server.time());
        return {};
      },
    },
  );
  let read = 0;
  let eof = false;
  let closed: string | null | undefined;
  let conn: Connection | null = null;
  sim.at(0, () => {
    conn = client.connect(
      { address: server.address, port: SERVER_PORT },
      {
        onData: (_c, d) => (read += d.length),
        onEnd: () => (eof = true),
        onClose: (_c, e) => (closed = e ? e.code : null),
      },
    );
    conn.pause(); // a slow application: not reading yet
  });
  // By 100 ms the server's data and FIN are in (CLOSE_WAIT); the client half-closes without reading.
  sim.at(100_000, (now) => conn!.shutdown(now));
  sim.at(200_000, (now) => conn!.resume(now));
  assert.equal(sim.runUntilIdle(), "idle");
  assert.equal(closed, null);
  assert.equal(read, 5000, "bytes read after resume()");
  assert.equal(eof, true);
});
