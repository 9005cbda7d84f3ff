// What `tcplab inspect` does, independent of commander: collect one or two snapshots (live, another
// network namespace, or saved files), analyse them, and write the chosen report.
import { readFileSync } from "node:fs";
import { endianness } from "node:os";
import { analyze } from "./analyze/analyze.js";
import { parseDuration } from "./duration.js";
import { InspectError } from "./errors.js";
import { readLiveSnapshot } from "./live/read-live.js";
import { readNetnsSnapshot } from "./live/netns.js";
import { INPUT_FORMATS, type InputFormat, type Snapshot, type SocketState } from "./model.js";
import { parseInput } from "./parse/parse-input.js";
import { serialiseSnapshot } from "./parse/snapshot-json.js";
import { buildFilter } from "./filter.js";
import { renderSockets, socketRows } from "./report/sockets-report.js";
import { paintFor } from "./report/colour.js";
import { renderJson } from "./report/json-report.js";
import { renderPrometheus } from "./report/prometheus-report.js";
import { renderText } from "./report/text-report.js";

export interface InspectOptions {
  files: string[];
  format?: string;
  state?: string;
  netns?: string;
  interval?: string;
  json?: boolean;
  prometheus?: boolean;
  setting?: string[];
  bigEndian?: boolean;
  dumpSnapshot?: boolean;
  /** Read this host live even when standard input is a pipe or a file. */
  live?: boolean;
  /** Exit non-zero when a finding reaches this severity: "warn" or "crit". */
  failOn?: string;
  /** List every (matching) socket with its timer instead of the report. */
  sockets?: boolean;
  sport?: string;
  dport?: string;
  remote?: string;
  pid?: string;
  process?: string;
}

/** Exit codes of `--fail-on` (docs/inspect.md): above 2, which is bad usage. */
export const EXIT_WARN = 3;
export const EXIT_CRITICAL = 4;

export interface InspectIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  readStdin(): Uint8Array;
  /** Whether standard input carries data (a pipe, a file or a socket), not a terminal or /dev/null. */
  stdinHasInput(): boolean;
  env: Record<string, string | undefined>;
  sleep(ms: number): Promise<void>;
  /** Columns the report's prose wraps at (the terminal's); 100 when not given. */
  width?: number;
}

function bad(message: string): InspectError {
  return new InspectError("INSPECT_BAD_ARGUMENT", message);
}

function parseSettings(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const m = /^([\w.-]+)=(.*)$/.exec(item);
    if (!m) throw bad(`--setting ${JSON.stringify(item)}: expected NAME=VALUE, e.g. net.ipv4.tcp_tw_reuse=1`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

function readSaved(
  file: string,
  io: InspectIo,
  opts: { format: InputFormat | null; filterState: SocketState | null; littleEndian: boolean },
): Snapshot {
  let bytes: Uint8Array;
  const source = file === "-" ? "stdin" : file;
  try {
    bytes = file === "-" ? io.readStdin() : readFileSync(file);
  } catch (err) {
    throw new InspectError("INSPECT_IO", `cannot read ${source}: ${(err as Error).message}`);
  }
  return parseInput(bytes, { source, ...opts });
}

export async function runInspect(o: InspectOptions, io: InspectIo): Promise<number> {
  if (o.json && o.prometheus) throw bad("--json and --prometheus are alternatives; choose one");
  if (o.files.length > 2) throw bad("give at most two saved inputs: a first and a later sample");
  if (o.netns !== undefined && o.files.length > 0)
    throw bad("--netns reads a live namespace; it cannot be combined with saved input");
  if (o.format !== undefined && !INPUT_FORMATS.includes(o.format as InputFormat)) {
    throw bad(`--format ${JSON.stringify(o.format)}: expected one of ${INPUT_FORMATS.join(", ")}`);
  }
  if (o.failOn !== undefined && o.failOn !== "warn" && o.failOn !== "crit")
    throw bad(`--fail-on ${JSON.stringify(o.failOn)}: expected warn or crit`);
  if (o.sockets && o.prometheus) throw bad("--sockets lists sockets as text or JSON, not Prometheus metrics");
  if (o.live && (o.files.length > 0 || o.netns !== undefined))
    throw bad("--live reads this host; it cannot be combined with saved input or --netns");
  // `ss -tan | tcplab inspect`: with no input named, data on standard input is the input. Reading the
  // live host instead would analyse the wrong machine without a word.
  if (o.files.length === 0 && o.netns === undefined && !o.live && io.stdinHasInput())
    o = { ...o, files: ["-"] };
  const filter = buildFilter(o);
  // A capture filtered by one state (`ss … state time-wait`) has no State column: the state is that one.
  const filterState = filter && filter.states.length === 1 ? (filter.states[0] ?? null) : null;
  const interval = o.interval !== undefined ? parseDuration(o.interval, "--interval") : null;
  if (o.files.length === 2 && interval === null)
    throw bad("two samples need --interval: the time between them");
  const overrides = parseSettings(o.setting ?? []);
  const savedOpts = {
    format: (o.format as InputFormat | undefined) ?? null,
    filterState,
    littleEndian: o.bigEndian ? false : o.files.length > 0 ? true : endianness() === "LE",
  };

  const sample = async (): Promise<Snapshot> =>
    o.netns !== undefined ? readNetnsSnapshot(o.netns) : readLiveSnapshot();

  let earlier: Snapshot | null = null;
  let current: Snapshot;
  let intervalSeconds: number | null = interval;
  if (o.files.length > 0) {
    current = readSaved(o.files[0]!, io, savedOpts);
    if (o.files.length === 2) {
      earlier = current;
      current = readSaved(o.files[1]!, io, savedOpts);
    }
  } else {
    current = await sample();
    if (interval !== null) {
      earlier = current;
      await io.sleep(interval * 1000);
      current = await sample();
      // Measure the real gap: sampling itself takes time, and rates should not pretend otherwise.
      if (earlier.takenAtMs !== null && current.takenAtMs !== null)
        intervalSeconds = (current.takenAtMs - earlier.takenAtMs) / 1000;
    }
  }

  if (o.dumpSnapshot) {
    io.stdout.write(serialiseSnapshot(current));
    return 0;
  }
  const all = current.sockets;
  if (filter) {
    if ((o.pid !== undefined || o.process !== undefined) && !current.ownersKnown)
      throw bad(
        `--pid/--process need process information, which ${current.source} lacks (capture with ss -tanp or netstat -tanp)`,
      );
    current = { ...current, sockets: all.filter(filter.test) };
    if (earlier) earlier = { ...earlier, sockets: earlier.sockets.filter(filter.test) };
  }
  const analysis = analyze(current, {
    earlier,
    intervalSeconds,
    settingOverrides: overrides,
    allSockets: all,
  });
  const filterLine = filter
    ? `Filter: ${filter.describe.join(", ")} — ${current.sockets.length} of ${all.length} sockets\n\n`
    : "";
  if (o.sockets && o.json)
    io.stdout.write(
      JSON.stringify({ ...JSON.parse(renderJson(analysis)), sockets: socketRows(current.sockets) }, null, 2) +
        "\n",
    );
  else if (o.sockets)
    io.stdout.write(
      `${filterLine}${current.sockets.length} sockets from ${current.source}\n${renderSockets(current.sockets).join("\n")}\n`,
    );
  else if (o.json) io.stdout.write(renderJson(analysis));
  else if (o.prometheus) io.stdout.write(renderPrometheus(analysis, current.counters));
  else io.stdout.write(filterLine + renderText(analysis, paintFor(io.stdout, io.env), io.width));
  return failOnCode(o.failOn, analysis.findings);
}

/** --fail-on warn: 3 for a warning, 4 for a critical finding; --fail-on crit: 4 for a critical one. */
export function failOnCode(
  failOn: string | undefined,
  findings: ReadonlyArray<{ severity: string }>,
): number {
  if (failOn === undefined) return 0;
  if (findings.some((f) => f.severity === "critical")) return EXIT_CRITICAL;
  if (failOn === "warn" && findings.some((f) => f.severity === "warn")) return EXIT_WARN;
  return 0;
}
