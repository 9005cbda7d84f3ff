// Windows `netstat -ano[q][b]` (host-inspection-facts §2.3). The title and header are localised on every
// locale and the state names on some (German: ABHÖREN, HERGESTELLT, WARTEND, ...), so rows are read by
// column position; TIME_WAIT rows carry PID 0 because no process owns them any more.
import { isAddressText, normaliseAddress, splitHostPort } from "../address.js";
import { malformedLine } from "../errors.js";
import type { SocketRecord } from "../model.js";
import { stateFromName } from "../states.js";
import { numberedLines } from "./text-input.js";

export function looksLikeWindowsNetstatRow(line: string): boolean {
  const f = line.trim().split(/\s+/);
  // Four columns when a long state name ran into the PID (see parseNetstatWindows).
  return (
    f[0] === "TCP" &&
    (f.length === 5 || f.length === 4) &&
    endpoint(f[1]!) !== null &&
    endpoint(f[2]!) !== null &&
    /\d$/.test(f[f.length - 1]!)
  );
}

function endpoint(text: string): { address: string; port: number } | null {
  const hp = splitHostPort(text);
  if (!hp || !(hp.port === "*" || /^\d+$/.test(hp.port))) return null;
  const host = hp.host.replace(/^\[(.*)\]$/, "$1");
  if (!isAddressText(host.replace(/%.*$/, ""))) return null;
  return { address: normaliseAddress(host), port: hp.port === "*" ? 0 : Number(hp.port) };
}

export function parseNetstatWindows(text: string, source: string): SocketRecord[] {
  const sockets: SocketRecord[] = [];
  let seenHeader = false;
  for (const { no, text: line } of numberedLines(text)) {
    const f = line.trim().split(/\s+/);
    const bad = (why: string) => malformedLine(source, no, line, why);
    if (f[0] === "UDP") continue;
    if (f[0] !== "TCP") {
      // Before the first row: the localised title ("Active Connections", "Aktive Verbindungen", "活动连接")
      // and column header. After it: `-b` adds "[name.exe]", service-name and "Can not obtain ownership" lines.
      if (!seenHeader || /^\s*\[.*\]\s*$/.test(line) || f.length === 1 || /ownership|Besitzer/i.test(line)) {
        if (/^\s*Proto\s/.test(line)) seenHeader = true;
        continue;
      }
      throw bad("expected a TCP or UDP row of `netstat -ano`");
    }
    seenHeader = true;
    // A state name longer than its column (SCHLIESSEN_WARTEN is 17 characters) can run into the PID.
    const merged = f.length === 4 ? /^(\D+?)(\d+)$/u.exec(f[3]!) : null;
    if (merged) f.splice(3, 1, merged[1]!, merged[2]!);
    if (f.length !== 5)
      throw bad(`expected 5 columns (Proto, local, foreign, state, PID), found ${f.length}`);
    const local = endpoint(f[1]!);
    const remote = endpoint(f[2]!);
    if (!local) throw bad(`local address ${JSON.stringify(f[1])} is not ADDRESS:PORT`);
    if (!remote) throw bad(`foreign address ${JSON.stringify(f[2])} is not ADDRESS:PORT`);
    const state = stateFromName(f[3]!);
    if (!state) {
      throw bad(
        `unknown state name ${JSON.stringify(f[3])} (localised netstat output; Get-NetTCPConnection | ConvertTo-Json is locale-independent)`,
      );
    }
    if (!/^\d+$/.test(f[4]!)) throw bad("the PID column must be a number");
    const pid = Number(f[4]);
    sockets.push({
      family: f[1]!.startsWith("[") ? "ipv6" : "ipv4",
      local,
      remote,
      state,
      minisock: null,
      recvQ: null,
      sendQ: null,
      timer: null,
      inode: null,
      uid: null,
      // PID 0 is "System Idle Process": TIME_WAIT rows have no owner any more.
      owners: pid === 0 ? [] : [{ pid, command: "", fd: null }],
      line: no,
    });
  }
  return sockets;
}
