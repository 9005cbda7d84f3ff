// The random cases of the whole-stack transfer property and how one is run and judged: a seeded link
// per direction (loss, duplication, reordering, corruption, delay, jitter), outages, profiles, buffer
// sizes and MTUs, and a transfer plan for each side. See transfer-property.test.ts.
import fc from "fast-check";
import type { LinkDirectionOptions } from "../../src/sim/link.js";
import { SECOND } from "../../src/tcp/profile.js";
import type { Profile, ProfileName } from "../../src/tcp/profile.js";
import { makeWorld, SHORT_KEEPALIVE, type World } from "./world.js";
import { plannedStreams, startTransfer, type ReadPause, type TransferPlan } from "./transfer-app.js";
import {
  idleHostViolations,
  lifetimeViolations,
  quietLifetimeBound,
  transferViolations,
} from "./invariants.js";

const probability = (max: number) => fc.double({ min: 0, max, noNaN: true });

export const faultyDirection: fc.Arbitrary<LinkDirectionOptions> = fc.record({
  delay: fc.integer({ min: 50, max: 40_000 }),
  jitter: fc.integer({ min: 0, max: 10_000 }),
  loss: probability(0.3),
  duplicate: probability(0.1),
  reorder: probability(0.3),
  reorderDelay: fc.integer({ min: 1, max: 60_000 }),
  corrupt: probability(0.05),
});

/** Up to 10 % loss: a healthy TCP finishes every time (16 lost round trips in a row are out of reach). */
export const mildDirection: fc.Arbitrary<LinkDirectionOptions> = fc.record({
  delay: fc.integer({ min: 50, max: 40_000 }),
  jitter: fc.integer({ min: 0, max: 10_000 }),
  loss: probability(0.1),
  duplicate: probability(0.1),
  reorder: probability(0.3),
  reorderDelay: fc.integer({ min: 1, max: 60_000 }),
  corrupt: probability(0.02),
});

/** Reordering and duplication only: nothing is lost, so no application may see an error. */
export const losslessDirection: fc.Arbitrary<LinkDirectionOptions> = fc.record({
  delay: fc.integer({ min: 50, max: 40_000 }),
  jitter: fc.integer({ min: 0, max: 10_000 }),
  duplicate: probability(0.2),
  reorder: probability(0.3),
  reorderDelay: fc.integer({ min: 1, max: 60_000 }),
});

const writeArb = fc.record({
  gap: fc.integer({ min: 0, max: 2 * SECOND }),
  // Small writes exercise Nagle and coalescing, large ones the windows and backpressure.
  length: fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 120_000 })),
});

const readPausesArb = fc
  .array(
    fc.record({
      afterBytes: fc.integer({ min: 0, max: 300_000 }),
      duration: fc.integer({ min: 1, max: 60 * SECOND }),
    }),
    {
      maxLength: 2,
    },
  )
  .map((pauses) => [...pauses].sort((a, b) => a.afterBytes - b.afterBytes));

const abortArb = fc.option(
  fc.record({
    side: fc.constantFrom("client", "server"),
    after: fc.integer({ min: 0, max: 8 * SECOND }),
  }),
  { freq: 4 },
);

const planArb = (flowControl: boolean, aborts: boolean): fc.Arbitrary<TransferPlan> =>
  fc
    .record({
      clientWrites: fc.array(writeArb, { maxLength: 4 }),
      serverWrites: fc.array(writeArb, { maxLength: 4 }),
      clientPauses: flowControl ? readPausesArb : fc.constant<ReadPause[]>([]),
      serverPauses: flowControl ? readPausesArb : fc.constant<ReadPause[]>([]),
      closer: fc.constantFrom("client", "server", "both"),
      clientFullClose: fc.boolean(),
      serverFullClose: fc.boolean(),
      dataSeed: fc.integer({ min: 1, max: 0x7fffffff }),
      abort: aborts ? abortArb : fc.constant(null),
      noDelay: fc.boolean(),
    })
    .map((r) => ({
      client: {
        writes: r.clientWrites,
        readPauses: r.clientPauses,
        closeFirst: r.closer !== "server",
        fullClose: r.clientFullClose,
        ...(r.abort?.side === "client" ? { abortAfter: r.abort.after } : {}),
      },
      server: {
        writes: r.serverWrites,
        readPauses: r.serverPauses,
        closeFirst: r.closer !== "client",
        fullClose: r.serverFullClose,
        ...(r.abort?.side === "server" ? { abortAfter: r.abort.after } : {}),
      },
      dataSeed: r.dataSeed,
      noDelay: r.noDelay,
    }));

/** The path goes dark for a while (or for good) in one or both directions: peers vanish, retries run out. */
interface Outage {
  start: number;
  /** Infinity: the peer never comes back. */
  duration: number;
  from: "client" | "server" | undefined;
}

/** Buffer sizes and interface MTUs: small ones bring zero windows, persist probes and tiny MSS values. */
interface Sizing {
  receiveBuffer: number | null;
  sendBuffer: number | null;
  clientMtu: number;
  serverMtu: number;
}

const mtuArb = fc.constantFrom(296, 576, 1500, 9000);
const sizingArb = (flowControl: boolean): fc.Arbitrary<Sizing> =>
  fc.record({
    receiveBuffer: flowControl
      ? fc.option(fc.integer({ min: 1024, max: 65535 }), { freq: 2 })
      : fc.constant(null),
    sendBuffer: fc.option(fc.integer({ min: 1024, max: 262_144 }), { freq: 2 }),
    clientMtu: mtuArb,
    serverMtu: mtuArb,
  });

export interface Case {
  seed: number;
  /** IP version of both hosts: every property runs over IPv4 and IPv6. */
  family: 4 | 6;
  profile: ProfileName;
  /** The S7 ablation on both hosts: no TIME_WAIT at all. Bytes must still be right (or an error reported). */
  noTimeWait: boolean;
  sizing: Sizing;
  forward: LinkDirectionOptions;
  reverse: LinkDirectionOptions;
  plan: TransferPlan;
  outage: Outage | null;
}

const outageArb: fc.Arbitrary<Outage | null> = fc.option(
  fc.record({
    start: fc.integer({ min: 0, max: 10 * SECOND }),
    duration: fc.oneof(fc.integer({ min: 1, max: 1800 * SECOND }), fc.constant(Infinity)),
    from: fc.constantFrom<Outage["from"]>("client", "server", undefined),
  }),
  { freq: 2 },
);

/**
 * Keepalive for the liveness property: idle longer than any profile's maximum RTO, so a live peer backing
 * off its retransmissions is always heard before probing starts. SHORT_KEEPALIVE (20 s idle, 3 probes
 * 5 s apart) is shorter than an RTO inflated by a long TSecr sample (RFC 7323 §4 — Linux takes it too):
 * the issue-10 counterexample below ended that way once F1–F3 were fixed, three probe exchanges lost in a
 * row at 10 % loss — a keepalive configured shorter than the peer's RTO, not a TCP failure.
 */
export const LIVENESS_KEEPALIVE: Partial<Profile> = { keepAliveIdle: 150 * SECOND };

/** Runs one case; `overrides` go on top of the case's profile settings (both hosts). */
export function runCase(
  c: Case,
  overrides: Partial<Profile> = {},
): { violations: string[]; errors: Array<string | null>; world: World } {
  const sizing = c.sizing;
  const world = makeWorld({
    seed: c.seed,
    family: c.family,
    profile: c.profile,
    overrides: {
      ...SHORT_KEEPALIVE,
      ...overrides,
      ...(c.noTimeWait ? { timeWait: 0 } : {}),
      ...(sizing.receiveBuffer !== null ? { receiveBuffer: sizing.receiveBuffer } : {}),
      ...(sizing.sendBuffer !== null ? { sendBuffer: sizing.sendBuffer } : {}),
    },
    clientMtu: sizing.clientMtu,
    serverMtu: sizing.serverMtu,
    link: { forward: c.forward, reverse: c.reverse },
  });
  const transfer = startTransfer(world, c.plan);
  const outage = c.outage;
  if (outage !== null) {
    world.sim.fault({
      name: "outage",
      action: "drop",
      ...(outage.from !== undefined ? { from: outage.from } : {}),
      match: (_seg, ctx) => ctx.now >= outage.start && ctx.now - outage.start < outage.duration,
      times: Infinity,
    });
  }
  const outcome = world.sim.runUntilIdle({ maxEvents: 200_000 });
  const violations: string[] = [];
  if (outcome !== "idle") violations.push(`the run did not go idle: ${outcome} at ${world.sim.now} µs`);
  const streams = plannedStreams(c.plan);
  violations.push(...transferViolations(transfer, streams.client, streams.server));
  const bound = quietLifetimeBound(world.profile);
  const apps = [transfer.client, transfer.server];
  for (const host of [world.client, world.server]) {
    violations.push(...idleHostViolations(host));
    violations.push(...lifetimeViolations(world.trace.events, host, bound, apps));
  }
  return { violations, errors: [transfer.client.error, transfer.server?.error ?? null], world };
}

export interface CaseOptions {
  /** Outages: the path goes dark for a while or for good. */
  outages: boolean;
  /** Slow readers (read pauses) and small receive buffers: zero and tiny windows, persist probes. */
  flowControl: boolean;
  /**
   * Sometimes run without TIME_WAIT (S7). A late segment then meets no connection and draws an RST, so
   * ECONNRESET is expected even on a lossless link: only the properties that allow errors use it.
   */
  timeWaitAblation: boolean;
  /** Sometimes one application aborts (RST) mid-way: its peer must see ECONNRESET or have finished. */
  aborts: boolean;
  /** Profiles to draw from (default all four). */
  profiles?: ProfileName[];
}

export const caseArb = (
  direction: fc.Arbitrary<LinkDirectionOptions>,
  options: CaseOptions,
): fc.Arbitrary<Case> =>
  fc.record({
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    family: fc.constantFrom<4 | 6>(4, 6),
    profile: fc.constantFrom<ProfileName>(...(options.profiles ?? ["linux", "bsd", "windows", "rfc"])),
    noTimeWait: options.timeWaitAblation
      ? fc.integer({ min: 0, max: 4 }).map((n) => n === 0)
      : fc.constant(false),
    sizing: sizingArb(options.flowControl),
    forward: direction,
    reverse: direction,
    plan: planArb(options.flowControl, options.aborts),
    outage: options.outages ? outageArb : fc.constant(null),
  });
