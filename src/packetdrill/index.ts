// `tcplab packetdrill`: run packetdrill scripts against our engine (--target sim) or Linux (--target kernel).
import { readFileSync } from "node:fs";
import { parseScript } from "./parser.js";
import {
  applyScriptOptions,
  DEFAULT_CONFIG,
  DEFAULT_SYSCTLS,
  type RunConfig,
  type Sysctl,
} from "./environment.js";
import { PacketdrillParseError, PacketdrillUnsupported } from "./errors.js";
import { profileOverrides, runAddresses, runScript, scriptSysctls, type ScriptResult } from "./runner.js";
import { SimTarget } from "./sim-target.js";
import type { Target } from "./target.js";
import { renderLadder } from "../trace/ladder.js";

export type { ScriptResult, Verdict } from "./runner.js";
export { parseScript } from "./parser.js";
export { PacketdrillParseError, PacketdrillUnsupported, PacketdrillTargetError } from "./errors.js";

export interface PacketdrillOptions {
  target?: "sim" | "kernel";
  toleranceUsecs?: number;
  tolerancePercent?: number;
  /** Attach our ladder of the run (sim only: the engine's trace). */
  ladder?: boolean;
  /** packetdrill's --ip_version: 4 (default) or 6 (IPv6 on the wire, AF_INET6 sockets, MTU 1520). */
  ipVersion?: 4 | 6;
  /** Makes the kernel target (kept out of this module so the sim path never loads the native addon). */
  kernelTarget?: (config: RunConfig, sysctls: Sysctl[]) => Promise<Target>;
}

/** Runs one script text; never throws for a bad script (ERROR with line and column, or UNSUPPORTED). */
export async function runPacketdrillText(
  file: string,
  text: string,
  options: PacketdrillOptions = {},
): Promise<ScriptResult> {
  const targetName = options.target ?? "sim";
  const base = { file, target: targetName };
  let script;
  let config: RunConfig;
  // sim: defaults.sh and the script's sysctls as profile overrides; kernel: the sysctls themselves.
  let overrides: Record<string, unknown> = {};
  let sysctls: Sysctl[] = [];
  try {
    script = parseScript(text);
    config = applyScriptOptions(script, {
      ...DEFAULT_CONFIG,
      ...(options.toleranceUsecs !== undefined ? { toleranceUsecs: options.toleranceUsecs } : {}),
      ...(options.tolerancePercent !== undefined ? { tolerancePercent: options.tolerancePercent } : {}),
      ...(options.ipVersion !== undefined ? { ipVersion: options.ipVersion } : {}),
    });
    if (targetName === "sim") overrides = profileOverrides(script);
    else
      sysctls = [
        ...DEFAULT_SYSCTLS.map(([name, value]) => ({ name, value, line: 0 })),
        ...scriptSysctls(script),
      ];
  } catch (err) {
    if (err instanceof PacketdrillParseError) {
      return { ...base, result: "ERROR", line: err.line, column: err.column, reason: err.detail };
    }
    if (err instanceof PacketdrillUnsupported) {
      return { ...base, result: "UNSUPPORTED", line: err.line, reason: err.reason };
    }
    throw err;
  }
  if (targetName === "kernel") {
    if (!options.kernelTarget) throw new Error("no kernel target available");
    let target: Target;
    try {
      target = await options.kernelTarget(config, sysctls);
    } catch (err) {
      if (err instanceof PacketdrillUnsupported) {
        return { ...base, result: "UNSUPPORTED", line: err.line, reason: err.reason };
      }
      throw err;
    }
    return runScript(file, script, target, config);
  }
  const addresses = runAddresses(config.ipVersion);
  const sim = new SimTarget(addresses, overrides, {
    trace: options.ladder === true,
    mtu: config.mtu,
  });
  const result = await runScript(file, script, sim, config);
  if (options.ladder && sim.trace) {
    result.ladder = renderLadder(sim.trace.events, {
      hosts: [
        { name: "tcplab", address: addresses.local },
        { name: "packetdrill", address: addresses.remote },
      ],
    });
  }
  return result;
}

export async function runPacketdrillFile(
  file: string,
  options: PacketdrillOptions = {},
): Promise<ScriptResult> {
  return runPacketdrillText(file, readFileSync(file, "utf8"), options);
}
