// Simultaneous open (RFC 9293 §3.5 Figure 8, MUST-10) over a faulty link: both hosts connect() to each
// other's fixed port at nearly the same moment, so their SYNs cross; with loss, duplicates and
// reordering the handshake takes every path through SYN_SENT → SYN_RECEIVED → ESTABLISHED. Then they
// exchange data and close; each application reads exactly the other's bytes or gets an error.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { propertyRuns } from "./property-runs.js";
import type { LinkDirectionOptions } from "../../src/sim/link.js";
import { makeWorld, SHORT_KEEPALIVE } from "./world.js";
import { AppSide, plannedStream, type SidePlan } from "./transfer-app.js";
import {
  deliveryViolations,
  idleHostViolations,
  lifetimeViolations,
  quietLifetimeBound,
} from "./invariants.js";

const A_PORT = 4000;
const B_PORT = 5000;
const MIN_DELAY = 2_000;

const probability = (max: number) => fc.double({ min: 0, max, noNaN: true });
const direction: fc.Arbitrary<LinkDirectionOptions> = fc.record({
  // Never shorter than MIN_DELAY, so SYNs sent less than MIN_DELAY apart always cross on the wire.
  delay: fc.integer({ min: MIN_DELAY, max: 30_000 }),
  jitter: fc.integer({ min: 0, max: 5_000 }),
  loss: probability(0.3),
  duplicate: probability(0.1),
  reorder: probability(0.2),
  reorderDelay: fc.integer({ min: 1, max: 20_000 }),
  corrupt: probability(0.03),
});
const bytes = fc.array(fc.oneof(fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 1, max: 60_000 })), {
  maxLength: 3,
});

test("simultaneous open over a faulty link: both sides reach ESTABLISHED and trade exact bytes, or get an error", () => {
  fc.assert(
    fc.property(
      fc.record({
        seed: fc.integer({ min: 1, max: 0x7fffffff }),
        family: fc.constantFrom<4 | 6>(4, 6),
        forward: direction,
        reverse: direction,
        skew: fc.integer({ min: 0, max: MIN_DELAY - 1 }),
        aBytes: bytes,
        bBytes: bytes,
        aClosesFirst: fc.boolean(),
      }),
      (c) => {
        const world = makeWorld({
          seed: c.seed,
          family: c.family,
          overrides: SHORT_KEEPALIVE,
          link: { forward: c.forward, reverse: c.reverse },
        });
        const { sim, client: hostA, server: hostB } = world;
        const planA: SidePlan = {
          writes: c.aBytes.map((length) => ({ gap: 0, length })),
          closeFirst: c.aClosesFirst,
          fullClose: false,
        };
        const planB: SidePlan = {
          writes: c.bBytes.map((length) => ({ gap: 0, length })),
          closeFirst: !c.aClosesFirst,
          fullClose: false,
        };
        const a = new AppSide("A", hostA, sim, planA, plannedStream(planA, 1));
        const b = new AppSide("B", hostB, sim, planB, plannedStream(planB, 2));
        const out: string[] = [];
        sim.at(0, (now) => {
          const conn = hostA.connect(
            { address: hostB.address, port: B_PORT, localPort: A_PORT, keepAlive: true },
            a.handlers(),
          );
          a.start(conn, now);
        });
        sim.at(c.skew, (now) => {
          const conn = hostB.connect(
            { address: hostA.address, port: A_PORT, localPort: B_PORT, keepAlive: true },
            b.handlers(),
          );
          b.start(conn, now);
        });
        const outcome = sim.runUntilIdle({ maxEvents: 300_000 });
        if (outcome !== "idle") out.push(`run did not go idle: ${outcome}`);
        // Both SYNs were sent before either arrived: nobody can be refused while the other side still
        // tries. Once one side gave up (its SYN,ACK retries ran out, ETIMEDOUT), its port is closed, and
        // the other's next SYN retransmission is rightly answered with RST,ACK (RFC 9293 §3.10.7.1).
        const refusedAfterPeerGaveUp = (me: AppSide, peer: AppSide): boolean =>
          me.error === "ECONNREFUSED" && peer.error === "ETIMEDOUT";
        for (const [me, peer] of [
          [a, b],
          [b, a],
        ] as const) {
          if (me.error === "ECONNREFUSED" && !refusedAfterPeerGaveUp(me, peer))
            out.push(`${me.name}: ECONNREFUSED while ${peer.name} still tried`);
        }
        const delivery = (me: AppSide, peer: AppSide): string[] =>
          deliveryViolations(me, peer.stream).filter(
            (v) => !(refusedAfterPeerGaveUp(me, peer) && v.endsWith("unexpected error ECONNREFUSED")),
          );
        out.push(...delivery(a, b), ...delivery(b, a));
        const crossed = world.trace.events.some(
          (e) => e.kind === "state" && e.from === "SYN_SENT" && e.to === "SYN_RECEIVED",
        );
        if (!crossed && a.established && b.established)
          out.push("both established without a simultaneous open");
        for (const h of [hostA, hostB]) {
          out.push(...idleHostViolations(h));
          out.push(...lifetimeViolations(world.trace.events, h, quietLifetimeBound(world.profile), [a, b]));
        }
        assert.deepEqual(out, []);
      },
    ),
    propertyRuns(150),
  );
});
