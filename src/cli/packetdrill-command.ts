// `tcplab packetdrill [options] FILE...`: run packetdrill scripts against our engine (--target sim, the
// default, virtual time) or against Linux itself (--target kernel: a private network namespace and a TUN
// device). Exit 0 when every script passes, 1 when any fails (or is UNSUPPORTED), 2 for bad usage or a
// script that does not parse (with its line and column).
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { runPacketdrillFile, type PacketdrillOptions, type ScriptResult } from "../packetdrill/index.js";
import { UsageError } from "./scenario-options.js";

interface RawOptions {
  target: string;
  tolerance_usecs?: string;
  tolerance_percent?: string;
  json?: boolean;
  ladder?: boolean;
  ipVersion?: string;
}

/** --ip-version 4|6 (also packetdrill's own spellings ipv4 and ipv6). */
function ipVersionOf(v: string | undefined): 4 | 6 | undefined {
  if (v === undefined) return undefined;
  if (v === "4" || v === "ipv4") return 4;
  if (v === "6" || v === "ipv6") return 6;
  throw new UsageError(`--ip-version must be 4 or 6, got ${JSON.stringify(v)}`);
}

function number(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`--${name} must be a non-negative number, got ${JSON.stringify(v)}`);
  return n;
}

/** One result as text: the verdict, then for a FAIL the script line, what happened and when. */
export function renderPacketdrillResult(r: ScriptResult): string {
  const where = r.line !== undefined ? `:${r.line}${r.column !== undefined ? `:${r.column}` : ""}` : "";
  switch (r.result) {
    case "PASS":
      return `PASS ${r.file}\n`;
    case "FAIL":
      return (
        `FAIL ${r.file}${where}\n` +
        `  expected: ${r.expected ?? ""}\n` +
        `  actual:   ${r.actual ?? ""}\n` +
        `  ${r.detail ?? ""}${r.time !== undefined ? ` (at ${r.time.toFixed(6)} s)` : ""}\n`
      );
    case "UNSUPPORTED":
      return `UNSUPPORTED ${r.file}${where}: ${r.reason ?? ""}\n`;
    case "ERROR":
      return `ERROR ${r.file}${where}: ${r.reason ?? ""}\n`;
  }
}

export async function executePacketdrill(
  files: string[],
  raw: RawOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  if (raw.target !== "sim" && raw.target !== "kernel") {
    throw new UsageError(`--target must be sim or kernel, got ${JSON.stringify(raw.target)}`);
  }
  for (const f of files) if (!existsSync(f)) throw new UsageError(`no such script: ${f}`);
  const toleranceUsecs = number("tolerance_usecs", raw.tolerance_usecs);
  const tolerancePercent = number("tolerance_percent", raw.tolerance_percent);
  const ipVersion = ipVersionOf(raw.ipVersion);
  const options: PacketdrillOptions = {
    target: raw.target,
    ...(ipVersion !== undefined ? { ipVersion } : {}),
    ...(toleranceUsecs !== undefined ? { toleranceUsecs } : {}),
    ...(tolerancePercent !== undefined ? { tolerancePercent } : {}),
    ...(raw.ladder ? { ladder: true } : {}),
  };
  if (raw.ladder && raw.target === "kernel") {
    throw new UsageError("--ladder draws our engine's trace: it needs --target sim");
  }
  if (raw.target === "kernel") {
    const { makeKernelTarget } = await import("../packetdrill/kernel-target.js");
    options.kernelTarget = makeKernelTarget;
  }
  const results: ScriptResult[] = [];
  for (const file of files) {
    const r = await runPacketdrillFile(file, options);
    results.push(r);
    if (!raw.json) {
      out.write(renderPacketdrillResult(r));
      if (r.ladder) out.write(`${r.ladder}\n`);
    }
  }
  if (raw.json) {
    out.write(
      JSON.stringify(
        results.map((r) => ({
          file: r.file,
          target: r.target,
          result: r.result,
          line: r.line ?? null,
          expected: r.expected ?? null,
          actual: r.actual ?? null,
          time: r.time ?? null,
          ...(r.column !== undefined ? { column: r.column } : {}),
          ...(r.detail !== undefined ? { detail: r.detail } : {}),
          ...(r.reason !== undefined ? { reason: r.reason } : {}),
          ...(r.ladder !== undefined ? { ladder: r.ladder } : {}),
        })),
      ) + "\n",
    );
  }
  if (results.some((r) => r.result === "ERROR")) return 2;
  return results.every((r) => r.result === "PASS") ? 0 : 1;
}

export function registerPacketdrillCommand(program: Command): void {
  program
    .command("packetdrill")
    .description(
      "Run packetdrill scripts against our engine (--target sim, virtual time) or against Linux's own TCP (--target kernel, root). Exit 0 if all pass, 1 if any fails, 2 for usage or parse errors. See docs/packetdrill.md.",
    )
    .argument("<files...>", "packetdrill scripts (.pkt)")
    .option(
      "--target <target>",
      "sim (our engine, the linux profile, virtual time) or kernel (Linux, in a private network namespace)",
      "sim",
    )
    .option("--tolerance_usecs <usecs>", "timing tolerance in microseconds (packetdrill's default: 4000)")
    .option(
      "--tolerance_percent <percent>",
      "tolerance as a share of the time since the previous event (default 12.5)",
    )
    .option(
      "--ip-version <4|6>",
      "6: the script over IPv6 (AF_INET6 sockets, fd3d:a0b:17d6::1 ↔ fd3d:fa7b:d17d::1, MTU 1520, as Linux's packetdrill runs)",
    )
    .option("--json", "print an array of {file, target, result, line, expected, actual, time}")
    .option("--ladder", "print our ladder diagram of each run (sim)")
    .action(async (files: string[], raw: RawOptions) => {
      process.exitCode = await executePacketdrill(files, raw, process.stdout);
    });
}
