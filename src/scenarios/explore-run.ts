// `tcplab explore` on a scenario: one run of the scenario's main exchange under a fault schedule, judged.
// The faults go into the main run's simulator (targeted faults on the nth segment a host sends); the
// engine invariants are on (src/tcp/invariants.ts, with the peer-side rule: both ends run this engine);
// after the scenario's own run the simulator runs on until idle, and the run is judged:
//
// violations — an engine invariant broken; an exception; a run that never goes idle; a connection left
//   with work to do or an orphan left behind; an application that read bytes its peer never wrote, or
//   read EOF before all of them;
// legitimate outcomes, counted by kind — "clean", or the errors the applications got ("reset",
//   "timeout", "refused"...), and "waiting" for a connection left idle on an application that never
//   closes it (as the scenario itself may leave one).
import {
  explore,
  faultName,
  type ExploreOptions,
  type ExploreReport,
  type ExploreRunResult,
  type PlannedFault,
} from "../sim/explore.js";
import type { FaultAction } from "../sim/faults.js";
import { invariantDefaults, type InvariantSink, type InvariantViolation } from "../tcp/invariants.js";
import type { Trace, TraceEvent } from "../tcp/events.js";
import type { Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import type { World } from "./world.js";

/** Trace events after which a run is declared a runaway (a scenario's main run has a few hundred). */
const EVENT_BUDGET = 200_000;

class RunawayError extends Error {}

/** What one explored run left behind, for the judgement and for printing a counterexample. */
export interface ExploredRun {
  result: ExploreRunResult;
  world: World | null;
  main: ScenarioRun | null;
}

const ACTION: Record<PlannedFault["kind"], FaultAction> = {
  drop: "drop",
  duplicate: "duplicate",
  delay: "delay",
  reorder: "reorder",
};

/** Runs `scenario` once under `faults`. */
export function runScheduled(
  scenario: Scenario,
  base: ScenarioOptions,
  faults: readonly PlannedFault[],
): ExploredRun {
  let world: World | null = null;
  const broken: InvariantViolation[] = [];
  const sink: InvariantSink = { violation: (v) => void broken.push(v), peerRules: true };
  const options: ScenarioOptions = {
    ...base,
    onWorld: (w) => {
      base.onWorld?.(w);
      if (world !== null) return; // the first world is the main run; counterfactuals run unfaulted
      world = w;
      // Delay past the RTO: longer than the initial RTO, the longest a handshake or fresh connection waits.
      const delay = Math.round(1.5 * w.profile().rtoInitial);
      for (const f of faults) {
        w.sim.fault({
          name: `explore: ${faultName(f)}`,
          action: ACTION[f.kind],
          // By predicate, not `from`: the hosts do not exist yet when the world is made.
          match: (_seg, ctx) => ctx.hostIndex === f.index && ctx.from === f.host,
          ...(f.kind === "delay" ? { delay } : {}),
        });
      }
      let events = 0;
      w.trace.subscribe(() => {
        if (++events > EVENT_BUDGET) throw new RunawayError(`more than ${EVENT_BUDGET} trace events`);
      });
    },
  };
  const saved = invariantDefaults.sink;
  invariantDefaults.sink = sink;
  const violations: string[] = [];
  let main: ScenarioRun | null = null;
  try {
    const runs = scenario.run(options);
    main = runs.find((r) => r.role === "main") ?? null;
    const w = world as World | null;
    if (w !== null) {
      const outcome = w.sim.runUntilIdle({ maxEvents: 1_000_000 });
      if (outcome !== "idle") violations.push(`stuck: the run did not go idle (${outcome})`);
    }
  } catch (err) {
    violations.push(
      err instanceof RunawayError
        ? `stuck: ${err.message}`
        : `exception: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
    );
  } finally {
    invariantDefaults.sink = saved;
  }
  const seen = new Set<string>();
  for (const v of broken) {
    const text = `invariant ${v.rule} on ${v.host} at ${v.t} µs: ${v.detail}`;
    if (!seen.has(v.rule + v.host)) violations.push(text);
    seen.add(v.rule + v.host);
  }
  const w = world as World | null;
  if (w === null) {
    return {
      result: { segments: [], key: "no world", outcome: "none", violations: ["the scenario made no world"] },
      world: null,
      main,
    };
  }
  const events = (w.trace as Trace).events;
  const judged = judge(w, events);
  violations.push(...judged.violations);
  return {
    result: { ...canonical(events), outcome: judged.outcome, violations },
    world: w,
    main,
  };
}

/** The legitimate outcome of a run, and what it broke at the end (leftovers, bytes). */
function judge(world: World, events: readonly TraceEvent[]): { outcome: string; violations: string[] } {
  const violations: string[] = [];
  const kinds = new Set<string>();
  const written = new Map<string, number>();
  const read = new Map<string, number>();
  const eof = new Set<string>();
  const failed = new Set<string>();
  for (const e of events) {
    if (e.kind !== "app" || e.conn === null) continue;
    if (e.error !== undefined) {
      kinds.add(errorKind(e.error));
      failed.add(e.conn);
      continue;
    }
    const n = e.detail !== undefined ? /^(\d+) bytes$/.exec(e.detail) : null;
    if (e.call === "write" && n) written.set(e.conn, (written.get(e.conn) ?? 0) + Number(n[1]));
    if (e.call === "read" && n) read.set(e.conn, (read.get(e.conn) ?? 0) + Number(n[1]));
    if (e.call === "read" && e.detail === "EOF") eof.add(e.conn);
  }
  for (const [conn, got] of read) {
    const peer = reverseLabel(conn);
    const sent = written.get(peer) ?? 0;
    if (got > sent) violations.push(`bytes: ${conn} read ${got} bytes, its peer wrote ${sent}`);
    else if (eof.has(conn) && got !== sent && !failed.has(conn) && !failed.has(peer)) {
      violations.push(`bytes: ${conn} read EOF after ${got} of the ${sent} bytes its peer wrote`);
    }
  }
  for (const host of world.hosts.values()) {
    for (const c of host.connections()) {
      const snd = c.snd;
      const work = snd.sndUna !== snd.sndMax || snd.unsent > 0 || (snd.finQueued && !snd.finSent);
      if (work || c.orphaned) {
        violations.push(
          `not ended: ${host.name} ${c.label} left in ${c.state}${c.orphaned ? " (orphan)" : ""}${work ? " with data or a FIN to send" : ""}`,
        );
      } else {
        kinds.add("waiting");
      }
    }
  }
  const outcome = kinds.size === 0 ? "clean" : [...kinds].sort().join("+");
  return { outcome, violations };
}

function errorKind(code: string): string {
  switch (code) {
    case "ECONNRESET":
      return "reset";
    case "ETIMEDOUT":
      return "timeout";
    case "ECONNREFUSED":
      return "refused";
    default:
      return code.toLowerCase();
  }
}

/** "10.0.0.1:40000>10.0.0.2:80" → "10.0.0.2:80>10.0.0.1:40000". */
function reverseLabel(label: string): string {
  const i = label.indexOf(">");
  return `${label.slice(i + 1)}>${label.slice(0, i)}`;
}

/**
 * The run as canonical lines (fault names left out, so equal effects compare equal), hashed: the whole
 * run's key, and for each segment sent the key of everything before it.
 */
function canonical(events: readonly TraceEvent[]): Pick<ExploreRunResult, "key" | "segments"> {
  const segments: ExploreRunResult["segments"] = [];
  const perHost = new Map<string, number>();
  const h = new RollingHash();
  for (const e of events) {
    if (e.kind === "segment-sent") {
      const index = perHost.get(e.host) ?? 0;
      perHost.set(e.host, index + 1);
      segments.push({ host: e.host, index, prefix: h.digest() });
    }
    h.add(line(e));
  }
  return { key: h.digest(), segments };
}

function line(e: TraceEvent): string {
  switch (e.kind) {
    case "segment-sent":
    case "segment-received":
    case "segment-dropped": {
      const s = e.seg;
      const seg = s
        ? `${s.flags}/${s.seq}/${s.ack}/${s.payload.length}/${s.window}/${s.options.timestamp?.val ?? ""}/${s.options.timestamp?.ecr ?? ""}/${s.options.sack?.map((b) => `${b[0]}-${b[1]}`).join(",") ?? ""}`
        : "-";
      const extra = e.kind === "segment-sent" ? e.why : e.kind === "segment-dropped" ? e.reason : "";
      return `${e.kind}|${e.t}|${e.host}|${seg}|${extra}`;
    }
    case "network":
      return `network|${e.t}|${e.action}|${e.from}|${e.to}|${e.reason ?? ""}|${e.fault ? "fault" : ""}`;
    case "state":
      return `state|${e.t}|${e.host}|${e.conn}|${e.to}|${e.cause}`;
    case "timer":
      return `timer|${e.t}|${e.host}|${e.timer}|${e.action}|${e.deadline ?? ""}`;
    case "app":
      return `app|${e.t}|${e.host}|${e.call}|${e.detail ?? ""}|${e.error ?? ""}`;
    default:
      return `${e.kind}|${e.t}|${e.host}`;
  }
}

/** Two FNV-1a lanes over the lines: 64 bits, plenty for a few thousand runs. */
class RollingHash {
  private a = 0x811c9dc5;
  private b = 0x01000193 ^ 0x5bd1e995;

  add(text: string): void {
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
    }
    a = Math.imul(a ^ 10, 0x01000193);
    this.a = a;
    this.b = b;
  }

  digest(): string {
    return `${(this.a >>> 0).toString(16)}${(this.b >>> 0).toString(16).padStart(8, "0")}`;
  }
}

/** Explores the fault schedules of a scenario's main run. */
export function exploreScenario(
  scenario: Scenario,
  base: ScenarioOptions,
  options: ExploreOptions,
): ExploreReport {
  return explore((faults) => runScheduled(scenario, base, faults).result, options);
}
