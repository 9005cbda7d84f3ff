// Shared by the packetdrill runner tests: the runner's scripts and what each must give, and runs on the
// kernel target (with packetdrill's retry on timing).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runPacketdrillFile, type ScriptResult } from "../../src/packetdrill/index.js";
import { makeKernelTarget } from "../../src/packetdrill/kernel-target.js";
import { loadTunAddon, tunAvailability } from "../../src/tun/addon.js";

export const SCRIPT_DIR = new URL("./scripts/", import.meta.url).pathname;

export interface Expectation {
  file: string;
  result: ScriptResult["result"];
  line?: number;
  column?: number;
}

export function expectations(): Expectation[] {
  return readdirSync(SCRIPT_DIR)
    .filter((f) => f.endsWith(".pkt"))
    .sort()
    .map((f) => {
      const first = readFileSync(join(SCRIPT_DIR, f), "utf8").split("\n")[0]!;
      const m = /^\/\/ runner-expect: (PASS|FAIL|ERROR|UNSUPPORTED)(?: (\d+)(?::(\d+))?)?$/.exec(first);
      if (!m) throw new Error(`${f}: first line must be // runner-expect: RESULT [line[:column]]`);
      return {
        file: join(SCRIPT_DIR, f),
        result: m[1] as ScriptResult["result"],
        ...(m[2] ? { line: Number(m[2]) } : {}),
        ...(m[3] ? { column: Number(m[3]) } : {}),
      };
    });
}

export function checkResult(r: ScriptResult, e: Expectation): void {
  const why = `${e.file}: ${JSON.stringify(r)}`;
  assert.equal(r.result, e.result, why);
  if (e.line !== undefined) assert.equal(r.line, e.line, why);
  if (e.column !== undefined) assert.equal(r.column, e.column, why);
  if (r.result === "FAIL") {
    assert.ok(
      r.expected && r.actual && r.detail && r.time !== undefined,
      `a FAIL says what and when: ${why}`,
    );
  }
}

/** Why the kernel target cannot run here, or undefined when it can. */
export function kernelSkipReason(): string | undefined {
  const avail = tunAvailability();
  if (!avail.ok) return `--target kernel needs root, /dev/net/tun and the addon: ${avail.message}`;
  const addon = loadTunAddon() as unknown as { socketCall?: unknown };
  if (typeof addon.socketCall !== "function") return "the native addon has no socketCall (rebuild it)";
  return undefined;
}

/**
 * A run on the kernel target, tried again (at most three times in all) when it differs from what is
 * wanted on timing alone: real time on a loaded machine can be late by more than packetdrill's 4 ms, and
 * packetdrill's own users retry such runs the same way. A script written to fail late or missing still
 * has to fail at its line every time. `retryToleranceUsecs` widens the tolerance of the retries (never the
 * first run): for scripts whose timing claims are coarser than a loaded machine's lateness.
 * `retryAny`: try again on any difference, not only a timing one — for scripts that must pass on Linux,
 * where a timer that fired late or early on a loaded machine shows up as other flags or another segment
 * (a FIN retransmitted before the injected ACK was processed), which packetdrill cannot tell from a
 * wrong script. `attempts` reports how many runs it took.
 */
export async function runOnKernel(
  file: string,
  wanted: (r: ScriptResult) => boolean,
  retryToleranceUsecs?: number,
  retryAny = false,
  attempts: { count: number } = { count: 0 },
): Promise<ScriptResult> {
  let r: ScriptResult | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    attempts.count = attempt + 1;
    const tolerance =
      attempt > 0 && retryToleranceUsecs !== undefined ? { toleranceUsecs: retryToleranceUsecs } : {};
    r = await runPacketdrillFile(file, { target: "kernel", kernelTarget: makeKernelTarget, ...tolerance });
    if (wanted(r)) return r;
    if (!retryAny && !/^timing error|not sent by|had not returned/.test(r.detail ?? "")) return r;
  }
  return r!;
}
