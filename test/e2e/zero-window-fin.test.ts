// RFC 9293 §3.8.6.1 MUST-37: "As long as the receiving TCP peer continues to send acknowledgments in
// response to the probe segments, the sending TCP peer MUST allow the connection to stay open."
// Found by the flow-control property (windows profile, lossless link): a reader that stops reading with
// a full 1 KB buffer leaves the writer's FIN outside a zero window; the writer retransmits the FIN, the
// reader ACKs each copy with window 0 — and the writer still gave up after dataRetries with ETIMEDOUT,
// so the reader, resuming later, never got its EOF and was reset instead.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeWorld } from "./world.js";
import { startTransfer } from "./transfer-app.js";
import { SECOND } from "../../src/tcp/profile.js";

test("a FIN waiting behind a zero window that the peer keeps answering does not time out", () => {
  const world = makeWorld({
    seed: 1,
    profile: "windows", // dataRetries 5: the retransmission series ends after ~19 s
    // A 1 KB send buffer splits the 1280-byte write, so the FIN leaves alone, after the window has closed.
    overrides: { receiveBuffer: 1024, sendBuffer: 1024 },
    clientMtu: 296,
    serverMtu: 296,
    link: { delay: 50 },
  });
  const t = startTransfer(world, {
    // The client reads one chunk, then nothing for 60 s (a printer out of paper).
    client: {
      writes: [],
      readPauses: [{ afterBytes: 0, duration: 60 * SECOND }],
      closeFirst: true,
      fullClose: false,
    },
    server: { writes: [{ gap: 0, length: 1280 }], closeFirst: false, fullClose: false },
    dataSeed: 1,
  });
  assert.equal(world.sim.runUntilIdle(), "idle");
  assert.equal(t.server?.error, null, "the writer must not time out while its probes are answered");
  assert.equal(t.client.error, null);
  assert.equal(t.client.receivedLength, 1280);
  assert.equal(t.client.eof, true);
});
