// The transfer property again, one layer up: Node-style code on our Duplex sockets (write/end/'data'/
// 'end'/'error'/'close', backpressure through the stream machinery, autoDestroy) over a faulty simulated
// link, driven with runAsync so stream callbacks run between virtual events. Each side reads exactly the
// peer's bytes and then 'end', or gets an 'error' with ETIMEDOUT/ECONNRESET; 'close' comes exactly once;
// afterwards neither host holds a connection or a timer.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { propertyRuns } from "./property-runs.js";
import { createConnection, createServer, type Socket } from "../../src/stack/socket.js";
import { SECOND } from "../../src/tcp/profile.js";
import type { LinkDirectionOptions } from "../../src/sim/link.js";
import type { Simulator } from "../../src/sim/simulator.js";
import { makeWorld, SHORT_KEEPALIVE, SERVER_ADDR, SERVER_ADDR6, SERVER_PORT } from "./world.js";
import { idleHostViolations } from "./invariants.js";
import { plannedStream, type SidePlan } from "./transfer-app.js";

// EPIPE: an RST in CLOSE_WAIT on Linux (tcp_reset; profile.rstInCloseWaitError).
const ALLOWED_ERRORS = new Set(["ETIMEDOUT", "ECONNRESET", "EPIPE"]);

interface Observed {
  name: string;
  chunks: Buffer[];
  ended: boolean;
  closes: number;
  errors: string[];
}

/** A slow application: stop reading after `afterBytes` for `duration` µs (Node's pause()/resume()). */
interface SlowRead {
  afterBytes: number;
  duration: number;
}

function observe(name: string, socket: Socket, sim: Simulator, slow: SlowRead | null): Observed {
  const o: Observed = { name, chunks: [], ended: false, closes: 0, errors: [] };
  let read = 0;
  let paused = false;
  socket.on("data", (c: Buffer) => {
    o.chunks.push(c);
    read += c.length;
    if (slow !== null && !paused && read >= slow.afterBytes) {
      paused = true;
      socket.pause();
      sim.after(slow.duration, () => socket.resume());
    }
  });
  socket.on("end", () => (o.ended = true));
  socket.on("error", (e: NodeJS.ErrnoException) => o.errors.push(e.code ?? e.message));
  socket.on("close", () => o.closes++);
  return o;
}

/** Writes every chunk (the stream buffers what the connection cannot take yet) and, if asked, ends. */
function writeAll(socket: Socket, stream: Uint8Array, plan: SidePlan): void {
  let offset = 0;
  for (const w of plan.writes) {
    socket.write(stream.subarray(offset, offset + w.length));
    offset += w.length;
  }
}

function violations(me: Observed, peerStream: Uint8Array): string[] {
  const out: string[] = [];
  const got = Buffer.concat(me.chunks);
  if (me.closes !== 1) out.push(`${me.name}: 'close' emitted ${me.closes} times`);
  for (const e of me.errors) if (!ALLOWED_ERRORS.has(e)) out.push(`${me.name}: unexpected error ${e}`);
  if (me.errors.length > 1) out.push(`${me.name}: ${me.errors.length} 'error' events`);
  if (!Buffer.from(peerStream.subarray(0, got.length)).equals(got) || got.length > peerStream.length) {
    out.push(
      `${me.name}: read bytes that are not a prefix of what the peer wrote (${got.length}/${peerStream.length})`,
    );
  }
  if (me.ended && got.length !== peerStream.length) {
    out.push(`${me.name}: 'end' after ${got.length} of ${peerStream.length} bytes (silent truncation)`);
  }
  if (me.errors.length === 0 && !me.ended) out.push(`${me.name}: neither 'end' nor 'error'`);
  return out;
}

const probability = (max: number) => fc.double({ min: 0, max, noNaN: true });
const direction: fc.Arbitrary<LinkDirectionOptions> = fc.record({
  delay: fc.integer({ min: 50, max: 30_000 }),
  jitter: fc.integer({ min: 0, max: 8_000 }),
  loss: probability(0.3),
  duplicate: probability(0.1),
  reorder: probability(0.3),
  reorderDelay: fc.integer({ min: 1, max: 40_000 }),
  corrupt: probability(0.05),
});
const slowReadArb: fc.Arbitrary<SlowRead | null> = fc.option(
  fc.record({
    afterBytes: fc.integer({ min: 0, max: 200_000 }),
    duration: fc.integer({ min: 1, max: 30 * SECOND }),
  }),
  { freq: 2 },
);
const writes = fc.array(
  fc.record({
    gap: fc.constant(0),
    length: fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 80_000 })),
  }),
  { maxLength: 4 },
);

const socketCase = (resets: boolean) =>
  fc.record({
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    family: fc.constantFrom<4 | 6>(4, 6),
    forward: direction,
    reverse: direction,
    clientWrites: writes,
    serverWrites: writes,
    clientClosesFirst: fc.boolean(),
    serverAllowHalfOpen: fc.boolean(),
    // A peer that vanishes for good at this time (or never).
    vanishAt: fc.option(fc.integer({ min: 0, max: 5 * SECOND }), { freq: 3 }),
    clientSlow: slowReadArb,
    serverSlow: slowReadArb,
    // The client gives up at this time with resetAndDestroy() (RST), if still open.
    clientResetAt: resets
      ? fc.option(fc.integer({ min: 0, max: 5 * SECOND }), { freq: 4 })
      : fc.constant(null),
  });

type SocketCase = ReturnType<typeof socketCase> extends fc.Arbitrary<infer T> ? T : never;

async function checkSocketCase(c: SocketCase): Promise<void> {
  const world = makeWorld({
    seed: c.seed,
    family: c.family,
    overrides: SHORT_KEEPALIVE,
    link: { forward: c.forward, reverse: c.reverse },
  });
  const { sim } = world;
  if (c.vanishAt !== null) {
    const at = c.vanishAt;
    sim.fault({
      name: "vanish",
      action: "drop",
      from: "server",
      match: (_s, ctx) => ctx.now >= at,
      times: Infinity,
    });
  }
  const clientPlan: SidePlan = {
    writes: c.clientWrites,
    closeFirst: c.clientClosesFirst,
    fullClose: false,
  };
  const serverPlan: SidePlan = {
    writes: c.serverWrites,
    closeFirst: !c.clientClosesFirst,
    fullClose: false,
  };
  const clientStream = plannedStream(clientPlan, c.seed);
  const serverStream = plannedStream(serverPlan, c.seed ^ 0x5a5a5a5a);

  let server: Observed | null = null;
  let accepted = 0;
  createServer(world.server, { allowHalfOpen: c.serverAllowHalfOpen }, (socket) => {
    accepted++;
    socket.setKeepAlive(true);
    server = observe("server", socket, sim, c.serverSlow);
    writeAll(socket, serverStream, serverPlan);
    // Without allowHalfOpen the stream ends our side by itself when the peer's FIN arrives.
    if (serverPlan.closeFirst) socket.end();
    else if (c.serverAllowHalfOpen) socket.on("end", () => socket.end());
  }).listen(SERVER_PORT);

  const socket = createConnection(world.client, {
    port: SERVER_PORT,
    host: c.family === 6 ? SERVER_ADDR6 : SERVER_ADDR,
    keepAlive: true,
    allowHalfOpen: true,
  });
  const client = observe("client", socket, sim, c.clientSlow);
  let clientReset = false;
  if (c.clientResetAt !== null) {
    sim.at(c.clientResetAt, () => {
      if (socket.destroyed) return;
      clientReset = true;
      socket.resetAndDestroy();
    });
  }
  writeAll(socket, clientStream, clientPlan);
  // end() waits for 'connect' (see test/e2e/socket-end-while-connecting.test.ts for why).
  if (clientPlan.closeFirst) socket.once("connect", () => socket.end());
  else socket.on("end", () => socket.end());

  const settled = () => client.closes > 0 && (server === null || (server as Observed).closes > 0);
  const outcome = await sim.runAsync({
    stopWhen: () => settled() && sim.pendingEvents === 0,
    maxEvents: 200_000,
  });
  const out: string[] = [];
  if (outcome !== "idle" && outcome !== "stopped") out.push(`run ended ${outcome} at ${sim.now}`);
  if (accepted > 1) out.push(`server accepted ${accepted} connections`);
  if (server === null) {
    if (client.errors.length === 0 && !clientReset) {
      out.push("client ended cleanly although the server never accepted");
    }
  } else {
    out.push(...violations(server, clientStream));
  }
  out.push(
    ...violations(client, server === null ? new Uint8Array(0) : serverStream).filter(
      // A client that never connected, or that reset the connection itself, owes itself no 'end'.
      (v) => (server !== null && !clientReset) || !v.includes("neither"),
    ),
  );
  for (const h of [world.client, world.server]) out.push(...idleHostViolations(h));
  assert.deepEqual(out, []);
}

test("Node-style sockets over a faulty link: the peer's exact bytes then 'end', or ETIMEDOUT/ECONNRESET; 'close' once; nothing left", async () => {
  await fc.assert(fc.asyncProperty(socketCase(false), checkSocketCase), propertyRuns(100));
});

test("the same with the client giving up by resetAndDestroy() at a random time", async () => {
  await fc.assert(fc.asyncProperty(socketCase(true), checkSocketCase), propertyRuns(100));
});
