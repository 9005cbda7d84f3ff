#!/bin/bash
# Searches the property tests with fresh random seeds, many more cases than `npm test` draws, for as long
# as you let it: every file that uses test/e2e/property-runs.ts, over and over, each round with new seeds.
# A failing run's whole output (with its replay line: E2E_SEED=… E2E_PATH=…) is kept in the log folder.
#   scripts/property-hunt.sh [minutes=60] [runs-per-property=1500] [log-folder=./property-hunt]
# Add a case it finds to the matching counterexamples test (test/e2e/transfer-counterexamples.test.ts).
set -u
minutes=${1:-60}
runs=${2:-1500}
logs=${3:-./property-hunt}
cd "$(dirname "$0")/.."
mkdir -p "$logs"
files=$(grep -rl "propertyRuns(" test --include='*.test.ts' | sort)
end=$(($(date +%s) + minutes * 60))
round=0
failures=0
while [ "$(date +%s)" -lt "$end" ]; do
  round=$((round + 1))
  for f in $files; do
    [ "$(date +%s)" -lt "$end" ] || break
    out="$logs/round$round-$(basename "$f" .test.ts).log"
    E2E_RANDOM=1 E2E_RUNS=$runs E2E_TIME_LIMIT_MS=$((minutes * 60000)) \
      node scripts/run-tests.mjs "$f" >"$out" 2>&1
    if grep -q "^ℹ fail [1-9]" "$out"; then
      failures=$((failures + 1))
      echo "FAILED: $f (round $round): $out"
      grep -m1 "Replay this counterexample" "$out" || true
    else
      rm -f "$out"
    fi
  done
done
echo "$round round(s), $failures failing run(s); logs of failures in $logs"
[ "$failures" -eq 0 ]
