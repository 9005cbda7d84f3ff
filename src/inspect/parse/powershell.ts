// `Get-NetTCPConnection | ConvertTo-Json` and `| Export-Csv` / `ConvertTo-Csv` (host-inspection-facts §2.3):
// the locale-independent Windows source. ConvertTo-Json writes the State enum as a number unless the
// pipeline turned it into text (-EnumsAsStrings, Select-Object with ToString()); both are accepted.
import { isAddressText, normaliseAddress } from "../address.js";
import { InspectError, malformedLine } from "../errors.js";
import type { SocketRecord, SocketState } from "../model.js";
import { POWERSHELL_STATE_NUMBERS, stateFromName } from "../states.js";
import { numberedLines } from "./text-input.js";

interface Row {
  LocalAddress?: unknown;
  LocalPort?: unknown;
  RemoteAddress?: unknown;
  RemotePort?: unknown;
  State?: unknown;
  OwningProcess?: unknown;
}

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function toState(v: unknown): SocketState | null {
  if (typeof v === "number") return POWERSHELL_STATE_NUMBERS[v] ?? null;
  if (typeof v === "string") {
    if (/^\d+$/.test(v)) return POWERSHELL_STATE_NUMBERS[Number(v)] ?? null;
    return stateFromName(v);
  }
  return null;
}

function toPort(v: unknown): number | null {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : null;
}

function toRecord(row: Row, lineNo: number, where: string, lineText: string): SocketRecord {
  const bad = (why: string) => malformedLine(where, lineNo, lineText, why);
  const la = row.LocalAddress;
  const ra = row.RemoteAddress;
  if (typeof la !== "string" || !isAddressText(la.replace(/%.*$/, "")))
    throw bad("LocalAddress is missing or not an address");
  if (typeof ra !== "string" || !isAddressText(ra.replace(/%.*$/, "")))
    throw bad("RemoteAddress is missing or not an address");
  const lp = toPort(row.LocalPort);
  const rp = toPort(row.RemotePort);
  if (lp === null) throw bad("LocalPort is missing or not a port number");
  if (rp === null) throw bad("RemotePort is missing or not a port number");
  const state = toState(row.State);
  if (!state) throw bad(`State ${JSON.stringify(row.State)} is not a TCP state`);
  const pidRaw = row.OwningProcess;
  const pid =
    typeof pidRaw === "number"
      ? pidRaw
      : typeof pidRaw === "string" && /^\d+$/.test(pidRaw)
        ? Number(pidRaw)
        : null;
  return {
    family: la.includes(":") ? "ipv6" : "ipv4",
    local: { address: normaliseAddress(la), port: lp },
    remote: { address: normaliseAddress(ra), port: rp },
    state,
    minisock: null,
    recvQ: null,
    sendQ: null,
    timer: null,
    inode: null,
    uid: null,
    owners: pid !== null && pid !== 0 ? [{ pid, command: "", fd: null }] : [],
    line: lineNo,
  };
}

export function parsePowershellJson(text: string, source: string): SocketRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const line = pos ? lineOfOffset(text, Number(pos[1])) : null;
    throw new InspectError(
      "INSPECT_MALFORMED_LINE",
      `${source}${line !== null ? `, line ${line}` : ""}: not valid JSON (${msg.replace(/\s*in JSON at position \d+.*$/, "")})`,
    );
  }
  const rows = Array.isArray(data) ? data : [data];
  // Each connection object starts with its own "LocalAddress" key (or the first key we know); use the
  // position of the n-th occurrence to name the line of the n-th row in messages.
  const keyLines: number[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) if (/"LocalAddress"\s*:/.test(lines[i]!)) keyLines.push(i + 1);
  return rows.map((row, i) => {
    const lineNo = keyLines[i] ?? 1;
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      throw malformedLine(
        source,
        lineNo,
        JSON.stringify(row) ?? "",
        `item ${i + 1} is not a connection object`,
      );
    }
    return toRecord(row as Row, lineNo, source, lines[lineNo - 1]?.trim() ?? "");
  });
}

/** RFC 4180 fields: quoted with doubled quotes inside, as Export-Csv writes them. */
export function splitCsvLine(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = "";
      i++;
      for (;;) {
        if (i >= line.length) return null;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            v += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += line[i++];
      }
      out.push(v);
      if (i < line.length && line[i] !== ",") return null;
      i++;
    } else {
      const j = line.indexOf(",", i);
      const end = j < 0 ? line.length : j;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

export function isPowershellCsvHeader(line: string): boolean {
  const f = splitCsvLine(line.trim());
  return f !== null && f.includes("LocalAddress") && f.includes("RemoteAddress") && f.includes("State");
}

export function parsePowershellCsv(text: string, source: string): SocketRecord[] {
  const out: SocketRecord[] = [];
  let header: string[] | null = null;
  for (const { no, text: raw } of numberedLines(text)) {
    const line = raw.trim();
    if (line.startsWith("#TYPE") || (header === null && line.startsWith("#"))) continue;
    const fields = splitCsvLine(line);
    if (!fields) throw malformedLine(source, no, raw, "unbalanced quotes in a CSV line");
    if (header === null) {
      if (!isPowershellCsvHeader(line)) {
        throw malformedLine(
          source,
          no,
          raw,
          "expected a CSV header naming LocalAddress, RemoteAddress and State",
        );
      }
      header = fields;
      continue;
    }
    if (fields.length !== header.length) {
      throw malformedLine(source, no, raw, `expected ${header.length} CSV fields, found ${fields.length}`);
    }
    const row: Record<string, string> = {};
    header.forEach((h, k) => (row[h] = fields[k]!));
    out.push(toRecord(row, no, source, raw));
  }
  return out;
}
