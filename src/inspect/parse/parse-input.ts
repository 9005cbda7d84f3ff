// Saved input → Snapshot: decode the bytes, find (or take) the format, run its parser.
import { emptySnapshot, type InputFormat, type Platform, type Snapshot, type SocketState } from "../model.js";
import { detectFormat } from "./detect.js";
import { parseMacosNetstat } from "./macos-netstat.js";
import { parseNetstatLinux } from "./netstat-linux.js";
import { parseNetstatWindows } from "./netstat-windows.js";
import { parsePowershellCsv, parsePowershellJson } from "./powershell.js";
import { parseProcNetTcp } from "./proc-net-tcp.js";
import { parseSnapshotJson } from "./snapshot-json.js";
import { parseSs } from "./ss.js";
import { decodeInput } from "./text-input.js";

export interface ParseInputOptions {
  source: string;
  /** null = detect. */
  format: InputFormat | null;
  /** For `ss … state X` output, which has no State column. */
  filterState: SocketState | null;
  /** Byte order of the machine a /proc/net/tcp capture came from. */
  littleEndian: boolean;
}

const PLATFORM: Record<InputFormat, Platform> = {
  "proc-net-tcp": "linux",
  ss: "linux",
  "netstat-linux": "linux",
  "netstat-windows": "windows",
  "powershell-json": "windows",
  "powershell-csv": "windows",
  "netstat-macos": "macos",
  "snapshot-json": "linux",
};

export function parseInput(bytes: Uint8Array, opts: ParseInputOptions): Snapshot {
  const text = decodeInput(bytes, opts.source);
  const format = opts.format ?? detectFormat(text, opts.source);
  if (format === "snapshot-json") {
    const saved = parseSnapshotJson(text, opts.source);
    return { ...saved, source: `${opts.source} (snapshot of ${saved.source})` };
  }
  const snap = emptySnapshot(PLATFORM[format], format, opts.source);
  switch (format) {
    case "proc-net-tcp":
      snap.sockets = parseProcNetTcp(text, { littleEndian: opts.littleEndian, source: opts.source });
      break;
    case "ss": {
      const r = parseSs(text, { source: opts.source, filterState: opts.filterState });
      snap.sockets = r.sockets;
      snap.ownersKnown = r.ownersKnown;
      break;
    }
    case "netstat-linux": {
      const r = parseNetstatLinux(text, opts.source);
      snap.sockets = r.sockets;
      snap.ownersKnown = r.ownersKnown;
      break;
    }
    case "netstat-windows":
      snap.sockets = parseNetstatWindows(text, opts.source);
      snap.ownersKnown = true;
      break;
    case "powershell-json":
      snap.sockets = parsePowershellJson(text, opts.source);
      snap.ownersKnown = true;
      break;
    case "powershell-csv":
      snap.sockets = parsePowershellCsv(text, opts.source);
      snap.ownersKnown = snap.sockets.some((s) => s.owners.length > 0);
      break;
    case "netstat-macos":
      snap.sockets = parseMacosNetstat(text, opts.source);
      break;
  }
  return snap;
}
