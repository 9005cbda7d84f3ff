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
import {
  LIVENESS_KEEPALIVE,
  caseArb,
  faultyDirection,
  losslessDirection,
  mildDirection,
  runCase,
  type Case,
} from "./transfer-cases.js";

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
          const { violations, errors } = runCase(c, LIVENESS_KEEPALIVE);
          assert.deepEqual(violations, []);
          assert.deepEqual(errors, [null, null]);
        },
      ),
      propertyRuns(300),
    );
  },
);

/**
 * The shrunk counterexample of issue 10 (fast-check seed 444253530, path "184:42:32:50:44:37:37:39:37:39:
 * 38:37:37:40:38:37:40:37:39:43:41:37:51:39:39:41:39:38:39:38:38" of the property above, replayed to this
 * value): bsd, MTU 296, ~10 % loss, 322 KB from the client, the server closing first. It ended in
 * ECONNRESET/ETIMEDOUT; kept as a fixed case so it can never come back unnoticed.
 */
export const ISSUE_10_CASE: Case = {
  seed: 1458384862,
  family: 4,
  profile: "bsd",
  noTimeWait: false,
  sizing: { receiveBuffer: null, sendBuffer: null, clientMtu: 296, serverMtu: 296 },
  forward: {
    delay: 50,
    jitter: 9614,
    loss: 0.0921663830522448,
    duplicate: 0.0330457721875965,
    reorder: 1.9328946140605425e-209,
    reorderDelay: 43633,
    corrupt: 1.812617285123659e-101,
  },
  reverse: {
    delay: 39997,
    jitter: 7121,
    loss: 0.09999999999999977,
    duplicate: 9.552097809753569e-284,
    reorder: 2.159291657809171e-138,
    reorderDelay: 58790,
    corrupt: 8.278577910569099e-49,
  },
  plan: {
    client: {
      writes: [
        { gap: 1607163, length: 119991 },
        { gap: 20, length: 81353 },
        { gap: 5, length: 119996 },
        { gap: 1137403, length: 734 },
      ],
      readPauses: [],
      closeFirst: false,
      fullClose: false,
    },
    server: { writes: [], readPauses: [], closeFirst: true, fullClose: true },
    dataSeed: 13,
    noDelay: true,
  },
  outage: null,
};

test("liveness: the shrunk counterexample of issue 10 finishes cleanly", () => {
  const { violations, errors } = runCase(ISSUE_10_CASE, LIVENESS_KEEPALIVE);
  assert.deepEqual(violations, []);
  assert.deepEqual(errors, [null, null]);
});
