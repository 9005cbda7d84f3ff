// `npm run bench:instructions -- [--base <git ref>] [--workload segments|lifecycles] [--top N]`: machine
// instructions per MTU 1500 segment (or per connection lifecycle), counted by valgrind's callgrind and
// split by function — this checkout's engine, and another commit's beside it.
//
// Why: on a shared machine the same code's CPU time moves by up to 2× from one run to the next (see
// docs/benchmarks.md), so a change worth 5 % cannot be seen in seconds. Instructions can: callgrind counts
// them whatever else the machine does, and V8's --predictable (no concurrent compiler or GC threads, fixed
// hash and random seeds) keeps the JIT's choices nearly the same from run to run. Two runs of different
// lengths are counted and subtracted, so start-up, module loading and most compilations cancel out: what
// is left is the steady cost of one more segment (or lifecycle). The JavaScript and builtin part repeats
// to within a few percent (docs/benchmarks.md); the runtime's C++ (compilations, GC) does not, and is
// shown apart. Functions are named from V8's perf map (--perf-basic-prof): a function inlined into
// another counts as its caller, as in any sampling profile.
//
// Instructions are not time (cache misses and mispredicted branches cost cycles too), but over these
// workloads the two have moved together (docs/benchmarks.md).
//
//   npm run bench:instructions                               this checkout, per segment
//   npm run bench:instructions -- --base 57d9d4c             side by side with that commit
//   npm run bench:instructions -- --workload lifecycles --base main~1
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selfInstructions } from "./callgrind.js";
import { argValue, checkOutBase, HEAD_DIR, head, removeBase, resolveCommit } from "./checkouts.js";

interface Workload {
  unit: string;
  /** Units of work in the short and the long run. */
  sizes: [number, number];
  /** Child module: warms the workload up, then runs `n` units; prints the units done on its last line. */
  source: (workloads: string, n: number) => string;
}

const WORKLOADS: Record<string, Workload> = {
  // Megabytes of a bulk transfer; the unit is every segment both hosts sent.
  segments: {
    unit: "segment (MTU 1500, both directions)",
    sizes: [40, 120],
    source: (w, n) =>
      `import { bulk } from ${JSON.stringify(w)}; for (let i = 0; i < 3; i++) bulk(1500, 5e6); console.log(bulk(1500, ${n} * 1e6).segments);`,
  },
  lifecycles: {
    unit: "connection lifecycle (connect, 100 B each way, close)",
    sizes: [5000, 15000],
    source: (w, n) =>
      `import { lifecycles } from ${JSON.stringify(w)}; for (let i = 0; i < 3; i++) lifecycles(3000); lifecycles(${n}); console.log(${n});`,
  },
};

function fail(message: string): never {
  console.error(`ERR_TCPLAB_BENCH_INSTRUCTIONS: ${message}`);
  process.exit(2);
}

interface Count {
  units: number;
  /** Instructions per function name (JS functions by name and file, builtins, "runtime" for C++). */
  byFunction: Map<string, number>;
}

/** One callgrind run of `n` units of the workload in `dir`. */
function countRun(dir: string, work: Workload, n: number, scratch: string, tag: string): Promise<Count> {
  const out = join(scratch, `${tag}.callgrind`);
  const source = work.source(join(dir, "bench", "workloads.ts"), n);
  const args = [
    "--tool=callgrind",
    "--dump-instr=yes",
    `--callgrind-out-file=${out}`,
    "--smc-check=all-non-file", // V8 writes machine code at run time
    process.execPath,
    "--predictable",
    "--hash-seed=1",
    "--random-seed=1",
    "--perf-basic-prof",
    `--logfile=${join(scratch, `${tag}.v8.log`)}`,
    "--no-logfile-per-isolate",
    "--import",
    "tsx",
    "--input-type=module",
    "-e",
    source,
  ];
  return new Promise((resolveRun, reject) => {
    const child = spawn("valgrind", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (e) => reject(e));
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`valgrind exited with ${code} in ${dir}: ${stderr.slice(-600)}`));
        return;
      }
      const units = Number(stdout.trim().split("\n").pop());
      const pid = /^==(\d+)==/m.exec(stderr)?.[1];
      const map = pid ? `/tmp/perf-${pid}.map` : "";
      if (!Number.isFinite(units) || !existsSync(map)) {
        reject(new Error(`no unit count or perf map from the run in ${dir}: ${stdout.slice(-200)}`));
        return;
      }
      try {
        resolveRun({
          units,
          byFunction: selfInstructions(readFileSync(out, "utf8"), readFileSync(map, "utf8")),
        });
      } finally {
        rmSync(map, { force: true });
        rmSync(out, { force: true });
      }
    });
  });
}

/** Instructions per unit between a short and a long run, per function. */
function marginal(short: Count, long: Count): Map<string, number> {
  const units = long.units - short.units;
  const out = new Map<string, number>();
  for (const k of new Set([...short.byFunction.keys(), ...long.byFunction.keys()])) {
    out.set(k, ((long.byFunction.get(k) ?? 0) - (short.byFunction.get(k) ?? 0)) / units);
  }
  return out;
}

function total(m: Map<string, number>, pick: (k: string) => boolean = () => true): number {
  let t = 0;
  for (const [k, v] of m) if (pick(k)) t += v;
  return t;
}

async function measureTree(
  dir: string,
  work: Workload,
  scratch: string,
  tag: string,
): Promise<Map<string, number>> {
  // The two runs of a tree at once: callgrind runs a program on one core.
  const [short, long] = await Promise.all([
    countRun(dir, work, work.sizes[0], scratch, `${tag}-short`),
    countRun(dir, work, work.sizes[1], scratch, `${tag}-long`),
  ]);
  return marginal(short, long);
}

async function main(): Promise<void> {
  const name = argValue("--workload") ?? "segments";
  const work = WORKLOADS[name];
  if (!work) fail(`--workload is one of ${Object.keys(WORKLOADS).join(", ")}, got ${name}`);
  const top = Number(argValue("--top") ?? "30");
  if (!Number.isInteger(top) || top < 1) fail(`--top must be a positive integer, got ${argValue("--top")}`);
  try {
    execFileSync("valgrind", ["--version"], { stdio: "ignore" });
  } catch {
    fail("valgrind is not installed (Debian: apt-get install valgrind)");
  }
  const base = argValue("--base");
  const baseSha = base ? (resolveCommit(base) ?? fail(`not a commit here: ${base}`)) : undefined;
  const { sha: headSha, dirty } = head();
  const scratch = mkdtempSync(join(tmpdir(), "tcplab-instructions-"));
  const baseDir = baseSha ? join(scratch, "base") : undefined;
  try {
    if (baseDir && baseSha) checkOutBase(baseSha, baseDir);
    console.log(
      `instructions per ${work.unit}: head ${headSha.slice(0, 10)}${dirty ? " + uncommitted changes" : ""}` +
        (baseSha ? ` against base ${baseSha.slice(0, 10)} (${base})` : ""),
    );
    console.log(
      `(callgrind, node --predictable; ${work.sizes[1]} minus ${work.sizes[0]} units; takes a few minutes)\n`,
    );
    const head = await measureTree(HEAD_DIR, work, scratch, "head");
    const baseM = baseDir ? await measureTree(baseDir, work, scratch, "base") : undefined;
    const isJs = (k: string) =>
      !k.startsWith("Builtin:") && !k.startsWith("runtime") && !k.startsWith("code:");
    const builtin = (k: string) => k.startsWith("Builtin:");
    const rows: Array<[string, (m: Map<string, number>) => number]> = [
      ["JavaScript (the engine, the simulator, the workload)", (m) => total(m, isJs)],
      ["V8 builtins (typed-array views, array pushes, write barriers)", (m) => total(m, builtin)],
      ["**JavaScript and builtins: the steady work**", (m) => total(m, (k) => isJs(k) || builtin(k))],
      // The JIT's compilations land in the short or the long run depending on when they happen: this part
      // does not repeat from run to run, so it is shown apart and left out of the line above.
      ["runtime C++ (GC, compiler, libc; not repeatable)", (m) => total(m, (k) => !isJs(k) && !builtin(k))],
    ];
    const fmt = (v: number) => v.toFixed(0);
    if (baseM) {
      console.log(`| | base ${baseSha!.slice(0, 7)} | head ${headSha.slice(0, 7)} | head / base |`);
      console.log("|---|---:|---:|---:|");
      for (const [label, f] of rows)
        console.log(`| ${label} | ${fmt(f(baseM))} | ${fmt(f(head))} | ${(f(head) / f(baseM)).toFixed(3)} |`);
    } else {
      console.log("| | head |\n|---|---:|");
      for (const [label, f] of rows) console.log(`| ${label} | ${fmt(f(head))} |`);
    }
    console.log(
      `\nThe ${top} functions with the most instructions per unit (self; what is inlined counts as its caller):\n`,
    );
    const keys = [...new Set([...head.keys(), ...(baseM?.keys() ?? [])])]
      .filter((k) => !k.startsWith("runtime"))
      .sort(
        (a, b) =>
          Math.max(head.get(b) ?? 0, baseM?.get(b) ?? 0) - Math.max(head.get(a) ?? 0, baseM?.get(a) ?? 0),
      )
      .slice(0, top);
    console.log(baseM ? "| function | base | head |\n|---|---:|---:|" : "| function | head |\n|---|---:|");
    for (const k of keys) {
      const h = fmt(head.get(k) ?? 0);
      console.log(baseM ? `| ${k} | ${fmt(baseM.get(k) ?? 0)} | ${h} |` : `| ${k} | ${h} |`);
    }
  } finally {
    if (baseDir) removeBase(baseDir);
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
