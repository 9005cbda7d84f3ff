// net-tools `netstat -tan[p][o][e]` (host-inspection-facts §3.4). Columns are found from the header
// because -e (User, Inode), -p (PID/Program name) and -o (Timer) each add some; program names may
// contain spaces, so the timer is matched from the end of the line and the program name is what remains.
import { normaliseAddress, splitHostPort, isAddressText } from "../address.js";
import { malformedLine } from "../errors.js";
import type { SocketOwner, SocketRecord, SocketTimer, TimerKind } from "../model.js";
import { stateFromName } from "../states.js";
import { nthTokenEnd, numberedLines } from "./text-input.js";

const NETSTAT_STATES = new Set([
  "ESTABLISHED",
  "SYN_SENT",
  "SYN_RECV",
  "FIN_WAIT1",
  "FIN_WAIT2",
  "TIME_WAIT",
  "CLOSE",
  "CLOSE_WAIT",
  "LAST_ACK",
  "LISTEN",
  "CLOSING",
]);

const TIMER_KINDS: Readonly<Record<string, TimerKind>> = {
  off: "none",
  on: "retransmit",
  keepalive: "keepalive",
  timewait: "timewait",
  probe: "zero-window-probe",
};

export function isNetstatLinuxHeader(line: string): boolean {
  return /^Proto\s+Recv-Q\s+Send-Q\s+Local Address\s+Foreign Address\s+State\b/.test(line);
}

export function looksLikeNetstatLinuxRow(line: string): boolean {
  const f = line.trim().split(/\s+/);
  return (
    (f[0] === "tcp" || f[0] === "tcp6") &&
    f.length >= 6 &&
    /^\d+$/.test(f[1]!) &&
    /^\d+$/.test(f[2]!) &&
    endpoint(f[3]!) !== null &&
    NETSTAT_STATES.has(f[5]!)
  );
}

function endpoint(text: string): { address: string; port: number } | null {
  const hp = splitHostPort(text);
  if (!hp || !(hp.port === "*" || /^\d+$/.test(hp.port)) || !isAddressText(hp.host)) return null;
  return { address: normaliseAddress(hp.host), port: hp.port === "*" ? 0 : Number(hp.port) };
}

export function parseNetstatLinux(
  text: string,
  source: string,
): { sockets: SocketRecord[]; ownersKnown: boolean } {
  const sockets: SocketRecord[] = [];
  let cols = { user: false, program: false, timer: false };
  let ownersKnown = false;
  for (const { no, text: line } of numberedLines(text)) {
    if (/^Active Internet connections/.test(line) || /^Active UNIX domain sockets/.test(line)) continue;
    // Not root: "(Not all processes could be identified, non-owned process info\n will not be shown, …)"
    if (
      /^\(Not all processes could be identified/.test(line) ||
      /^ will not be shown, you would have to be root/.test(line)
    ) {
      continue;
    }
    if (isNetstatLinuxHeader(line)) {
      cols = {
        user: /\bUser\b/.test(line),
        program: /PID\/Program name/.test(line),
        timer: /\bTimer\s*$/.test(line),
      };
      ownersKnown ||= cols.program;
      continue;
    }
    const bad = (why: string) => malformedLine(source, no, line, why);
    const f = line.trim().split(/\s+/);
    if (f[0] === "udp" || f[0] === "udp6" || f[0] === "raw" || f[0] === "raw6") continue;
    if (f[0] !== "tcp" && f[0] !== "tcp6") throw bad(`expected a tcp row, found ${JSON.stringify(f[0])}`);
    if (f.length < 6) throw bad(`expected at least 6 columns, found ${f.length}`);
    if (!/^\d+$/.test(f[1]!) || !/^\d+$/.test(f[2]!)) throw bad("Recv-Q and Send-Q must be numbers");
    const local = endpoint(f[3]!);
    const remote = endpoint(f[4]!);
    if (!local) throw bad(`local address ${JSON.stringify(f[3])} is not ADDRESS:PORT`);
    if (!remote) throw bad(`foreign address ${JSON.stringify(f[4])} is not ADDRESS:PORT`);
    const state = NETSTAT_STATES.has(f[5]!) ? stateFromName(f[5]!) : null;
    if (!state) throw bad(`unknown state ${JSON.stringify(f[5])}`);
    let rest = line.slice(nthTokenEnd(line, 6)).trim();
    let uid: number | null = null;
    let inode: number | null = null;
    if (cols.user) {
      const m = /^(\S+)\s+(\d+)\s*/.exec(rest);
      if (!m) throw bad("User and Inode columns missing");
      uid = /^\d+$/.test(m[1]!) ? Number(m[1]) : null;
      inode = Number(m[2]);
      rest = rest.slice(m[0].length);
    }
    let timer: SocketTimer | null = null;
    if (cols.timer) {
      const m = /\s*(\S+) \((-?[\d.]+)\/(\d+)\/(\d+)\)$/.exec(rest);
      if (!m) throw bad("Timer column missing or unreadable");
      const kind = TIMER_KINDS[m[1]!] ?? "other";
      timer = kind === "none" ? null : { kind, secondsLeft: Math.max(0, Number(m[2])) };
      rest = rest.slice(0, m.index);
    }
    const owners: SocketOwner[] = [];
    if (cols.program) {
      const prog = rest.trim();
      const m = /^(\d+)\/(.*)$/.exec(prog);
      if (m) owners.push({ pid: Number(m[1]), command: m[2]!.trim(), fd: null });
      else if (prog !== "-" && prog !== "") throw bad(`unreadable PID/Program name ${JSON.stringify(prog)}`);
    }
    // An orphan has no owner; say so only when ownership is shown at all (-p) or the inode/timer prove it.
    const orphanLike = owners.length === 0 && (timer?.kind === "timewait" || inode === 0 || cols.program);
    sockets.push({
      family: f[0] === "tcp6" ? "ipv6" : "ipv4",
      local,
      remote,
      state,
      minisock:
        state === "TIME_WAIT" || (state === "FIN_WAIT_2" && orphanLike)
          ? "timewait"
          : state === "SYN_RECEIVED" && inode === 0
            ? "request"
            : null,
      recvQ: Number(f[1]),
      sendQ: Number(f[2]),
      timer,
      inode,
      uid,
      owners,
      line: no,
    });
  }
  return { sockets, ownersKnown };
}
