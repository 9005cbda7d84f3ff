// The two-host set-up most scenarios share: a client A (the active closer) and a server P (the
// passive closer) on one link, P listening. Addresses are those of the seed articles' examples where
// they give one.
import { MS } from "../tcp/profile.js";
import type { Host } from "../tcp/engine.js";
import { World, type WorldSetup } from "./world.js";
import type { Profile } from "../tcp/profile.js";

export interface PairSetup extends WorldSetup {
  clientAddress?: string;
  serverAddress?: string;
  serverPort?: number;
  /** Profile overrides of A only (the TIME_WAIT ablations act on the active closer). */
  clientOverrides?: Partial<Profile>;
  serverOverrides?: Partial<Profile>;
  /** The link's one-way delay when the scenario sets its own (it wins over --delay). */
  linkDelay?: number;
}

export interface Pair {
  world: World;
  a: Host;
  p: Host;
  serverAddress: string;
  serverPort: number;
}

export function makePair(setup: PairSetup): Pair {
  const world = new World(setup);
  const serverAddress = world.address(setup.serverAddress ?? "10.0.0.2");
  const a = world.addHost({
    name: "A",
    address: setup.clientAddress ?? "10.0.0.1",
    ...(setup.clientOverrides ? { overrides: setup.clientOverrides } : {}),
  });
  const p = world.addHost({
    name: "P",
    address: setup.serverAddress ?? "10.0.0.2",
    ...(setup.serverOverrides ? { overrides: setup.serverOverrides } : {}),
  });
  world.link("A", "P", setup.linkDelay !== undefined ? { delay: setup.linkDelay } : {});
  return { world, a, p, serverAddress, serverPort: setup.serverPort ?? 80 };
}

/**
 * How long P's application takes to react to EOF with its own close (it decides when, 001). Longer than
 * Linux's 40 ms delayed ACK: a Linux peer delays the ACK of a FIN that follows data (tcp_fin enters
 * ping-pong mode), so an application closing sooner sends its FIN with that ACK — a three-segment close
 * (test/packetdrill/ack/fin-ack-combined-with-close.pkt). The scenarios show the four-segment close.
 */
export const SERVER_CLOSE_DELAY = 50 * MS;
