// Property tests of the whole stack (engine + hosts + simulator) over seeded random faults: whatever
// the network does — loss up to 30 %, duplication, reordering, corruption, delay and jitter, outages,
// even TIME_WAIT ablated or an application aborting —
// each application reads exactly the bytes the other wrote or gets an error (never wrong bytes, never a
// silent truncation), every connection ends within a bound derived from the profile, and a host
// with nothing left holds no timers. fast-check prints the seed and the shrunk case on failure;
// E2E_RUNS=n runs more cases.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { propertyRuns } from "./property-runs.js";
import { caseArb, faultyDirection, losslessDirection, mildDirection, runCase } from "./transfer-cases.js";

test("over loss ≤ 30 %, duplication, reordering, corruption, jitter and outages: right bytes or an error, and every connection ends", () => {
  fc.assert(
    fc.property(
      caseArb(faultyDirection, { outages: true, flowControl: false, timeWaitAblation: true, aborts: true }),
      (c) => {
        assert.deepEqual(runCase(c).violations, []);
      },
    ),
    propertyRuns(300),
  );
});

test("without loss or corruption (reordering and duplicates only) both applications finish cleanly", () => {
  fc.assert(
    fc.property(
      caseArb(losslessDirection, {
        outages: false,
        flowControl: false,
        timeWaitAblation: false,
        aborts: false,
      }),
      (c) => {
        const { violations, errors } = runCase(c);
        assert.deepEqual(violations, []);
        assert.deepEqual(errors, [null, null]);
      },
    ),
    propertyRuns(100),
  );
});

test("the same with slow readers and small receive buffers (zero and tiny windows, persist probes)", () => {
  fc.assert(
    fc.property(
      // Aborts were kept off here while abort() on a paused reader's connection in TIME_WAIT ended it
      // twice (test/e2e/abort-in-time-wait.test.ts, fixed since); the first property covers aborts.
      caseArb(faultyDirection, { outages: true, flowControl: true, timeWaitAblation: true, aborts: false }),
      (c) => {
        assert.deepEqual(runCase(c).violations, []);
      },
    ),
    propertyRuns(300),
  );
});

test("slow readers and small buffers without loss: both applications finish cleanly", () => {
  fc.assert(
    fc.property(
      caseArb(losslessDirection, {
        outages: false,
        flowControl: true,
        timeWaitAblation: false,
        aborts: false,
      }),
      (c) => {
        const { violations, errors } = runCase(c);
        assert.deepEqual(violations, []);
        assert.deepEqual(errors, [null, null]);
      },
    ),
    propertyRuns(100),
  );
});

test(
  "liveness: up to 10 % loss (linux, bsd, rfc retry budgets), no outage or abort: both applications finish cleanly",
  {},
  () => {
    fc.assert(
      fc.property(
        caseArb(mildDirection, {
          outages: false,
          flowControl: false,
          timeWaitAblation: false,
          aborts: false,
          // Windows gives up after 5 retransmissions, reachable at 10 % loss; the others allow 12–15.
          profiles: ["linux", "bsd", "rfc"],
        }),
        (c) => {
          const { violations, errors } = runCase(c);
          assert.deepEqual(violations, []);
          assert.deepEqual(errors, [null, null]);
        },
      ),
      propertyRuns(300),
    );
  },
);
