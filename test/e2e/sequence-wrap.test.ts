// Sequence numbers wrap at 2^32 (RFC 9293 §3.4: all arithmetic modulo 2^32). A transfer whose sequence
// space crosses 0 in the middle — with loss, duplicates and reordering, so retransmissions, reassembly
// and window checks all straddle the wrap — must deliver exactly the bytes sent. The seeds are searched
// for here, so the test keeps crossing the wrap whatever the ISN function becomes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { IsnGenerator, keyFromSeed } from "../../src/tcp/isn.js";
import { parseIPv4 } from "../../src/wire/address.js";
import { CLIENT_ADDR, SERVER_ADDR, SERVER_PORT, makeWorld } from "./world.js";
import { plannedStreams, startTransfer, type TransferPlan } from "./transfer-app.js";
import { transferViolations, idleHostViolations } from "./invariants.js";

const WRAP = 2 ** 32;
const TRANSFER = 600_000;
const DELAY = 5_000;
const LINK = { delay: DELAY, jitter: 2_000, loss: 0.05, duplicate: 0.03, reorder: 0.1, reorderDelay: 15_000 };

/** First seed whose ISN for `side` lies between 20 KB and 400 KB below the wrap. */
function seedNearWrap(side: "client" | "server", clientPort: number): number {
  const c = parseIPv4(CLIENT_ADDR);
  const s = parseIPv4(SERVER_ADDR);
  for (let seed = 1; seed < 5_000_000; seed++) {
    // makeWorld seeds the client with `seed` and the server with `seed + 1`; the server picks its ISN
    // when the SYN arrives, one link delay after the connect at time 0.
    const isn =
      side === "client"
        ? new IsnGenerator(keyFromSeed(seed, c)).isn(c, clientPort, s, SERVER_PORT, 0)
        : new IsnGenerator(keyFromSeed(seed + 1, s)).isn(s, SERVER_PORT, c, clientPort, DELAY);
    if (isn > WRAP - 400_000 && isn < WRAP - 20_000) return seed;
  }
  throw new Error(`no seed puts the ${side} ISN near the wrap`);
}

/** The client's ephemeral port toward the server does not depend on the seed; learn it once. */
function clientPort(): number {
  const w = makeWorld({ seed: 1 });
  w.server.listen(SERVER_PORT, {}, { onConnection: () => ({}) });
  return w.client.connect({ address: w.server.address, port: SERVER_PORT }, {}).localPort;
}

for (const side of ["client", "server"] as const) {
  test(`the ${side}'s sequence numbers wrap past 2^32 in the middle of a lossy ${TRANSFER / 1000} KB transfer`, () => {
    const seed = seedNearWrap(side, clientPort());
    const world = makeWorld({ seed, link: LINK });
    const plan: TransferPlan = {
      client: {
        writes: [{ gap: 0, length: side === "client" ? TRANSFER : 1000 }],
        closeFirst: true,
        fullClose: false,
      },
      server: {
        writes: [{ gap: 0, length: side === "server" ? TRANSFER : 1000 }],
        closeFirst: false,
        fullClose: false,
      },
      dataSeed: 9,
    };
    const t = startTransfer(world, plan);
    assert.equal(world.sim.runUntilIdle(), "idle");

    // The run really crossed the wrap: the sender's ISN sits just below 2^32 and later segments carry small numbers.
    const sent = world.trace.events.flatMap((e) =>
      e.kind === "segment-sent" && e.host === side && e.seg.payload.length > 0 ? [e.seg.seq] : [],
    );
    const syn = world.trace.events.find(
      (e) => e.kind === "segment-sent" && e.host === side && (e.seg.flags & 2) !== 0,
    );
    assert.ok(syn?.kind === "segment-sent");
    assert.ok(syn.seg.seq > WRAP - 400_000, `ISN ${syn.seg.seq} is not near the wrap`);
    assert.ok(
      sent.some((seq) => seq < 1_000_000),
      "no data segment after the wrap",
    );
    assert.ok(
      world.trace.events.some((e) => e.kind === "segment-sent" && e.host === side && e.retransmission),
      "the loss caused retransmissions",
    );

    const streams = plannedStreams(plan);
    const v = transferViolations(t, streams.client, streams.server);
    v.push(...idleHostViolations(world.client), ...idleHostViolations(world.server));
    assert.deepEqual(v, []);
    assert.equal(t.client.error, null);
    assert.equal(t.server?.error, null);
  });
}
