// `npm run bench`: speed and memory of the engine, measured in one run beside Node's own `net` over
// 127.0.0.1 as the baseline, and written to docs/benchmarks.md with the machine, the command, the targets
// of issue 3 and, for each target missed, a CPU profile of that workload.
// Wall-clock numbers vary with the machine and its load: compare rows of one run, not across runs.
//
//   npm run bench                 full run (a few minutes), rewrites the generated part of the doc
//   npm run bench -- --quick      short run, to see that it works (JIT warm-up dominates its numbers)
//   npm run bench -- --no-profile skip the profiles of missed targets
//   npm run bench -- --tun        also the TUN rows (root only)
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem, platform, release } from "node:os";
import { profile, selfTimes, selfTimesByFile } from "./cpu-profile.js";
import { netBulk, netLifecycles } from "./node-net.js";
import { tunBench } from "./tun.js";
import { bulk, lifecycles, loadedHost, type BulkResult } from "./workloads.js";

interface Row {
  name: string;
  value: number;
  unit: string;
  note: string;
  target: string;
}

const rows: Row[] = [];
const quick = process.argv.includes("--quick");
const profiles = !process.argv.includes("--no-profile");
const DOC = new URL("../docs/benchmarks.md", import.meta.url);
/** Everything after this line in docs/benchmarks.md is written by hand and kept by every run. */
const KEEP_MARKER = "<!-- Written by hand below this line; npm run bench keeps it. -->";

function fmt(v: number): string {
  return v.toFixed(Math.abs(v) >= 100 ? 0 : 2);
}

function record(name: string, value: number, unit: string, note = "", target = ""): void {
  rows.push({ name, value, unit, note, target });
  console.log(`${name.padEnd(66)} ${fmt(value).padStart(10)} ${unit} ${target ? `[${target}] ` : ""}${note}`);
}

/** "≥ 1.5: met" — the target and whether this run met it. */
function verdict(met: boolean, target: string): string {
  return `${target}: ${met ? "met" : "**missed**"}`;
}

function median<T>(xs: T[], key: (x: T) => number): T {
  const sorted = [...xs].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor(sorted.length / 2)] as T;
}

/** Median of `runs` bulk transfers after one unmeasured warm-up (the JIT). */
function bulkMedian(mtu: number, bytes: number, runs: number): BulkResult {
  bulk(mtu, bytes / 4);
  const results: BulkResult[] = [];
  for (let i = 0; i < runs; i++) results.push(bulk(mtu, bytes));
  return median(results, (r) => r.seconds);
}

/**
 * Ours and Node's, alternately, `runs` times after a warm-up of each: the machine's load shifts over
 * seconds, and a ratio of two runs made side by side is steadier than a ratio of two medians.
 */
async function alternate<A, B>(
  runs: number,
  ours: () => A,
  theirs: () => Promise<B>,
  ratio: (a: A, b: B) => number,
): Promise<{ ours: A[]; theirs: B[]; ratio: number }> {
  ours();
  await theirs();
  const a: A[] = [];
  const b: B[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const x = ours();
    const y = await theirs();
    a.push(x);
    b.push(y);
    ratios.push(ratio(x, y));
  }
  return { ours: a, theirs: b, ratio: median(ratios, (r) => r) };
}

interface ProfileSection {
  title: string;
  lines: string[];
}
const profileSections: ProfileSection[] = [];

/** Profile a workload whose target was missed, for the doc: the top functions by self time, and per file. */
async function profileFor(title: string, work: () => unknown): Promise<void> {
  if (!profiles) return;
  const { profile: p } = await profile(work);
  const times = selfTimes(p);
  const lines = [
    "| self time | function | where |",
    "|---:|---|---|",
    ...times.slice(0, 15).map((t) => `| ${(t.share * 100).toFixed(1)} % | \`${t.name}\` | ${t.where} |`),
    "",
    "By file: " +
      selfTimesByFile(times)
        .slice(0, 8)
        .map((f) => `${f.file} ${(f.share * 100).toFixed(0)} %`)
        .join(", ") +
      ".",
  ];
  profileSections.push({ title, lines });
}

const startLoad = loadavg()
  .map((x) => x.toFixed(2))
  .join(" / ");

async function main(): Promise<void> {
  const bulkBytes = quick ? 20e6 : 200e6;
  const runs = quick ? 1 : 5;
  const lifeCount = quick ? 5_000 : 50_000;
  const loadedEstablished = quick ? 10_000 : 100_000;
  const loadedTimeWait = quick ? 100_000 : 1_000_000;

  // Bulk throughput, MTU 65535, against node net.
  const pairs = await alternate(
    runs,
    () => bulk(65535, bulkBytes),
    () => netBulk(bulkBytes),
    (x, y) => y.seconds / x.seconds,
  );
  const b65535 = median(pairs.ours, (r) => r.seconds);
  const mbps65535 = b65535.bytes / 1e6 / b65535.seconds;
  record(
    "tcplab bulk transfer, MTU 65535",
    mbps65535,
    "MB/s",
    `${fmt(b65535.bytes / 1e6 / b65535.cpuSeconds)} MB per CPU-second`,
  );
  const nb = median(pairs.theirs, (r) => r.seconds);
  const nodeMbps = bulkBytes / 1e6 / nb.seconds;
  record(
    "node net bulk transfer over 127.0.0.1",
    nodeMbps,
    "MB/s",
    `baseline; ${fmt(bulkBytes / 1e6 / nb.cpuSeconds)} MB per CPU-second`,
  );
  const bulkRatio = pairs.ratio;
  record(
    "ratio: bulk MTU 65535 / node net",
    bulkRatio,
    "×",
    `median of ${runs} side-by-side ratios`,
    verdict(bulkRatio >= 1.5, "≥ 1.5×"),
  );

  // MTU 1500: throughput and segments per second.
  const b1500 = bulkMedian(1500, bulkBytes, runs);
  record("tcplab bulk transfer, MTU 1500", b1500.bytes / 1e6 / b1500.seconds, "MB/s");
  const segRate = b1500.segments / b1500.seconds;
  record(
    "tcplab segments per second, MTU 1500 (both directions)",
    segRate / 1e6,
    "M/s",
    `${fmt(b1500.dataSegments / b1500.seconds / 1e6)} M data segments/s, ${fmt(
      (b1500.segments - b1500.dataSegments) / b1500.seconds / 1e6,
    )} M ACKs/s`,
    verdict(segRate >= 1.5e6, "≥ 1.5 M/s"),
  );

  // Connection lifecycles.
  const lives = await alternate(
    runs,
    () => lifecycles(lifeCount),
    () => netLifecycles(quick ? 2_000 : 10_000),
    (x, y) => x / y,
  );
  const life = median(lives.ours, (x) => x);
  record("tcplab connection lifecycles (connect, 100 B each way, close)", life, "per s");
  const nLife = median(lives.theirs, (x) => x);
  record("node net connection lifecycles over 127.0.0.1", nLife, "per s", "baseline");
  const lifeRatio = lives.ratio;
  record(
    "ratio: lifecycles / node net",
    lifeRatio,
    "×",
    `median of ${runs} side-by-side ratios`,
    verdict(lifeRatio >= 20, "≥ 20×"),
  );

  // Memory, and a loaded host's responsiveness.
  const loaded = loadedHost(loadedEstablished, loadedTimeWait, 1_000);
  record(
    `tcplab memory per established connection (${loaded.established} idle pairs)`,
    loaded.bytesPerEstablished,
    "bytes",
    "heap + ArrayBuffers growth / connections (both ends)",
  );
  record(
    `tcplab memory per TIME_WAIT record (${loadedTimeWait} held)`,
    loaded.bytesPerTimeWait,
    "bytes",
    "heap + ArrayBuffers growth / records",
    verdict(loaded.bytesPerTimeWait <= 64, "≤ 64 B"),
  );
  const held = `${loaded.established} established + ${loadedTimeWait} TIME_WAIT`;
  const ms = (xs: number[]) => median(xs, (x) => x) * 1000;
  record(
    `loaded host (${held}): ${loaded.lifecycles} new lifecycles`,
    ms(loaded.loadedSeconds),
    "ms",
    `median of ${loaded.loadedSeconds.length} batches (slowest ${fmt(Math.max(...loaded.loadedSeconds) * 1000)} ms); ` +
      `on an empty pair ${fmt(ms(loaded.emptySeconds))} ms (slowest ${fmt(Math.max(...loaded.emptySeconds) * 1000)} ms)`,
  );
  record(`loaded host: one host.nextDeadline()`, loaded.nextDeadlineNs, "ns");
  record(`loaded host: one advance() with nothing due`, loaded.idleAdvanceNs, "ns");
  record(
    `loaded host: expiring all ${loaded.timeWait} TIME_WAIT records in one advance()`,
    loaded.expireAllMs,
    "ms",
    `${fmt((loaded.expireAllMs * 1e6) / loaded.timeWait)} ns per record`,
  );
  console.log(`(loaded host built in ${loaded.setupSeconds.toFixed(1)} s)`);

  if (process.argv.includes("--tun")) await tunBench(record, quick);

  // Profiles of the workloads whose targets were missed.
  if (bulkRatio < 1.5) await profileFor("bulk transfer, MTU 65535", () => bulk(65535, bulkBytes));
  if (segRate < 1.5e6) await profileFor("bulk transfer, MTU 1500", () => bulk(1500, bulkBytes));
  if (lifeRatio < 20) await profileFor("connection lifecycles", () => lifecycles(lifeCount));

  writeDoc();
  console.log("\nwritten to docs/benchmarks.md");
}

function writeDoc(): void {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const generated = [
    "# Benchmarks",
    "",
    "The part above the hand-written line is written by `npm run bench` (bench/run.ts). All rows come from one",
    "run on one machine, so they compare with each other; numbers from another machine or another load do not.",
    "",
    `- Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}`,
    `- Node.js ${process.version}`,
    `- Command: \`npm run bench${quick ? " -- --quick" : ""}\``,
    `- Date: ${new Date().toISOString()}`,
    `- Load average when the run started: ${startLoad} (on ${cpus().length} cores; a busy machine lowers every row)`,
    "",
    "| measurement | value | unit | target (issue 3) | note |",
    "|---|---:|---|---|---|",
    ...rows.map((r) => `| ${r.name} | ${fmt(r.value)} | ${r.unit} | ${r.target} | ${r.note} |`),
    "",
    "How each is measured:",
    "",
    "- *bulk transfer*: one connection between two hosts in one process on the simulator (lossless 10 µs link,",
    "  tracing off, segments handed over without copies), 4 MiB send and receive buffers, 256 KiB writes",
    "  refilled on every drain; MB/s of application bytes delivered per wall-clock second, the median of",
    `  ${quick ? 1 : 5} runs after a warm-up run. At MTU 65535 each run is followed by Node's run of the same transfer,`,
    "  and the ratio row is the median of those side-by-side ratios (the load of a shared machine shifts over",
    "  seconds). *MB per CPU-second* divides by the process's CPU time (user + system, V8's GC threads",
    "  included) instead; for `node net` it includes the kernel's work for both ends.",
    "- *segments per second*: every segment both hosts sent during the MTU 1500 transfer (data one way, ACKs",
    "  the other) per wall-clock second.",
    "- *connection lifecycles*: 256 clients at a time, each connect → 100-byte request → 100-byte reply → client",
    "  close → TIME_WAIT record; completed lifecycles per wall-clock second, alternating with Node's runs as for",
    "  bulk transfer (medians and the median ratio). Node's runs 64 at a time.",
    "- *memory per established connection*: growth of `heapUsed + arrayBuffers` (after forced GCs) while two",
    "  hosts hold that many idle connected pairs, divided by the connections (two per pair); it includes the",
    "  demultiplexing map entries and the listener's bookkeeping.",
    "- *memory per TIME_WAIT record*: the same growth while one host then takes on that many TIME_WAIT records",
    "  (client closes first), divided by their number. The records live in typed arrays, hence `arrayBuffers`.",
    "- *loaded host*: host a holds the idle connections and the TIME_WAIT records above; batches of 1,000 new",
    "  lifecycles (100 at a time, to a listener port without TIME_WAIT records) then run through it: one warm-up",
    "  batch, then five timed ones, against the same on an empty pair in the same run. `nextDeadline()` and an",
    "  `advance()` with nothing due are timed over 100,000 calls; the last row moves the clock past every",
    "  TIME_WAIT expiry in one `advance()`.",
    "- *node net*: the same work with `node:net` over 127.0.0.1 in the same process and run (the kernel's TCP).",
    "",
  ];
  if (profileSections.length > 0) {
    generated.push(
      "## Profiles of the missed targets",
      "",
      "V8's sampling profiler (the one behind `node --cpu-prof`, at a 100 µs interval) over one more run of the",
      "workload, warm; self time per function. `bench/profile.ts` runs the same profiles by hand.",
      "",
    );
    for (const s of profileSections) generated.push(`### ${s.title}`, "", ...s.lines, "");
  }
  let kept = `${KEEP_MARKER}\n`;
  if (existsSync(DOC)) {
    const old = readFileSync(DOC, "utf8");
    const at = old.indexOf(KEEP_MARKER);
    if (at >= 0) kept = old.slice(at);
  }
  writeFileSync(DOC, generated.join("\n") + "\n" + kept);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
