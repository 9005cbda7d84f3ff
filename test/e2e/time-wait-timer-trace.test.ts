// Every timer the trace shows armed must later show fired or cancelled: the state timeline and the
// ladder draw pending timers from these events. Here a duplicated final ACK reaches the passive closer
// after it has CLOSED; its listener answers RST (RFC 9293 §3.10.7.2), and the RST — exact sequence
// number, linux profile without RFC 1337 — ends the active closer's TIME_WAIT early (§3.10.7.4).
import { test } from "node:test";
import assert from "node:assert/strict";
import { pureAck } from "../../src/sim/match.js";
import { makeWorld } from "./world.js";
import { startTransfer } from "./transfer-app.js";

function run(profile: "linux" | "bsd") {
  const world = makeWorld({ seed: 1, profile });
  startTransfer(world, {
    client: { writes: [{ gap: 0, length: 10 }], closeFirst: true, fullClose: false },
    server: { writes: [], closeFirst: false, fullClose: false },
    dataSeed: 1,
  });
  // The client's second pure ACK is the ACK of the server's FIN: a copy arrives 5 ms after the original.
  world.sim.fault({
    name: "dup final ACK",
    action: "duplicate",
    from: "client",
    match: pureAck,
    nth: 2,
    delay: 5_000,
  });
  assert.equal(world.sim.runUntilIdle(), "idle");
  const tw = world.trace.events.filter(
    (e) =>
      e.host === "client" &&
      ((e.kind === "timer" && e.timer === "time-wait") || (e.kind === "state" && e.from === "TIME_WAIT")),
  );
  return tw.map((e) =>
    e.kind === "timer" ? `timer ${e.action}` : e.kind === "state" ? `CLOSED (${e.cause})` : "",
  );
}

test("rfc1337 profile (bsd): the RST is ignored and TIME_WAIT runs its full length", () => {
  assert.deepEqual(run("bsd"), ["timer armed", "timer fired", "CLOSED (2MSL timeout)"]);
});

test("linux profile: the RST ends TIME_WAIT early, and the trace shows its timer cancelled", () => {
  assert.deepEqual(run("linux"), ["timer armed", "timer cancelled", "CLOSED (rcv RST)"]);
});
