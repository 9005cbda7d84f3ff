// `npm run bench`: speed and memory of the engine, measured in one run beside Node's own `net` over
// 127.0.0.1 as the baseline, and written to docs/benchmarks.md with the machine and the command.
// Wall-clock numbers vary with the machine and its load: compare rows of one run, not across runs.
import { writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem, platform, release } from "node:os";
import { performance } from "node:perf_hooks";
import { Host } from "../src/stack/host.js";
import { Simulator } from "../src/sim/simulator.js";
import { NullTrace } from "../src/trace/events.js";
import type { Connection } from "../src/tcp/connection.js";
import { SECOND } from "../src/tcp/profile.js";
import { netBulk, netLifecycles } from "./node-net.js";
import { tunBench } from "./tun.js";

interface Row {
  name: string;
  value: number;
  unit: string;
  note: string;
}

const rows: Row[] = [];
const quick = process.argv.includes("--quick");

function record(name: string, value: number, unit: string, note = ""): void {
  rows.push({ name, value, unit, note });
  console.log(`${name.padEnd(58)} ${value.toFixed(value >= 100 ? 0 : 2).padStart(12)} ${unit} ${note}`);
}

function pair(mtu: number, overrides = {}) {
  const trace = new NullTrace();
  const sim = new Simulator({ seed: 1, trace, copySegments: false });
  const a = new Host({ name: "a", address: "10.0.0.1", mtu, trace, overrides });
  const b = new Host({ name: "b", address: "10.0.0.2", mtu, trace, overrides });
  sim.addHost(a);
  sim.addHost(b);
  sim.link("a", "b", { delay: 10, mtu });
  return { sim, a, b };
}

/** Bulk one-way transfer through the whole stack (engine + host + simulator), lossless link. */
function bulk(mtu: number, totalBytes: number): { mbps: number; segments: number; seconds: number } {
  const { sim, a, b } = pair(mtu, { sendBuffer: 4 << 20, receiveBuffer: 4 << 20 });
  let received = 0;
  b.listen(9, {}, { onConnection: () => ({ onData: (_c, d) => void (received += d.length) }) });
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
  while (received < totalBytes) {
    const outcome = sim.runUntilIdle({ maxEvents: 1_000_000 });
    if (outcome === "idle" && received < totalBytes) throw new Error(`bulk stalled at ${received} bytes`);
  }
  const seconds = (performance.now() - start) / 1000;
  return { mbps: totalBytes / 1e6 / seconds, segments: a.counters.outSegs + b.counters.outSegs, seconds };
}

/** Full lifecycles: connect, 100-byte request, 100-byte reply, close (client first), TIME_WAIT. */
function lifecycles(count: number): number {
  const { sim, a, b } = pair(1500, { ephemeralPortLow: 1024, ephemeralPortHigh: 65535 });
  const request = new Uint8Array(100).fill(1);
  const reply = new Uint8Array(100).fill(2);
  b.listen(
    80,
    { backlog: 4096 },
    {
      onConnection: () => ({
        onData: (c, d) => {
          if (d.length > 0) c.send(reply, b.time());
        },
        onEnd: (c) => c.close(b.time()),
      }),
    },
  );
  let done = 0;
  const start = performance.now();
  const batch = 256;
  let started = 0;
  const open = () => {
    started++;
    a.connect(
      { address: "10.0.0.2", port: 80, noDelay: true },
      {
        onEstablished: (c) => void c.send(request, a.time()),
        onData: (c) => c.close(a.time()),
        onClose: () => {
          done++;
          if (started < count) open();
        },
      },
    );
  };
  for (let i = 0; i < batch && started < count; i++) open();
  while (done < count) sim.runUntilIdle({ maxEvents: 1_000_000, until: sim.now + 30 * SECOND });
  return count / ((performance.now() - start) / 1000);
}

/** Heap bytes per TIME_WAIT record with `count` of them held by one host. */
function timeWaitMemory(count: number): { bytes: number; held: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc (npm run bench does)");
  const { sim, a, b } = pair(1500, { ephemeralPortLow: 1024, ephemeralPortHigh: 65535 });
  const ports = Math.ceil(count / 64000);
  for (let p = 0; p < ports; p++) {
    b.listen(1000 + p, { backlog: 4096 }, { onConnection: () => ({ onEnd: (c) => c.close(b.time()) }) });
  }
  gc();
  const before = process.memoryUsage().heapUsed;
  let started = 0;
  const open = () => {
    const port = 1000 + (started % ports);
    started++;
    a.connect(
      { address: "10.0.0.2", port },
      {
        onEstablished: (c) => c.close(a.time()),
        onClose: () => {
          if (started < count) open();
        },
      },
    );
  };
  for (let i = 0; i < 512; i++) open();
  while (a.timeWaitEntries < count && sim.pendingEvents > 0)
    sim.runUntilIdle({ maxEvents: 2_000_000, until: sim.now + 10 * SECOND });
  gc();
  const after = process.memoryUsage().heapUsed;
  const held = a.timeWaitEntries;
  return { bytes: (after - before) / held, held };
}

const startLoad = loadavg()
  .map((x) => x.toFixed(2))
  .join(" / ");

async function main(): Promise<void> {
  const bulkBytes = quick ? 20e6 : 200e6;
  const lifeCount = quick ? 5_000 : 50_000;
  const twCount = quick ? 100_000 : 1_000_000;

  const b1500 = bulk(1500, bulkBytes);
  record(
    "tcplab bulk transfer, MTU 1500",
    b1500.mbps,
    "MB/s",
    `${(b1500.segments / b1500.seconds / 1e6).toFixed(2)} M segments/s`,
  );
  const b65535 = bulk(65535, bulkBytes);
  record("tcplab bulk transfer, MTU 65535", b65535.mbps, "MB/s");
  const nBulk = await netBulk(bulkBytes);
  record("node net bulk transfer over 127.0.0.1", nBulk, "MB/s", "baseline");
  const life = lifecycles(lifeCount);
  record("tcplab connection lifecycles (connect, 100 B each way, close)", life, "per s");
  const nLife = await netLifecycles(quick ? 2_000 : 10_000);
  record("node net connection lifecycles over 127.0.0.1", nLife, "per s", "baseline");
  const tw = timeWaitMemory(twCount);
  record(`tcplab memory per TIME_WAIT entry (${tw.held} held)`, tw.bytes, "bytes", "heap delta / entries");
  record("ratio: bulk MTU 65535 / node net", b65535.mbps / nBulk, "x");
  record("ratio: lifecycles / node net", life / nLife, "x");
  if (process.argv.includes("--tun")) await tunBench(record, quick);

  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const doc = [
    "# Benchmarks",
    "",
    "Written by `npm run bench` (bench/run.ts). All rows come from one run on one machine, so they compare",
    "with each other; numbers from another machine or another load do not.",
    "",
    `- Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}`,
    `- Node.js ${process.version}`,
    `- Command: \`npm run bench${quick ? " -- --quick" : ""}\``,
    `- Date: ${new Date().toISOString()}`,
    `- Load average when the run started: ${startLoad} (on ${cpus().length} cores; a busy machine lowers every row)`,
    "",
    "| measurement | value | unit | note |",
    "|---|---:|---|---|",
    ...rows.map((r) => `| ${r.name} | ${r.value.toFixed(r.value >= 100 ? 0 : 2)} | ${r.unit} | ${r.note} |`),
    "",
    "How each is measured:",
    "",
    "- *bulk transfer*: one connection between two hosts in one process on the simulator (lossless link, tracing",
    "  off), 256 KiB writes; MB/s of application bytes delivered per wall-clock second. Without window scaling",
    "  (issue 3) the window is at most 64 KiB, which bounds segments per round trip but not CPU throughput here.",
    "- *connection lifecycles*: 256 clients at a time, each connect → 100-byte request → 100-byte reply → client",
    "  close → TIME_WAIT record; completed lifecycles per wall-clock second.",
    "- *memory per TIME_WAIT entry*: heap growth (after a forced GC) while one host holds that many TIME_WAIT",
    "  records, divided by their number; it includes the demultiplexing map entry and the expiry queue slot.",
    "- *node net*: the same work with `node:net` over 127.0.0.1 in the same process and run (the kernel's TCP).",
    "",
  ].join("\n");
  writeFileSync(new URL("../docs/benchmarks.md", import.meta.url), doc);
  console.log("\nwritten to docs/benchmarks.md");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
