// Both directions busy, a little loss: after a retransmission timeout each side goes back to SND.UNA
// (go-back-N) and its pure ACKs then carry SEQ = the rolled-back SND.NXT, which lies left of the peer's
// RCV.NXT — so the peer finds them unacceptable (RFC 9293 §3.10.7.4) and drops them with their ACK field.
// When both sides are in that state at once, neither ever learns the other's ACK: both retransmit
// until ETIMEDOUT on a link that loses only 5 % of packets. Found through the stream-determinism test.
// BSD sends pure ACKs with snd_max; Linux never rolls snd_nxt back. Either keeps ACKs acceptable.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeWorld } from "./world.js";
import { startTransfer } from "./transfer-app.js";

test("20 KB each way over 5 % loss: both sides finish (no ACK deadlock after go-back-N)", {}, () => {
  const world = makeWorld({ seed: 12, link: { delay: 10_000, loss: 0.05 } });
  const t = startTransfer(world, {
    client: { writes: [{ gap: 0, length: 20_000 }], closeFirst: true, fullClose: false },
    server: { writes: [{ gap: 0, length: 20_000 }], closeFirst: false, fullClose: false },
    dataSeed: 1,
  });
  assert.equal(world.sim.runUntilIdle(), "idle");
  // The symptom, when it happens: pure ACKs dropped as out-of-window although they acknowledge new data.
  const droppedAcks = world.trace.events.filter(
    (e) =>
      e.kind === "segment-dropped" &&
      e.reason === "out-of-window" &&
      e.seg !== null &&
      e.seg.payload.length === 0,
  ).length;
  assert.equal(t.client.error, null, `client (${droppedAcks} pure ACKs dropped out-of-window)`);
  assert.equal(t.server?.error, null);
  assert.equal(t.client.receivedLength, 20_000);
  assert.equal(t.server?.receivedLength, 20_000);
});
