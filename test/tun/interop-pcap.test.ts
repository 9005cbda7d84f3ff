// Issue 5, check 7: the pcap our driver writes and `tcpdump -w` on the TUN device, for the same
// run, hold the same packets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "../../src/stack/socket.js";
import { PcapFileCapture } from "../../src/tun/capture.js";
import { DEFAULT_TUN_NAME, STACK_ADDRESS } from "../../src/tun/netns.js";
import { findProgram } from "../../src/tun/tools.js";
import { readPcapPackets, skipWithoutTun } from "./helpers.js";
import { eventually, traceEvent, withStackOnTun } from "./stack-on-tun.js";
import { isConnectionStateEvent } from "../../src/tcp/events.js";

const hex = (p: Uint8Array) => Buffer.from(p).toString("hex");
const fromKernel = (p: Uint8Array) => p[12] === 10 && p[13] === 77 && p[14] === 0 && p[15] === 1;

test(
  "our pcap and tcpdump's capture of the device hold the same packets",
  { timeout: 120_000 },
  async (t) => {
    if (skipWithoutTun(t)) return;
    if (findProgram("tcpdump") === undefined) {
      console.log("skipping: tcpdump is not installed");
      t.skip("tcpdump is not installed");
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "tcplab-pcap-"));
    const ours = new PcapFileCapture(join(dir, "driver.pcap"));
    const theirs = join(dir, "tcpdump.pcap");
    try {
      await withStackOnTun(
        async ({ ns, host, trace }) => {
          // A small snaplen (the MTU is 1500) keeps every packet whole while letting the capture ring
          // hold thousands of them: with -s 0 it holds only a few and tcpdump misses packets in bursts.
          const tcpdump = ns.spawn(
            "tcpdump",
            [
              "-i",
              DEFAULT_TUN_NAME,
              "-n",
              "-U",
              "--immediate-mode",
              "-B",
              "16384",
              "-s",
              "4096",
              "-w",
              theirs,
            ],
            {
              stdio: ["ignore", "ignore", "pipe"],
            },
          );
          await new Promise<void>((resolve, reject) => {
            let err = "";
            tcpdump.stderr!.on("data", (b: Buffer) => {
              err += b.toString();
              if (err.includes("listening on")) resolve();
            });
            tcpdump.once("exit", (code) => reject(new Error(`tcpdump exited (${code}): ${err}`)));
          });

          const server = createServer(host, {}, (socket) => socket.pipe(socket));
          await new Promise<void>((resolve) => server.listen(7005, resolve));
          const closed = traceEvent(trace, (e) => isConnectionStateEvent(e) && e.to === "CLOSED");
          const client = `
          const data = Buffer.alloc(300000, 0x5a);
          const s = require("node:net").connect({ host: "${STACK_ADDRESS}", port: 7005 }, () => s.end(data));
          let n = 0; s.on("data", (b) => (n += b.length));
          s.on("end", () => console.log(n));`;
          const r = await ns.run(process.execPath, ["-e", client], { timeoutMs: 60_000 });
          assert.equal(r.stdout.trim(), "300000", r.stderr);
          await closed; // our last packet (the FIN after the echo) has been written

          // The kernel's side is in TIME_WAIT and silent now. tcpdump writes each packet as it reads it
          // (-U, --immediate-mode), but may still be reading the last ones: wait for it to catch up
          // (bounded), then stop it.
          await eventually(async () => readPcapPackets(theirs).packets.length >= ours.packets);
          let tail = "";
          tcpdump.stderr!.on("data", (b: Buffer) => (tail += b.toString()));
          const exited = new Promise((resolve) => tcpdump.once("exit", resolve));
          tcpdump.kill("SIGINT");
          await exited;
          assert.match(tail, /\b0 packets dropped by kernel/, `tcpdump saw every packet: ${tail}`);
        },
        { capture: ours },
      );
      ours.close();
      const mine = readPcapPackets(join(dir, "driver.pcap"));
      const dump = readPcapPackets(theirs);
      assert.equal(mine.linktype, 101);
      assert.ok(
        [12, 101, 228].includes(dump.linktype),
        `tcpdump wrote raw IPv4 packets (linktype ${dump.linktype})`,
      );
      assert.ok(mine.packets.length > 100, `a real transfer was captured (${mine.packets.length} packets)`);
      // Each direction in order; the two directions may interleave differently, as each capture
      // point sees them at a slightly different moment.
      for (const [name, pick] of [
        ["kernel → us", fromKernel],
        ["us → kernel", (p: Uint8Array) => !fromKernel(p)],
      ] as const) {
        const a = dump.packets.filter(pick).map(hex);
        const b = mine.packets.filter(pick).map(hex);
        const firstDifference = a.findIndex((x, i) => x !== b[i]);
        assert.deepEqual(
          { count: a.length, firstDifference },
          { count: b.length, firstDifference: b.length === a.length ? -1 : Math.min(a.length, b.length) },
          `${name}: tcpdump ${a.length} packets, ours ${b.length}; first difference at ${firstDifference}: ` +
            `${a[firstDifference]?.slice(0, 120)} vs ${b[firstDifference]?.slice(0, 120)}`,
        );
      }
      assert.equal(dump.packets.length, mine.packets.length);
      assert.ok(
        mine.packets.every((p) => p[9] === 6 && (fromKernel(p) || hex(p.subarray(12, 16)) === "0a4d0002")),
      );
    } finally {
      ours.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
