// The environment a script runs in: packetdrill's defaults (its gtests/net/common/defaults.sh, which test
// suites run before every script), the script's own sysctl lines, and its `--option` lines. On the sim
// target sysctls become overrides of the `linux` profile; on the kernel target they are written to
// /proc/sys inside the test's own network namespace. Anything we cannot honour makes the script
// UNSUPPORTED with the reason — never a silent pass.
import type { PdScript } from "./ast.js";
import { PacketdrillUnsupported } from "./errors.js";
import { SECOND, MS, type Profile } from "../tcp/profile.js";

/** A sysctl as written (`net.ipv4.tcp_sack`) and its value. */
export interface Sysctl {
  name: string;
  value: string;
  line: number;
}

/**
 * packetdrill's defaults.sh, as the sysctls it sets. Keys the engine models become profile overrides;
 * the others are listed in IGNORED_AT_DEFAULT below.
 */
export const DEFAULT_SYSCTLS: ReadonlyArray<[string, string]> = [
  ["net.ipv4.tcp_rmem", "4096 540000 15728640"],
  ["net.ipv4.tcp_wmem", "4096 262144 4194304"],
  ["net.ipv4.tcp_timestamps", "1"],
  ["net.ipv4.tcp_syn_retries", "5"],
  ["net.ipv4.tcp_synack_retries", "5"],
  ["net.ipv4.tcp_frto", "2"],
  ["net.ipv4.tcp_sack", "1"],
  ["net.ipv4.tcp_dsack", "1"],
  ["net.ipv4.tcp_reordering", "3"],
  ["net.ipv4.tcp_congestion_control", "cubic"],
  ["net.ipv4.tcp_slow_start_after_idle", "0"],
  ["net.ipv4.tcp_early_retrans", "4"],
  ["net.ipv4.tcp_recovery", "1"],
  ["net.ipv4.tcp_tso_win_divisor", "3"],
  ["net.ipv4.tcp_ecn", "0"],
  ["net.ipv4.tcp_pacing_ss_ratio", "200"],
  ["net.ipv4.tcp_pacing_ca_ratio", "120"],
  ["net.ipv4.tcp_syncookies", "1"],
];

/**
 * Sysctls of defaults.sh that steer mechanisms the engine does not have as switches (F-RTO, TSO,
 * pacing, ECN, Fast Open): accepted at their defaults.sh value — the script then expects Linux's default
 * behaviour, and where the engine differs that is a fidelity failure, not a setting — UNSUPPORTED otherwise.
 */
const IGNORED_AT_DEFAULT: Readonly<Record<string, string[]>> = {
  tcp_frto: ["2"],
  tcp_fack: ["0"],
  tcp_reordering: ["3"],
  tcp_tso_win_divisor: ["3"],
  tcp_ecn: ["0", "2"],
  tcp_ecn_option: ["2"],
  tcp_pacing_ss_ratio: ["200"],
  tcp_pacing_ca_ratio: ["120"],
  tcp_notsent_lowat: ["4294967295"],
  tcp_fastopen: ["0x70403", "0", "1"],
  tcp_fastopen_key: ["*"],
  tcp_autocorking: ["1"],
  tcp_moderate_rcvbuf: ["1"],
  tcp_no_metrics_save: ["0", "1"],
  tcp_retries1: ["3"],
  tcp_mtu_probing: ["0"],
  tcp_min_tso_segs: ["2"],
  tcp_abort_on_overflow: ["0"],
};

function bool(v: string, key: string, line: number): boolean {
  if (v === "0") return false;
  if (v === "1") return true;
  throw new PacketdrillUnsupported(`sysctl ${key}=${v} (only 0 and 1 map to the profile)`, line, 1);
}

function int(v: string, key: string, line: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new PacketdrillUnsupported(`sysctl ${key}=${v}`, line, 1);
  return n;
}

/** One sysctl as a change of the `linux` profile (docs/packetdrill.md has the table). */
export function sysctlOverride(s: Sysctl): Partial<Profile> {
  const key = s.name.replace(/\//g, ".").replace(/^net\.(ipv4|core)\./, "");
  const v = s.value
    .trim()
    .replace(/^["']|["']$/g, "")
    .trim();
  const l = s.line;
  switch (key) {
    case "tcp_timestamps":
      return { timestamps: bool(v, key, l) };
    case "tcp_sack":
      return { sack: bool(v, key, l) };
    case "tcp_dsack":
      return { dsack: bool(v, key, l) };
    case "tcp_window_scaling":
      return { windowScaling: bool(v, key, l) };
    case "tcp_rfc1337":
      return { rfc1337: bool(v, key, l) };
    case "tcp_slow_start_after_idle":
      return { slowStartAfterIdle: bool(v, key, l) };
    case "tcp_syncookies": {
      const policy = ({ "0": "off", "1": "overflow", "2": "always" } as const)[v];
      if (!policy) throw new PacketdrillUnsupported(`sysctl ${key}=${v}`, l, 1);
      return { synCookies: policy };
    }
    case "tcp_tw_reuse": {
      const policy = ({ "0": "off", "1": "on", "2": "loopback" } as const)[v];
      if (!policy) throw new PacketdrillUnsupported(`sysctl ${key}=${v}`, l, 1);
      return { timeWaitReuse: policy };
    }
    case "tcp_fin_timeout":
      return { finWait2Timeout: int(v, key, l) * SECOND };
    case "tcp_syn_retries":
      return { synRetries: int(v, key, l) };
    case "tcp_synack_retries":
      return { synAckRetries: int(v, key, l) };
    case "tcp_retries2":
      return { dataRetries: int(v, key, l) };
    case "tcp_early_retrans": {
      // ip-sysctl.rst: 3 and 4 enable tail loss probes (3 with RACK's delayed early retransmit, which
      // is what RACK does here); 0 disables them. 1 and 2 are legacy early retransmit, not modelled.
      const tlp = ({ "0": false, "3": true, "4": true } as const)[v];
      if (tlp === undefined) throw new PacketdrillUnsupported(`sysctl ${key}=${v}`, l, 1);
      return { tailLossProbe: tlp };
    }
    case "tcp_recovery": {
      // Bit 0x1: RACK loss detection. The other bits (static reordering window, no DupThresh) are not modelled.
      const rack = ({ "0": false, "1": true } as const)[v];
      if (rack === undefined) throw new PacketdrillUnsupported(`sysctl ${key}=${v}`, l, 1);
      return { rack };
    }
    case "tcp_min_rtt_wlen":
      return { minRttWindow: int(v, key, l) * SECOND };
    case "tcp_orphan_retries": {
      const n = int(v, key, l);
      return { orphanRetries: n === 0 ? 8 : n }; // Linux tcp_orphan_retries(): 0 means 8
    }
    case "tcp_keepalive_time":
      return { keepAliveIdle: int(v, key, l) * SECOND };
    case "tcp_keepalive_intvl":
      return { keepAliveInterval: int(v, key, l) * SECOND };
    case "tcp_keepalive_probes":
      return { keepAliveProbes: int(v, key, l) };
    case "tcp_max_syn_backlog":
      return { synBacklog: int(v, key, l) };
    case "somaxconn":
      return { acceptBacklogMax: int(v, key, l) };
    case "tcp_invalid_ratelimit":
      return { challengeAckInterval: int(v, key, l) * MS };
    case "tcp_syn_linear_timeouts":
      return { synLinearRetries: int(v, key, l) };
    case "tcp_congestion_control":
      if (v === "cubic") return { congestionControl: "cubic" };
      if (v === "reno") return { congestionControl: "newreno" };
      throw new PacketdrillUnsupported(`congestion control ${v} (cubic and reno are modelled)`, l, 1);
    case "tcp_rmem":
    case "tcp_wmem": {
      const parts = v.split(/\s+/).map((x) => int(x, key, l));
      if (parts.length !== 3) throw new PacketdrillUnsupported(`sysctl ${key}=${v}`, l, 1);
      // The default (middle) value is what a socket starts with; tcp_rmem[2], the largest it may grow
      // to, decides the offered window scale (tcp_select_initial_window).
      return key === "tcp_rmem"
        ? { receiveBuffer: parts[1]!, receiveBufferMax: parts[2]! }
        : { sendBuffer: parts[1]! };
    }
    case "rmem_max":
      return { rmemMax: int(v, key, l) };
    case "ip_local_port_range": {
      const [lo, hi] = v.split(/\s+/).map((x) => int(x, key, l));
      return { ephemeralPortLow: lo!, ephemeralPortHigh: hi! };
    }
    default: {
      const allowed = IGNORED_AT_DEFAULT[key];
      if (allowed && (allowed.includes("*") || allowed.includes(v))) return {};
      throw new PacketdrillUnsupported(
        allowed
          ? `sysctl ${key}=${v} (only its defaults.sh value ${allowed.join("/")} matches the engine)`
          : `sysctl ${key}`,
        l,
        1,
      );
    }
  }
}

/** Shell commands of one backtick line that leave the engine as it is (packetdrill's usual set-up). */
const HARMLESS = [
  /^(\.\.\/)*(common\/)?defaults\.sh$/, // the defaults are applied anyway
  /^ip tcp_metrics flush( all)?( > \/dev\/null( 2>&1)?)?$/, // we keep no per-destination metrics
  /^tc qdisc (add|replace) dev tun0 root (pfifo|fq)( .*)?$/, // no qdisc between the engine and the script
  /^true$/,
  /^:$/,
];

/** The sysctls of a backtick command, or UNSUPPORTED for any other shell command. */
export function parseCommand(text: string, line: number): Sysctl[] {
  const out: Sysctl[] = [];
  const commands = text
    .split(/\n|;|&&/)
    .map((c) => c.trim())
    .filter((c) => c !== "");
  for (const c of commands) {
    if (HARMLESS.some((re) => re.test(c))) continue;
    const sysctl = /^sysctl((?:\s+-[a-zA-Z]+)*)\s+(.+)$/.exec(c);
    if (sysctl) {
      const rest = sysctl[2]!.replace(/\s*>\s*\/dev\/null(\s*2>&1)?\s*$/, "");
      // name=value pairs; a value may be quoted and contain spaces.
      const re = /([A-Za-z0-9_./]+)=("([^"]*)"|'([^']*)'|(\S+))/g;
      let m: RegExpExecArray | null;
      let any = false;
      while ((m = re.exec(rest)) !== null) {
        any = true;
        out.push({ name: m[1]!, value: m[3] ?? m[4] ?? m[5] ?? "", line });
      }
      if (!any) throw new PacketdrillUnsupported(`shell command ${JSON.stringify(c)}`, line, 1);
      continue;
    }
    const echo = /^echo\s+("([^"]*)"|'([^']*)'|(.+?))\s*>\s*\/proc\/sys\/(\S+)$/.exec(c);
    if (echo) {
      out.push({ name: echo[5]!.replace(/\//g, "."), value: echo[2] ?? echo[3] ?? echo[4] ?? "", line });
      continue;
    }
    throw new PacketdrillUnsupported(`shell command ${JSON.stringify(c)}`, line, 1);
  }
  return out;
}

export interface RunConfig {
  toleranceUsecs: number;
  tolerancePercent: number;
  mtu: number;
  /** packetdrill's --ip_version: ipv4 (AF_INET sockets, IPv4 on the wire) or ipv6 (AF_INET6 both). */
  ipVersion: 4 | 6;
}

/** packetdrill's config defaults (config.c): 4 ms, or 12.5 % of the time since the previous event. */
export const DEFAULT_CONFIG: RunConfig = {
  toleranceUsecs: 4000,
  tolerancePercent: 12.5,
  mtu: 1500,
  ipVersion: 4,
};

/**
 * The MTU of an IPv6 run unless the script sets one: 1520, as Linux's own packetdrill runs use with
 * --ip_version=ipv6 (tools/testing/selftests/net/packetdrill), so that the IPv6 header's 20 extra bytes
 * leave the MSS at 1460 and one script's `<mss 1460 ...>` holds for both families.
 */
export const IPV6_RUN_MTU = 1520;

/** The script's `--option` lines over the command line's settings; unknown options are UNSUPPORTED. */
export function applyScriptOptions(script: PdScript, base: RunConfig, mtuGiven = false): RunConfig {
  const cfg = { ...base };
  let mtuSet = mtuGiven;
  for (const o of script.options) {
    switch (o.name) {
      case "tolerance_usecs":
        cfg.toleranceUsecs = Number(o.value);
        break;
      case "tolerance_percent":
        cfg.tolerancePercent = Number(o.value);
        break;
      case "mtu":
        cfg.mtu = Number(o.value);
        mtuSet = true;
        break;
      case "ip_version":
        if (o.value === "ipv4") cfg.ipVersion = 4;
        else if (o.value === "ipv6") cfg.ipVersion = 6;
        else throw new PacketdrillUnsupported(`--ip_version=${o.value} (ipv4 and ipv6 only)`, o.line, 1);
        break;
      default:
        throw new PacketdrillUnsupported(`option --${o.name}`, o.line, 1);
    }
    if (
      !Number.isFinite(cfg.toleranceUsecs) ||
      !Number.isFinite(cfg.tolerancePercent) ||
      !Number.isFinite(cfg.mtu)
    ) {
      throw new PacketdrillUnsupported(`option --${o.name}=${o.value} is not a number`, o.line, 1);
    }
  }
  if (cfg.ipVersion === 6 && !mtuSet) cfg.mtu = IPV6_RUN_MTU;
  return cfg;
}
