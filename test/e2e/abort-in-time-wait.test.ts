// An application may still hold a connection whose 4-tuple is already in TIME_WAIT: onClose waits until
// it has read every byte, so a paused reader sees the state TIME_WAIT on its own connection. If it then
// aborts (SO_LINGER 0, Node's resetAndDestroy()), the trace must stay coherent: one end per connection.
// Found by the transfer property with aborts: the abort emitted TIME_WAIT→CLOSED while the TIME_WAIT
// record stayed in the host and expired 60 s later with a second TIME_WAIT→CLOSED.
// RFC 9293 §3.10.5 (ABORT in TIME-WAIT: delete the TCB, enter CLOSED) would remove the record; Linux keeps
// the timewait socket whatever the application does. Either is coherent; both at once is not. The host
// follows the RFC: the abort removes the record.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Connection } from "../../src/tcp/connection.js";
import { makeWorld, SERVER_PORT } from "./world.js";
import { lifetimeViolations, quietLifetimeBound } from "./invariants.js";

test("abort() on a connection in TIME_WAIT: exactly one transition to CLOSED, and the host agrees", () => {
  const world = makeWorld({ seed: 1, link: { delay: 50 } });
  const { sim, client, server, trace } = world;
  server.listen(
    SERVER_PORT,
    {},
    {
      onConnection: () => ({
        onEnd: (c) => {
          c.send(new Uint8Array(500).fill(3), server.time());
          c.shutdown(server.time());
        },
      }),
    },
  );
  let conn: Connection | null = null;
  sim.at(0, (now) => {
    conn = client.connect({ address: server.address, port: SERVER_PORT }, {});
    conn.pause(); // never reads: the 500 bytes keep the application attached in TIME_WAIT
    conn.shutdown(now);
  });
  let stateBeforeAbort = "";
  let recordsAfterAbort = -1;
  sim.at(50_000, (now) => {
    stateBeforeAbort = conn!.state;
    conn!.abort(now);
    recordsAfterAbort = client.timeWaitEntries;
  });
  assert.equal(sim.runUntilIdle(), "idle");
  assert.equal(stateBeforeAbort, "TIME_WAIT");
  assert.equal(recordsAfterAbort, 0, "RFC 9293 §3.10.5: ABORT in TIME-WAIT deletes the TCB, record included");
  const ends = trace.events.filter((e) => e.kind === "state" && e.host === "client" && e.to === "CLOSED");
  assert.equal(
    ends.length,
    1,
    `transitions to CLOSED: ${JSON.stringify(ends.map((e) => (e.kind === "state" ? `${e.t} ${e.cause}` : "")))}`,
  );
  assert.deepEqual(lifetimeViolations(trace.events, client, quietLifetimeBound(world.profile), []), []);
});
