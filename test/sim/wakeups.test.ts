// A host's wake-up follows its deadline: a deadline that keeps moving later (a retransmission timer restarted
// by every ACK) wakes the host once, at the final deadline, and does not pile up queue entries; one that
// moves earlier or goes away takes effect at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Simulator } from "../../src/sim/simulator.js";
import { NullTrace } from "../../src/tcp/events.js";
import { parseIPv4 } from "../../src/wire/address.js";
import { RecordingEndpoint } from "./fake-endpoints.js";

function host(): { sim: Simulator; h: RecordingEndpoint } {
  const sim = new Simulator({ trace: new NullTrace() });
  const h = sim.addHost(new RecordingEndpoint("h", parseIPv4("10.0.0.1"), sim.trace));
  return { sim, h };
}

test("a deadline pushed later a thousand times wakes the host once, at the last deadline", () => {
  const { sim, h } = host();
  h.deadlines.push(500);
  let most = 0;
  for (let i = 1; i <= 1000; i++) {
    sim.at(i, () => {
      h.deadlines[0] = 500 + i * 10;
    });
  }
  sim.at(1001, () => {
    most = sim.pendingEvents;
  });
  sim.runUntilIdle();
  assert.deepEqual(h.wakes, [500 + 1000 * 10]);
  assert.ok(most <= 2, `${most} events pending after the moves`);
});

test("a deadline moved earlier wakes the host at the earlier time; one removed never wakes it", () => {
  const { sim, h } = host();
  h.deadlines.push(1000);
  sim.at(10, () => {
    h.deadlines[0] = 300;
  });
  sim.at(400, () => {
    h.deadlines.push(2000);
  });
  sim.at(500, () => {
    h.deadlines.length = 0;
  });
  sim.runUntilIdle();
  assert.deepEqual(h.wakes, [300]);
  assert.equal(sim.now, 500);
});

test("a wake-up moved later still runs after events scheduled at that time before the move", () => {
  const { sim, h } = host();
  const order: string[] = [];
  h.deadlines.push(100);
  h.onTimer = () => order.push("wake");
  sim.at(200, () => order.push("action scheduled first"));
  sim.at(50, () => {
    h.deadlines[0] = 200; // moved later, after the action at 200 was scheduled
  });
  sim.runUntilIdle();
  assert.deepEqual(order, ["action scheduled first", "wake"]);
});
