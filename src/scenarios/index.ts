// Every named scenario, in the order of the seed spec (S1–S16; S17 is the host-inspection command), and
// running one with its verdict.
import type { Scenario, ScenarioOptions, ScenarioResult } from "./types.js";
import { allStates } from "./s01-all-states.js";
import { threeWayHandshake } from "./s02-three-way-handshake.js";
import { fourWayClose } from "./s03-four-way-close.js";
import { halfClose } from "./s04-half-close.js";
import { simultaneousClose } from "./s05-simultaneous-close.js";
import { lostFinalAck } from "./s06-lost-final-ack.js";
import { noTimeWait } from "./s07-no-time-wait.js";
import { reconnectIntoLastAck } from "./s08-reconnect-into-last-ack.js";
import { oldDuplicate } from "./s09-old-duplicate.js";
import { bestEffort } from "./s10-best-effort.js";
import { delayedAckOvertaken } from "./s11-delayed-ack-overtaken.js";
import { whyTwoMsl } from "./s12-why-2msl.js";
import { portHeld } from "./s13-port-held.js";
import { portExhaustion } from "./s14-port-exhaustion.js";
import { closeWaitPileup } from "./s15-close-wait-pileup.js";
import { synFlood } from "./s16-syn-flood.js";

export * from "./types.js";

export const SCENARIOS: readonly Scenario[] = [
  allStates,
  threeWayHandshake,
  fourWayClose,
  halfClose,
  simultaneousClose,
  lostFinalAck,
  noTimeWait,
  reconnectIntoLastAck,
  oldDuplicate,
  bestEffort,
  delayedAckOvertaken,
  whyTwoMsl,
  portHeld,
  portExhaustion,
  closeWaitPileup,
  synFlood,
];

/** By id ("S3", "s3", "3") or by name ("four-way-close"). */
export function findScenario(key: string): Scenario | undefined {
  const k = key.trim().toLowerCase();
  return SCENARIOS.find((s) => s.name === k || s.id.toLowerCase() === k || s.id.slice(1) === k);
}

export function runScenario(scenario: Scenario, options: ScenarioOptions): ScenarioResult {
  // A fresh options object per call: World numbers a call's runs by it (world.ts).
  const runs = scenario.run({ ...options });
  return { scenario, options, runs, passed: runs.every((r) => r.checks.every((c) => c.pass)) };
}
