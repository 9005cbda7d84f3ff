// Counterexamples the transfer property (transfer-property.test.ts) found in CI, replayed on every run:
// the property draws new cases each time, so a case that once failed is kept here for good. Each entry
// says what it found; the case is fast-check's shrunk counterexample, unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCase, type Case } from "./transfer-cases.js";

const FOUND: { what: string; c: Case }[] = [
  {
    what:
      "a peer with a 1026-byte buffer ACKed part of the last segment; the tail-loss probe then " +
      "retransmitted from below SND.UNA and the send buffer refused the read (RACK records now trim, " +
      "src/tcp/rack.ts)",
    c: {
      seed: 1,
      family: 6,
      profile: "linux",
      noTimeWait: true,
      sizing: { receiveBuffer: 1026, sendBuffer: null, clientMtu: 296, serverMtu: 296 },
      forward: { delay: 50, jitter: 0, loss: 0, duplicate: 0, reorder: 0, reorderDelay: 1, corrupt: 0 },
      reverse: { delay: 50, jitter: 0, loss: 0, duplicate: 0, reorder: 0, reorderDelay: 1, corrupt: 0 },
      plan: {
        client: { writes: [{ gap: 201, length: 1 }], readPauses: [], closeFirst: true, fullClose: false },
        server: {
          writes: [
            { gap: 0, length: 514 },
            { gap: 200201, length: 1 },
          ],
          readPauses: [],
          closeFirst: false,
          fullClose: false,
        },
        dataSeed: 1,
        noDelay: false,
      },
      outage: null,
    } as Case,
  },
];

for (const { what, c } of FOUND) {
  test(`counterexample: ${what}`, () => {
    const { violations, errors } = runCase(c);
    assert.deepEqual(violations, []);
    assert.deepEqual(errors, [null, null]);
  });
}
