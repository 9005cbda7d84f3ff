// TIME_WAIT with timestamps end to end: two hosts on the simulator that negotiate RFC 7323 timestamps
// themselves. The client closes first and holds TIME_WAIT; with tcp_tw_reuse it takes the 4-tuple over
// for its next connect (host-inspection-facts §1.3), and ACKs it sends from TIME_WAIT carry timestamps.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Connection } from "../../src/tcp/connection.js";
import { TcpError } from "../../src/tcp/errors.js";
import type { Profile } from "../../src/tcp/profile.js";
import type { SegmentSentEvent } from "../../src/tcp/events.js";
import { pureAck } from "../../src/sim/match.js";
import { FIN } from "../../src/wire/segment.js";
import { world } from "./world.js";

const PORT = 50000;
const SECOND = 1_000_000;

/** One ephemeral port, so a second connect to the same server must reuse the TIME_WAIT 4-tuple or fail. */
function setting(client: Partial<Profile>) {
  const w = world({
    client: { ephemeralPortLow: PORT, ephemeralPortHigh: PORT, timeWaitReuse: "on", ...client },
  });
  const received: string[] = [];
  const accepted: Connection[] = [];
  w.server.listen(
    80,
    {},
    {
      onConnection: (conn) => {
        accepted.push(conn);
        return {
          onData: (_c, d) => void received.push(new TextDecoder().decode(d)),
          onEnd: (c) => c.close(w.server.time()),
        };
      },
    },
  );
  /** Connect, send `text`, close first (the client ends in TIME_WAIT). */
  const exchange = (text: string): Connection =>
    w.client.connect(
      { address: w.server.address, port: 80 },
      {
        onEstablished: (c) => {
          c.send(new TextEncoder().encode(text), w.client.time());
          c.close(w.client.time());
        },
      },
    );
  return { ...w, received, accepted, exchange };
}

test("tcp_tw_reuse end to end: the second connect takes over the TIME_WAIT port and carries data", () => {
  const { sim, client, server, received, exchange } = setting({});
  let first: Connection | null = null;
  let second: Connection | null = null;
  sim.at(0, () => void (first = exchange("one")));
  sim.at(2 * SECOND, () => {
    assert.equal(client.stateOf(first!), "TIME_WAIT");
    assert.equal(first!.ts.ok, true, "the first connection negotiated timestamps");
    second = exchange("two");
  });
  assert.equal(sim.runUntilIdle(), "idle");
  assert.deepEqual(received, ["one", "two"]);
  assert.equal(second!.localPort, PORT);
  assert.equal(second!.snd.iss, (first!.snd.sndNxt + 65537) >>> 0, "ISS = old SND.NXT + 65535 + 2");
  assert.equal(client.counters.timeWaitReused, 1);
  assert.equal(server.counters.timeWaitReused, 0);
  assert.equal(client.connections().length + server.connections().length, 0);
});

test("without timestamps (tcp_timestamps=0) the TIME_WAIT 4-tuple is not reused: EADDRNOTAVAIL", () => {
  const { sim, client, exchange } = setting({ timestamps: false });
  let first: Connection | null = null;
  let error: unknown = null;
  sim.at(0, () => void (first = exchange("one")));
  sim.at(2 * SECOND, () => {
    assert.equal(client.stateOf(first!), "TIME_WAIT");
    try {
      exchange("two");
    } catch (e) {
      error = e;
    }
  });
  sim.runUntil(3 * SECOND);
  assert.ok(error instanceof TcpError && error.code === "EADDRNOTAVAIL", String(error));
  assert.equal(client.counters.timeWaitReused, 0);
});

test("the re-ACK from TIME_WAIT of a retransmitted FIN echoes the server's FIN TSval and carries the client's clock", () => {
  const { sim, client, trace, accepted, exchange } = setting({});
  // Lose the client's ACK of the server's FIN once: the server retransmits its FIN into our TIME_WAIT.
  sim.fault({
    name: "lose-final-ack",
    action: "drop",
    from: "client",
    match: (seg, ctx) => {
      const peer = accepted[0];
      return pureAck(seg, ctx) && peer?.state === "LAST_ACK" && seg.ack === peer.snd.sndNxt;
    },
  });
  let first: Connection | null = null;
  sim.at(0, () => void (first = exchange("one")));
  sim.runUntil(5 * SECOND);
  const sent = trace.events.filter((e): e is SegmentSentEvent => e.kind === "segment-sent");
  const serverFin = sent.find((e) => e.host === "server" && e.seg.flags & FIN && !e.retransmission);
  const reAck = sent.find((e) => e.host === "client" && e.why === "ack-fin" && e.conn === null);
  assert.ok(serverFin && reAck, "the server's FIN and the re-ACK from TIME_WAIT");
  assert.equal(reAck.seg.options.timestamp?.ecr, serverFin.seg.options.timestamp?.val);
  const c = first!;
  const expected =
    (Math.floor(reAck.t / 1000) +
      client.tsOffset(client.address, c.localPort, c.remoteAddr, c.remotePort)) >>>
    0;
  assert.equal(reAck.seg.options.timestamp?.val, expected);
});
