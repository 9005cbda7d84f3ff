// Durations as people type and read them ("60s", "2min", "500ms"), and the fixed-point time
// columns of the ladder and timeline. The engine's unit is the integer microsecond, so parsing is
// done in decimal (BigInt) rather than with floating point: "1.1s" must be exactly 1_100_000 µs.

/** A duration that does not parse ("60s", "2min", "500ms", "250us" do). */
export class DurationError extends Error {
  readonly code = "ERR_TCPLAB_DURATION";
  constructor(message: string) {
    super(message);
    this.name = "DurationError";
  }
}

const MICROSECOND = 1n;
const MILLISECOND = 1_000n;
const SECOND = 1_000_000n;
const MINUTE = 60n * SECOND;
const HOUR = 60n * MINUTE;

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ["us", MICROSECOND],
  ["µs", MICROSECOND],
  ["μs", MICROSECOND], // U+03BC GREEK SMALL LETTER MU, what some keyboards produce instead of U+00B5
  ["ms", MILLISECOND],
  ["s", SECOND],
  ["sec", SECOND],
  ["secs", SECOND],
  ["second", SECOND],
  ["seconds", SECOND],
  ["m", MINUTE],
  ["min", MINUTE],
  ["mins", MINUTE],
  ["minute", MINUTE],
  ["minutes", MINUTE],
  ["h", HOUR],
  ["hour", HOUR],
  ["hours", HOUR],
]);

const DURATION_SYNTAX = /^(\d+)(?:\.(\d+))?\s*([a-zµμ]*)$/;

/**
 * "60s" | "2min" | "500ms" | "1.5s" | "250us" → integer microseconds.
 * A bare number is refused (is "60" seconds or milliseconds?), except "0", which means the same in every unit.
 */
export function parseDuration(text: string): number {
  if (typeof text !== "string")
    throw new DurationError(`a duration must be text like "60s", got ${typeof text}`);
  const trimmed = text.trim().toLowerCase();
  const match = DURATION_SYNTAX.exec(trimmed);
  if (!match) {
    throw new DurationError(
      `not a duration: ${JSON.stringify(text)}; write a number and a unit, e.g. 500ms, 1.5s, 60s, 2min`,
    );
  }
  const [, whole = "", fraction = "", unitText = ""] = match;
  if (unitText === "") {
    if (/^0+$/.test(whole) && /^0*$/.test(fraction)) return 0;
    throw new DurationError(
      `duration ${JSON.stringify(text)} has no unit; write e.g. ${whole}s or ${whole}ms (units: us, ms, s, min, h)`,
    );
  }
  const unit = UNITS.get(unitText);
  if (unit === undefined) {
    throw new DurationError(
      `unknown duration unit ${JSON.stringify(unitText)} in ${JSON.stringify(text)}; use us, ms, s, min or h`,
    );
  }
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(whole) * scale + BigInt(fraction === "" ? "0" : fraction)) * unit;
  if (scaled % scale !== 0n) {
    throw new DurationError(`duration ${JSON.stringify(text)} is finer than one microsecond`);
  }
  const micros = scaled / scale;
  if (micros > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new DurationError(`duration ${JSON.stringify(text)} is too long`);
  }
  return Number(micros);
}

function checkMicros(us: number): void {
  if (!Number.isSafeInteger(us) || us < 0) {
    throw new DurationError(`a duration must be a non-negative integer number of microseconds, got ${us}`);
  }
}

/** Exact decimal of `us / unit`, trailing zeros trimmed: 1_500_000 / SECOND → "1.5". */
function exactDecimal(us: number, unit: bigint): string {
  const value = BigInt(us);
  const whole = value / unit;
  let rest = value % unit;
  if (rest === 0n) return whole.toString();
  let digits = "";
  // unit is a power of ten times 1, 60 or 3600; only the power-of-ten units are used with fractions.
  for (let i = 0; i < 6 && rest !== 0n; i++) {
    rest *= 10n;
    digits += (rest / unit).toString();
    rest %= unit;
  }
  return `${whole}.${digits}`;
}

/**
 * Microseconds → the shortest exact human form: 250 → "250 µs", 40_000 → "40 ms", 1_500_000 → "1.5 s",
 * 60_000_000 → "60 s", 120_000_000 → "2 min". Minutes (and hours) are used only from two of them on and
 * only when exact, so the Linux TIME_WAIT reads "60 s" and the RFC's MSL "2 min", as people say them.
 * parseDuration(formatDuration(x)) === x for every x.
 */
export function formatDuration(us: number): string {
  checkMicros(us);
  const value = BigInt(us);
  if (value >= 2n * HOUR && value % HOUR === 0n) return `${value / HOUR} h`;
  if (value >= 2n * MINUTE && value % MINUTE === 0n) return `${value / MINUTE} min`;
  if (value >= SECOND) return `${exactDecimal(us, SECOND)} s`;
  if (value >= MILLISECOND) return `${exactDecimal(us, MILLISECOND)} ms`;
  return `${us} µs`;
}

/**
 * A point or span of trace time in the fixed-point form of the ladder and timeline columns:
 * milliseconds with three decimals below one second ("12.345 ms", exact to the microsecond),
 * seconds with three decimals from there on ("5.000 s", "60.020 s"), so the column stays narrow
 * enough for an 80-column ladder. Negative values keep their sign.
 */
export function formatClock(us: number): string {
  if (!Number.isFinite(us)) return String(us);
  const sign = us < 0 ? "-" : "";
  const abs = Math.abs(Math.round(us));
  if (abs < 1_000_000) return `${sign}${fixed3(abs, 1000)} ms`;
  return `${sign}${fixed3(abs, 1_000_000)} s`;
}

/** abs / divisor with exactly three decimals, rounded half up, without float drift. */
function fixed3(abs: number, divisor: number): string {
  const thousandths = Math.round((abs * 1000) / divisor);
  const whole = Math.floor(thousandths / 1000);
  const frac = thousandths % 1000;
  return `${whole}.${String(frac).padStart(3, "0")}`;
}
