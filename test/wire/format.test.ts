import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeSegment } from "../../src/wire/codec.js";
import { encodeSegment6 } from "../../src/wire/codec6.js";
import { ipv6, parseIPv6, v4Mapped } from "../../src/wire/address6.js";
import type { Segment6 } from "../../src/wire/segment6.js";
import { formatSegment, tcpdumpFlags } from "../../src/wire/format.js";
import {
  ACK,
  CWR,
  ECE,
  FIN,
  PSH,
  RST,
  SYN,
  URG,
  type Segment,
  type TcpOptions,
} from "../../src/wire/segment.js";
import { writePcapFile } from "../../src/trace/pcap-file.js";
import { makeSegment, makeSegment6, mulberry32 } from "./helpers.js";

test("tcpdump flag letters and order", () => {
  assert.equal(tcpdumpFlags(SYN), "S");
  assert.equal(tcpdumpFlags(SYN | ACK), "S.");
  assert.equal(tcpdumpFlags(FIN | ACK), "F.");
  assert.equal(tcpdumpFlags(PSH | ACK), "P.");
  assert.equal(tcpdumpFlags(RST), "R");
  assert.equal(tcpdumpFlags(ACK), ".");
  assert.equal(tcpdumpFlags(0), "none");
  assert.equal(tcpdumpFlags(SYN | ECE | CWR), "SEW");
  assert.equal(tcpdumpFlags(0xff), "FSRP.UEW");
});

test("a SYN-ACK with relative numbers reads like tcpdump's default output", () => {
  const synAck = makeSegment({
    seq: 5000,
    ack: 9001,
    flags: SYN | ACK,
    options: { mss: 1460, sackPermitted: true, timestamp: { val: 77, ecr: 66 }, wscale: 7 },
  });
  assert.equal(
    formatSegment(synAck, { seqBase: 5000, ackBase: 9000 }),
    "Flags [S.], seq 0, ack 1, win 65535, options [mss 1460,sackOK,TS val 77 ecr 66,nop,wscale 7], length 0",
  );
});

test("data, bare ACK with SACK, FIN, RST and urgent data", () => {
  const data = makeSegment({ seq: 101, ack: 1, flags: PSH | ACK, payload: new Uint8Array(100) });
  assert.equal(formatSegment(data, { seqBase: 100 }), "Flags [P.], seq 1:101, ack 1, win 65535, length 100");
  const sack = makeSegment({ ack: 1001, options: { timestamp: { val: 1, ecr: 2 }, sack: [[2001, 3001]] } });
  assert.equal(
    formatSegment(sack, { ackBase: 1000 }),
    "Flags [.], ack 1, win 65535, options [nop,nop,TS val 1 ecr 2,nop,nop,sack 1 {1001:2001}], length 0",
  );
  assert.equal(
    formatSegment(makeSegment({ seq: 7, flags: RST, window: 0 })),
    "Flags [R], seq 7, win 0, length 0",
  );
  assert.equal(
    formatSegment(makeSegment({ seq: 8, ack: 9, flags: FIN | ACK }), { addresses: true }),
    "IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [F.], seq 8, ack 9, win 65535, length 0",
  );
  assert.equal(
    formatSegment(makeSegment6({ seq: 8, ack: 9, flags: FIN | ACK }), { addresses: true }),
    "IP6 2001:db8::1.40000 > 2001:db8::2.80: Flags [F.], seq 8, ack 9, win 65535, length 0",
  );
  assert.equal(
    formatSegment(
      makeSegment({ seq: 0xffffffff, ack: 1, flags: URG | ACK, urgent: 2, payload: new Uint8Array(2) }),
    ),
    "Flags [.U], seq 4294967295:1, ack 1, win 65535, urg 2, length 2",
  );
});

function tcpdumpMissing(): string | null {
  const r = spawnSync("tcpdump", ["--version"], { encoding: "utf8" });
  if (r.error)
    return `tcpdump is not installed (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  return null;
}

test("formatSegment matches tcpdump -n -S -t line for line on 400 varied segments, half of them IPv6", (t) => {
  const missing = tcpdumpMissing();
  if (missing !== null) {
    console.log(`skipping tcpdump comparison: ${missing}`);
    t.skip(missing);
    return;
  }
  const rnd = mulberry32(0xf0f0);
  const u32 = () => Math.floor(rnd() * 2 ** 32);
  const segments: Segment[] = [];
  for (let i = 0; i < 400; i++) {
    const options: TcpOptions = {};
    if (rnd() < 0.4) options.mss = Math.floor(rnd() * 65536);
    if (rnd() < 0.4) options.wscale = Math.floor(rnd() * 15);
    if (rnd() < 0.4) options.sackPermitted = true;
    if (rnd() < 0.5) options.timestamp = { val: u32(), ecr: u32() };
    if (rnd() < 0.3) options.sack = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => [u32(), u32()]);
    const flags = Math.floor(rnd() * 256);
    segments.push(
      // Ports with no tcpdump application printer, so the line ends at "length N".
      makeSegment({
        srcPort: 40000,
        dstPort: 45000,
        seq: u32(),
        ack: u32(),
        flags,
        window: Math.floor(rnd() * 65536),
        urgent: Math.floor(rnd() * 65536),
        options,
        payload: new Uint8Array(rnd() < 0.5 ? 0 : Math.floor(rnd() * 1400)),
      }),
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "tcplab-format-"));
  try {
    const file = join(dir, "format.pcap");
    // Every other segment goes over IPv6, between addresses whose 96-bit prefix is not zero: for
    // those, tcpdump's (BIND's) inet_ntop prints RFC 5952 text, as formatIPv6 does (for ::/96 it
    // prints the deprecated IPv4-compatible form "::0.0.0.2" instead).
    const address6 = () =>
      [
        () => parseIPv6("2001:db8::1"),
        () => ipv6(u32(), u32(), u32(), u32()),
        () => ipv6((u32() | 1) & 0xffff0001, 0, rnd() < 0.5 ? 0 : u32() & 0xffff, u32() & 0xffff),
        () => v4Mapped(u32()),
      ][Math.floor(rnd() * 4)]!();
    const mixed: Array<Segment | Segment6> = segments.map((seg, i) =>
      i % 2 === 0 ? seg : { ...seg, srcAddr: address6(), dstAddr: address6() },
    );
    writePcapFile(
      file,
      mixed.map((seg, i) => ({
        t: i,
        packet:
          typeof seg.srcAddr === "number" ? encodeSegment(seg as Segment) : encodeSegment6(seg as Segment6),
      })),
    );
    const r = spawnSync("tcpdump", ["-r", file, "-n", "-S", "-t"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split("\n").filter((l) => l.length > 0);
    assert.equal(lines.length, segments.length);
    mixed.forEach((seg, i) =>
      assert.equal(formatSegment(seg, { addresses: true }), lines[i], `packet ${i + 1}`),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
