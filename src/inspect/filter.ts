// Socket filters in the spirit of ss(8)'s (`state X`, `sport = :80`, `dport >= :1024`, `dst 10.0.0.0/8`) and
// its `users:` column (pid, process name), so an engineer narrows `tcplab inspect` to the sockets that
// matter. The analysis then runs on the matching sockets only; listening ports are still learnt from the
// whole table, so a TIME_WAIT on a server port stays server-side when --state time-wait hides the listener.
import { ipv4Octets, ipv6Groups, normaliseAddress } from "./address.js";
import { InspectError } from "./errors.js";
import type { SocketRecord, SocketState } from "./model.js";
import { ssFilterState } from "./parse/ss.js";
import { ALL_STATES } from "../tcp/state.js";

export interface FilterOptions {
  /** Comma-separated ss state names (time-wait, close-wait, established, syn-recv, ...) or groups. */
  state?: string;
  /** Port conditions: "80", ":80", "8000-8099", ">=1024", "!=22". */
  sport?: string;
  dport?: string;
  /** Remote address, or a prefix "10.0.0.0/8", "2001:db8::/32". */
  remote?: string;
  pid?: string;
  /** Process name (ss's users:(("name",...))), matched exactly. */
  process?: string;
}

export interface SocketFilter {
  /** The states asked for, in order; empty when --state was not given. */
  states: SocketState[];
  describe: string[];
  test(s: SocketRecord): boolean;
}

function bad(message: string): InspectError {
  return new InspectError("INSPECT_BAD_ARGUMENT", message);
}

const ALL: readonly SocketState[] = [...ALL_STATES, "BOUND"];
const CONNECTED = ALL.filter((s) => s !== "LISTEN" && s !== "CLOSED" && s !== "BOUND");
const BUCKET: readonly SocketState[] = ["SYN_RECEIVED", "TIME_WAIT"];

/** ss(8)'s state groups. */
const GROUPS: Readonly<Record<string, readonly SocketState[]>> = {
  all: ALL,
  connected: CONNECTED,
  synchronized: CONNECTED.filter((s) => s !== "SYN_SENT"),
  bucket: BUCKET,
  big: ALL.filter((s) => !BUCKET.includes(s)),
};

export function parseStates(text: string): SocketState[] {
  const out: SocketState[] = [];
  for (const raw of text.split(",")) {
    const name = raw.trim();
    const group = GROUPS[name.toLowerCase()];
    const state = group ? null : ssFilterState(name);
    if (!group && !state)
      throw bad(
        `--state ${JSON.stringify(name)}: not a TCP state name (e.g. time-wait, close-wait, established, syn-recv, listening) or an ss group (connected, synchronized, bucket, big, all)`,
      );
    for (const s of group ?? [state as SocketState]) if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** ss's port comparisons: = (default), !=, <, <=, >, >=, and a range a-b. */
function portTest(flag: string, text: string): (port: number) => boolean {
  const m = /^\s*(=|==|!=|<=|>=|<|>)?\s*:?(\d+)(?:-(\d+))?\s*$/.exec(text);
  const a = m ? Number(m[2]) : NaN;
  const b = m?.[3] !== undefined ? Number(m[3]) : a;
  if (!m || a > 65535 || b > 65535 || b < a || (m[3] !== undefined && m[1] !== undefined))
    throw bad(
      `--${flag} ${JSON.stringify(text)}: expected a port (80, :80), a range (8000-8099) or a comparison (>=1024, !=22)`,
    );
  switch (m[1]) {
    case "!=":
      return (p) => p !== a;
    case "<":
      return (p) => p < a;
    case "<=":
      return (p) => p <= a;
    case ">":
      return (p) => p > a;
    case ">=":
      return (p) => p >= a;
    default:
      return (p) => p >= a && p <= b;
  }
}

/** An address as bits (IPv4: 32, IPv6: 128), or null. */
function bits(address: string): { v6: boolean; bits: string } | null {
  const s = address.replace(/%.*$/, "");
  const v4 = ipv4Octets(s);
  if (v4) return { v6: false, bits: v4.map((o) => o.toString(2).padStart(8, "0")).join("") };
  const v6 = ipv6Groups(s);
  if (v6) return { v6: true, bits: v6.map((g) => g.toString(2).padStart(16, "0")).join("") };
  return null;
}

function remoteTest(text: string): (address: string) => boolean {
  const [host = "", prefixText] = text.trim().split("/");
  const net = bits(normaliseAddress(host));
  const max = net?.v6 ? 128 : 32;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (
    !net ||
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (prefixText !== undefined && !/^\d+$/.test(prefixText))
  )
    throw bad(
      `--remote ${JSON.stringify(text)}: expected an address or a prefix, e.g. 10.0.0.5, 10.0.0.0/8, 2001:db8::/32`,
    );
  const want = net.bits.slice(0, prefix);
  return (address) => {
    const b = bits(address);
    return b !== null && b.v6 === net.v6 && b.bits.startsWith(want);
  };
}

export function buildFilter(o: FilterOptions): SocketFilter | null {
  const tests: Array<(s: SocketRecord) => boolean> = [];
  const describe: string[] = [];
  let states: SocketState[] = [];
  if (o.state !== undefined) {
    states = parseStates(o.state);
    const set = new Set(states);
    tests.push((s) => set.has(s.state));
    describe.push(`state ${o.state}`);
  }
  if (o.sport !== undefined) {
    const t = portTest("sport", o.sport);
    tests.push((s) => t(s.local.port));
    describe.push(`sport ${o.sport}`);
  }
  if (o.dport !== undefined) {
    const t = portTest("dport", o.dport);
    tests.push((s) => t(s.remote.port));
    describe.push(`dport ${o.dport}`);
  }
  if (o.remote !== undefined) {
    const t = remoteTest(o.remote);
    tests.push((s) => t(s.remote.address));
    describe.push(`remote ${o.remote}`);
  }
  if (o.pid !== undefined) {
    if (!/^\d+$/.test(o.pid)) throw bad(`--pid ${JSON.stringify(o.pid)}: expected a process id`);
    const pid = Number(o.pid);
    tests.push((s) => s.owners.some((w) => w.pid === pid));
    describe.push(`pid ${o.pid}`);
  }
  if (o.process !== undefined) {
    const name = o.process;
    tests.push((s) => s.owners.some((w) => w.command === name));
    describe.push(`process ${JSON.stringify(name)}`);
  }
  if (tests.length === 0) return null;
  return { states, describe, test: (s) => tests.every((t) => t(s)) };
}
