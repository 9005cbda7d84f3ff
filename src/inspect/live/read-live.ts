// Reading the machine this process runs on (or, through --netns, the namespace it was started in):
// /proc/net/tcp{,6}, owners from /proc/*/fd, counters, sockstat and the sysctls that matter.
// /proc/net is /proc/self/net, so every table here is the reading process's own network namespace.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { endianness } from "node:os";
import { InspectError } from "../errors.js";
import { emptySnapshot, type Snapshot } from "../model.js";
import { parseCounterPairs, parseSockstat } from "../parse/counters.js";
import { parseProcNetTcp } from "../parse/proc-net-tcp.js";
import { parseSs } from "../parse/ss.js";
import { scanSocketOwners } from "./fd-owners.js";

/** The sysctls the analysis reads (host-inspection-facts §7), by their dotted names. */
export const LINUX_SYSCTLS = [
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_tw_reuse",
  "net.ipv4.tcp_tw_reuse_delay",
  "net.ipv4.tcp_timestamps",
  "net.ipv4.tcp_max_tw_buckets",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_max_orphans",
  "net.ipv4.tcp_max_syn_backlog",
  "net.core.somaxconn",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.tcp_tw_recycle",
  "net.ipv4.tcp_ehash_entries",
] as const;

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

export function readLinuxSysctls(sysRoot = "/proc/sys"): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of LINUX_SYSCTLS) {
    // Absent ones are expected: tcp_tw_recycle after Linux 4.12, tcp_max_orphans inside a child netns.
    const v = readOptional(`${sysRoot}/${key.replace(/\./g, "/")}`);
    if (v !== null) out[key] = v.trim().replace(/\s+/g, " ");
  }
  return out;
}

/**
 * A listener's backlog (min(listen() backlog, somaxconn)) is not in /proc/net/tcp — its tx_queue is 0 —
 * but inet_diag reports it, and `ss -ltn` shows it as Send-Q. Without ss the backlog stays unknown.
 */
function listenerBacklogs(): Map<string, number> {
  const out = new Map<string, number>();
  const r = spawnSync("ss", ["-tlnH"], { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0 || typeof r.stdout !== "string") return out;
  try {
    const { sockets } = parseSs(r.stdout, { source: "ss -tlnH", filterState: null });
    for (const l of sockets) if (l.sendQ !== null) out.set(`${l.local.address}|${l.local.port}`, l.sendQ);
  } catch {
    // An ss we cannot read only costs the backlog column.
  }
  return out;
}

export interface LiveReadOptions {
  procRoot?: string;
  label?: string;
}

export function readLiveSnapshot(opts: LiveReadOptions = {}): Snapshot {
  const proc = opts.procRoot ?? "/proc";
  if (!existsSync(`${proc}/net/tcp`)) {
    throw new InspectError(
      "INSPECT_NOT_LINUX",
      `cannot read ${proc}/net/tcp: live inspection needs Linux; on other systems save \`netstat\` or Get-NetTCPConnection output and pass the file`,
    );
  }
  const snap = emptySnapshot("linux", "live", opts.label ?? "live");
  snap.takenAtMs = Date.now();
  const littleEndian = endianness() === "LE";
  for (const table of ["tcp", "tcp6"]) {
    const text = readOptional(`${proc}/net/${table}`);
    if (text === null) continue; // tcp6 is absent when IPv6 is disabled
    snap.sockets.push(...parseProcNetTcp(text, { littleEndian, source: `${proc}/net/${table}` }));
  }
  const backlogs = listenerBacklogs();
  for (const s of snap.sockets) {
    if (s.state !== "LISTEN") continue;
    // ss prints the dual-stack any-address as "*"; /proc as "::".
    const key = (a: string) => `${a}|${s.local.port}`;
    s.sendQ =
      backlogs.get(key(s.local.address)) ??
      (s.local.address === "::" ? backlogs.get(key("*")) : undefined) ??
      null;
  }
  const owners = scanSocketOwners(proc);
  for (const s of snap.sockets) if (s.inode) s.owners = owners.byInode.get(s.inode) ?? [];
  snap.ownersKnown = owners.byInode.size > 0 || owners.unreadable === 0;
  const netstat = readOptional(`${proc}/net/netstat`);
  const snmp = readOptional(`${proc}/net/snmp`);
  if (netstat !== null || snmp !== null) {
    snap.counters = {
      ...(netstat !== null ? parseCounterPairs(netstat, `${proc}/net/netstat`) : {}),
      ...(snmp !== null ? parseCounterPairs(snmp, `${proc}/net/snmp`) : {}),
    };
  }
  const sockstat = readOptional(`${proc}/net/sockstat`);
  if (sockstat !== null) snap.sockstat = parseSockstat(sockstat, readOptional(`${proc}/net/sockstat6`));
  snap.settings = readLinuxSysctls(`${proc}/sys`);
  return snap;
}
