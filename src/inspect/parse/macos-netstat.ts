// macOS / BSD `netstat -an -p tcp` (host-inspection-facts §3.5): the port follows the *last dot*, also
// for IPv6; `*` is the wildcard; there is no PID column; Recv-Q counts only data (no FIN byte as on Linux).
import { isAddressText, normaliseAddress } from "../address.js";
import { malformedLine } from "../errors.js";
import type { SocketRecord } from "../model.js";
import { stateFromName } from "../states.js";
import { numberedLines } from "./text-input.js";

const BSD_STATES = new Set([
  "CLOSED",
  "LISTEN",
  "SYN_SENT",
  "SYN_RCVD",
  "ESTABLISHED",
  "CLOSE_WAIT",
  "FIN_WAIT_1",
  "CLOSING",
  "LAST_ACK",
  "FIN_WAIT_2",
  "TIME_WAIT",
]);

export function isMacosHeader(line: string): boolean {
  return /^Proto\s+Recv-Q\s+Send-Q\s+Local Address\s+Foreign Address\s+\(state\)/.test(line);
}

export function looksLikeMacosRow(line: string): boolean {
  const f = line.trim().split(/\s+/);
  return /^tcp(4|6|46)$/.test(f[0]!) && f.length >= 6 && endpoint(f[3]!) !== null;
}

function endpoint(text: string): { address: string; port: number } | null {
  const dot = text.lastIndexOf(".");
  if (dot <= 0) return null;
  const host = text.slice(0, dot);
  const port = text.slice(dot + 1);
  if (!(port === "*" || /^\d+$/.test(port))) return null;
  // Without -W long IPv6 addresses are cut short ("2a01:e34:ee42:d0"); keep such text as it is.
  if (!isAddressText(host.replace(/%.*$/, "")) && !/^[0-9a-f:]+$/i.test(host)) return null;
  return { address: normaliseAddress(host), port: port === "*" ? 0 : Number(port) };
}

export function parseMacosNetstat(text: string, source: string): SocketRecord[] {
  const sockets: SocketRecord[] = [];
  for (const { no, text: line } of numberedLines(text)) {
    if (/^Active Internet connections/.test(line) || isMacosHeader(line)) continue;
    const f = line.trim().split(/\s+/);
    const bad = (why: string) => malformedLine(source, no, line, why);
    if (/^udp(4|6|46)?$/.test(f[0]!)) continue;
    if (!/^tcp(4|6|46)$/.test(f[0]!))
      throw bad(`expected a tcp4/tcp6/tcp46 row, found ${JSON.stringify(f[0])}`);
    if (f.length < 6) throw bad(`expected 6 columns, found ${f.length}`);
    if (!/^\d+$/.test(f[1]!) || !/^\d+$/.test(f[2]!)) throw bad("Recv-Q and Send-Q must be numbers");
    const local = endpoint(f[3]!);
    const remote = endpoint(f[4]!);
    if (!local) throw bad(`local address ${JSON.stringify(f[3])} is not ADDRESS.PORT`);
    if (!remote) throw bad(`foreign address ${JSON.stringify(f[4])} is not ADDRESS.PORT`);
    const state = BSD_STATES.has(f[5]!) ? stateFromName(f[5]!) : null;
    if (!state) throw bad(`unknown state ${JSON.stringify(f[5])}`);
    sockets.push({
      family: f[0] === "tcp4" ? "ipv4" : "ipv6",
      local,
      remote,
      state,
      minisock: null,
      recvQ: Number(f[1]),
      sendQ: Number(f[2]),
      timer: null,
      inode: null,
      uid: null,
      owners: [],
      line: no,
    });
  }
  return sockets;
}
