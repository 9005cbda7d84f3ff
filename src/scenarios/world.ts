// The simulated world a scenario runs in: one simulator, one recording trace, hosts running the real
// engine, and links carrying the user's conditions (--loss, --delay, --msl, --profile, --time-wait).
import { Simulator } from "../sim/simulator.js";
import type { LinkOptions } from "../sim/link.js";
import { Host } from "../tcp/engine.js";
import { makeProfile, type Profile } from "../tcp/profile.js";
import { Trace } from "../tcp/events.js";
import { DEFAULT_LINK_DELAY } from "../sim/link.js";
import type { Segment } from "../wire/segment.js";
import type { ScenarioOptions, ScenarioRun, RunRole, Check, SegmentFault } from "./types.js";
import { formatDuration } from "../trace/duration.js";
import type { TraceEvent } from "../tcp/events.js";
import type { HostSpec } from "../trace/hosts.js";
import { scenarioAddress, scenarioAddressText } from "./ipv6-addresses.js";

export interface HostSetup {
  name: string;
  address: string;
  /** Profile overrides for this host on top of the run's. */
  overrides?: Partial<Profile>;
  /** Apply the user's --time-wait to this host (default true; counterfactual runs pass their own). */
  userTimeWait?: boolean;
}

export interface WorldSetup {
  options: ScenarioOptions;
  /** Whether this run honours --time-wait (main runs do; counterfactuals set TIME_WAIT themselves). */
  role: RunRole;
  /** Overrides for every host of the run (e.g. `{ timeWait: 0 }` for the ablation). */
  overrides?: Partial<Profile>;
  /** The profile for this run if not the user's (S12 runs each). */
  profile?: ScenarioOptions["profile"];
}

/**
 * The worlds of one `scenario.run(options)` call, numbered in creation order (each scenario builds its
 * runs' worlds in the order it returns the runs; test/scenarios/world-hooks.test.ts checks it).
 * runScenario passes every call a fresh options object, so the numbering starts at 1 each time.
 */
const worldsPerCall = new WeakMap<ScenarioOptions, number>();

export class World {
  readonly sim: Simulator;
  readonly trace: Trace;
  readonly hosts = new Map<string, Host>();
  readonly options: ScenarioOptions;
  readonly role: RunRole;
  /** 1-based position of this world's run in the scenario's result. */
  readonly ordinal: number;
  private readonly setup: WorldSetup;
  /** This run's targeted faults, registered as their hosts are added. */
  private readonly pendingFaults: readonly SegmentFault[];

  constructor(setup: WorldSetup) {
    this.setup = setup;
    this.options = setup.options;
    this.role = setup.role;
    this.trace = new Trace();
    this.sim = new Simulator({
      seed: setup.options.seed,
      trace: this.trace,
      ...(setup.options.msl !== undefined ? { msl: setup.options.msl } : { msl: this.profile().msl }),
    });
    this.ordinal = (worldsPerCall.get(setup.options) ?? 0) + 1;
    worldsPerCall.set(setup.options, this.ordinal);
    this.pendingFaults = (setup.options.faults ?? []).filter((f) => f.run === this.ordinal);
    const observe = setup.options.observe;
    if (observe) {
      let index = 0;
      this.trace.subscribe((e) => observe(this.ordinal, e, index++, this));
    }
    setup.options.onWorld?.(this);
  }

  /** A targeted fault on the host's nth transmission; its name says which, for the ladder. */
  private addSegmentFault(f: SegmentFault): void {
    const k = f.transmission - 1;
    this.sim.fault({
      name: segmentFaultName(f),
      action: f.action,
      from: f.host,
      match: (_seg, ctx) => ctx.hostIndex === k,
      ...(f.action === "delay" ? { delay: f.delay ?? 0 } : {}),
    });
  }

  /** The profile a host of this run gets (before per-host overrides). */
  profile(extra: Partial<Profile> = {}): Profile {
    return makeProfile(this.setup.profile ?? this.options.profile, this.overrides(extra));
  }

  private overrides(extra: Partial<Profile>): Partial<Profile> {
    const o: Partial<Profile> = {};
    if (this.options.msl !== undefined) o.msl = this.options.msl;
    if (this.role === "main" && this.options.timeWait !== undefined) o.timeWait = this.options.timeWait;
    return { ...o, ...this.setup.overrides, ...extra };
  }

  /** A scenario's IPv4 address text as this run writes it: itself, or its IPv6 stand-in under --ipv6. */
  address(v4Text: string): string {
    return scenarioAddressText(v4Text, this.options.ipv6 === true);
  }

  /** The same for an address as a number (a spoofed source the scenario makes up). */
  addressNumber(v4: number): number {
    return scenarioAddress(v4, this.options.ipv6 === true);
  }

  addHost(h: HostSetup): Host {
    const host = new Host({
      name: h.name,
      address: this.address(h.address),
      ...(this.options.mtu !== undefined ? { mtu: this.options.mtu } : {}),
      profile: this.setup.profile ?? this.options.profile,
      overrides: this.overrides(h.overrides ?? {}),
      trace: this.trace,
      seed: this.options.seed,
    });
    this.sim.addHost(host, { stateOf: (seg) => connectionState(host, seg) });
    for (const f of this.pendingFaults) if (f.host === h.name) this.addSegmentFault(f);
    this.hosts.set(h.name, host);
    return host;
  }

  /** A link with the user's loss and delay (the scenario's own settings win where it gives them). */
  link(a: string, b: string, options: LinkOptions = {}): void {
    this.sim.link(a, b, {
      delay: this.options.delay ?? DEFAULT_LINK_DELAY,
      ...(this.options.loss !== undefined ? { loss: this.options.loss } : {}),
      ...options,
    });
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`scenario bug: no host ${name}`);
    return h;
  }

  /** The run as the views and tests see it. */
  finish(
    title: string,
    checks: Check[],
    hosts: HostSpec[],
    more: { shown?: TraceEvent[]; summary?: string[] } = {},
  ): ScenarioRun {
    const events = this.trace.events;
    const sim = this.sim;
    return {
      title,
      role: this.role,
      events,
      shown: more.shown ?? events,
      hosts,
      checks,
      summary: more.summary ?? [],
      endedAt: sim.now,
      pcap: (host) => sim.pcapFor(host),
    };
  }
}

/** The sending connection's state for a fault predicate (`fromState`), found by 4-tuple. */
function connectionState(host: Host, seg: Segment): string | undefined {
  for (const c of host.connections()) {
    if (c.localPort === seg.srcPort && c.remotePort === seg.dstPort && c.remoteAddr === seg.dstAddr)
      return c.state;
  }
  return undefined;
}

/** "drop A#5", "delay P#7 by 200 ms": the fault's name in the trace. */
export function segmentFaultName(f: SegmentFault): string {
  return f.action === "drop"
    ? `drop ${f.host}#${f.transmission}`
    : `delay ${f.host}#${f.transmission} by ${formatDuration(f.delay ?? 0)}`;
}
