// Shared set-ups for the simulator tests: two recording hosts joined by one link.
import type { SimulatorOptions } from "../../src/sim/simulator.js";
import { Simulator } from "../../src/driver/simulator.js";
import type { LinkOptions } from "../../src/sim/link.js";
import type { NetworkEvent } from "../../src/tcp/events.js";
import type { Trace } from "../../src/tcp/events.js";
import { parseIPv4 } from "../../src/wire/address.js";
import { RecordingEndpoint, makeSegment } from "./fake-endpoints.js";
import type { Segment } from "../../src/wire/segment.js";

export interface Pair {
  sim: Simulator;
  a: RecordingEndpoint;
  b: RecordingEndpoint;
}

export function pair(link: LinkOptions = {}, options: SimulatorOptions = {}): Pair {
  const sim = new Simulator(options);
  const a = sim.addHost(new RecordingEndpoint("a", parseIPv4("10.0.0.1"), sim.trace));
  const b = sim.addHost(new RecordingEndpoint("b", parseIPv4("10.0.0.2"), sim.trace));
  sim.link("a", "b", link);
  return { sim, a, b };
}

/** a sends `n` segments to b, one every `gap` µs starting at `start`, numbered by seq 0..n-1. */
export function sendMany(
  p: Pair,
  n: number,
  gap = 0,
  start = p.sim.now,
  fields: Partial<Segment> = {},
): void {
  for (let i = 0; i < n; i++) {
    p.sim.at(start + i * gap, (now) => p.a.send(makeSegment(p.a, p.b, { seq: i, ...fields }), now));
  }
}

export function networkEvents(sim: Simulator): NetworkEvent[] {
  const trace = sim.trace as Trace;
  return trace.events.filter((e): e is NetworkEvent => e.kind === "network");
}

export function countNetwork(sim: Simulator, action: NetworkEvent["action"], reason?: string): number {
  return networkEvents(sim).filter(
    (e) => e.action === action && (reason === undefined || e.reason === reason),
  ).length;
}

/** Number of adjacent pairs in `seqs` that are out of order. */
export function inversions(seqs: number[]): number {
  let n = 0;
  for (let i = 1; i < seqs.length; i++) if (seqs[i]! < seqs[i - 1]!) n++;
  return n;
}
