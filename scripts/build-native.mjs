#!/usr/bin/env node
// Builds the TUN addon (binding.gyp, native/) during `npm install`.
// The addon only serves the Linux TUN features (src/tun); everything else in tcplab is pure
// TypeScript. So a failed build must not fail the install: it prints why and exits 0, and the TUN
// features later refuse to start with ERR_TCPLAB_TUN_UNAVAILABLE, naming the same cause.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function warn(lines) {
  process.stderr.write(
    ["", "the TUN addon was not built; the TUN features (tcplab tun ...) will be unavailable.", ...lines, ""]
      .map((l) => (l ? `tcplab: ${l}` : ""))
      .join("\n") + "\n",
  );
}

/** node-gyp: the copy npm hands to scripts, else the one bundled with npm, else one on PATH. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  if (process.env.npm_execpath)
    candidates.push(
      join(dirname(process.env.npm_execpath), "..", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    );
  candidates.push(
    join(
      dirname(process.execPath),
      "..",
      "lib",
      "node_modules",
      "npm",
      "node_modules",
      "node-gyp",
      "bin",
      "node-gyp.js",
    ),
  );
  for (const c of candidates) if (existsSync(c)) return { command: process.execPath, args: [c] };
  return { command: "node-gyp", args: [] };
}

/**
 * Where Node's headers are. node-gyp would otherwise download them, which fails offline; a
 * distribution's Node (/usr/bin/node) keeps them in /usr/include/node.
 */
function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = join(dirname(process.execPath), "..");
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? prefix : undefined;
}

function main() {
  if (process.env.TCPLAB_SKIP_NATIVE) {
    warn(["TCPLAB_SKIP_NATIVE is set."]);
    return;
  }
  if (process.platform !== "linux") {
    warn([`TUN devices are a Linux feature; this is ${process.platform}.`]);
    return;
  }
  const gyp = findNodeGyp();
  const nodedir = findNodeDir();
  const args = [...gyp.args, "rebuild", ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  const r = spawnSync(gyp.command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  if (r.error || r.status !== 0) {
    const output = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-15);
    warn([
      r.error ? `could not run node-gyp: ${r.error.message}` : `node-gyp exited with status ${r.status}:`,
      ...output.map((l) => `  ${l}`),
      "It needs a C compiler (gcc), make, python3 and Node's headers (--nodedir or npm_config_nodedir).",
      "Retry with: node scripts/build-native.mjs",
    ]);
    return;
  }
  process.stdout.write("tcplab: built the TUN addon (build/Release/tcplab_tun.node)\n");
}

main();
