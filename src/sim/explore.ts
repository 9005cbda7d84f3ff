// A bounded, systematic search of fault schedules (`tcplab explore`): run an exchange once without
// faults, then with every choice of up to N faults — drop, duplicate, delay past the RTO, reorder with the
// next segment — on the segments of the run, re-running the deterministic simulator for each schedule.
//
// Order: breadth first (all 1-fault schedules, then 2-fault ones...), and within a depth by the position
// of the segment in the run, then by kind: deterministic, and the first violation found at the smallest
// depth is a shortest counterexample. A schedule is extended only with faults on segments sent after its
// last fault (in its own run), so each set of faults is tried once.
//
// Pruning: a run whose whole trace (faults' names aside) equals one already seen is counted but not
// extended — its extensions would repeat those of the first. And a candidate whose trace up to the
// faulted segment, together with the fault kind and that segment's place, equals one already tried is
// not run at all: the simulator is deterministic, so it would replay that run.
//
// Generic and sans-I/O: what is run, and what counts as a violation or as a legitimate outcome, is the
// runner's business (src/scenarios/explore-run.ts binds it to the scenarios).

export type ExploreFaultKind = "drop" | "duplicate" | "delay" | "reorder";

export const EXPLORE_FAULT_KINDS: readonly ExploreFaultKind[] = ["drop", "duplicate", "delay", "reorder"];

/** One fault of a schedule: a kind, on the `index`-th segment (0-based) that host `host` transmitted. */
export interface PlannedFault {
  host: string;
  index: number;
  kind: ExploreFaultKind;
}

/** One transmitted segment of a run, as a place a fault can go. */
export interface RunSegment {
  host: string;
  /** 0-based among the segments this host transmitted. */
  index: number;
  /** Canonical trace key of the run up to (excluding) this segment's transmission. */
  prefix: string;
}

export interface ExploreRunResult {
  /** Every segment transmitted, in order. */
  segments: RunSegment[];
  /** Canonical key of the whole run: equal keys, equal runs. */
  key: string;
  /** A legitimate outcome's kind ("clean", "reset", "timeout", ...); counted, never a violation. */
  outcome: string;
  /** What the run broke (empty: nothing). */
  violations: string[];
}

export type ExploreRunner = (faults: readonly PlannedFault[]) => ExploreRunResult;

export interface ExploreOptions {
  /** Most faults per schedule (default 1). */
  maxFaults?: number;
  /** Most schedules to run (default unlimited): the search stops there and says it was cut short. */
  budget?: number;
  kinds?: readonly ExploreFaultKind[];
  /** Asked before each run (a wall-clock budget lives with the caller: this module reads no clock). */
  shouldStop?: () => boolean;
}

export interface ExploreViolation {
  faults: PlannedFault[];
  outcome: string;
  violations: string[];
}

export interface ExploreReport {
  /** Schedules run (the fault-free baseline included). */
  explored: number;
  /** Candidates not run: their trace prefix, fault and place equalled a schedule already run. */
  prunedByPrefix: number;
  /** Schedules run whose whole trace equalled an earlier one (not extended further). */
  duplicateRuns: number;
  /** Outcomes of the schedules run, by kind. */
  outcomes: Record<string, number>;
  /** For each outcome kind, the first (so a shortest) schedule that ended that way. */
  examples: Record<string, PlannedFault[]>;
  /** One entry per violating schedule, shortest first. */
  violations: ExploreViolation[];
  /** False when the budget stopped the search before every schedule was tried. */
  complete: boolean;
  /** Segments of the fault-free run. */
  baselineSegments: number;
}

interface Frontier {
  faults: PlannedFault[];
  /** Position in its run of the segment its last fault is on (-1 for the baseline). */
  lastPos: number;
  run: ExploreRunResult;
}

export function explore(runner: ExploreRunner, options: ExploreOptions = {}): ExploreReport {
  const maxFaults = options.maxFaults ?? 1;
  const budget = options.budget ?? Infinity;
  const kinds = options.kinds ?? EXPLORE_FAULT_KINDS;
  const report: ExploreReport = {
    explored: 0,
    prunedByPrefix: 0,
    duplicateRuns: 0,
    outcomes: {},
    examples: {},
    violations: [],
    complete: true,
    baselineSegments: 0,
  };
  const seenRuns = new Set<string>();
  const seenPrefixes = new Set<string>();
  const record = (faults: PlannedFault[], run: ExploreRunResult): boolean => {
    report.explored++;
    report.outcomes[run.outcome] = (report.outcomes[run.outcome] ?? 0) + 1;
    report.examples[run.outcome] ??= faults;
    if (seenRuns.has(run.key)) {
      report.duplicateRuns++;
      return false;
    }
    seenRuns.add(run.key);
    if (run.violations.length > 0) {
      report.violations.push({ faults, outcome: run.outcome, violations: run.violations });
    }
    return true;
  };

  const baseline = runner([]);
  report.baselineSegments = baseline.segments.length;
  record([], baseline);
  let frontier: Frontier[] = [{ faults: [], lastPos: -1, run: baseline }];
  for (let depth = 1; depth <= maxFaults && frontier.length > 0; depth++) {
    const next: Frontier[] = [];
    for (const parent of frontier) {
      const segs = parent.run.segments;
      for (let pos = parent.lastPos + 1; pos < segs.length; pos++) {
        const seg = segs[pos]!;
        for (const kind of kinds) {
          const prefixKey = `${seg.prefix}\u0000${seg.host}#${pos}:${kind}`;
          if (seenPrefixes.has(prefixKey)) {
            report.prunedByPrefix++;
            continue;
          }
          if (report.explored >= budget || options.shouldStop?.() === true) {
            report.complete = false;
            return finish(report);
          }
          seenPrefixes.add(prefixKey);
          const faults = [...parent.faults, { host: seg.host, index: seg.index, kind }];
          const run = runner(faults);
          if (record(faults, run) && depth < maxFaults) next.push({ faults, lastPos: pos, run });
        }
      }
    }
    frontier = next;
  }
  return finish(report);
}

function finish(report: ExploreReport): ExploreReport {
  report.violations.sort((a, b) => a.faults.length - b.faults.length);
  return report;
}

/** "drop A#3" — a fault as the ladder and the report name it. */
export function faultName(f: PlannedFault): string {
  return `${f.kind} ${f.host}#${f.index + 1}`;
}
