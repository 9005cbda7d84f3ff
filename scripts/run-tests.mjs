#!/usr/bin/env node
// Runs every test file under test/ with Node's own test runner (through tsx for TypeScript).
// Node 20's --test does not expand globs itself, so the files are listed here.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (name === "fixtures" || name === "golden") continue;
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : collect("test");
const reporter = process.env.TEST_REPORTER ?? "spec";

// Files that hold Linux's own timers to packetdrill's few-millisecond tolerance in real time run first and
// alone: beside another test file on a 2-core machine they would measure our load, not Linux.
const ALONE = ["test/packetdrill-runner/corpus-kernel.test.ts"];
const alone = files.filter((f) => ALONE.includes(f.replaceAll("\\", "/")));
const together = files.filter((f) => !alone.includes(f));

function run(list, concurrency) {
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      // Engine invariants on in every test (src/tcp/invariants.ts); benchmarks do not load this.
      "--import",
      "./test/setup/engine-invariants.ts",
      "--test",
      `--test-reporter=${reporter}`,
      `--test-concurrency=${concurrency}`,
      ...list,
    ],
    { stdio: "inherit" },
  );
  return r.status ?? 1;
}

const first = alone.length > 0 ? run(alone, 1) : 0;
const rest = together.length > 0 ? run(together, 2) : 0;
process.exit(first !== 0 ? first : rest);
