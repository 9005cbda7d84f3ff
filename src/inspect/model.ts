// The platform-neutral picture of a socket table that every parser produces and the analysis consumes.
import type { TcpState } from "../tcp/state.js";

export type Platform = "linux" | "windows" | "macos";

/** The eleven RFC 9293 states, plus Windows' BOUND (`netstat -q`, Get-NetTCPConnection). */
export type SocketState = TcpState | "BOUND";

export type InputFormat =
  | "proc-net-tcp"
  | "ss"
  | "netstat-linux"
  | "netstat-windows"
  | "powershell-json"
  | "powershell-csv"
  | "netstat-macos"
  | "snapshot-json";

export const INPUT_FORMATS: readonly InputFormat[] = [
  "proc-net-tcp",
  "ss",
  "netstat-linux",
  "netstat-windows",
  "powershell-json",
  "powershell-csv",
  "netstat-macos",
  "snapshot-json",
];

export interface Endpoint {
  /** Normalised text form: IPv4 dotted quad (v4-mapped IPv6 folded to IPv4), IPv6 compressed, "*" for any. */
  address: string;
  /** 0 means "any" (a listener's remote side). */
  port: number;
}

export type TimerKind = "none" | "retransmit" | "keepalive" | "timewait" | "zero-window-probe" | "other";

export interface SocketTimer {
  kind: TimerKind;
  /** Seconds until it fires (Linux /proc prints 1/100 s ticks; ss prints its own format). */
  secondsLeft: number;
}

export interface SocketOwner {
  pid: number;
  command: string;
  fd: number | null;
}

export interface SocketRecord {
  family: "ipv4" | "ipv6";
  local: Endpoint;
  remote: Endpoint;
  state: SocketState;
  /**
   * Linux keeps some sockets as small stand-ins without an fd: "timewait" minisocks (TIME_WAIT and orphaned
   * FIN_WAIT_2 after close()) and "request" socks (NEW_SYN_RECV, printed as SYN_RECV). null = a full socket
   * or unknown (formats that cannot tell).
   */
  minisock: "timewait" | "request" | null;
  /** Unread bytes (for LISTEN: current accept-queue length). null when the format does not show it. */
  recvQ: number | null;
  /** Unacknowledged + unsent bytes (for LISTEN in `ss`: the backlog). null when unknown. */
  sendQ: number | null;
  timer: SocketTimer | null;
  /** Socket inode (Linux); 0 for minisocks; null when unknown. */
  inode: number | null;
  uid: number | null;
  owners: SocketOwner[];
  /** 1-based line in the input it came from, for messages. */
  line: number;
}

/** Linux /proc/net/sockstat{,6}: `tw` and `inuse` are per namespace, `orphan`/`alloc`/`mem` are global. */
export interface Sockstat {
  tcpInuse: number;
  orphan: number;
  tw: number;
  alloc: number;
  memPages: number;
  tcp6Inuse: number | null;
}

export interface Snapshot {
  platform: Platform;
  format: InputFormat | "live";
  /** Where it came from: "live", "live netns <name>", a file name or "stdin". */
  source: string;
  /** Milliseconds since the epoch when taken (live), or null for saved input. */
  takenAtMs: number | null;
  sockets: SocketRecord[];
  /** Whether process ownership was available at all (ss -p, netstat -p, /proc/*\/fd readable, PID column). */
  ownersKnown: boolean;
  /**
   * Host settings by their own names: Linux sysctl keys ("net.ipv4.tcp_tw_reuse"), Windows
   * ("TcpTimedWaitDelay", "DynamicPortStart", "DynamicPortCount"), macOS ("net.inet.tcp.msl", ...).
   */
  settings: Record<string, string>;
  /** Cumulative kernel counters as "Group.Name" ("TcpExt.TW", "Tcp.ActiveOpens"); null when not available. */
  counters: Record<string, number> | null;
  sockstat: Sockstat | null;
}

export function emptySnapshot(platform: Platform, format: Snapshot["format"], source: string): Snapshot {
  return {
    platform,
    format,
    source,
    takenAtMs: null,
    sockets: [],
    ownersKnown: false,
    settings: {},
    counters: null,
    sockstat: null,
  };
}
