// The free lab: two hosts, A (10.0.0.1) and P (10.0.0.2), on one link with the page's conditions, and a
// script of application calls at virtual times that the learner builds with buttons. The script is the
// state (it lives in the URL as `lab=5ms:A:write`), and every change re-runs it from time 0 on the real
// engine — deterministic, so the picture only grows by what the new call caused.
import { World } from "../../src/scenarios/world.js";
import { tryConnect, tryListen, type AppConnection } from "../../src/scenarios/app.js";
import type { ScenarioOptions, ScenarioRun } from "../../src/scenarios/types.js";
import { parseDuration, formatDuration } from "../../src/trace/duration.js";
import { UsageError } from "../../src/cli/scenario-options.js";
import { urlDuration } from "./url-state.js";

export const LAB_HOSTS = ["A", "P"] as const;
export type LabHost = (typeof LAB_HOSTS)[number];
export const LAB_CALLS = ["listen", "connect", "write", "shutdown", "close", "abort"] as const;
export type LabCall = (typeof LAB_CALLS)[number];

export type LabAction = { t: number; host: LabHost; call: LabCall } | { t: number; call: "wait" };

const ADDRESS: Record<LabHost, string> = { A: "10.0.0.1", P: "10.0.0.2" };
const PORT = 80;

export function parseLabScript(lines: readonly string[]): LabAction[] {
  let last = 0;
  return lines.map((line) => {
    const [time = "", a = "", b] = line.split(":");
    const t = parseDuration(time);
    if (t < last)
      throw new UsageError(
        `lab=${line}: the script's times must not go back (${formatDuration(last)} before)`,
      );
    last = t;
    if (a === "wait" && b === undefined) return { t, call: "wait" };
    if (!(LAB_HOSTS as readonly string[]).includes(a) || !(LAB_CALLS as readonly string[]).includes(b ?? ""))
      throw new UsageError(
        `lab=${line}: expected time:host:call (host A or P; call ${LAB_CALLS.join(", ")}) or time:wait`,
      );
    return { t, host: a as LabHost, call: b as LabCall };
  });
}

export function labLine(a: LabAction): string {
  const t = urlDuration(a.t);
  return a.call === "wait" ? `${t}:wait` : `${t}:${a.host}:${a.call}`;
}

export interface LabResult {
  run: ScenarioRun;
  /** The lab's current virtual time: the last action's. */
  now: number;
  /** When nothing would happen any more (every timer run out), from `now`. */
  quietAt: number;
  /** Each host's application connection at `now`, if any, and its TCP state. */
  apps: Record<LabHost, string | null>;
}

export function runLab(script: readonly LabAction[], options: ScenarioOptions): LabResult {
  const build = (): { world: World; apps: Map<LabHost, AppConnection> } => {
    // A fresh options object per world: each is run 1 of its own, so targeted faults apply to both.
    const world = new World({ options: { ...options }, role: "main" });
    const hosts = {
      A: world.addHost({ name: "A", address: ADDRESS.A }),
      P: world.addHost({ name: "P", address: ADDRESS.P }),
    };
    world.link("A", "P");
    const apps = new Map<LabHost, AppConnection>();
    const perform = (host: LabHost, call: LabCall): void => {
      const h = hosts[host];
      const app = apps.get(host);
      if (call === "listen") {
        // An accepted connection becomes this host's application connection.
        tryListen(h, PORT, {}, { onEstablished: (accepted) => apps.set(host, accepted) });
        return;
      }
      if (call === "connect") {
        const other: LabHost = host === "A" ? "P" : "A";
        const c = tryConnect(h, { address: ADDRESS[other], port: PORT });
        if (typeof c !== "string") apps.set(host, c);
        return;
      }
      if (!app) {
        h.time();
        h.appEvent(null, call, "no connection: connect or listen first");
        return;
      }
      try {
        if (call === "write")
          app.tryWrite(`hello from ${host}\n`); // records EPIPE itself
        else if (call === "shutdown") app.end();
        else if (call === "close") app.close();
        else app.abort();
      } catch (err) {
        // A call the connection refuses (close twice, abort after the end) is what the application is told.
        h.appEvent(
          app.conn.label,
          call,
          undefined,
          (err as { code?: string }).code ?? (err as Error).message,
        );
      }
    };
    for (const a of script)
      if (a.call !== "wait") world.sim.at(a.t, () => perform(a.host, a.call as LabCall));
    return { world, apps };
  };
  const now = script.length > 0 ? script[script.length - 1]!.t : 0;
  const { world, apps } = build();
  world.sim.runUntil(now);
  const run = world.finish("free lab: your own lifecycle", [], ["A", "P"]);
  const appState: Record<LabHost, string | null> = { A: null, P: null };
  for (const h of LAB_HOSTS) {
    const app = apps.get(h);
    if (app) appState[h] = world.host(h).stateOf(app.conn);
  }
  // Where it would all go quiet: the same script run on until idle (a second world; the first stays at `now`).
  const probe = build().world;
  probe.sim.runUntil(now);
  probe.sim.runUntilIdle({ until: now + 3_600_000_000 });
  return { run, now, quietAt: Math.max(now, probe.sim.now), apps: appState };
}
