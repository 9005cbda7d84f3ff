// Which tool produced a saved capture. Headers are the strongest evidence, so they are tried first over the
// opening lines; only then single data rows (for `ss -H`, `netstat` without header lines, Windows output
// whose header is in another language).
import { InspectError } from "../errors.js";
import type { InputFormat } from "../model.js";
import { isMacosHeader, looksLikeMacosRow } from "./macos-netstat.js";
import { isNetstatLinuxHeader, looksLikeNetstatLinuxRow } from "./netstat-linux.js";
import { looksLikeWindowsNetstatRow } from "./netstat-windows.js";
import { isPowershellCsvHeader } from "./powershell.js";
import { isProcNetTcpHeader } from "./proc-net-tcp.js";
import { isSnapshotJson } from "./snapshot-json.js";
import { isSsHeader, looksLikeSsRow } from "./ss.js";
import { numberedLines } from "./text-input.js";

const PROC_ROW =
  /^\s*\d+: [0-9A-Fa-f]{8}(?:[0-9A-Fa-f]{24})?:[0-9A-Fa-f]{4} [0-9A-Fa-f]{8}(?:[0-9A-Fa-f]{24})?:[0-9A-Fa-f]{4} /;

const HEADER_TESTS: [InputFormat, (line: string) => boolean][] = [
  ["proc-net-tcp", isProcNetTcpHeader],
  ["powershell-csv", (l) => /^#TYPE .*NetTCPConnection/.test(l) || isPowershellCsvHeader(l)],
  ["netstat-macos", (l) => isMacosHeader(l) || /^Active Internet connections \(including servers\)/.test(l)],
  ["netstat-linux", isNetstatLinuxHeader],
  ["ss", isSsHeader],
];

const ROW_TESTS: [InputFormat, (line: string) => boolean][] = [
  ["proc-net-tcp", (l) => PROC_ROW.test(l)],
  ["netstat-macos", looksLikeMacosRow],
  ["netstat-linux", looksLikeNetstatLinuxRow],
  ["ss", looksLikeSsRow],
  ["netstat-windows", looksLikeWindowsNetstatRow],
];

export function detectFormat(text: string, source: string): InputFormat {
  if (isSnapshotJson(text)) return "snapshot-json";
  const first = text.trimStart()[0];
  if (first === "{" || first === "[") return "powershell-json";
  const lines = numberedLines(text).slice(0, 40);
  for (const { text: l } of lines) for (const [fmt, test] of HEADER_TESTS) if (test(l)) return fmt;
  for (const { text: l } of lines) for (const [fmt, test] of ROW_TESTS) if (test(l)) return fmt;
  const firstLine = lines[0];
  throw new InspectError(
    "INSPECT_UNRECOGNISED_INPUT",
    `${source}, line ${firstLine?.no ?? 1}: not a format tcplab recognises (${JSON.stringify((firstLine?.text ?? "").slice(0, 80))}); ` +
      "expected /proc/net/tcp, ss -tanp, netstat -tanp, Windows netstat -ano, Get-NetTCPConnection JSON/CSV or macOS netstat -an -p tcp (or name it with --format)",
  );
}
