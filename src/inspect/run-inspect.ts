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
import { ssFilterState } from "./parse/ss.js";
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
}

export interface InspectIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  readStdin(): Uint8Array;
  env: Record<string, string | undefined>;
  sleep(ms: number): Promise<void>;
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
  const filterState = o.state !== undefined ? ssFilterState(o.state) : null;
  if (o.state !== undefined && !filterState)
    throw bad(`--state ${JSON.stringify(o.state)}: not a TCP state name (e.g. time-wait, close-wait)`);
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
  const analysis = analyze(current, { earlier, intervalSeconds, settingOverrides: overrides });
  if (o.json) io.stdout.write(renderJson(analysis));
  else if (o.prometheus) io.stdout.write(renderPrometheus(analysis, current.counters));
  else io.stdout.write(renderText(analysis, paintFor(io.stdout, io.env)));
  return 0;
}
