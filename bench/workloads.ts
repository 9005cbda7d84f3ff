// The work `npm run bench` measures and `bench/profile.ts` profiles: two hosts in one process on the
// simulator, tracing off, segments handed over without copies (copySegments: false). Each function
// returns raw counts and wall-clock seconds; bench/run.ts turns them into rows.
import { performance } from "node:perf_hooks";
import { Host } from "../src/tcp/engine.js";
import { Simulator } from "../src/sim/simulator.js";
import { NullTrace } from "../src/tcp/events.js";
import type { Connection, ConnectionHandlers } from "../src/tcp/connection.js";
import type { Profile } from "../src/tcp/profile.js";
import { MS, SECOND } from "../src/tcp/profile.js";

export interface Pair {
  sim: Simulator;
  a: Host;
  b: Host;
}

/** Two hosts, 10.0.0.1 (a) and 10.0.0.2 (b) — or 2001:db8::1 and ::2 — on one lossless 10 µs link. */
export function pair(mtu: number, overrides: Partial<Profile> = {}, family: 4 | 6 = 4): Pair {
  const trace = new NullTrace();
  const sim = new Simulator({ seed: 1, trace, copySegments: false });
  const [addrA, addrB] = family === 6 ? ["2001:db8::1", "2001:db8::2"] : ["10.0.0.1", "10.0.0.2"];
  const a = new Host({ name: "a", address: addrA, mtu, trace, overrides });
  const b = new Host({ name: "b", address: addrB, mtu, trace, overrides });
  sim.addHost(a);
  sim.addHost(b);
  sim.link("a", "b", { delay: 10, mtu });
  return { sim, a, b };
}

/** The whole ephemeral range, so one destination port takes ~64,000 connections. */
export const WIDE_PORTS: Partial<Profile> = { ephemeralPortLow: 1024, ephemeralPortHigh: 65535 };
const PORTS_PER_DESTINATION = 65535 - 1024 + 1;

export interface BulkResult {
  seconds: number;
  /** Process CPU time (user + system) over the same interval. */
  cpuSeconds: number;
  bytes: number;
  /** Segments sent by both hosts (data one way, ACKs the other). */
  segments: number;
  /** Segments the sender sent (the data, plus its SYN and handshake ACK). */
  dataSegments: number;
}

/** Bulk one-way transfer through the whole stack (engine + host + simulator), lossless link. */
export function bulk(mtu: number, totalBytes: number): BulkResult {
  const { sim, a, b } = pair(mtu, { sendBuffer: 4 << 20, receiveBuffer: 4 << 20 });
  let received = 0;
  b.listen(
    9,
    {},
    {
      onConnection: () => ({
        onData: (_c, d) => {
          received += d.length;
        },
      }),
    },
  );
  const chunk = new Uint8Array(256 * 1024).fill(7);
  let sent = 0;
  let conn: Connection | null = null;
  const pump = () => {
    while (conn && sent < totalBytes) {
      const n = conn.send(chunk.subarray(0, Math.min(chunk.length, totalBytes - sent)), a.time());
      sent += n;
      if (n === 0) break;
    }
  };
  conn = a.connect({ address: "10.0.0.2", port: 9, noDelay: true }, { onEstablished: pump, onDrain: pump });
  const start = performance.now();
  const cpu = process.cpuUsage();
  while (received < totalBytes) {
    const outcome = sim.runUntilIdle({ maxEvents: 1_000_000 });
    if (outcome === "idle" && received < totalBytes) throw new Error(`bulk stalled at ${received} bytes`);
  }
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  // a sends the data (and two handshake segments), b the ACKs.
  return {
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    bytes: totalBytes,
    segments: a.counters.outSegs + b.counters.outSegs,
    dataSegments: a.counters.outSegs,
  };
}

const REQUEST = new Uint8Array(100).fill(1);
const REPLY = new Uint8Array(100).fill(2);

/**
 * A listener that answers each request with REPLY and closes after the client does. One handler object
 * for every connection: a closure per connection would be the benchmark's cost, not the stack's (under
 * tsx each closure also gets its name set at creation).
 */
function serveRequests(b: Host, port: number): void {
  const handlers: ConnectionHandlers = {
    onData: (c, d) => {
      if (d.length > 0) c.send(REPLY, b.time());
    },
    onEnd: (c) => c.close(b.time()),
  };
  b.listen(port, { backlog: 4096 }, { onConnection: () => handlers });
}

/**
 * `count` full lifecycles from a to b:port, `concurrency` at a time: connect, 100-byte request, 100-byte
 * reply, client closes first (a keeps a TIME_WAIT record). Virtual time moves at most `step` µs per
 * simulator call so records already held do not expire meanwhile. Returns wall-clock seconds.
 */
export function runLifecycles(p: Pair, port: number, count: number, concurrency: number): number {
  const { sim, a } = p;
  let done = 0;
  let started = 0;
  const handlers: ConnectionHandlers = {
    onEstablished: (c) => void c.send(REQUEST, a.time()),
    onData: (c) => c.close(a.time()),
    onClose: () => {
      done++;
      if (started < count) open();
    },
  };
  const open = () => {
    started++;
    a.connect({ address: "10.0.0.2", port, noDelay: true }, handlers);
  };
  const start = performance.now();
  for (let i = 0; i < concurrency && started < count; i++) open();
  while (done < count) sim.runUntilIdle({ maxEvents: 1_000_000, until: sim.now + 100 * MS });
  return (performance.now() - start) / 1000;
}

/** Lifecycles per second on a fresh pair. */
export function lifecycles(count: number): number {
  const p = pair(1500, WIDE_PORTS);
  serveRequests(p.b, 80);
  return count / runLifecycles(p, 80, count, 256);
}

/** Bytes the process holds on the JS heap and in ArrayBuffers (typed arrays live outside the heap). */
export function heldBytes(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc (npm run bench does)");
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const IDLE: ConnectionHandlers = {};

/**
 * Opens `count` connections from a to b and leaves them idle in ESTABLISHED, over as many listener
 * ports (from `firstPort`) as the ephemeral range needs. Returns the ports used.
 */
function establishIdle(p: Pair, count: number, firstPort: number): number {
  const { sim, a, b } = p;
  const ports = Math.ceil(count / (PORTS_PER_DESTINATION - 1000));
  for (let i = 0; i < ports; i++) b.listen(firstPort + i, { backlog: 4096 }, { onConnection: () => IDLE });
  let established = 0;
  let started = 0;
  const handlers: ConnectionHandlers = {
    onEstablished: () => {
      established++;
      if (started < count) open();
    },
  };
  const open = () => {
    a.connect({ address: "10.0.0.2", port: firstPort + (started++ % ports) }, handlers);
  };
  for (let i = 0; i < 512 && started < count; i++) open();
  while (established < count) sim.runUntilIdle({ maxEvents: 2_000_000, until: sim.now + 100 * MS });
  return ports;
}

/**
 * Leaves `count` TIME_WAIT records on a: connect then close at once, client first, over listener ports
 * from `firstPort`.
 */
export function fillTimeWait(p: Pair, count: number, firstPort: number): void {
  const { sim, a, b } = p;
  const ports = Math.ceil(count / (PORTS_PER_DESTINATION - 1000));
  const serverHandlers: ConnectionHandlers = { onEnd: (c) => c.close(b.time()) };
  for (let i = 0; i < ports; i++) {
    b.listen(firstPort + i, { backlog: 4096 }, { onConnection: () => serverHandlers });
  }
  const target = a.timeWaitEntries + count;
  let started = 0;
  const handlers: ConnectionHandlers = {
    onEstablished: (c) => c.close(a.time()),
    onClose: () => {
      if (started < count) open();
    },
  };
  const open = () => {
    a.connect({ address: b.address, port: firstPort + (started++ % ports) }, handlers);
  };
  for (let i = 0; i < 512 && started < count; i++) open();
  while (a.timeWaitEntries < target) sim.runUntilIdle({ maxEvents: 2_000_000, until: sim.now + 100 * MS });
}

export interface LoadedHostResult {
  established: number;
  timeWait: number;
  /** (heap + ArrayBuffers) growth per established connection, both ends counted (2 per pair). */
  bytesPerEstablished: number;
  /** Growth per TIME_WAIT record. */
  bytesPerTimeWait: number;
  /**
   * Batches of `lifecycles` new lifecycles timed on the loaded host and on an empty pair, after one
   * warm-up batch each (the loaded pair's first batch runs code paths its set-up did not train).
   */
  lifecycles: number;
  loadedSeconds: number[];
  emptySeconds: number[];
  /** Wall time of one host.nextDeadline() and of one advance() with nothing due, in ns. */
  nextDeadlineNs: number;
  idleAdvanceNs: number;
  /** Wall time to expire every TIME_WAIT record in one advance(), in ms. */
  expireAllMs: number;
  setupSeconds: number;
}

/** Wall times of five batches of `count` lifecycles (100 at a time), after one warm-up batch. */
function batches(p: Pair, count: number): number[] {
  runLifecycles(p, 80, count, 100);
  const out: number[] = [];
  for (let i = 0; i < 5; i++) out.push(runLifecycles(p, 80, count, 100));
  return out;
}

export interface Loaded {
  pair: Pair;
  /** heldBytes() before, after the idle connections, after the TIME_WAIT records. */
  bytes: [number, number, number];
}

/** A pair whose host a holds `established` idle connections and `timeWait` TIME_WAIT records. */
export function buildLoaded(established: number, timeWait: number): Loaded {
  const p = pair(1500, WIDE_PORTS);
  serveRequests(p.b, 80);
  const base = heldBytes();
  establishIdle(p, established, 1000);
  const withEstablished = heldBytes();
  fillTimeWait(p, timeWait, 2000);
  return { pair: p, bytes: [base, withEstablished, heldBytes()] };
}

/**
 * A holds `established` idle connections and `timeWait` TIME_WAIT records; then `lifecycles` new
 * lifecycles run against it, and its deadline queries are timed.
 */
export function loadedHost(established: number, timeWait: number, lifecycleCount: number): LoadedHostResult {
  const setupStart = performance.now();
  // The same lifecycles on an empty pair: the baseline.
  const empty = pair(1500, WIDE_PORTS);
  serveRequests(empty.b, 80);
  const emptySeconds = batches(empty, lifecycleCount);

  const { pair: p, bytes } = buildLoaded(established, timeWait);
  const [base, withEstablished, withTimeWait] = bytes;
  const { a } = p;
  const setupSeconds = (performance.now() - setupStart) / 1000;

  const loadedSeconds = batches(p, lifecycleCount);

  const calls = 100_000;
  let sink = 0;
  let t0 = performance.now();
  for (let i = 0; i < calls; i++) sink += a.nextDeadline();
  const nextDeadlineNs = ((performance.now() - t0) * 1e6) / calls;
  const now = p.sim.now;
  t0 = performance.now();
  for (let i = 0; i < calls; i++) a.advance(now);
  const idleAdvanceNs = ((performance.now() - t0) * 1e6) / calls;
  if (sink === 0) throw new Error("nextDeadline() said 0");

  const held = a.timeWaitEntries;
  t0 = performance.now();
  a.advance(now + 10 * 60 * SECOND);
  const expireAllMs = performance.now() - t0;
  if (a.timeWaitEntries !== 0) throw new Error(`${a.timeWaitEntries} TIME_WAIT records outlived the wait`);
  return {
    established,
    timeWait: held,
    bytesPerEstablished: (withEstablished - base) / (2 * established),
    bytesPerTimeWait: (withTimeWait - withEstablished) / timeWait,
    lifecycles: lifecycleCount,
    loadedSeconds,
    emptySeconds,
    nextDeadlineNs,
    idleAdvanceNs,
    expireAllMs,
    setupSeconds,
  };
}
