// A timer the trace shows "armed" under one name must end ("fired"/"cancelled") under that name, and
// "restarted" only follows an "armed" of the same name: the state timeline pairs timer events by name.
// Found by the simultaneous-open property: the retransmission timer armed as "syn" in SYN_SENT is
// "restarted" as "synack" after the crossing SYN, so "syn" never ends and "synack" never began.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeWorld } from "./world.js";

test("simultaneous open: every timer name that is armed ends, and none is restarted before it was armed", () => {
  const world = makeWorld({ seed: 1, link: { delay: 2_000 } });
  const { sim, client: a, server: b, trace } = world;
  sim.at(0, () => {
    a.connect({ address: b.address, port: 5000, localPort: 4000 }, {});
    b.connect({ address: a.address, port: 4000, localPort: 5000 }, {});
  });
  assert.equal(sim.runUntilIdle(), "idle");
  for (const host of ["client", "server"]) {
    const running = new Set<string>();
    for (const e of trace.events) {
      if (e.kind !== "timer" || e.host !== host || e.timer === "keepalive") continue;
      if (e.action === "armed") running.add(e.timer);
      else if (e.action === "restarted")
        assert.ok(running.has(e.timer), `${host}: ${e.timer} restarted at ${e.t} but never armed`);
      else running.delete(e.timer);
    }
    assert.deepEqual([...running], [], `${host}: timers armed and never ended`);
  }
});
