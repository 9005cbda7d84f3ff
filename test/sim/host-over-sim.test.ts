// The simulator driving the real Host: a transfer over an impaired link completes with the right
// bytes, and the in-flight copy is provably unnecessary for the Host (identical traces either way),
// which is what lets benchmarks run it with copySegments: false.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Simulator } from "../../src/sim/simulator.js";
import { Host } from "../../src/tcp/engine.js";
import type { Trace } from "../../src/tcp/events.js";

function transfer(copySegments: boolean, seed: number) {
  const sim = new Simulator({ seed, copySegments, msl: 30_000_000 });
  const a = sim.addHost(new Host({ name: "a", address: "10.0.0.1", trace: sim.trace, seed: 1 }));
  const b = sim.addHost(new Host({ name: "b", address: "10.0.0.2", trace: sim.trace, seed: 2 }));
  sim.link("a", "b", {
    delay: 5000,
    jitter: 1000,
    loss: 0.1,
    duplicate: 0.05,
    reorder: 0.1,
    reorderDelay: 8000,
    corrupt: 0.05,
  });
  const size = 300_000;
  const data = new Uint8Array(size).map((_, i) => (i * 7 + (i >> 8)) & 255);
  const received: number[] = [];
  let ended = false;
  b.listen(
    80,
    {},
    {
      onConnection: () => ({
        onData: (_c, d) => {
          for (const x of d) received.push(x);
        },
        onEnd: (c) => {
          ended = true;
          c.close(sim.now);
        },
      }),
    },
  );
  sim.at(0, () => {
    let offset = 0;
    const pump = (c: ReturnType<typeof a.connect>) => {
      while (offset < size) {
        const n = c.send(data.subarray(offset, offset + 65536), sim.now);
        if (n === 0) return;
        offset += n;
      }
      c.close(sim.now);
    };
    a.connect({ address: "10.0.0.2", port: 80 }, { onEstablished: pump, onDrain: pump });
  });
  const outcome = sim.runUntilIdle();
  return { sim, outcome, ended, ok: received.length === size && received.every((x, i) => x === data[i]) };
}

test("a transfer between two Hosts over a lossy, duplicating, reordering, corrupting link delivers every byte", () => {
  const r = transfer(true, 11);
  assert.equal(r.outcome, "idle");
  assert.ok(r.ok, "bytes delivered equal bytes sent");
  assert.ok(r.ended, "the server saw EOF");
  const net = (r.sim.trace as Trace).events.filter((e) => e.kind === "network");
  for (const action of ["drop", "duplicate", "corrupt", "delay"]) {
    assert.ok(
      net.some((e) => e.action === action),
      `the link did ${action} something`,
    );
  }
});

test("the Host never changes a segment after transmitting it: copying in flight changes nothing", () => {
  const copied = transfer(true, 12);
  const shared = transfer(false, 12);
  assert.ok(shared.ok);
  assert.equal(
    JSON.stringify((shared.sim.trace as Trace).events),
    JSON.stringify((copied.sim.trace as Trace).events),
  );
});
