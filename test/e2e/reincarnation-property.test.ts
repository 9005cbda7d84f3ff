// One 4-tuple, several incarnations in a row, over a link that duplicates and holds segments back:
// the server closes first (so it keeps TIME_WAIT), and the client reconnects from the same local port
// a moment later, so each new SYN meets the old incarnation's TIME_WAIT (RFC 1122 §4.2.2.13 reopening,
// RFC 9293 §3.4.1 ISNs) while old duplicates are still in flight. Each incarnation carries its own bytes:
// a stray segment of an earlier one delivered to a later one (seed scenario S9) shows up as a wrong byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { propertyRuns } from "./property-runs.js";
import type { LinkDirectionOptions } from "../../src/sim/link.js";
import type { Connection, ConnectionHandlers } from "../../src/tcp/connection.js";
import { SECOND } from "../../src/tcp/profile.js";
import type { ProfileName } from "../../src/tcp/profile.js";
import { makeWorld, SHORT_KEEPALIVE, SERVER_PORT, type World } from "./world.js";
import { AppSide, plannedStream, type SidePlan } from "./transfer-app.js";
import {
  deliveryViolations,
  idleHostViolations,
  lifetimeViolations,
  quietLifetimeBound,
} from "./invariants.js";

const CLIENT_PORT = 40_000;

interface Incarnation {
  clientBytes: number[];
  serverBytes: number[];
  /** µs between the end of the previous incarnation (client's onClose) and this connect. */
  gap: number;
}

interface Pair {
  client: AppSide;
  server: AppSide | null;
  serverPlan: SidePlan;
  clientStream: Uint8Array;
  serverStream: Uint8Array;
}

const writes = (lengths: number[]): SidePlan["writes"] => lengths.map((length) => ({ gap: 0, length }));

/** Run the incarnations one after another; returns each one's two application records. */
function runIncarnations(world: World, incarnations: Incarnation[]): { pairs: Pair[]; problems: string[] } {
  const { sim, client, server } = world;
  const problems: string[] = [];
  const pairs: Pair[] = incarnations.map((inc, i) => {
    const clientPlan: SidePlan = { writes: writes(inc.clientBytes), closeFirst: false, fullClose: false };
    const serverPlan: SidePlan = { writes: writes(inc.serverBytes), closeFirst: true, fullClose: false };
    const clientStream = plannedStream(clientPlan, 1000 + i);
    const serverStream = plannedStream(serverPlan, 2000 + i);
    return {
      client: new AppSide(`client#${i}`, client, sim, clientPlan, clientStream),
      server: null,
      serverPlan,
      clientStream,
      serverStream,
    };
  });
  const clientConns: Array<Connection | null> = incarnations.map(() => null);

  server.listen(
    SERVER_PORT,
    { reuseAddress: true },
    {
      onConnection: (conn) => {
        // Which incarnation is this? The one whose ISN the server took as the peer's.
        const i = clientConns.findIndex((c) => c !== null && c.snd.iss === conn.rcv.irs);
        const pair = pairs[i];
        if (pair === undefined || pair.server !== null) {
          problems.push(
            `server accepted a connection that matches no open incarnation (irs ${conn.rcv.irs})`,
          );
          return {};
        }
        const app = new AppSide(`server#${i}`, server, sim, pair.serverPlan, pair.serverStream);
        pair.server = app;
        const now = server.time();
        conn.setKeepAlive(true, undefined, now);
        app.established = true;
        const handlers = app.handlers();
        conn.handlers = handlers;
        app.start(conn, now);
        return handlers;
      },
    },
  );

  const connect = (i: number): void => {
    const pair = pairs[i];
    if (pair === undefined) return;
    const handlers: ConnectionHandlers = pair.client.handlers();
    const onClose = handlers.onClose;
    handlers.onClose = (conn, error) => {
      onClose?.(conn, error);
      sim.after(incarnations[i + 1]?.gap ?? 0, () => connect(i + 1));
    };
    try {
      const conn = client.connect(
        {
          address: server.address,
          port: SERVER_PORT,
          localPort: CLIENT_PORT,
          reuseAddress: true,
          keepAlive: true,
        },
        handlers,
      );
      clientConns[i] = conn;
      pair.client.start(conn, client.time());
    } catch (err) {
      problems.push(`connect #${i} failed: ${(err as { code?: string }).code ?? String(err)}`);
    }
  };
  sim.at(0, () => connect(0));
  const outcome = sim.runUntilIdle({ maxEvents: 300_000 });
  if (outcome !== "idle") problems.push(`run did not go idle: ${outcome}`);
  return { pairs, problems };
}

const probability = (max: number) => fc.double({ min: 0, max, noNaN: true });
const direction: fc.Arbitrary<LinkDirectionOptions> = fc.record({
  delay: fc.integer({ min: 100, max: 20_000 }),
  jitter: fc.integer({ min: 0, max: 5_000 }),
  loss: probability(0.15),
  duplicate: probability(0.2),
  reorder: probability(0.3),
  // Held back for up to 3 s: old duplicates outlive their incarnation and meet the next one.
  reorderDelay: fc.integer({ min: 1, max: 3 * SECOND }),
});
const bytes = fc.array(fc.oneof(fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 1, max: 40_000 })), {
  maxLength: 3,
});
const incarnation: fc.Arbitrary<Incarnation> = fc.record({
  clientBytes: bytes,
  serverBytes: bytes,
  gap: fc.integer({ min: 0, max: 3 * SECOND }),
});

test("incarnations of one 4-tuple reopened through TIME_WAIT never see each other's bytes", () => {
  fc.assert(
    fc.property(
      fc.record({
        seed: fc.integer({ min: 1, max: 0x7fffffff }),
        family: fc.constantFrom<4 | 6>(4, 6),
        profile: fc.constantFrom<ProfileName>("linux", "bsd", "rfc"),
        forward: direction,
        reverse: direction,
        incarnations: fc.array(incarnation, { minLength: 2, maxLength: 4 }),
      }),
      (c) => {
        const world = makeWorld({
          seed: c.seed,
          family: c.family,
          profile: c.profile,
          overrides: SHORT_KEEPALIVE,
          link: { forward: c.forward, reverse: c.reverse },
        });
        const { pairs, problems } = runIncarnations(world, c.incarnations);
        const out = [...problems];
        for (const p of pairs) {
          if (p.server === null) {
            if (p.client.closes > 0 && p.client.error === null)
              out.push(`${p.client.name} ended cleanly but was never accepted`);
            if (p.client.closes !== 1 && p.client.conn !== null)
              out.push(`${p.client.name}: onClose ${p.client.closes} times`);
            continue;
          }
          out.push(...deliveryViolations(p.client, p.serverStream));
          out.push(...deliveryViolations(p.server, p.clientStream));
        }
        const apps = pairs.flatMap((p) => [p.client, p.server]);
        for (const h of [world.client, world.server]) {
          out.push(...idleHostViolations(h));
          out.push(...lifetimeViolations(world.trace.events, h, quietLifetimeBound(world.profile), apps));
        }
        assert.deepEqual(out, []);
      },
    ),
    propertyRuns(150),
  );
});
