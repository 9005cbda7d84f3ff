// Profile one benchmark workload, or summarise a profile `node --cpu-prof` wrote:
//
//   node --expose-gc --import tsx bench/profile.ts bulk-1500 [--out=bulk.cpuprofile] [--top=30]
//   node --import tsx bench/profile.ts --summary CPU.xxxx.cpuprofile
//
// Workloads: bulk-1500, bulk-65535, lifecycles, loaded (--quick: a tenth of the load). A warm-up pass runs first, unprofiled, so the
// profile shows the optimised hot path rather than the JIT compiling it.
import { readFileSync, writeFileSync } from "node:fs";
import { profile, selfTimes, selfTimesByFile, type CpuProfile } from "./cpu-profile.js";
import { buildLoaded, bulk, lifecycles, runLifecycles, type Loaded } from "./workloads.js";

const quick = process.argv.includes("--quick");
let loaded: Loaded | null = null;

const WORKLOADS: Record<string, { warm: () => unknown; run: () => unknown }> = {
  "bulk-1500": { warm: () => bulk(1500, 50e6), run: () => bulk(1500, 300e6) },
  "bulk-65535": { warm: () => bulk(65535, 50e6), run: () => bulk(65535, 1000e6) },
  lifecycles: { warm: () => lifecycles(5_000), run: () => lifecycles(50_000) },
  // 1,000 lifecycles through a host holding 100,000 idle connections and 1,000,000 TIME_WAIT records.
  loaded: {
    warm: () => (loaded = quick ? buildLoaded(10_000, 100_000) : buildLoaded(100_000, 1_000_000)),
    run: () => runLifecycles((loaded as Loaded).pair, 80, 1_000, 100),
  },
};

function option(name: string): string | undefined {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg?.slice(name.length + 3);
}

function print(p: CpuProfile, top: number): void {
  const times = selfTimes(p);
  console.log("self time per function:");
  for (const t of times.slice(0, top)) {
    console.log(
      `${(t.share * 100).toFixed(1).padStart(5)} %  ${t.ms.toFixed(0).padStart(6)} ms  ${t.name}  ${t.where}`,
    );
  }
  console.log("\nself time per file:");
  for (const f of selfTimesByFile(times).slice(0, 15)) {
    console.log(`${(f.share * 100).toFixed(1).padStart(5)} %  ${f.ms.toFixed(0).padStart(6)} ms  ${f.file}`);
  }
}

async function main(): Promise<void> {
  const top = Number(option("top") ?? 30);
  const summary = process.argv.indexOf("--summary");
  if (summary >= 0) {
    const file = process.argv[summary + 1];
    if (!file) throw new Error("--summary needs a .cpuprofile file");
    print(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, top);
    return;
  }
  const name = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "bulk-1500";
  const w = WORKLOADS[name];
  if (!w) throw new Error(`unknown workload ${name}; one of ${Object.keys(WORKLOADS).join(", ")}`);
  w.warm();
  const { result, profile: p } = await profile(w.run);
  console.log(result);
  const out = option("out");
  if (out) writeFileSync(out, JSON.stringify(p));
  print(p, top);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
