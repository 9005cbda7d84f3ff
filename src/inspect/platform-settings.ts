// The host settings the analysis needs, read from the snapshot's own names, with each platform's
// constants and defaults filled in where the input did not carry them (and the gap recorded, so the
// report can say "assumed"). Sources: host-inspection-facts §1.1 (Linux TIME_WAIT is the fixed
// TCP_TIMEWAIT_LEN = 60 s), §1.17 (defaults on 6.18), §2.1–2.2 (Windows), §3.5 (macOS).
import type { Platform } from "./model.js";
import { WINDOWS_TIME_WAIT } from "../tcp/profile.js";

export interface HostSettings {
  platform: Platform;
  /** How long TIME_WAIT lasts on this platform, in seconds. */
  timeWaitSeconds: number;
  /** Where timeWaitSeconds came from, in words. */
  timeWaitBasis: string;
  ephemeralFirst: number;
  ephemeralLast: number;
  /** Ports inside the ephemeral range that automatic assignment skips (ip_local_reserved_ports). */
  reservedPorts: number[];
  twReuse: number | null;
  twReuseDelayMs: number;
  timestamps: number | null;
  maxTwBuckets: number | null;
  /** The kernel's default for tcp_max_tw_buckets on this host (ehash entries / 2), to judge a lowered cap. */
  maxTwBucketsDefault: number;
  finTimeout: number | null;
  maxOrphans: number | null;
  maxSynBacklog: number | null;
  somaxconn: number | null;
  syncookies: number | null;
  /** Present only on kernels before 4.12. */
  twRecycle: number | null;
  /** Settings that were not in the input and were taken from the platform default. */
  assumed: string[];
}

export const LINUX_TIME_WAIT_SECONDS = 60;
const LINUX_DEFAULT_MAX_TW_BUCKETS = 131072;

function int(v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = Number(v.trim());
  return Number.isFinite(n) ? n : null;
}

/** "8080,9000-9010" → the listed ports. */
export function parsePortList(text: string): number[] {
  const out: number[] = [];
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    for (let p = a; p <= b && p <= 65535; p++) out.push(p);
  }
  return out;
}

export function resolveSettings(platform: Platform, raw: Record<string, string>): HostSettings {
  const assumed: string[] = [];
  const pick = (key: string, fallback: number | null): number | null => {
    const v = int(raw[key]);
    if (v !== null) return v;
    if (fallback !== null) assumed.push(key);
    return fallback;
  };
  if (platform === "windows") {
    const delay = int(raw.TcpTimedWaitDelay);
    const start = pick("DynamicPortStart", 49152)!;
    const count = pick("DynamicPortCount", 16384)!;
    if (delay === null) assumed.push("TcpTimedWaitDelay");
    return {
      ...nullLinux(),
      platform,
      timeWaitSeconds: delay ?? WINDOWS_TIME_WAIT.profile.seconds,
      timeWaitBasis:
        delay !== null
          ? `TcpTimedWaitDelay = ${delay} s`
          : `TcpTimedWaitDelay not given: ${WINDOWS_TIME_WAIT.profile.seconds} s assumed, the default of ` +
            `${WINDOWS_TIME_WAIT.profile.source} and of tcplab's windows profile; ` +
            WINDOWS_TIME_WAIT.byVersion
              .filter((v) => v.seconds !== WINDOWS_TIME_WAIT.profile.seconds)
              .map((v) => `${v.version}: ${v.seconds} s (${v.source})`)
              .join("; ") +
            " — give --setting TcpTimedWaitDelay=N",
      ephemeralFirst: start,
      ephemeralLast: Math.min(65535, start + count - 1),
      assumed,
    };
  }
  if (platform === "macos") {
    const msl = int(raw["net.inet.tcp.msl"]);
    if (msl === null) assumed.push("net.inet.tcp.msl");
    const first = pick("net.inet.ip.portrange.first", 49152)!;
    const last = pick("net.inet.ip.portrange.last", 65535)!;
    const mslMs = msl ?? 15000;
    return {
      ...nullLinux(),
      platform,
      timeWaitSeconds: (2 * mslMs) / 1000,
      timeWaitBasis: `2 × net.inet.tcp.msl = 2 × ${mslMs} ms${msl === null ? ", the default" : ""}`,
      ephemeralFirst: first,
      ephemeralLast: last,
      assumed,
    };
  }
  const range = (raw["net.ipv4.ip_local_port_range"] ?? "").trim().split(/\s+/).map(Number);
  let first = 32768;
  let last = 60999;
  if (range.length === 2 && range.every((n) => Number.isInteger(n)))
    [first, last] = range as [number, number];
  else assumed.push("net.ipv4.ip_local_port_range");
  const reservedText = raw["net.ipv4.ip_local_reserved_ports"];
  const ehash = int(raw["net.ipv4.tcp_ehash_entries"]);
  return {
    platform,
    timeWaitSeconds: LINUX_TIME_WAIT_SECONDS,
    timeWaitBasis: "TCP_TIMEWAIT_LEN, a kernel constant that no sysctl changes",
    ephemeralFirst: first,
    ephemeralLast: last,
    reservedPorts: reservedText ? parsePortList(reservedText).filter((p) => p >= first && p <= last) : [],
    twReuse: pick("net.ipv4.tcp_tw_reuse", 2),
    twReuseDelayMs: pick("net.ipv4.tcp_tw_reuse_delay", 1000)!,
    timestamps: pick("net.ipv4.tcp_timestamps", 1),
    maxTwBuckets: pick("net.ipv4.tcp_max_tw_buckets", LINUX_DEFAULT_MAX_TW_BUCKETS),
    // A child namespace that shares the global hash reads it negated (host-inspection-facts §1.16).
    maxTwBucketsDefault: ehash !== null && ehash !== 0 ? Math.abs(ehash) / 2 : LINUX_DEFAULT_MAX_TW_BUCKETS,
    finTimeout: pick("net.ipv4.tcp_fin_timeout", 60),
    maxOrphans: int(raw["net.ipv4.tcp_max_orphans"]),
    maxSynBacklog: pick("net.ipv4.tcp_max_syn_backlog", 2048),
    somaxconn: pick("net.core.somaxconn", 4096),
    syncookies: pick("net.ipv4.tcp_syncookies", 1),
    twRecycle: int(raw["net.ipv4.tcp_tw_recycle"]),
    assumed,
  };
}

function nullLinux(): Omit<
  HostSettings,
  "platform" | "timeWaitSeconds" | "timeWaitBasis" | "ephemeralFirst" | "ephemeralLast" | "assumed"
> {
  return {
    reservedPorts: [],
    twReuse: null,
    twReuseDelayMs: 0,
    timestamps: null,
    maxTwBuckets: null,
    maxTwBucketsDefault: 0,
    finTimeout: null,
    maxOrphans: null,
    maxSynBacklog: null,
    somaxconn: null,
    syncookies: null,
    twRecycle: null,
  };
}
