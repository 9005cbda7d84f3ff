// The conditions and view options shared by `tcplab run` and `tcplab tour`, checked with clear messages:
// a bad value is a usage error (exit 2), never a stack trace.
import { parseDuration, DurationError } from "../trace/duration.js";
import type { ProfileName } from "../tcp/profile.js";
import type { LabelStyle } from "../trace/segment-label.js";
import type { ScenarioOptions } from "../scenarios/index.js";

export class UsageError extends Error {
  readonly code = "ERR_TCPLAB_USAGE";
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export const PROFILE_NAMES: readonly ProfileName[] = ["linux", "bsd", "windows", "rfc"];
export const LABEL_STYLES: readonly LabelStyle[] = ["rfc", "textbook", "tcpdump"];

/** Options as commander hands them over (strings, and `color` from --no-color). */
export interface RawRunOptions {
  seed?: string;
  profile?: string;
  timeWait?: string;
  msl?: string;
  loss?: string;
  delay?: string;
  ipv6?: boolean;
  pcap?: string;
  json?: boolean;
  color?: boolean;
  labels?: string;
  absolute?: boolean;
  legend?: boolean;
  full?: boolean;
}

export interface ViewOptions {
  json: boolean;
  color: boolean;
  labels: LabelStyle;
  absolute: boolean;
  pcap: string | null;
  /** Columns the text must fit: $COLUMNS, else the terminal's, else 80. */
  width: number;
  /** Print the ladder legend first. */
  legend: boolean;
  /** Every ladder line, no summaries of repetitive stretches. */
  full: boolean;
}

const DEFAULT_WIDTH = 80;
/** Two state columns, the number and time columns and a lane need this much; narrower terminals wrap. */
const MIN_WIDTH = 60;

/**
 * $COLUMNS when set (as ls does: it lets a user ask for a width, and is what a pipe has), else the
 * terminal's width, else 80; never below 60, the room a ladder's columns need.
 */
export function outputWidth(
  stream: { isTTY?: boolean; columns?: number },
  env: Record<string, string | undefined>,
): number {
  const fromTty = stream.isTTY === true ? stream.columns : undefined;
  const fromEnv = env.COLUMNS !== undefined && /^\d+$/.test(env.COLUMNS) ? Number(env.COLUMNS) : undefined;
  const w = fromEnv ?? fromTty ?? DEFAULT_WIDTH;
  return Number.isInteger(w) && w > 0 ? Math.max(MIN_WIDTH, w) : DEFAULT_WIDTH;
}

function duration(flag: string, text: string, allowZero: boolean): number {
  let us: number;
  try {
    us = parseDuration(text);
  } catch (err) {
    if (err instanceof DurationError) throw new UsageError(`--${flag}: ${err.message}`);
    throw err;
  }
  if (!allowZero && us === 0) throw new UsageError(`--${flag} must be longer than 0`);
  return us;
}

export function scenarioOptions(raw: RawRunOptions): ScenarioOptions {
  const options: ScenarioOptions = { seed: 1, profile: "linux" };
  if (raw.seed !== undefined) {
    if (!/^\d+$/.test(raw.seed) || Number(raw.seed) > 0xffffffff) {
      throw new UsageError(
        `--seed must be a whole number from 0 to 4294967295, got ${JSON.stringify(raw.seed)}`,
      );
    }
    options.seed = Number(raw.seed);
  }
  if (raw.profile !== undefined) {
    if (!PROFILE_NAMES.includes(raw.profile as ProfileName)) {
      throw new UsageError(
        `--profile must be one of ${PROFILE_NAMES.join(", ")}, got ${JSON.stringify(raw.profile)}`,
      );
    }
    options.profile = raw.profile as ProfileName;
  }
  if (raw.timeWait !== undefined) options.timeWait = duration("time-wait", raw.timeWait, true);
  if (raw.msl !== undefined) options.msl = duration("msl", raw.msl, false);
  if (raw.delay !== undefined) options.delay = duration("delay", raw.delay, true);
  if (raw.ipv6 === true) options.ipv6 = true;
  if (raw.loss !== undefined) {
    const p = Number(raw.loss);
    if (raw.loss.trim() === "" || !Number.isFinite(p) || p < 0 || p > 1) {
      throw new UsageError(
        `--loss must be a probability from 0 to 1 (e.g. 0.05), got ${JSON.stringify(raw.loss)}`,
      );
    }
    options.loss = p;
  }
  return options;
}

/** Colour only on a terminal, never with --no-color or a non-empty NO_COLOR (no-color.org). */
export function colourWanted(
  flag: boolean | undefined,
  stream: { isTTY?: boolean },
  env: Record<string, string | undefined>,
): boolean {
  return flag !== false && stream.isTTY === true && !(env.NO_COLOR !== undefined && env.NO_COLOR !== "");
}

export function viewOptions(
  raw: RawRunOptions,
  stdout: { isTTY?: boolean; columns?: number },
  env: Record<string, string | undefined>,
): ViewOptions {
  const labels = raw.labels ?? "rfc";
  if (!LABEL_STYLES.includes(labels as LabelStyle)) {
    throw new UsageError(`--labels must be one of ${LABEL_STYLES.join(", ")}, got ${JSON.stringify(labels)}`);
  }
  return {
    json: raw.json === true,
    color: colourWanted(raw.color, stdout, env),
    labels: labels as LabelStyle,
    absolute: raw.absolute === true,
    pcap: raw.pcap ?? null,
    width: outputWidth(stdout, env),
    legend: raw.legend === true,
    full: raw.full === true,
  };
}
