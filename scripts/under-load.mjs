#!/usr/bin/env node
// Runs a command while busy loops keep every core busy, then stops them: the check that the suite does not
// depend on wall-clock timing that load can break (docs/reliability.md, "Green under load").
//   node scripts/under-load.mjs [--busy N] -- npm test
// N defaults to the number of cores. The loops are this script's children and end with it, even on Ctrl-C.
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";

const args = process.argv.slice(2);
const dash = args.indexOf("--");
const own = dash === -1 ? [] : args.slice(0, dash);
const command = dash === -1 ? args : args.slice(dash + 1);
const busyAt = own.indexOf("--busy");
const busy = busyAt === -1 ? availableParallelism() : Number(own[busyAt + 1]);
if (command.length === 0 || !Number.isSafeInteger(busy) || busy < 0) {
  console.error("usage: node scripts/under-load.mjs [--busy N] -- <command> [args...]");
  process.exit(2);
}

const loops = Array.from({ length: busy }, () =>
  spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }),
);
const stopLoops = () => {
  for (const loop of loops) loop.kill("SIGKILL");
};
process.on("exit", stopLoops);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));

console.error(
  `under-load: ${busy} busy loop(s) (pids ${loops.map((l) => l.pid).join(", ")}) while: ${command.join(" ")}`,
);
const started = Date.now();
const child = spawn(command[0], command.slice(1), { stdio: "inherit" });
child.on("exit", (code, signal) => {
  const seconds = Math.round((Date.now() - started) / 1000);
  console.error(`under-load: ${command.join(" ")} exited ${signal ?? code} after ${seconds} s`);
  process.exit(code ?? 1);
});
