// Same seed ⇒ the same run, event for event and byte for byte, on the real engine: loss, reordering,
// duplication, corruption and jitter all come from the seed, and so do the hosts' ISNs. A different
// seed must give a different run (otherwise the seed would not be reaching anything).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createConnection, createServer } from "../../src/stack/socket.js";
import { makeWorld, SERVER_ADDR, SERVER_PORT, traceJson, type World } from "./world.js";
import { startTransfer, type Transfer, type TransferPlan } from "./transfer-app.js";

const PLAN: TransferPlan = {
  client: {
    writes: [
      { gap: 0, length: 40_000 },
      { gap: 300_000, length: 700 },
      { gap: 10_000, length: 90_000 },
    ],
    closeFirst: true,
    fullClose: false,
  },
  server: {
    writes: [
      { gap: 5_000, length: 120_000 },
      { gap: 0, length: 3 },
    ],
    closeFirst: false,
    fullClose: true,
  },
  dataSeed: 77,
};

function run(seed: number): { world: World; transfer: Transfer; json: string } {
  const world = makeWorld({
    seed,
    link: {
      delay: 15_000,
      jitter: 4_000,
      loss: 0.08,
      duplicate: 0.03,
      reorder: 0.15,
      reorderDelay: 25_000,
      corrupt: 0.02,
    },
  });
  const transfer = startTransfer(world, PLAN);
  assert.equal(world.sim.runUntilIdle(), "idle");
  return { world, transfer, json: traceJson(world.trace.events) };
}

const sha256 = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");

test("one seed, two runs: identical traces and identical captures", () => {
  const a = run(4242);
  const b = run(4242);
  // The scenario really exercised the random faults, so the comparison covers them.
  const actions = new Set(
    a.world.trace.events.flatMap((e) => (e.kind === "network" ? [e.action + (e.reason ?? "")] : [])),
  );
  for (const want of ["droploss", "delay", "duplicate", "corrupt", "deliver"])
    assert.ok(actions.has(want), want);
  assert.ok(
    a.world.trace.events.some((e) => e.kind === "segment-sent" && e.retransmission),
    "some segment was retransmitted",
  );
  assert.equal(a.transfer.client.error, null);
  assert.equal(a.transfer.server?.error, null);

  assert.equal(a.world.trace.events.length, b.world.trace.events.length);
  assert.equal(sha256(b.json), sha256(a.json));
  assert.ok(a.json === b.json, "the traces differ although the seed is the same");
  for (const host of ["client", "server"]) {
    assert.equal(sha256(b.world.sim.pcapFor(host)), sha256(a.world.sim.pcapFor(host)), `${host} pcap`);
  }
});

test("a different seed gives a different trace (network draws and ISNs both follow the seed)", () => {
  const a = run(4242);
  const c = run(4243);
  assert.notEqual(sha256(c.json), sha256(a.json));
  const firstSyn = (w: World) =>
    w.trace.events.find((e) => e.kind === "segment-sent" && e.why === "syn" && e.host === "client");
  const synA = firstSyn(a.world);
  const synC = firstSyn(c.world);
  assert.ok(synA?.kind === "segment-sent" && synC?.kind === "segment-sent");
  assert.notEqual(synC.seg.seq, synA.seg.seq, "the client's ISN should depend on the seed");
  const lossIds = (w: World) =>
    w.trace.events.flatMap((e) => (e.kind === "network" && e.reason === "loss" ? [e.id] : [])).join(",");
  assert.notEqual(lossIds(c.world), lossIds(a.world), "the lost packets should depend on the seed");
});

test("runAsync (yielding to Node between events) produces the same trace as runUntilIdle", async () => {
  const sync = run(99);
  const world = makeWorld({
    seed: 99,
    link: {
      delay: 15_000,
      jitter: 4_000,
      loss: 0.08,
      duplicate: 0.03,
      reorder: 0.15,
      reorderDelay: 25_000,
      corrupt: 0.02,
    },
  });
  startTransfer(world, PLAN);
  assert.equal(await world.sim.runAsync(), "idle");
  assert.equal(sha256(traceJson(world.trace.events)), sha256(sync.json));
});

/** Stream applications on our sockets: the server echoes what it reads, the client writes 300 KB and ends. */
async function socketRun(seed: number): Promise<string> {
  const world = makeWorld({
    seed,
    // Reordering, duplicates and jitter; loss stays out so both seeds finish (see rto-ack-deadlock.test.ts).
    link: { delay: 8_000, jitter: 3_000, duplicate: 0.05, reorder: 0.2, reorderDelay: 10_000 },
  });
  createServer(world.server, {}, (s) => s.pipe(s)).listen(SERVER_PORT);
  const socket = createConnection(world.client, { port: SERVER_PORT, host: SERVER_ADDR });
  let echoed = 0;
  socket.on("data", (d: Buffer) => (echoed += d.length));
  socket.on("error", (e) => assert.fail(`client error ${String(e)}`));
  const payload = Buffer.alloc(300_000, 0x61);
  socket.write(payload);
  socket.once("connect", () => socket.end());
  await world.sim.runAsync();
  assert.equal(echoed, payload.length, "the echo came back whole");
  return traceJson(world.trace.events);
}

test("Node-stream applications on our sockets (runAsync): one seed, two runs, identical traces", async () => {
  const a = await socketRun(77);
  const b = await socketRun(77);
  assert.equal(sha256(b), sha256(a));
  assert.notEqual(sha256(await socketRun(78)), sha256(a));
});
