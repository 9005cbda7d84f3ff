// Our option layout against the real Linux kernel: capture a loopback connection made by the kernel's
// own TCP, decode each segment, re-encode it, and require the TCP option bytes to be identical.
// Needs root and tcpdump (CI has both); traffic stays on 127.0.0.1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createConnection, createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodePacket, encodeSegment } from "../../src/wire/codec.js";
import { hex, fixTcpChecksum } from "./helpers.js";

/** IPv4 packets from a classic pcap file, whatever the link type tcpdump chose for lo. */
function packetsFromPcap(file: Buffer): Uint8Array[] {
  const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = view.getUint32(0, true) === 0xa1b2c3d4 || view.getUint32(0, true) === 0xa1b23c4d;
  const linkType = view.getUint32(20, little);
  const linkHeader: Record<number, number> = { 1: 14, 101: 0, 113: 16, 276: 20 };
  const skip = linkHeader[linkType];
  assert.ok(skip !== undefined, `unexpected link type ${linkType}`);
  const out: Uint8Array[] = [];
  for (let at = 24; at + 16 <= bytes.length;) {
    const captured = view.getUint32(at + 8, little);
    out.push(bytes.slice(at + 16 + skip, at + 16 + captured));
    at += 16 + captured;
  }
  return out;
}

function whyNotRunnable(): string | null {
  if (process.getuid?.() !== 0) return "capturing on lo needs root";
  const r = spawnSync("tcpdump", ["--version"]);
  if (r.error) return "tcpdump is not installed";
  return null;
}

/** Polls `predicate` (tcpdump's progress shows only in its output and its file); the bound only guards a hang. */
async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2400; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`gave up waiting for ${what}`);
}

test(
  "the kernel's SYN, SYN-ACK and established option bytes re-encode identically",
  { timeout: 180_000 }, // a hang guard: tcpdump starts slowly on a loaded machine
  async (t) => {
    const reason = whyNotRunnable();
    if (reason !== null) {
      console.log(`skipping Linux capture comparison: ${reason}`);
      t.skip(reason);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "tcplab-linux-capture-"));
    const file = join(dir, "lo.pcap");
    const server = createServer((socket) => socket.on("data", (d) => socket.end(d)));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    const dump = spawn("tcpdump", ["-i", "lo", "-n", "-U", "-s", "0", "-w", file, `tcp port ${port}`], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    try {
      let stderr = "";
      dump.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      await waitFor(() => stderr.includes("listening on"), "tcpdump to start capturing");

      const client = createConnection({ host: "127.0.0.1", port });
      await once(client, "connect");
      client.resume(); // read the echo, or "end" and "close" never come
      client.end("hello, kernel");
      await once(client, "close");
      // SYN, SYN-ACK, ACK, data, its echo, FINs and ACKs: at least 8 segments once all are written.
      await waitFor(() => existsSync(file) && packetsFromPcap(readFileSync(file)).length >= 8, "the capture");
    } finally {
      dump.kill("SIGINT");
      if (dump.exitCode === null) await once(dump, "exit");
      server.close();
    }
    try {
      const packets = packetsFromPcap(readFileSync(file));
      const seen = new Set<string>();
      for (const [i, raw] of packets.entries()) {
        // Loopback skips checksum computation (CHECKSUM_PARTIAL), so the capture holds a partial sum; fix it first.
        const packet = fixTcpChecksum(raw.slice());
        const result = decodePacket(packet);
        assert.ok(result.ok, `packet ${i + 1}: ${result.ok ? "" : `${result.reason}: ${result.detail}`}`);
        const tcpStart = (packet[0]! & 0x0f) * 4;
        const kernelOptions = hex(
          packet.subarray(tcpStart + 20, tcpStart + (packet[tcpStart + 12]! >>> 4) * 4),
        );
        const ours = encodeSegment(result.segment);
        const ourOptions = hex(ours.subarray(40, 20 + (ours[32]! >>> 4) * 4));
        assert.equal(ourOptions, kernelOptions, `packet ${i + 1} option bytes`);
        assert.deepEqual(ours.subarray(20), packet.subarray(tcpStart), `packet ${i + 1}: whole TCP segment`);
        seen.add(Object.keys(result.segment.options).sort().join("+"));
      }
      // The comparison covered the handshake layout and the established one.
      assert.ok(seen.has("mss+sackPermitted+timestamp+wscale"), `layouts seen: ${[...seen].join(", ")}`);
      assert.ok(seen.has("timestamp"), `layouts seen: ${[...seen].join(", ")}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
