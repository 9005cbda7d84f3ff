// Several connections at once between the same two hosts, over a faulty link, through a listener with a
// small backlog: demultiplexing by 4-tuple, ephemeral ports, the SYN and accept queues and every
// connection's timers all work side by side. Each connection carries its own bytes, so a segment
// delivered to the wrong connection shows up as a wrong byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { propertyRuns } from "./property-runs.js";
import type { Connection } from "../../src/tcp/connection.js";
import { SECOND } from "../../src/tcp/profile.js";
import { makeWorld, SHORT_KEEPALIVE, SERVER_PORT } from "./world.js";
import { AppSide, plannedStream, type SidePlan } from "./transfer-app.js";
import { faultyDirection } from "./transfer-cases.js";
import {
  deliveryViolations,
  idleHostViolations,
  lifetimeViolations,
  quietLifetimeBound,
} from "./invariants.js";

const bytes = fc.array(fc.oneof(fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 1, max: 50_000 })), {
  maxLength: 3,
});
const connectionArb = fc.record({
  at: fc.integer({ min: 0, max: 2 * SECOND }),
  clientBytes: bytes,
  serverBytes: bytes,
  clientClosesFirst: fc.boolean(),
});

test("parallel connections over one faulty link: each gets exactly its own bytes or an error, all end", () => {
  fc.assert(
    fc.property(
      fc.record({
        seed: fc.integer({ min: 1, max: 0x7fffffff }),
        family: fc.constantFrom<4 | 6>(4, 6),
        forward: faultyDirection,
        reverse: faultyDirection,
        backlog: fc.integer({ min: 1, max: 8 }),
        connections: fc.array(connectionArb, { minLength: 2, maxLength: 6 }),
      }),
      (c) => {
        const world = makeWorld({
          seed: c.seed,
          family: c.family,
          overrides: SHORT_KEEPALIVE,
          link: { forward: c.forward, reverse: c.reverse },
        });
        const { sim, client, server } = world;
        const out: string[] = [];
        const pairs = c.connections.map((spec, i) => {
          const clientPlan: SidePlan = {
            writes: spec.clientBytes.map((length) => ({ gap: 0, length })),
            closeFirst: spec.clientClosesFirst,
            fullClose: false,
          };
          const serverPlan: SidePlan = {
            writes: spec.serverBytes.map((length) => ({ gap: 0, length })),
            closeFirst: !spec.clientClosesFirst,
            fullClose: false,
          };
          const clientStream = plannedStream(clientPlan, 100 + i);
          return {
            client: new AppSide(`client#${i}`, client, sim, clientPlan, clientStream),
            server: null as AppSide | null,
            serverPlan,
            clientStream,
            serverStream: plannedStream(serverPlan, 200 + i),
            conn: null as Connection | null,
            /** Server connections the listener opened again for this pair from a late cookie ACK. */
            again: [] as AppSide[],
          };
        });
        const acceptedByCookie = (label: string): boolean => {
          const events = world.trace.events;
          for (let i = events.length - 1; i >= 0; i--) {
            const e = events[i]!;
            if (e.kind === "state" && e.conn === label && e.to === "ESTABLISHED")
              return e.cause.includes("cookie");
          }
          return false;
        };
        server.listen(
          SERVER_PORT,
          { backlog: c.backlog },
          {
            onConnection: (conn) => {
              // The client connection whose ISN the server took as the peer's, on the same port.
              const pair = pairs.find(
                (p) =>
                  p.conn !== null && p.conn.snd.iss === conn.rcv.irs && p.conn.localPort === conn.remotePort,
              );
              if (pair !== undefined && pair.server !== null && pair.server.conn?.state === "CLOSED") {
                // A SYN cookie is stateless: after the first server connection of this pair was reset
                // (a data segment that was not the first one reached the listener, Linux answers RST),
                // a late copy of the client's first segment still carries a valid cookie and opens the
                // same 4-tuple again (Linux cookie_v4_check does the same within the cookie's two
                // minutes). That second connection may only read a prefix of the client's bytes.
                if (!acceptedByCookie(conn.label)) {
                  out.push(`server accepted ${conn.label} a second time without a SYN cookie`);
                }
                const again = new AppSide(
                  `${pair.client.name.replace("client", "server")} (again, by cookie)`,
                  server,
                  sim,
                  { writes: [], closeFirst: false, fullClose: false },
                  new Uint8Array(0),
                );
                pair.again.push(again);
                again.established = true;
                const handlers = again.handlers();
                conn.handlers = handlers;
                again.start(conn, server.time());
                return handlers;
              }
              if (pair === undefined || pair.server !== null) {
                out.push(`server accepted ${conn.label}, which matches no open client connection`);
                return {};
              }
              const app = new AppSide(
                pair.client.name.replace("client", "server"),
                server,
                sim,
                pair.serverPlan,
                pair.serverStream,
              );
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
        c.connections.forEach((spec, i) => {
          sim.at(spec.at, (now) => {
            const pair = pairs[i]!;
            pair.conn = client.connect(
              { address: server.address, port: SERVER_PORT, keepAlive: true },
              pair.client.handlers(),
            );
            pair.client.start(pair.conn, now);
          });
        });
        const outcome = sim.runUntilIdle({ maxEvents: 500_000 });
        if (outcome !== "idle") out.push(`run did not go idle: ${outcome}`);
        const ports = new Set(pairs.map((p) => p.conn?.localPort));
        if (ports.size !== pairs.length)
          out.push(`ephemeral ports reused among live connections: ${[...ports].join(",")}`);
        for (const p of pairs) {
          if (p.server === null) {
            if (p.client.error === null) out.push(`${p.client.name} ended cleanly but was never accepted`);
            continue;
          }
          out.push(...deliveryViolations(p.client, p.serverStream));
          out.push(...deliveryViolations(p.server, p.clientStream));
          for (const again of p.again) {
            // The client is gone: an error or an early EOF is its due, a wrong byte never.
            out.push(...deliveryViolations(again, p.clientStream).filter((v) => !v.includes("EOF")));
          }
        }
        const apps = pairs.flatMap((p) => [p.client, p.server, ...p.again]);
        for (const h of [client, server]) {
          out.push(...idleHostViolations(h));
          out.push(...lifetimeViolations(world.trace.events, h, quietLifetimeBound(world.profile), apps));
        }
        assert.deepEqual(out, []);
      },
    ),
    propertyRuns(100),
  );
});
