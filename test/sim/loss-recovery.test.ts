// Loss recovery end to end (issue 3), two real hosts on the seeded simulator: bulk transfers over random
// loss finish byte-exact with recovery mostly by fast retransmit, not by timeout; and SACK (RFC 6675)
// repairs several holes of one window within one round trip where NewReno (RFC 6582) needs a round trip
// per hole.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Host } from "../../src/tcp/engine.js";
import { Simulator } from "../../src/sim/simulator.js";
import type { LinkOptions } from "../../src/sim/link.js";
import type { Connection } from "../../src/tcp/connection.js";
import type { Counters } from "../../src/tcp/counters.js";
import type { Profile } from "../../src/tcp/profile.js";
import {
  NullTrace,
  Trace,
  type SegmentReceivedEvent,
  type SegmentSentEvent,
  type TimerEvent,
  type TraceSink,
} from "../../src/tcp/events.js";
import { SYN } from "../../src/wire/segment.js";

const CLIENT = "10.0.0.1";
const SERVER = "10.0.0.2";
const PORT = 80;
const MIB = 1 << 20;

/** A byte stream no two nearby offsets of which look alike (xorshift32), so a misplaced byte shows. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x;
  }
  return out;
}

interface TransferSetup {
  seed: number;
  bytes: number;
  link: LinkOptions;
  overrides: Partial<Profile>;
  trace?: TraceSink;
  /** Called once the client's SYN is out (faults that need the ISS are registered here). */
  onSyn?: (sim: Simulator) => void;
}

interface TransferResult {
  sim: Simulator;
  /** The server application read every byte, in order, then EOF. */
  complete: boolean;
  byteExact: boolean;
  received: number;
  /** The client's (the data sender's) counters. */
  counters: Counters;
  /** Virtual time at which the server read EOF (µs). */
  doneAt: number;
}

/** The client writes `bytes` to the server as fast as its send buffer takes them, then half-closes. */
function transfer(setup: TransferSetup): TransferResult {
  const trace = setup.trace ?? new NullTrace();
  const sim = new Simulator({ seed: setup.seed, trace, copySegments: false });
  const client = sim.addHost(
    new Host({ name: "client", address: CLIENT, trace, overrides: setup.overrides, seed: setup.seed }),
  );
  const server = sim.addHost(
    new Host({ name: "server", address: SERVER, trace, overrides: setup.overrides, seed: setup.seed + 1 }),
  );
  sim.link("client", "server", setup.link);
  const source = pattern(setup.bytes, setup.seed);
  const sink = new Uint8Array(setup.bytes);
  let received = 0;
  let overflow = false;
  let eof = false;
  let doneAt = -1;
  server.listen(
    PORT,
    {},
    {
      onConnection: () => ({
        onData: (_c, d) => {
          if (received + d.length > sink.length) overflow = true;
          else sink.set(d, received);
          received += d.length;
        },
        onEnd: (c) => {
          eof = true;
          doneAt = sim.now;
          c.close(server.time());
        },
      }),
    },
  );
  let written = 0;
  const pump = (c: Connection): void => {
    while (written < source.length) {
      const n = c.send(
        source.subarray(written, Math.min(source.length, written + 256 * 1024)),
        client.time(),
      );
      written += n;
      if (n === 0) return; // onDrain brings us back
    }
    c.shutdown(client.time());
  };
  client.connect({ address: SERVER, port: PORT }, { onEstablished: pump, onDrain: pump });
  setup.onSyn?.(sim);
  sim.runUntilIdle();
  const complete = eof && received === setup.bytes && !overflow;
  return {
    sim,
    complete,
    byteExact: complete && Buffer.compare(Buffer.from(source), Buffer.from(sink)) === 0,
    received,
    counters: client.counters,
    doneAt,
  };
}

// ---------------------------------------------------------------- 10 MB over random loss

/** A 50 Mbit/s, 20 ms RTT path with a 300-packet queue: loss comes from the link, not from the queue. */
function lossyLink(dataLoss: number, ackLoss: number): LinkOptions {
  return {
    delay: 10_000,
    rate: 50e6,
    queueLimit: 300,
    forward: { loss: dataLoss },
    reverse: { loss: ackLoss },
  };
}

interface BulkCase {
  name: string;
  dataLoss: number;
  ackLoss: number;
  overrides: Partial<Profile>;
}

const BULK_CASES: BulkCase[] = [
  { name: "1 % loss, SACK", dataLoss: 0.01, ackLoss: 0, overrides: {} },
  { name: "5 % loss, SACK", dataLoss: 0.05, ackLoss: 0, overrides: {} },
  { name: "1 % loss each way, SACK", dataLoss: 0.01, ackLoss: 0.01, overrides: {} },
  { name: "1 % loss, NewReno (SACK off)", dataLoss: 0.01, ackLoss: 0, overrides: { sack: false } },
  { name: "5 % loss, NewReno (SACK off)", dataLoss: 0.05, ackLoss: 0, overrides: { sack: false } },
  {
    name: "1 % loss, NewReno (SACK off), no window scaling",
    dataLoss: 0.01,
    ackLoss: 0,
    overrides: { sack: false, windowScaling: false },
  },
];

const bulkResults = new Map<string, TransferResult>();

/** Each case runs once; the completion and the recovery tests read the same run. */
function bulk(c: BulkCase): TransferResult {
  let r = bulkResults.get(c.name);
  if (!r) {
    r = transfer({
      seed: 7,
      bytes: 10_000_000,
      link: lossyLink(c.dataLoss, c.ackLoss),
      overrides: { sendBuffer: MIB, receiveBuffer: MIB, ...c.overrides },
    });
    bulkResults.set(c.name, r);
  }
  return r;
}

for (const c of BULK_CASES) {
  test(`10 MB over ${c.name}: the transfer completes byte-exact`, () => {
    const r = bulk(c);
    assert.ok(r.complete, `received ${r.received} of 10000000 bytes`);
    assert.ok(r.byteExact, "every byte in its place");
    const lost = r.sim.linkDirection("client", "server").counters.dropped.loss;
    assert.ok(lost > 0, "the link did lose data segments");
    assert.ok(r.counters.retransSegs >= lost, `${r.counters.retransSegs} retransmissions for ${lost} losses`);
  });
}

for (const c of BULK_CASES) {
  test(`10 MB over ${c.name}: losses are repaired by fast retransmit, RTO timeouts do not dominate`, () => {
    const r = bulk(c);
    assert.ok(r.complete);
    const { fastRetransmits, timeouts } = r.counters;
    assert.ok(fastRetransmits > 0, "fast retransmits are counted");
    assert.ok(fastRetransmits > timeouts, `${fastRetransmits} fast retransmits, ${timeouts} timeouts`);
  });
}

// ---------------------------------------------------------------- several holes in one window

const LOST_SEGMENTS = [30, 33, 36, 39];
const HOLE_DELAY = 20_000; // one way: a 40 ms base RTT

interface HoleRun {
  result: TransferResult;
  /** The lost segments' sequence numbers, in order. */
  lost: number[];
  /** The client's transmissions of data. */
  sent: SegmentSentEvent[];
  /** The client's retransmissions of data, in order. */
  rtx: SegmentSentEvent[];
  /** What the client received (the server's ACKs). */
  acks: SegmentReceivedEvent[];
  rtoFired: number;
}

/**
 * 300 KB from client to server; the first transmissions of data segments 30, 33, 36 and 39 (counted from 0,
 * all full-sized) are lost. A 20 Mbit/s bottleneck spreads each window's ACKs over time, as on a real path.
 */
function holes(overrides: Partial<Profile>): HoleRun {
  const trace = new Trace();
  const lost: number[] = [];
  const result = transfer({
    seed: 3,
    bytes: 300_000,
    link: { delay: HOLE_DELAY, rate: 20e6 },
    overrides: { sendBuffer: MIB, receiveBuffer: MIB, ...overrides },
    trace,
    onSyn: (sim) => {
      const syn = trace.events.find(
        (e): e is SegmentSentEvent =>
          e.kind === "segment-sent" && e.host === "client" && (e.seg.flags & SYN) !== 0,
      )!;
      // Every data segment is full-sized (the whole stream is written at once): 1448 bytes with timestamps.
      const mss = overrides.timestamps === false ? 1460 : 1448;
      const pending = new Set<number>();
      for (const i of LOST_SEGMENTS) {
        const seq = (syn.seg.seq + 1 + i * mss) >>> 0;
        pending.add(seq);
        lost.push(seq);
      }
      sim.fault({
        name: "holes",
        action: "drop",
        from: "client",
        times: LOST_SEGMENTS.length,
        // Only the first transmission of each: a retransmission must get through.
        match: (seg) => seg.payload.length > 0 && pending.delete(seg.seq),
      });
    },
  });
  const clientEvents = trace.events.filter((e) => e.host === "client");
  const sent = clientEvents.filter(
    (e): e is SegmentSentEvent => e.kind === "segment-sent" && e.seg.payload.length > 0,
  );
  return {
    result,
    lost,
    sent,
    rtx: sent.filter((e) => e.retransmission),
    acks: clientEvents.filter((e): e is SegmentReceivedEvent => e.kind === "segment-received"),
    rtoFired: clientEvents.filter(
      (e): e is TimerEvent => e.kind === "timer" && e.timer === "retransmit" && e.action === "fired",
    ).length,
  };
}

/** When the client first hears an ACK covering `seq` (cumulatively), after time `after`. */
function ackedAt(run: HoleRun, seq: number, after: number): number {
  const e = run.acks.find((a) => a.t >= after && ((a.seg.ack - seq) | 0) > 0);
  return e ? e.t : Infinity;
}

function checkOneWindow(run: HoleRun): void {
  assert.ok(run.result.byteExact, "the transfer completed byte-exact");
  assert.ok(run.rtx.length > 0, "something was retransmitted");
  // The precondition: all four were outstanding together, i.e. first sent before any repair began.
  const firstRtx = run.rtx[0]!.t;
  for (const seq of run.lost) {
    const first = run.sent.find((e) => e.seg.seq === seq);
    assert.ok(first && first.t < firstRtx, `segment ${seq} was in flight before the first retransmission`);
  }
}

test("SACK repairs four holes of one window within one round trip, with no RTO (RFC 6675)", () => {
  const run = holes({});
  checkOneWindow(run);
  assert.deepEqual(
    run.rtx.map((e) => e.seg.seq),
    run.lost,
    "exactly the lost segments were retransmitted, each once, in order",
  );
  assert.equal(run.rtoFired, 0, "the retransmission timer never fired");
  assert.equal(run.result.counters.timeouts, 0);
  assert.equal(run.result.counters.fastRetransmits, 1, "one recovery episode for the whole window");
  // Within one RTT: every hole was resent before the ACK of the first retransmission came back.
  const first = run.rtx[0]!;
  const roundTrip = ackedAt(run, first.seg.seq, first.t);
  assert.ok(roundTrip < Infinity);
  const last = run.rtx.at(-1)!;
  assert.ok(
    last.t < roundTrip,
    `last retransmission ${(last.t - first.t) / 1000} ms after the first; its round trip took ${(roundTrip - first.t) / 1000} ms`,
  );
});

/** NewReno: each hole is resent only after the partial ACK of the previous repair (RFC 6582 §3.2 step 5). */
function checkNewReno(run: HoleRun): void {
  checkOneWindow(run);
  assert.deepEqual(
    run.rtx.map((e) => e.seg.seq),
    run.lost,
    "exactly the lost segments were retransmitted, each once, in order",
  );
  assert.equal(run.rtoFired, 0, "the retransmission timer never fired");
  for (let i = 1; i < run.rtx.length; i++) {
    const prev = run.rtx[i - 1]!;
    const partialAck = ackedAt(run, prev.seg.seq, prev.t);
    assert.ok(
      run.rtx[i]!.t >= partialAck,
      `hole ${i} resent ${(run.rtx[i]!.t - prev.t) / 1000} ms after hole ${i - 1}, before its repair was ACKed`,
    );
  }
  const first = run.rtx[0]!;
  const rtt = ackedAt(run, first.seg.seq, first.t) - first.t;
  const spread = run.rtx.at(-1)!.t - first.t;
  assert.ok(
    spread >= (LOST_SEGMENTS.length - 1) * rtt * 0.9,
    `${LOST_SEGMENTS.length} holes spread over ${spread / 1000} ms, RTT ${rtt / 1000} ms`,
  );
}

test("without SACK (NewReno) the same four holes take a round trip each", () => {
  checkNewReno(holes({ sack: false }));
});

test("without SACK and without window scaling (NewReno) the four holes take a round trip each", () => {
  checkNewReno(holes({ sack: false, windowScaling: false }));
});

// ---------------------------------------------------------------- a burst of holes: slow start overshoot

/**
 * 15 MB over 100 Mbit/s × 50 ms with a 1000-packet queue (Linux's txqueuelen) and 4 MiB buffers: the slow
 * start overshoots the queue and some 700 segments of one window are dropped, every third one or so.
 */
function overshoot(): TransferResult & { queueDrops: number; trace: Trace } {
  const trace = new Trace();
  const r = transfer({
    seed: 1,
    bytes: 15_000_000,
    link: { delay: 25_000, rate: 100e6, queueLimit: 1000 },
    overrides: { sendBuffer: 4 * MIB, receiveBuffer: 4 * MIB },
    trace,
  });
  return { ...r, trace, queueDrops: r.sim.linkDirection("client", "server").counters.dropped["queue-full"] };
}

let overshootRun: ReturnType<typeof overshoot> | undefined;

test("a slow-start overshoot into a 1000-packet queue: the transfer completes byte-exact", () => {
  overshootRun ??= overshoot();
  assert.ok(overshootRun.byteExact);
  assert.ok(overshootRun.queueDrops > 100, `${overshootRun.queueDrops} packets dropped by the queue`);
});

test("a slow-start overshoot: SACK repairs hundreds of holes; only a lost retransmission waits for the RTO", () => {
  overshootRun ??= overshoot();
  const { counters, queueDrops, trace } = overshootRun;
  assert.ok(
    counters.retransSegs <= queueDrops * 1.25,
    `${counters.retransSegs} retransmissions for ${queueDrops} lost segments`,
  );
  // RFC 6675 cannot tell that a retransmission was lost too (RACK, RFC 8985, can): then, and only
  // then, the RTO repairs it. Every timeout must follow the loss of the retransmission at SND.UNA.
  const events = trace.events;
  const dropped = new Set(
    events.filter((e) => e.kind === "network" && e.action === "drop").map((e) => (e as { id: number }).id),
  );
  const fired = events.filter(
    (e) => e.kind === "timer" && e.host === "client" && e.timer === "retransmit" && e.action === "fired",
  );
  assert.ok(fired.length <= 2, `${fired.length} timeouts`);
  for (const rto of fired) {
    const resent = events.filter(
      (e): e is SegmentSentEvent =>
        e.kind === "segment-sent" && e.host === "client" && e.retransmission && e.t < rto.t,
    );
    const lastAck = events.filter(
      (e): e is SegmentReceivedEvent => e.kind === "segment-received" && e.host === "client" && e.t < rto.t,
    );
    const una = lastAck.at(-1)!.seg.ack;
    const head = resent.filter((e) => e.seg.seq === una).at(-1);
    assert.ok(head, `the segment at SND.UNA was retransmitted before the timeout at ${rto.t} µs`);
    assert.ok(dropped.has(head.id), `and that retransmission was lost (timeout at ${rto.t} µs)`);
  }
});
