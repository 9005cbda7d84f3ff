// Run counts for the property tests: a default sized to keep each file well under a minute on a 2-core
// machine, E2E_RUNS=n to search harder, E2E_SEED=s to replay the seed a failure printed, and a wall-clock
// cap (shrinking a failure replays many whole runs) so a failing property still reports its
// counterexample — the smallest found so far — in time.
import type { Parameters } from "fast-check";

const TIME_LIMIT_MS = 25_000;

export function propertyRuns<T>(defaultRuns: number): Parameters<T> {
  return {
    numRuns: Number(process.env.E2E_RUNS ?? defaultRuns),
    interruptAfterTimeLimit: Number(process.env.E2E_TIME_LIMIT_MS ?? TIME_LIMIT_MS),
    markInterruptAsFailure: false,
    ...(process.env.E2E_SEED !== undefined ? { seed: Number(process.env.E2E_SEED) } : {}),
  };
}
