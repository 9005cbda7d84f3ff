// /proc/net/tcp and /proc/net/tcp6 (kernel Documentation/networking/proc_net_tcp.rst, tcp4_seq_show).
// Traps (host-inspection-facts §3.1): addresses are %08X of the raw network-order word, so they read
// byte-reversed on little-endian hosts; TIME_WAIT and request-sock lines have fewer columns than full
// sockets; tm->when counts USER_HZ (1/100 s) ticks; inode is 0 for minisocks, which have no owner by design.
import { decodeProcAddress } from "../address.js";
import { malformedLine } from "../errors.js";
import type { SocketRecord, SocketTimer, TimerKind } from "../model.js";
import { LINUX_STATE_CODES } from "../states.js";

const TIMER_KINDS: Readonly<Record<number, TimerKind>> = {
  0: "none",
  1: "retransmit",
  2: "keepalive", // sk_timer: keepalive, or the FIN_WAIT_2 timer of a socket still held by a process
  3: "timewait",
  4: "zero-window-probe",
};

const USER_HZ = 100;

export interface ProcParseOptions {
  /** Byte order of the machine that produced the text; true for x86 and arm64 (the common case). */
  littleEndian: boolean;
  source: string;
}

/** Whether a line looks like a /proc/net/tcp header: the format is recognised by it. */
export function isProcNetTcpHeader(line: string): boolean {
  return /^\s*sl\s+local_address\s+(rem|remote)_address\s+st\s+tx_queue\s+rx_queue\s+tr\s+tm->when/.test(
    line,
  );
}

function hexField(text: string): number | null {
  return /^[0-9A-Fa-f]+$/.test(text) ? parseInt(text, 16) : null;
}

function decField(text: string): number | null {
  return /^\d+$/.test(text) ? Number(text) : null;
}

/** tm->when is printed with %08lX from a signed long; an already-expired timer shows as a huge value. */
function timerTicks(text: string): number | null {
  if (!/^[0-9A-Fa-f]{1,16}$/.test(text)) return null;
  if (text.length <= 8) return parseInt(text, 16);
  const v = BigInt(`0x${text}`);
  if (text.length === 16 && v >= 1n << 63n) return 0;
  return Number(v);
}

export function parseProcNetTcp(text: string, opts: ProcParseOptions): SocketRecord[] {
  const out: SocketRecord[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, "");
    if (raw.trim() === "" || isProcNetTcpHeader(raw)) continue;
    const lineNo = i + 1;
    const bad = (why: string) => malformedLine(opts.source, lineNo, raw, why);
    const f = raw.trim().split(/\s+/);
    if (f.length < 10) throw bad(`expected at least 10 columns of /proc/net/tcp, found ${f.length}`);
    if (!/^\d+:$/.test(f[0]!)) throw bad("the first column must be the slot number followed by ':'");
    const [laddr, lport] = f[1]!.split(":");
    const [raddr, rport] = f[2]!.split(":");
    const local = laddr !== undefined ? decodeProcAddress(laddr, opts.littleEndian) : null;
    const remote = raddr !== undefined ? decodeProcAddress(raddr, opts.littleEndian) : null;
    const lp = lport !== undefined && lport.length === 4 ? hexField(lport) : null;
    const rp = rport !== undefined && rport.length === 4 ? hexField(rport) : null;
    if (local === null || lp === null) throw bad("local_address is not HEXADDR:PORT");
    if (remote === null || rp === null) throw bad("rem_address is not HEXADDR:PORT");
    if (laddr!.length !== raddr!.length) throw bad("local and remote addresses are of different families");
    const stCode = f[3]!.length === 2 ? hexField(f[3]!) : null;
    const state = stCode !== null ? LINUX_STATE_CODES[stCode] : undefined;
    if (!state) throw bad(`unknown state code ${JSON.stringify(f[3])}`);
    const [txText, rxText] = f[4]!.split(":");
    const tx = txText !== undefined ? hexField(txText) : null;
    const rx = rxText !== undefined ? hexField(rxText) : null;
    if (tx === null || rx === null) throw bad("tx_queue:rx_queue is not two hex numbers");
    const [trText, whenText] = f[5]!.split(":");
    const tr = trText !== undefined ? hexField(trText) : null;
    const ticks = whenText !== undefined ? timerTicks(whenText) : null;
    if (tr === null || ticks === null || TIMER_KINDS[tr] === undefined)
      throw bad("tr:tm->when is not a timer");
    if (hexField(f[6]!) === null) throw bad("retrnsmt is not hex");
    const uid = decField(f[7]!);
    if (uid === null) throw bad("uid is not a number");
    if (decField(f[8]!) === null) throw bad("timeout is not a number");
    const inode = decField(f[9]!);
    if (inode === null) throw bad("inode is not a number");
    const timer: SocketTimer | null =
      tr === 0 ? null : { kind: TIMER_KINDS[tr]!, secondsLeft: ticks / USER_HZ };
    const minisock = tr === 3 && inode === 0 ? "timewait" : stCode === 3 && inode === 0 ? "request" : null;
    out.push({
      family: laddr!.length === 8 ? "ipv4" : "ipv6",
      local: { address: local, port: lp },
      remote: { address: remote, port: rp },
      state,
      minisock,
      recvQ: rx,
      sendQ: tx,
      timer,
      inode,
      uid,
      owners: [],
      line: lineNo,
    });
  }
  return out;
}
