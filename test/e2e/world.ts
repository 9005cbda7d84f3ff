// Two real hosts (the engine, not fakes) on the simulator, joined by one link: the stage of every
// whole-stack test. The client is 10.0.0.1, the server 10.0.0.2; both write to the simulator's trace.
import { Host } from "../../src/tcp/engine.js";
import { Simulator } from "../../src/driver/simulator.js";
import type { LinkOptions } from "../../src/sim/link.js";
import { makeProfile, SECOND, type Profile, type ProfileName } from "../../src/tcp/profile.js";
import type { Trace, TraceEvent } from "../../src/tcp/events.js";

export const CLIENT_ADDR = "10.0.0.1";
export const SERVER_ADDR = "10.0.0.2";
/** The hosts' addresses when the world runs over IPv6 (`family: 6`). */
export const CLIENT_ADDR6 = "2001:db8::1";
export const SERVER_ADDR6 = "2001:db8::2";
export const SERVER_PORT = 80;

/**
 * Keepalive shortened from two hours (MUST-28's default) so that a peer that gave up or vanished is noticed
 * in bounded virtual time even by a connection with nothing to send (idle ESTABLISHED, FIN_WAIT_2).
 */
export const SHORT_KEEPALIVE: Partial<Profile> = {
  keepAliveIdle: 20 * SECOND,
  keepAliveInterval: 5 * SECOND,
  keepAliveProbes: 3,
};

export interface WorldOptions {
  seed: number;
  link?: LinkOptions;
  profile?: ProfileName;
  /** Profile overrides applied to both hosts. */
  overrides?: Partial<Profile>;
  /** Network MSL; by default the profile's, so the network and TIME_WAIT agree on how long segments live. */
  msl?: number;
  /** Interface MTUs (default 1500): each host advertises MSS = MTU − 40. The link carries any size. */
  clientMtu?: number;
  serverMtu?: number;
  /** Trace events after which the run is declared a runaway (throws from inside the emitting call). */
  eventBudget?: number;
  /** IPv4 (default) or IPv6 hosts. An IPv6 interface MTU is at least 1280 (RFC 8200 §5): smaller ones are raised. */
  family?: 4 | 6;
}

/** Far above any test's run (a few hundred thousand events), far below what exhausts the heap. */
export const DEFAULT_EVENT_BUDGET = 3_000_000;

export class RunawayError extends Error {
  readonly code = "ERR_E2E_RUNAWAY";
}

export interface World {
  sim: Simulator;
  trace: Trace;
  client: Host;
  server: Host;
  profile: Profile;
}

export function makeWorld(options: WorldOptions): World {
  const profile = makeProfile(options.profile ?? "linux", options.overrides ?? {});
  const sim = new Simulator({ seed: options.seed, msl: options.msl ?? profile.msl });
  const trace = sim.trace as Trace;
  const v6 = options.family === 6;
  const mtu = (m: number | undefined) => (v6 ? Math.max(1280, m ?? 1500) : (m ?? 1500));
  // Host seeds come from the world's seed, so ISNs (and with them every sequence number) follow it too.
  const client = sim.addHost(
    new Host({
      name: "client",
      address: v6 ? CLIENT_ADDR6 : CLIENT_ADDR,
      profile,
      trace,
      seed: options.seed,
      mtu: mtu(options.clientMtu),
    }),
  );
  const server = sim.addHost(
    new Host({
      name: "server",
      address: v6 ? SERVER_ADDR6 : SERVER_ADDR,
      profile,
      trace,
      seed: options.seed + 1,
      mtu: mtu(options.serverMtu),
    }),
  );
  sim.link("client", "server", options.link ?? {});
  // A synchronous loop that keeps emitting (a sender that never advances, say) would otherwise grow the
  // trace until the heap is gone; this turns it into an exception with a stack pointing at the loop.
  const budget = options.eventBudget ?? DEFAULT_EVENT_BUDGET;
  trace.subscribe(() => {
    if (trace.events.length > budget) {
      throw new RunawayError(`more than ${budget} trace events at ${sim.now} µs: a runaway loop?`);
    }
  });
  return { sim, trace, client, server, profile };
}

/** Events as JSON, payloads as hex: what "identical traces" means, byte for byte. */
export function traceJson(events: readonly TraceEvent[]): string {
  return JSON.stringify(events, (_key, value: unknown) =>
    value instanceof Uint8Array ? Buffer.from(value).toString("hex") : value,
  );
}
