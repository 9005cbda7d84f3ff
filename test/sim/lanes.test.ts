// The determinism rule, seen from outside: events run in order of virtual time, and events at one time in
// the order they were scheduled — whether a packet waited in its link's lane (in-order arrivals) or in the
// event heap (arrivals that overtake, from jitter), and however packets and actions interleave.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { propertyRuns } from "../e2e/property-runs.js";
import { Simulator } from "../../src/sim/simulator.js";
import { NullTrace } from "../../src/tcp/events.js";
import { parseIPv4 } from "../../src/wire/address.js";
import type { Segment } from "../../src/wire/segment.js";
import { RecordingEndpoint, makeSegment } from "./fake-endpoints.js";

interface Ran {
  t: number;
  /** Position in scheduling order: when the action was scheduled or the packet transmitted. */
  scheduled: number;
  what: string;
}

class Replier extends RecordingEndpoint {
  onArrival: (seg: Segment, now: number) => void = () => {};
  protected override received(seg: Segment, now: number): void {
    this.onArrival(seg, now);
  }
}

const plan = fc.array(
  fc.record({
    at: fc.integer({ min: 0, max: 60 }),
    from: fc.constantFrom("a", "b", "c"),
    to: fc.constantFrom("a", "b", "c"),
    packets: fc.integer({ min: 0, max: 4 }),
    replies: fc.boolean(),
    later: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
  }),
  { maxLength: 40 },
);

test("events run by (time, scheduling order) whether packets wait in a lane or in the heap", () => {
  fc.assert(
    fc.property(plan, fc.integer({ min: 1, max: 1000 }), (steps, seed) => {
      const sim = new Simulator({ seed, trace: new NullTrace(), copySegments: false });
      const hosts = new Map<string, Replier>();
      for (const [i, name] of ["a", "b", "c"].entries()) {
        hosts.set(name, sim.addHost(new Replier(name, parseIPv4(`10.0.0.${i + 1}`), sim.trace)));
      }
      sim.link("a", "b", { delay: 5 }); // in order: every packet waits in the lane
      sim.link("a", "c", { delay: 3, jitter: 8 }); // overtaking packets go to the heap
      sim.link("b", "c", { delay: 0 }); // arrivals at the very time they were sent
      let order = 0;
      const packetOrder = new Map<number, number>();
      const ran: Ran[] = [];
      const send = (from: string, to: string, now: number, tag: number) => {
        if (from === to) return;
        const src = hosts.get(from) as Replier;
        const id = src.send(makeSegment(src, hosts.get(to) as Replier, { seq: tag }), now);
        packetOrder.set(id, order++);
      };
      for (const h of hosts.values()) {
        h.onArrival = (seg, now) => {
          const id = h.arrivals[h.arrivals.length - 1]?.id as number;
          ran.push({ t: now, scheduled: packetOrder.get(id) as number, what: `arrival ${id}` });
          // A tag of 1 asks for one reply, sent from inside the arrival.
          if (seg.seq === 1) {
            const back = [...hosts.entries()].find(([, x]) => x.address === seg.srcAddr)?.[0] as string;
            send(h.name, back, now, 0);
          }
        };
      }
      const schedule = (at: number, step: (typeof steps)[number]) => {
        const mine = order++;
        sim.at(at, (now) => {
          ran.push({ t: now, scheduled: mine, what: "action" });
          for (let k = 0; k < step.packets; k++) send(step.from, step.to, now, step.replies ? 1 : 0);
          if (step.later !== undefined) schedule(now + step.later, { ...step, later: undefined });
        });
      };
      for (const s of steps) schedule(s.at, s);
      sim.runUntilIdle();
      for (let i = 1; i < ran.length; i++) {
        const p = ran[i - 1] as Ran;
        const c = ran[i] as Ran;
        assert.ok(
          p.t < c.t || (p.t === c.t && p.scheduled < c.scheduled),
          `${p.what} (t ${p.t}, #${p.scheduled}) ran before ${c.what} (t ${c.t}, #${c.scheduled})`,
        );
      }
      assert.equal(sim.pendingEvents, 0);
    }),
    propertyRuns(200),
  );
});

test("pendingEvents counts packets waiting behind a lane's head", () => {
  const sim = new Simulator({ trace: new NullTrace() });
  const a = sim.addHost(new RecordingEndpoint("a", parseIPv4("10.0.0.1"), sim.trace));
  const b = sim.addHost(new RecordingEndpoint("b", parseIPv4("10.0.0.2"), sim.trace));
  sim.link("a", "b", { delay: 100 });
  for (let i = 0; i < 5; i++) a.send(makeSegment(a, b, { seq: i }), 0);
  assert.equal(sim.pendingEvents, 5);
  sim.runUntilIdle();
  assert.equal(sim.pendingEvents, 0);
  assert.deepEqual(
    b.arrivals.map((x) => x.seg.seq),
    [0, 1, 2, 3, 4],
  );
});
