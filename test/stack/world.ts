// Two hosts on the simulator, a client and a server, with tracing on: the setting of most end-to-end tests.
import { Host } from "../../src/tcp/engine.js";
import { Simulator } from "../../src/sim/simulator.js";
import type { LinkOptions } from "../../src/sim/link.js";
import type { Profile, ProfileName } from "../../src/tcp/profile.js";
import {
  Trace,
  isConnectionStateEvent,
  type StateChangeEvent,
  type TraceEvent,
} from "../../src/tcp/events.js";

export const CLIENT_ADDR = "10.0.0.1";
export const SERVER_ADDR = "10.0.0.2";

export interface WorldOptions {
  seed?: number;
  profile?: ProfileName;
  client?: Partial<Profile>;
  server?: Partial<Profile>;
  link?: LinkOptions;
  msl?: number;
}

export function world(options: WorldOptions = {}) {
  const trace = new Trace();
  const sim = new Simulator({
    seed: options.seed ?? 1,
    trace,
    ...(options.msl !== undefined ? { msl: options.msl } : {}),
  });
  const mk = (name: string, address: string, overrides: Partial<Profile> | undefined) => {
    const host = new Host({
      name,
      address,
      trace,
      seed: options.seed ?? 1,
      profile: options.profile ?? "linux",
      overrides: overrides ?? {},
    });
    sim.addHost(host, { stateOf: (seg) => host.stateOfSegment(seg) });
    return host;
  };
  const client = mk("client", CLIENT_ADDR, options.client);
  const server = mk("server", SERVER_ADDR, options.server);
  sim.link("client", "server", { delay: 10_000, ...options.link });
  return { sim, trace, client, server };
}

/**
 * The state sequence of each connection a host had, e.g. ["CLOSED", "SYN_SENT", "ESTABLISHED", ...]; a
 * listener's own CLOSED → LISTEN → CLOSED is no connection's and is left out.
 */
export function statePath(events: readonly TraceEvent[], host: string, conn?: string): string[] {
  const changes = events.filter(
    (e): e is StateChangeEvent =>
      isConnectionStateEvent(e) && e.host === host && (conn === undefined || e.conn === conn),
  );
  if (changes.length === 0) return [];
  return [changes[0]!.from, ...changes.map((e) => e.to)];
}

export function stateChanges(events: readonly TraceEvent[], host: string): StateChangeEvent[] {
  return events.filter((e): e is StateChangeEvent => e.kind === "state" && e.host === host);
}
