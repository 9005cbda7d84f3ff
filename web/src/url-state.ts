// The page's whole state as a URL query, with the CLI's option names (`tcplab run --seed 1 --profile linux
// --time-wait 60s` ⇔ `?scenario=S6&seed=1&profile=linux&timeWait=60s`), plus the targeted faults, so a
// link reproduces an exact picture. Values are checked with the CLI's own parser: a bad link gets the
// same message the command line would print.
import { scenarioOptions, UsageError, type RawRunOptions } from "../../src/cli/scenario-options.js";
import { parseDuration, formatDuration } from "../../src/trace/duration.js";
import type { ScenarioOptions, SegmentFault } from "../../src/scenarios/types.js";

export interface PageState {
  /** "S6", or "lab" for the free lab. */
  scenario: string;
  raw: RawRunOptions;
  faults: SegmentFault[];
  /** Playback position: events shown so far (null: the whole run). */
  step: number | null;
  absolute: boolean;
  text: boolean;
  theme: "light" | "dark" | null;
  /** The free lab's script (lab-script.ts). */
  lab: string[];
}

const CONDITIONS = ["seed", "profile", "timeWait", "msl", "loss", "delay"] as const;

export function defaultState(): PageState {
  return {
    scenario: "S3",
    raw: {},
    faults: [],
    step: null,
    absolute: false,
    text: false,
    theme: null,
    lab: [],
  };
}

/** "1:A:5" (run:host:nth transmission) and "1:A:5:200ms" for delays. */
function parseFault(value: string, action: "drop" | "delay"): SegmentFault {
  const parts = value.split(":");
  const want = action === "drop" ? 3 : 4;
  const [run, host, nth, delay] = parts;
  if (parts.length !== want || !/^\d+$/.test(run ?? "") || !host || !/^\d+$/.test(nth ?? "")) {
    throw new UsageError(
      `${action === "drop" ? "drop" : "delaySegment"}=${value}: expected ${action === "drop" ? "run:host:n, e.g. 1:A:5" : "run:host:n:duration, e.g. 1:A:5:200ms"}`,
    );
  }
  const fault: SegmentFault = { run: Number(run), host, transmission: Number(nth), action };
  if (action === "delay") {
    const us = parseDuration(delay ?? "");
    if (us <= 0) throw new UsageError(`delaySegment=${value}: the delay must be longer than 0`);
    fault.delay = us;
  }
  if (fault.run < 1 || fault.transmission < 1) throw new UsageError(`${value}: run and n count from 1`);
  return fault;
}

export function parseQuery(search: string): PageState {
  const q = new URLSearchParams(search);
  const state = defaultState();
  state.scenario = q.get("scenario") ?? state.scenario;
  for (const k of CONDITIONS) {
    const v = q.get(k);
    if (v !== null && v !== "") state.raw[k] = v;
  }
  for (const v of q.getAll("drop")) state.faults.push(parseFault(v, "drop"));
  for (const v of q.getAll("delaySegment")) state.faults.push(parseFault(v, "delay"));
  const step = q.get("step");
  if (step !== null && /^\d+$/.test(step)) state.step = Number(step);
  state.absolute = q.get("seq") === "absolute";
  state.text = q.get("view") === "text";
  const theme = q.get("theme");
  state.theme = theme === "dark" || theme === "light" ? theme : null;
  state.lab = q.getAll("lab");
  return state;
}

export function toQuery(state: PageState): string {
  const q = new URLSearchParams();
  q.set("scenario", state.scenario);
  for (const k of CONDITIONS) {
    const v = state.raw[k];
    if (v !== undefined && v !== "") q.set(k, v);
  }
  for (const f of state.faults) {
    if (f.action === "drop") q.append("drop", `${f.run}:${f.host}:${f.transmission}`);
    else q.append("delaySegment", `${f.run}:${f.host}:${f.transmission}:${urlDuration(f.delay ?? 0)}`);
  }
  if (state.step !== null) q.set("step", String(state.step));
  if (state.absolute) q.set("seq", "absolute");
  if (state.text) q.set("view", "text");
  if (state.theme) q.set("theme", state.theme);
  for (const l of state.lab) q.append("lab", l);
  return `?${q.toString()}`;
}

/** The scenario options of the state, checked exactly as `tcplab run` checks its flags. */
export function optionsOf(state: PageState): ScenarioOptions {
  const options = scenarioOptions(state.raw);
  if (state.faults.length > 0) options.faults = state.faults;
  return options;
}

/** A duration as it reads in a URL: "300ms", "60s", "0us" (no space, no µ to percent-encode). */
export function urlDuration(us: number): string {
  return formatDuration(us).replace(/\s/g, "").replace("µs", "us");
}

const FLAGS: Record<string, "seed" | "profile" | "timeWait" | "msl" | "loss" | "delay"> = {
  "--seed": "seed",
  "--profile": "profile",
  "--time-wait": "timeWait",
  "--msl": "msl",
  "--loss": "loss",
  "--delay": "delay",
};

/** The page state a `tcplab run ...` command means, or null when the page cannot show it (--labels, --json). */
export function commandState(command: string): PageState | null {
  const words = command.trim().split(/\s+/);
  if (words[0] !== "tcplab" || words[1] !== "run" || !words[2]) return null;
  const state = defaultState();
  state.scenario = words[2].toUpperCase();
  for (let i = 3; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--absolute") state.absolute = true;
    else if (FLAGS[w] && words[i + 1] !== undefined) state.raw[FLAGS[w]] = words[++i]!;
    else return null;
  }
  return state;
}
