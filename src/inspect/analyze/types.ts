// The result of an analysis: this is the `--json` output (schema documented in docs/inspect.md).
import type { Endpoint, InputFormat, Platform, SocketOwner, SocketState } from "../model.js";
import type { HostSettings } from "../platform-settings.js";

export type Severity = "ok" | "warn" | "critical";
export type Level = Severity;

export interface ListenerSummary {
  address: string;
  port: number;
  family: "ipv4" | "ipv6";
  /** LISTEN Recv-Q: connections completed and waiting for accept(). */
  acceptQueue: number | null;
  /** LISTEN Send-Q in `ss`: the effective backlog (min(listen() backlog, somaxconn)). */
  backlog: number | null;
  owners: SocketOwner[];
  established: number;
  synReceived: number;
  timeWait: number;
  closeWait: number;
}

export interface RemoteSummary {
  address: string;
  port: number;
  total: number;
  states: Partial<Record<SocketState, number>>;
}

export interface PortBudget {
  localAddress: string;
  remoteAddress: string;
  remotePort: number;
  /** Sockets of this 4-tuple family holding an ephemeral local port (any state but LISTEN). */
  used: number;
  timeWait: number;
  /** Ephemeral ports connect() can pick for this tuple: range − reserved − ports taken by listeners. */
  usable: number;
  usedRatio: number;
  /** TIME_WAIT count ÷ TIME_WAIT length: the connection rate the TIME_WAIT entries imply. */
  impliedRatePerSecond: number;
  /**
   * With --interval: new TIME_WAIT entries toward this destination per second over the interval (the
   * measured connection rate); null without an interval.
   */
  measuredRatePerSecond: number | null;
  /**
   * The sustained rate of new connections this tuple allows: usable ÷ TIME_WAIT length, or usable ÷
   * tcp_tw_reuse_delay where tcp_tw_reuse applies (1, or 2 toward loopback, timestamps on).
   */
  ceilingPerSecond: number;
  ceilingBasis: string;
  /** TIME_WAIT entries an outgoing connect() may take over right now (tcp_tw_reuse rules). */
  reusableNow: number;
  exhausted: boolean;
  level: Level;
}

export interface CloseWaitByProcess {
  pid: number | null;
  command: string | null;
  count: number;
  unreadBytes: number;
  /** With --interval: how many of these sockets were already in CLOSE_WAIT in the first sample. */
  persisted: number | null;
}

export interface HeldFinWait2 {
  local: Endpoint;
  remote: Endpoint;
  owners: SocketOwner[];
}

export interface Finding {
  id: string;
  severity: Severity;
  title: string;
  /** Why, in terms of the four-way close: who closed first, 2·MSL, the 4-tuple. */
  why: string;
  /** What to do, best first. */
  remedies: string[];
  /** Advice that is often given for this symptom and is wrong, with why — shown when it applies. */
  wrongAdvice: string[];
  evidence: Record<string, number | string>;
}

export interface Rates {
  intervalSeconds: number;
  /** TIME_WAIT 4-tuples present in the second sample and not in the first, per second. */
  newTimeWaitPerSecond: number;
  /** Differences of the cumulative kernel counters between the samples. */
  counterDeltas: Record<string, number>;
}

export interface Analysis {
  schemaVersion: 1;
  source: {
    platform: Platform;
    format: InputFormat | "live";
    name: string;
    takenAt: string | null;
    ownersKnown: boolean;
  };
  settings: HostSettings;
  totalSockets: number;
  /** The eleven RFC 9293 states (and BOUND on Windows); zero counts included. */
  states: Record<SocketState, number>;
  /** Linux stand-ins counted inside states above: request socks (NEW_SYN_RECV) and orphaned FIN_WAIT_2. */
  linux: { newSynRecv: number; finWait2Orphans: number };
  listeners: ListenerSummary[];
  remotes: RemoteSummary[];
  timeWait: {
    total: number;
    serverSide: number;
    clientSide: number;
    /** About 256 bytes of kernel memory per entry (tw_sock_TCP slab on 6.x). */
    memoryBytesEstimate: number;
    budgets: PortBudget[];
  };
  closeWait: { total: number; unreadBytes: number; byProcess: CloseWaitByProcess[] };
  finWait2: { total: number; orphans: number; held: HeldFinWait2[]; unknown: number };
  handshake: {
    synReceived: number;
    maxSynBacklog: number | null;
    listenOverflows: number | null;
    listenDrops: number | null;
    syncookiesSent: number | null;
  };
  kernel: {
    sockstatTimeWait: number | null;
    maxTwBuckets: number | null;
    timeWaitOverflow: number | null;
    orphans: number | null;
    maxOrphans: number | null;
    abortOnMemory: number | null;
  };
  rates: Rates | null;
  findings: Finding[];
}
