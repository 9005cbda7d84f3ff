// Host.setTimer: application timers on the host's clock (what Socket.setTimeout stands on). They count in
// nextDeadline(), fire from advance() in time order, can be cancelled, and tell a real-time driver when the
// host's deadline moved earlier.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Host } from "../../src/index.js";

test("setTimer: in nextDeadline, fired by advance in time order, cancellable, onDeadlineEarlier when earlier", () => {
  const host = new Host({ name: "h", address: "10.0.0.1" });
  let earlier = 0;
  host.onDeadlineEarlier = () => earlier++;
  assert.equal(host.nextDeadline(), Infinity);
  const fired: string[] = [];
  host.setTimer(3_000, (now) => fired.push(`c@${now}`));
  assert.equal(earlier, 1);
  const b = host.setTimer(2_000, (now) => fired.push(`b@${now}`));
  assert.equal(earlier, 2);
  host.setTimer(1_000, (now) => {
    fired.push(`a@${now}`);
    host.setTimer(1_500, (t) => fired.push(`set-while-firing@${t}`));
  });
  host.setTimer(5_000, () => fired.push("later"));
  assert.equal(earlier, 3, "a later timer does not wake the driver");
  assert.equal(host.nextDeadline(), 1_000);
  b.cancel();
  host.advance(1_000);
  assert.deepEqual(fired, ["a@1000"]);
  assert.equal(host.nextDeadline(), 1_500);
  host.advance(4_000);
  assert.deepEqual(fired, ["a@1000", "set-while-firing@4000", "c@4000"]);
  assert.equal(host.nextDeadline(), 5_000, "the cancelled timer is gone, the later one remains");
  host.advance(5_000);
  assert.equal(host.nextDeadline(), Infinity);
});
