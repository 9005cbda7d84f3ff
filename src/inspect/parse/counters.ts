// /proc/net/netstat and /proc/net/snmp (pairs of lines: "Group: names…" then "Group: values…"),
// /proc/net/sockstat{,6}, and `sysctl` text. All are per network namespace except sockstat's
// orphan/alloc/mem, which the kernel counts for the whole machine (host-inspection-facts §1.14).
import { InspectError } from "../errors.js";
import type { Sockstat } from "../model.js";

/** Counters keyed "Group.Name", e.g. "TcpExt.TCPTimeWaitOverflow", "Tcp.ActiveOpens". */
export function parseCounterPairs(text: string, source: string): Record<string, number> {
  const out: Record<string, number> = {};
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.trim().split(/\s+/);
    const values = lines[i + 1]!.trim().split(/\s+/);
    const group = names[0]!.replace(/:$/, "");
    if (values[0] !== names[0] || names.length !== values.length) {
      throw new InspectError(
        "INSPECT_MALFORMED_LINE",
        `${source}, line ${i + 2}: counter values do not match the names on the line before`,
      );
    }
    for (let k = 1; k < names.length; k++) {
      const v = Number(values[k]);
      if (!Number.isFinite(v)) {
        throw new InspectError(
          "INSPECT_MALFORMED_LINE",
          `${source}, line ${i + 2}: ${names[k]} is not a number`,
        );
      }
      out[`${group}.${names[k]}`] = v;
    }
  }
  return out;
}

export function parseSockstat(text: string, text6: string | null): Sockstat | null {
  const tcp = /^TCP:\s+inuse (\d+) orphan (\d+) tw (\d+) alloc (\d+) mem (\d+)/m.exec(text);
  if (!tcp) return null;
  const tcp6 = text6 ? /^TCP6:\s+inuse (\d+)/m.exec(text6) : null;
  return {
    tcpInuse: Number(tcp[1]),
    orphan: Number(tcp[2]),
    tw: Number(tcp[3]),
    alloc: Number(tcp[4]),
    memPages: Number(tcp[5]),
    tcp6Inuse: tcp6 ? Number(tcp6[1]) : null,
  };
}

/** `sysctl a.b.c d.e.f` output ("key = value", tabs kept as single spaces). */
export function parseSysctlText(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([\w.-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replace(/\s+/g, " ");
  }
  return out;
}
