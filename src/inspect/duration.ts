// "--interval 10s" and friends. A bare number means seconds, as in `sleep`.
import { InspectError } from "./errors.js";

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, sec: 1, m: 60, min: 60, h: 3600 };

export function parseDuration(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?$/.exec(text.trim());
  const seconds = m ? Number(m[1]) * UNIT_SECONDS[m[2] ?? "s"]! : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new InspectError(
      "INSPECT_BAD_ARGUMENT",
      `${option} ${JSON.stringify(text)}: expected a duration between 1ms and 1h, e.g. 500ms, 10s, 2m`,
    );
  }
  return seconds;
}
