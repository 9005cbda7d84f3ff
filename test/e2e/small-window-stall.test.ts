// A receiver with a small buffer must not deadlock the transfer. Found by the transfer property
// (sizing receiveBuffer ≈ 1 KB, MSS 536). Two rules meet here:
// - the receiver re-opens its window once the application has read (RFC 9293 §3.8.6.2.2: send a window
//   update when the window can grow by min(RCV.BUFF/2, Eff.snd.MSS); Linux's tcp_cleanup_rbuf);
// - a sender that holds data it may not send yet (the usable window is below its SWS threshold) with
//   nothing in flight keeps a timer running — RFC 1122 §4.2.3.4's override timeout; Linux arms the
//   persist (probe0) timer whenever nothing is in flight and data waits — so a lost or missing window
//   update cannot stall it forever.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeWorld } from "./world.js";
import { startTransfer } from "./transfer-app.js";

test("30 KB into a 1029-byte receive buffer over a lossless link, MSS 536: everything arrives", () => {
  const world = makeWorld({
    seed: 1,
    overrides: { receiveBuffer: 1029 },
    serverMtu: 576,
    link: { delay: 5_000 },
  });
  const t = startTransfer(world, {
    client: { writes: [{ gap: 0, length: 30_000 }], closeFirst: true, fullClose: false },
    server: { writes: [], closeFirst: false, fullClose: false },
    dataSeed: 1,
  });
  assert.equal(world.sim.runUntilIdle({ maxEvents: 100_000 }), "idle");
  assert.equal(t.server?.receivedLength, 30_000);
  assert.equal(t.server?.eof, true);
  assert.equal(t.client.error, null);
});
