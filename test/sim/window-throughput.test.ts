// Window scaling at work (issue 3, RFC 7323 §2): on a 100 Mbit/s path with a 50 ms RTT the bandwidth-delay
// product is 625 KB. With scaled windows and 4 MiB buffers a bulk transfer fills the link; without window
// scaling on either side at most 65535 bytes are in flight, so goodput is capped at 65535 bytes per RTT.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Host } from "../../src/tcp/engine.js";
import { Simulator } from "../../src/sim/simulator.js";
import type { Connection } from "../../src/tcp/connection.js";
import type { Profile } from "../../src/tcp/profile.js";
import { NullTrace } from "../../src/tcp/events.js";

const RATE = 100e6; // bits/s on the wire (IPv4 packets)
const ONE_WAY = 25_000; // µs
const RTT = (2 * ONE_WAY) / 1e6; // s
const BUFFERS: Partial<Profile> = { sendBuffer: 4 << 20, receiveBuffer: 4 << 20 };
/** A queue that holds a whole 4 MiB window beyond the pipe: the slow start cannot overflow it. */
const DEEP_QUEUE = 4000;

interface Run {
  /** Payload bits per second the server application read in [from, to). */
  goodput: number;
  /** Packets the bottleneck queue dropped over the whole run. */
  queueDrops: number;
  timeouts: number;
}

/**
 * The client sends without end (it refills its send buffer whenever there is room); the server reads
 * everything at once. Goodput is measured over [from, to) µs, after the slow start.
 */
function bulk(client: Partial<Profile>, server: Partial<Profile>, from: number, to: number): Run {
  const trace = new NullTrace();
  const sim = new Simulator({ seed: 5, trace, copySegments: false });
  const a = sim.addHost(
    new Host({ name: "client", address: "10.0.0.1", trace, overrides: { ...BUFFERS, ...client }, seed: 5 }),
  );
  const b = sim.addHost(
    new Host({ name: "server", address: "10.0.0.2", trace, overrides: { ...BUFFERS, ...server }, seed: 6 }),
  );
  sim.link("client", "server", { delay: ONE_WAY, rate: RATE, queueLimit: DEEP_QUEUE });
  let measured = 0;
  b.listen(
    80,
    {},
    {
      onConnection: () => ({
        onData: (_c, d) => {
          if (sim.now >= from && sim.now < to) measured += d.length;
        },
      }),
    },
  );
  const chunk = new Uint8Array(1 << 20);
  const fill = (c: Connection): void => {
    while (c.send(chunk, a.time()) > 0);
  };
  a.connect({ address: "10.0.0.2", port: 80 }, { onEstablished: fill, onDrain: fill });
  sim.runUntil(to);
  return {
    goodput: (measured * 8) / ((to - from) / 1e6),
    queueDrops: sim.linkDirection("client", "server").counters.dropped["queue-full"],
    timeouts: a.counters.timeouts,
  };
}

const mbps = (bits: number): string => `${(bits / 1e6).toFixed(1)} Mbit/s`;

test("with window scaling a 4 MiB window fills a 100 Mbit/s × 50 ms path: goodput ≥ 90 % of the link rate", () => {
  // Slow start from IW10 reaches the 625 KB bandwidth-delay product within ~0.5 s; measure the 2 s after 1 s.
  const r = bulk({}, {}, 1_000_000, 3_000_000);
  assert.ok(r.goodput >= 0.9 * RATE, `goodput ${mbps(r.goodput)} of ${mbps(RATE)}`);
  assert.equal(r.timeouts, 0);
});

/** 65535 bytes per round trip: the most an unscaled window lets through. */
const UNSCALED_CAP = (65535 * 8) / RTT;

for (const side of ["client", "server"] as const) {
  test(`with window scaling off on the ${side} goodput is capped by 65535 bytes per RTT (${mbps(UNSCALED_CAP)})`, () => {
    const off: Partial<Profile> = { windowScaling: false };
    const r = bulk(side === "client" ? off : {}, side === "server" ? off : {}, 1_000_000, 3_000_000);
    // The RTT is at least the 50 ms of propagation, so the cap holds up to a little serialisation slack.
    assert.ok(r.goodput <= UNSCALED_CAP * 1.01, `goodput ${mbps(r.goodput)} above ${mbps(UNSCALED_CAP)}`);
    // And the window is used, not wasted: whole segments of the 65535 bytes go out every round trip.
    assert.ok(r.goodput >= UNSCALED_CAP * 0.8, `goodput ${mbps(r.goodput)}, far below ${mbps(UNSCALED_CAP)}`);
    assert.equal(r.queueDrops, 0, "64 KiB in flight never fills the queue");
  });
}
