// RFC 9293 §3.8.4 MUST-26: "Keep-alive packets MUST only be sent when no sent data is outstanding".
// Found by the transfer property (seed 1215120241, since fixed): a connection in retransmission backoff
// whose idle time passed keepAliveIdle sent keepalive probes while its data was still unacknowledged,
// and keepalive — not the retransmission limit — then decided when it died.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SECOND } from "../../src/tcp/profile.js";
import { withPayload } from "../../src/sim/match.js";
import { makeWorld, SERVER_PORT } from "./world.js";

test("no keepalive probe while data is outstanding (MUST-26); the retransmission limit ends the connection", () => {
  // rfc profile: RTO 1 s doubling, so the retransmissions leave gaps longer than keepAliveIdle.
  const world = makeWorld({
    seed: 3,
    profile: "rfc",
    overrides: { keepAliveIdle: 5 * SECOND, keepAliveInterval: 1 * SECOND, keepAliveProbes: 2 },
  });
  const { sim, client, server, trace } = world;
  server.listen(SERVER_PORT, {}, { onConnection: () => ({}) });
  // The server vanishes once the handshake is done: every data segment is lost.
  sim.fault({ name: "peer gone", action: "drop", from: "client", match: withPayload(), times: Infinity });
  let error: string | null | undefined;
  sim.at(0, (now) => {
    const conn = client.connect(
      { address: server.address, port: SERVER_PORT, keepAlive: true },
      { onClose: (_c, err) => (error = err ? err.code : null) },
    );
    conn.send(new Uint8Array(1000).fill(7), now);
  });
  assert.equal(sim.runUntilIdle(), "idle");
  const probes = trace.events.filter(
    (e) => e.kind === "segment-sent" && e.host === "client" && e.why === "keepalive",
  );
  assert.deepEqual(probes, [], "keepalive probes were sent while 1000 bytes were unacknowledged");
  const end = trace.events.find((e) => e.kind === "state" && e.host === "client" && e.to === "CLOSED");
  assert.equal(end?.kind === "state" ? end.cause : undefined, "retransmission limit");
  assert.equal(error, "ETIMEDOUT");
});
