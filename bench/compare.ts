// `npm run bench:compare -- --base <git ref>`: this checkout's engine against another commit's, side by
// side, so that a change's cost is measured against the commit before it on the same machine under the
// same load. A full `npm run bench` compares rows of one run; two such runs taken minutes apart on a
// shared machine differ by more than most changes cost.
//
// How: the base commit is checked out into a temporary git worktree (node_modules linked from this
// checkout). Each round runs every workload once in a fresh Node process for the base and then for this
// checkout (bench/workloads.ts of each tree, so each side uses its own engine through its own paths),
// alternating; a row reports both medians and the median of the per-round ratios (head / base, so > 1
// means this checkout is faster, or for memory, uses more).
//
//   npm run bench:compare -- --base main~3            5 rounds
//   npm run bench:compare -- --base 57d9d4c --rounds 9
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import { join } from "node:path";
import { argValue, checkOutBase, HEAD_DIR, head, removeBase, resolveCommit } from "./checkouts.js";

interface Workload {
  name: string;
  unit: string;
  /** Module source run in a child process inside the checkout; prints one number on its last line. */
  source: (workloads: string) => string;
  /** Higher is better (throughput) or lower is better (memory, time). */
  higherIsBetter: boolean;
}

// Each child warms its workload up (the JIT needs a few runs: the first MTU 1500 transfer in a process
// runs at a fifth of the speed of the fourth) and prints the median of three measured runs.
const MEDIAN_OF_3 = "const m = (xs) => xs.sort((a, b) => a - b)[1];";
const WORKLOADS: Workload[] = [
  {
    name: "bulk transfer, MTU 65535",
    unit: "MB/s",
    higherIsBetter: true,
    source: (w) =>
      `import { bulk } from ${JSON.stringify(w)}; ${MEDIAN_OF_3} const run = () => { const r = bulk(65535, 100e6); return r.bytes / r.seconds / 1e6; }; for (let i = 0; i < 4; i++) run(); console.log(m([run(), run(), run()]));`,
  },
  {
    name: "segments per second, MTU 1500",
    unit: "M/s",
    higherIsBetter: true,
    source: (w) =>
      `import { bulk } from ${JSON.stringify(w)}; ${MEDIAN_OF_3} const run = () => { const r = bulk(1500, 30e6); return r.segments / r.seconds / 1e6; }; for (let i = 0; i < 4; i++) run(); console.log(m([run(), run(), run()]));`,
  },
  {
    name: "connection lifecycles",
    unit: "per s",
    higherIsBetter: true,
    source: (w) =>
      `import { lifecycles } from ${JSON.stringify(w)}; ${MEDIAN_OF_3} for (let i = 0; i < 2; i++) lifecycles(20000); console.log(m([lifecycles(20000), lifecycles(20000), lifecycles(20000)]));`,
  },
  {
    name: "memory per established connection (20000 idle pairs)",
    unit: "bytes",
    higherIsBetter: false,
    source: (w) =>
      `import { buildLoaded } from ${JSON.stringify(w)}; const l = buildLoaded(20000, 0); console.log((l.bytes[1] - l.bytes[0]) / 40000);`,
  },
  {
    name: "memory per TIME_WAIT record (200000 held)",
    unit: "bytes",
    higherIsBetter: false,
    source: (w) =>
      `import { buildLoaded } from ${JSON.stringify(w)}; const l = buildLoaded(0, 200000); console.log((l.bytes[2] - l.bytes[1]) / 200000);`,
  },
];

function fail(message: string): never {
  console.error(`ERR_TCPLAB_BENCH_COMPARE: ${message}`);
  process.exit(2);
}

function measure(dir: string, work: Workload): number {
  const workloads = join(dir, "bench", "workloads.ts");
  const out = execFileSync(
    process.execPath,
    ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", work.source(workloads)],
    { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 20 },
  );
  const value = Number(out.trim().split("\n").pop());
  if (!Number.isFinite(value)) fail(`${work.name} in ${dir} printed no number: ${out.slice(-200)}`);
  return value;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v.toFixed(2);
}

function main(): void {
  const base = argValue("--base");
  if (!base) fail("usage: npm run bench:compare -- --base <git ref> [--rounds N]");
  const rounds = Number(argValue("--rounds") ?? "5");
  if (!Number.isInteger(rounds) || rounds < 1)
    fail(`--rounds must be a positive integer, got ${argValue("--rounds")}`);
  const baseSha = resolveCommit(base) ?? fail(`not a commit here: ${base}`);
  const { sha: headSha, dirty } = head();
  const baseDir = mkdtempSync(join(tmpdir(), "tcplab-bench-base-"));
  try {
    checkOutBase(baseSha, baseDir);
    const load = loadavg()
      .map((x) => x.toFixed(2))
      .join(" / ");
    console.log(
      `base ${baseSha.slice(0, 10)} (${base}) vs head ${headSha.slice(0, 10)}${dirty ? " + uncommitted changes" : ""}`,
    );
    console.log(`${rounds} rounds; load average at start ${load}\n`);
    const values = WORKLOADS.map(() => ({
      base: [] as number[],
      head: [] as number[],
      ratios: [] as number[],
    }));
    for (let r = 0; r < rounds; r++) {
      WORKLOADS.forEach((w, i) => {
        const b = measure(baseDir, w);
        const h = measure(HEAD_DIR, w);
        const v = values[i]!;
        v.base.push(b);
        v.head.push(h);
        v.ratios.push(h / b);
        console.log(`round ${r + 1}: ${w.name}: base ${fmt(b)}, head ${fmt(h)} ${w.unit}`);
      });
    }
    console.log("");
    console.log(
      `| measurement | base ${baseSha.slice(0, 7)} | head ${headSha.slice(0, 7)} | unit | head / base (median of ${rounds} paired rounds) | spread of the ratios |`,
    );
    console.log("|---|---:|---:|---|---:|---|");
    WORKLOADS.forEach((w, i) => {
      const v = values[i]!;
      const lo = Math.min(...v.ratios);
      const hi = Math.max(...v.ratios);
      console.log(
        `| ${w.name} | ${fmt(median(v.base))} | ${fmt(median(v.head))} | ${w.unit} | ${median(v.ratios).toFixed(3)} | ${lo.toFixed(3)}–${hi.toFixed(3)} (${w.higherIsBetter ? "higher is better" : "lower is better"}) |`,
      );
    });
  } finally {
    removeBase(baseDir);
  }
}

main();
