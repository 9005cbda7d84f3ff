// Run settings shared by every fast-check property of the test suite: a default run count sized to keep
// each file well under a minute on a 2-core machine, E2E_RUNS=n to search harder, a wall-clock cap
// (shrinking a failure replays many whole runs) so a failing property still reports its counterexample
// — the smallest found so far — in time, and on failure a message with the seed, the path and the
// command that replays exactly that counterexample (E2E_SEED=s E2E_PATH=p), so a red CI run is replayable.
//
// The seed comes from the commit checked out: the same commit always draws the same cases (a clean-clone
// run before a push predicts CI's verdict, and a red run replays by commit alone), a new commit draws new
// ones, so the search still moves on. E2E_RANDOM=1 draws a fresh seed each run (`scripts/property-hunt.sh`
// does, for long searches); outside a git checkout the seed is random too. The time cap below only ever
// cuts a run short: a loaded machine tests a prefix of the calm machine's cases, never different ones.
import { execFileSync } from "node:child_process";
import fc, { type Parameters, type RunDetails } from "fast-check";

const TIME_LIMIT_MS = 25_000;

function commitSeed(): number | undefined {
  if (process.env.E2E_RANDOM === "1") return undefined;
  try {
    const head = execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: new URL(".", import.meta.url),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return /^[0-9a-f]{40}$/.test(head) ? Number.parseInt(head.slice(0, 8), 16) | 0 : undefined;
  } catch {
    return undefined;
  }
}

const COMMIT_SEED = commitSeed();

/**
 * `fixed`: settings of the property itself (a pinned seed, say); E2E_SEED / E2E_PATH override its seed.
 */
export function propertyRuns<T>(defaultRuns: number, fixed: Parameters<T> = {}): Parameters<T> {
  const seed =
    process.env.E2E_SEED !== undefined ? Number(process.env.E2E_SEED) : (fixed.seed ?? COMMIT_SEED);
  const path = process.env.E2E_PATH;
  return {
    ...fixed,
    numRuns: Number(process.env.E2E_RUNS ?? defaultRuns),
    interruptAfterTimeLimit: Number(process.env.E2E_TIME_LIMIT_MS ?? TIME_LIMIT_MS),
    markInterruptAsFailure: false,
    ...(seed !== undefined ? { seed } : {}),
    ...(path !== undefined ? { path } : {}),
    reporter: reportWithReplay,
  };
}

/** fast-check's own report, plus the line that replays the counterexample. */
export function reportWithReplay<T>(details: RunDetails<T>): void {
  if (!details.failed) return;
  const file = (process.argv.find((a) => a.endsWith(".test.ts")) ?? "<this test file>").replace(
    `${process.cwd()}/`,
    "",
  );
  // fast-check 4 keeps the property's own error as the report's `cause`, which node:test does not
  // print: without its first lines a red CI log says that a case failed but not what went wrong.
  const error = details.errorInstance;
  const what =
    error instanceof Error
      ? (error.stack ?? String(error)).split("\n").slice(0, 12).join("\n")
      : String(error);
  throw new Error(
    `${fc.defaultReportMessage(details) ?? "property failed"}\n` +
      `What failed: ${what}\n` +
      `Replay this counterexample: E2E_SEED=${details.seed} E2E_PATH="${details.counterexamplePath ?? ""}" ` +
      `node scripts/run-tests.mjs ${file}`,
    { cause: error },
  );
}
