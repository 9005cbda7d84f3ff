// The TUN driver against the Linux kernel's TCP, inside a namespace of our own, with a scripted
// endpoint standing in for the Host: the kernel must accept what we write and we must read what
// it sends. (The Host's own interop tests come later; these prove the wire path.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TunDriver } from "../../src/tun/driver.js";
import { PcapFileCapture } from "../../src/tun/capture.js";
import { KERNEL_ADDRESS, STACK_ADDRESS, withNetworkNamespace } from "../../src/tun/netns.js";
import { decodePacket } from "../../src/wire/codec.js";
import { parseIPv4 } from "../../src/wire/address.js";
import { ACK, RST, SYN, type Segment } from "../../src/wire/segment.js";
import { ScriptedEndpoint, readPcapPackets, segment, skipWithoutTun } from "./helpers.js";

const US = parseIPv4(STACK_ADDRESS);
const KERNEL = parseIPv4(KERNEL_ADDRESS);
const NETWORK_TEST = { timeout: 60_000 };

/** Reads a pcap file back as decoded segments. */
function readPcap(path: string): Segment[] {
  const { linktype, packets } = readPcapPackets(path);
  assert.equal(linktype, 101, "LINKTYPE_RAW");
  return packets.map((p, i) => {
    const r = decodePacket(p);
    assert.ok(r.ok, `record ${i} decodes`);
    return r.segment;
  });
}

test(
  "a kernel client's SYN is answered with our RST and the client sees ECONNREFUSED",
  NETWORK_TEST,
  async (t) => {
    if (skipWithoutTun(t)) return;
    const dir = mkdtempSync(join(tmpdir(), "tcplab-tun-"));
    try {
      await withNetworkNamespace(async (ns) => {
        const device = await ns.openTun();
        const endpoint = new ScriptedEndpoint(US);
        // RFC 9293 §3.10.7.1, CLOSED: a segment without ACK gets <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
        endpoint.onSegment = (seg) => {
          if (!(seg.flags & SYN)) return;
          endpoint.send(
            segment({
              srcAddr: seg.dstAddr,
              dstAddr: seg.srcAddr,
              srcPort: seg.dstPort,
              dstPort: seg.srcPort,
              seq: 0,
              ack: (seg.seq + 1) >>> 0,
              flags: RST | ACK,
              window: 0,
            }),
          );
        };
        const pcapPath = join(dir, "refused.pcap");
        const capture = new PcapFileCapture(pcapPath);
        const driver = new TunDriver({ device, endpoint, capture });
        driver.start();
        try {
          const client = `
          const s = require("node:net").connect({ host: "${STACK_ADDRESS}", port: 7777 });
          s.on("connect", () => { console.log("CONNECTED"); process.exit(3); });
          s.on("error", (e) => { console.log(e.code); process.exit(0); });`;
          const r = await ns.run(process.execPath, ["-e", client], { timeoutMs: 20_000 });
          assert.equal(r.stdout.trim(), "ECONNREFUSED", r.stderr);
          assert.equal(r.code, 0);
        } finally {
          driver.stop();
          capture.close();
        }

        const syn = endpoint.received.find((s) => s.flags & SYN)!;
        assert.ok(syn, "the kernel's SYN reached the endpoint");
        assert.equal(syn.srcAddr, KERNEL);
        assert.equal(syn.dstAddr, US);
        assert.equal(syn.dstPort, 7777);
        assert.equal(syn.options.mss, 1460, "the kernel derives its MSS from the device MTU (1500 - 40)");
        assert.deepEqual(endpoint.rejected, [], "nothing but IPv4 TCP came out of the device");

        const file = readPcap(pcapPath);
        assert.equal(file.length, capture.packets);
        assert.deepEqual(
          file.map((s) => [s.srcAddr === KERNEL ? "kernel" : "us", s.flags]),
          [
            ["kernel", SYN],
            ["us", RST | ACK],
          ],
          "the capture holds the SYN and our RST, in order",
        );
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "our SYN, sent from the endpoint's timer, gets the kernel listener's SYN-ACK",
  NETWORK_TEST,
  async (t) => {
    if (skipWithoutTun(t)) return;
    await withNetworkNamespace(async (ns) => {
      const device = await ns.openTun();
      const endpoint = new ScriptedEndpoint(US);
      const driver = new TunDriver({ device, endpoint });
      const listener = ns.spawn(
        process.execPath,
        [
          "-e",
          `require("node:net").createServer((s) => s.destroy()).listen(8888, "${KERNEL_ADDRESS}", () => console.log("LISTENING"));`,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      await new Promise<void>((resolve, reject) => {
        listener.stdout!.on("data", (b: Buffer) => b.toString().includes("LISTENING") && resolve());
        listener.once("exit", (code) => reject(new Error(`listener exited (${code})`)));
      });

      const iss = 0xffffffff; // the last sequence number: the kernel's ACK must wrap to 0
      const ourSyn = segment({
        srcAddr: US,
        dstAddr: KERNEL,
        srcPort: 40001,
        dstPort: 8888,
        seq: iss,
        flags: SYN,
        window: 64240,
        options: { mss: 1460 },
      });
      const synAck = new Promise<Segment>((resolve) => {
        endpoint.onSegment = (seg) => {
          if (seg.flags & SYN) resolve(seg);
        };
      });
      driver.start();
      try {
        // As an application call would: the engine sets a deadline and the driver is kicked.
        endpoint.onDeadline = () => endpoint.send(ourSyn);
        endpoint.deadline = driver.now() + 1000;
        driver.kick();
        const reply = await synAck;
        assert.equal(reply.flags, SYN | ACK);
        assert.equal(reply.ack, (iss + 1) >>> 0);
        assert.deepEqual(
          [reply.srcAddr, reply.srcPort, reply.dstAddr, reply.dstPort],
          [KERNEL, 8888, US, 40001],
        );
        assert.equal(reply.options.mss, 1460);
        assert.ok(driver.stats.timerFires >= 1, "the SYN went out from the driver's timer");
        // Leave no half-open connection behind: reset it (RFC 9293 §3.10.7.4, in-window RST).
        endpoint.send(
          segment({
            srcAddr: US,
            dstAddr: KERNEL,
            srcPort: 40001,
            dstPort: 8888,
            seq: (iss + 1) >>> 0,
            flags: RST,
          }),
        );
        const ss = await ns.runChecked("ss", ["-tanH", "state", "syn-recv"]);
        assert.doesNotMatch(ss, /10\.77\.0\.2:40001/);
      } finally {
        driver.stop();
      }
    });
  },
);
