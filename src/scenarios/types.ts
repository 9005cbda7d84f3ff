// What a scenario is and what running one produces. A scenario is a recipe on the real engine and the
// simulated network; its verdict is a list of named checks computed from the trace of each run.
import type { ProfileName } from "../tcp/profile.js";
import type { TraceEvent } from "../tcp/events.js";
import type { HostSpec } from "../trace/hosts.js";
import type { World } from "./world.js";

/** Conditions a user may change from the command line (`tcplab run --seed/--profile/...`). */
export interface ScenarioOptions {
  seed: number;
  profile: ProfileName;
  /** Override of the TIME_WAIT length (µs) on the hosts of the main run. */
  timeWait?: number;
  /** Maximum segment lifetime (µs): the simulator's, and the profiles' (2·MSL on bsd/windows/rfc). */
  msl?: number;
  /** Random loss probability on every link, both directions. */
  loss?: number;
  /** One-way propagation delay of every link (µs). */
  delay?: number;
  /** Interface MTU of every host (default 1500): the MSS each advertises follows from it. */
  mtu?: number;
  /** Run over IPv6: every host gets the 2001:db8:: address that stands for its IPv4 one (./ipv6-addresses.ts). */
  ipv6?: boolean;
  /** Called now and then during long runs with the share done (0..1). */
  onProgress?: (fraction: number) => void;
  /**
   * Called with each simulated world as it is made, before any host joins (`tcplab explore` adds its
   * faults to the main run's simulator here).
   */
  onWorld?: (world: World) => void;
  /** Targeted faults added to single runs ("drop the 5th segment A sends in run 1"): the web playground's
   * "drop this segment" / "delay it". The scenario's checks still describe the run without them. */
  faults?: readonly SegmentFault[];
  /** Sees every event of every run as it is emitted, with that run's world, so a caller can read the
   * hosts' connections at that exact moment (the playground's TCB view). `run` is 1-based. */
  observe?: (run: number, event: TraceEvent, index: number, world: World) => void;
}

/** One targeted fault on one segment of one run, named the way a reader of the ladder finds it. */
export interface SegmentFault {
  /** 1-based position of the run in the scenario's result. */
  run: number;
  /** The sending host. */
  host: string;
  /** 1-based: the host's nth transmitted segment in that run (retransmissions and RSTs count). */
  transmission: number;
  action: "drop" | "delay";
  /** Extra delay (µs) for "delay". */
  delay?: number;
}

export const DEFAULT_OPTIONS: ScenarioOptions = { seed: 1, profile: "linux" };

/** One observable fact and whether it held. */
export interface Check {
  name: string;
  pass: boolean;
  /** What was observed (always filled in, pass or fail). */
  message: string;
}

/**
 * "main": the behaviour the scenario is about. "counterfactual": the same run with TIME_WAIT taken away
 * (or put back), whose checks expect the opposite outcome. "variant": another condition of the same
 * experiment (a profile, a remedy).
 */
export type RunRole = "main" | "counterfactual" | "variant";

export interface ScenarioRun {
  /** "with TIME_WAIT (60 s)", "remedy: connection reuse". */
  title: string;
  role: RunRole;
  /** The whole trace of this run. */
  events: TraceEvent[];
  /** The part of the trace the ladder and timeline show (the whole trace unless it would be thousands of lines). */
  shown: TraceEvent[];
  /** Ladder columns in order. */
  hosts: HostSpec[];
  checks: Check[];
  /** Extra lines printed with the run: arithmetic, counters, what was left out of the ladder. */
  summary: string[];
  /** Simulated time (µs) at which the run stopped; the trace may end earlier. */
  endedAt?: number;
  /** libpcap bytes of everything one host sent and received. */
  pcap(host: string): Uint8Array;
}

export interface ScenarioResult {
  scenario: Scenario;
  options: ScenarioOptions;
  runs: ScenarioRun[];
  /** Every check of every run passed. */
  passed: boolean;
}

export interface Scenario {
  /** "S3" */
  id: string;
  /** "four-way-close" */
  name: string;
  /** One line for `tcplab list`. */
  title: string;
  /** For the tour and docs: what to look at and why it happens (a few sentences). */
  explain: string;
  /** Commands worth trying next, each with what it changes ("tcplab run S6 --time-wait 0: ..."). */
  tryNext?: string[];
  /** True when a run takes more than a moment (a progress indicator is shown). */
  long?: boolean;
  run(options: ScenarioOptions): ScenarioRun[];
}
