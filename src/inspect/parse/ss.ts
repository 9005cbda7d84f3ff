// `ss -tan[p][o][e][H] [state X]` output (iproute2 misc/ss.c). Traps (host-inspection-facts §3.3):
// a single `state` filter drops the State column, -H drops the header, process names are quoted and
// may contain spaces, and print_ms_timer() writes 4.54 seconds as "4.540ms".
import { normaliseAddress, splitHostPort, isAddressText } from "../address.js";
import { InspectError, malformedLine } from "../errors.js";
import type { SocketOwner, SocketRecord, SocketState, SocketTimer, TimerKind } from "../model.js";
import { stateFromName } from "../states.js";
import { nthTokenEnd, numberedLines } from "./text-input.js";

const SS_STATES = new Set([
  "ESTAB",
  "SYN-SENT",
  "SYN-RECV",
  "FIN-WAIT-1",
  "FIN-WAIT-2",
  "TIME-WAIT",
  "UNCONN",
  "CLOSE-WAIT",
  "LAST-ACK",
  "LISTEN",
  "CLOSING",
]);

const SS_TIMER_KINDS: Readonly<Record<string, TimerKind>> = {
  on: "retransmit",
  keepalive: "keepalive",
  timewait: "timewait",
  persist: "zero-window-probe",
  unknown: "other",
};

/** The state names `ss` accepts after `state`, for --state (filtered output has no State column). */
const FILTER_STATE_NAMES: Readonly<Record<string, SocketState>> = {
  established: "ESTABLISHED",
  "syn-sent": "SYN_SENT",
  "syn-recv": "SYN_RECEIVED",
  "fin-wait-1": "FIN_WAIT_1",
  "fin-wait-2": "FIN_WAIT_2",
  "time-wait": "TIME_WAIT",
  closed: "CLOSED",
  "close-wait": "CLOSE_WAIT",
  "last-ack": "LAST_ACK",
  listening: "LISTEN",
  closing: "CLOSING",
};

export function ssFilterState(name: string): SocketState | null {
  return (
    FILTER_STATE_NAMES[name.toLowerCase()] ?? stateFromName(name.toUpperCase().replace(/_/g, "-")) ?? null
  );
}

export function isSsHeader(line: string): boolean {
  return /^\s*(Netid\s+)?(State\s+)?Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer Address:Port/.test(line);
}

/** A headerless data row, with or without the State column. */
export function looksLikeSsRow(line: string): boolean {
  const f = line.trim().split(/\s+/);
  const start = SS_STATES.has(f[0]!) ? 1 : 0;
  return (
    f.length >= start + 4 &&
    /^\d+$/.test(f[start]!) &&
    /^\d+$/.test(f[start + 1]!) &&
    isSsEndpoint(f[start + 2]!) &&
    isSsEndpoint(f[start + 3]!)
  );
}

function isSsEndpoint(text: string): boolean {
  const hp = splitHostPort(text);
  if (!hp || !(hp.port === "*" || /^\d+$/.test(hp.port))) return false;
  return isAddressText(hp.host.replace(/%[^\]:]*$/, "").replace(/^\[(.*)\](%.*)?$/, "$1"));
}

function parseEndpoint(text: string): { address: string; port: number } | null {
  const hp = splitHostPort(text);
  if (!hp) return null;
  if (hp.port !== "*" && !/^\d+$/.test(hp.port)) return null;
  let host = hp.host;
  // ss prints an interface binding after the bracket ("[fe80::1]%eth0") or the address ("127.0.0.1%lo").
  const m = /^\[(.*)\](%.*)?$/.exec(host);
  if (m) host = m[1]! + (m[2] ?? "");
  const bare = host.replace(/%.*$/, "");
  if (!isAddressText(bare)) return null;
  const port = hp.port === "*" ? 0 : Number(hp.port);
  if (port > 65535) return null;
  return { address: normaliseAddress(host), port };
}

/**
 * print_ms_timer(): "59sec", "708ms", "9min59sec", "1h2min", and — the trap — a seconds value with a
 * fraction followed by "ms" ("4.540ms" = 4.54 s). Newer iproute2 prints "4.540sec"; both are accepted.
 */
export function parseSsDuration(text: string): number | null {
  const m = /^(-)?(?:(\d+)h)?(?:(\d+)min)?(?:(\d+)(?:\.(\d+))?(sec|ms))?$/.exec(text);
  if (!m || text === "" || text === "-") return null;
  const [, neg, h, min, whole, frac, unit] = m;
  let seconds = Number(h ?? 0) * 3600 + Number(min ?? 0) * 60;
  if (whole !== undefined) {
    const value = Number(`${whole}.${frac ?? "0"}`);
    seconds += unit === "ms" && frac === undefined ? value / 1000 : value;
  }
  return neg ? -seconds : seconds;
}

export interface SsParseOptions {
  source: string;
  /** The state the output was filtered by, when it has no State column. */
  filterState: SocketState | null;
}

export function parseSs(
  text: string,
  opts: SsParseOptions,
): { sockets: SocketRecord[]; ownersKnown: boolean } {
  const sockets: SocketRecord[] = [];
  let hasStateColumn: boolean | null = null;
  let ownersKnown = false;
  let hasNetid = false;
  for (const { no, text: raw } of numberedLines(text)) {
    if (isSsHeader(raw)) {
      hasNetid = /^\s*Netid\s/.test(raw);
      hasStateColumn = /^\s*(Netid\s+)?State\s/.test(raw);
      continue;
    }
    const bad = (why: string) => malformedLine(opts.source, no, raw, why);
    // Without -t (`ss -anp`) every row starts with its Netid; only tcp rows are TCP sockets.
    if (hasNetid && !/^\s*tcp\s/.test(raw)) continue;
    const line = hasNetid ? raw.slice(nthTokenEnd(raw, 1)) : raw;
    const f = line.trim().split(/\s+/);
    const rowHasState = SS_STATES.has(f[0]!);
    if (hasStateColumn === true && !rowHasState) throw bad(`unknown ss state ${JSON.stringify(f[0])}`);
    if (hasStateColumn === false && rowHasState) throw bad("a State column where the header has none");
    let state: SocketState;
    let i = 0;
    if (rowHasState) {
      state = stateFromName(f[0]!)!;
      i = 1;
    } else {
      if (!/^\d+$/.test(f[0]!)) throw bad(`expected a state name or Recv-Q, found ${JSON.stringify(f[0])}`);
      if (!opts.filterState) {
        throw new InspectError(
          "INSPECT_BAD_ARGUMENT",
          `${opts.source}, line ${no}: this ss output has no State column (it was filtered by one state, e.g. \`ss -tan state time-wait\`); say which with a single --state, e.g. --state time-wait`,
        );
      }
      state = opts.filterState;
    }
    if (f.length < i + 4)
      throw bad(`expected Recv-Q, Send-Q, local and peer address, found ${f.length - i} columns`);
    if (!/^\d+$/.test(f[i]!) || !/^\d+$/.test(f[i + 1]!)) throw bad("Recv-Q and Send-Q must be numbers");
    const local = parseEndpoint(f[i + 2]!);
    const remote = parseEndpoint(f[i + 3]!);
    if (!local) throw bad(`local address ${JSON.stringify(f[i + 2])} is not ADDRESS:PORT`);
    if (!remote) throw bad(`peer address ${JSON.stringify(f[i + 3])} is not ADDRESS:PORT`);
    // Everything after the two addresses: users:((...)), timer:(...), uid:, ino:, sk:, cgroup:, markers.
    const restStart = nthTokenEnd(line, i + 4);
    const rest = line.slice(restStart);
    const owners: SocketOwner[] = [];
    const users = /users:\((.*?)\)(?=\s|$)/.exec(rest);
    if (users) {
      ownersKnown = true;
      for (const u of users[1]!.matchAll(/\("(.*?)",pid=(\d+),fd=(\d+)\)/g)) {
        owners.push({ command: u[1]!, pid: Number(u[2]), fd: Number(u[3]) });
      }
      if (owners.length === 0) throw bad("users:(...) lists no process");
    }
    let timer: SocketTimer | null = null;
    const t = /timer:\((\w+),([^,)]+),(\d+)\)/.exec(rest);
    if (t) {
      const kind = SS_TIMER_KINDS[t[1]!];
      const secs = parseSsDuration(t[2]!);
      if (!kind || secs === null) throw bad(`unreadable timer ${JSON.stringify(t[0])}`);
      timer = { kind, secondsLeft: Math.max(0, secs) };
    }
    const ino = /(?:^|\s)ino:(\d+)/.exec(rest);
    const uid = /(?:^|\s)uid:(\d+)/.exec(rest);
    const inode = ino ? Number(ino[1]) : null;
    const isV6 = f[i + 2]!.startsWith("[") || (local.address.includes(":") && !f[i + 2]!.startsWith("*"));
    sockets.push({
      family: isV6 || f[i + 2]!.startsWith("*") ? "ipv6" : "ipv4",
      local,
      remote,
      state,
      minisock: minisockOf(state, timer, inode, owners.length > 0),
      recvQ: Number(f[i]),
      sendQ: Number(f[i + 1]),
      timer,
      inode,
      uid: uid ? Number(uid[1]) : inode !== null ? 0 : null,
      owners,
      line: no,
    });
  }
  if (ownersKnown) {
    // With -p every socket that has an fd lists its process, so an unowned FIN_WAIT_2 is an orphan even when
    // -o/-e were not given to prove it.
    for (const s of sockets) {
      if (s.owners.length > 0 || s.minisock) continue;
      if (s.state === "FIN_WAIT_2") s.minisock = "timewait";
      else if (s.state === "SYN_RECEIVED") s.minisock = "request";
    }
  }
  return { sockets, ownersKnown };
}

/** Linux minisocks have no fd: TIME_WAIT always; FIN_WAIT_2 only once orphaned (timewait timer, ino:0). */
function minisockOf(
  state: SocketState,
  timer: SocketTimer | null,
  inode: number | null,
  owned: boolean,
): SocketRecord["minisock"] {
  if (state === "TIME_WAIT") return "timewait";
  if (state === "FIN_WAIT_2" && (timer?.kind === "timewait" || inode === 0) && !owned) return "timewait";
  if (state === "SYN_RECEIVED" && (inode === 0 || (inode === null && !owned))) return "request";
  return null;
}
