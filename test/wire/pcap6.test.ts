// pcap with IPv6: LINKTYPE_RAW carries both families; the reader gives back what the writer wrote;
// tshark decodes our IPv6 packets, checks their TCP checksums and prints our addresses the same way.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeSegment } from "../../src/wire/codec.js";
import { decodeAnyPacket, encodeSegment6 } from "../../src/wire/codec6.js";
import { LINKTYPE_RAW, PcapError, PcapWriter, readPcap, type PcapRecord } from "../../src/wire/pcap.js";
import { formatIPv6, ipv6, parseIPv6, v4Mapped } from "../../src/wire/address6.js";
import { ACK, FIN, PSH, RST, SYN, type TcpOptions } from "../../src/wire/segment.js";
import type { Segment6 } from "../../src/wire/segment6.js";
import { writePcapFile } from "../../src/trace/pcap-file.js";
import { TCP_FIELDS, assertTcpRow, tsharkFields, tsharkMissing } from "./tshark.js";
import { insertExtensions, makeSegment, makeSegment6, mulberry32, optionsHeader } from "./helpers.js";

test("readPcap gives back the records PcapWriter wrote, IPv4 and IPv6 alike", () => {
  const v4 = makeSegment({ payload: Uint8Array.of(1, 2, 3) });
  const v6 = makeSegment6({ payload: Uint8Array.of(4, 5) });
  const records: PcapRecord[] = [
    { t: 5, packet: encodeSegment(v4) },
    { t: 1_000_001, packet: encodeSegment6(v6) },
  ];
  const file = readPcap(PcapWriter.file(records));
  assert.equal(file.linktype, LINKTYPE_RAW);
  assert.equal(file.snaplen, 65535);
  assert.deepEqual(file.records, records);
  const decoded = file.records.map((r) => decodeAnyPacket(r.packet));
  assert.ok(decoded[0]!.ok && decoded[0]!.family === 4);
  assert.deepEqual(decoded[0]!.segment, v4);
  assert.ok(decoded[1]!.ok && decoded[1]!.family === 6);
  assert.deepEqual(decoded[1]!.segment, v6);
});

test("readPcap reads big-endian files and refuses other formats and truncation with codes", () => {
  // A big-endian file by hand: header, then one record of 2 bytes at 1.000002 s.
  const be = Uint8Array.of(
    ...[0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 101],
    ...[0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0x60, 0x00],
  );
  assert.deepEqual(readPcap(be), {
    linktype: LINKTYPE_RAW,
    snaplen: 4096,
    records: [{ t: 1_000_002, packet: Uint8Array.of(0x60, 0) }],
  });
  const code = (bytes: Uint8Array, expected: string) =>
    assert.throws(
      () => readPcap(bytes),
      (e: unknown) => e instanceof PcapError && e.code === expected,
    );
  code(be.subarray(0, 23), "truncated");
  code(be.subarray(0, 30), "truncated");
  code(be.subarray(0, be.length - 1), "truncated");
  const ng = be.slice();
  ng.set([0x0a, 0x0d, 0x0d, 0x0a], 0); // pcapng
  code(ng, "bad-magic");
  const nano = be.slice();
  nano.set([0xa1, 0xb2, 0x3c, 0x4d], 0); // nanosecond pcap
  code(nano, "bad-magic");
});

/** Seeded IPv6 segments: documentation, ULA, link-local, loopback and v4-mapped addresses, all options. */
function sampleSegments(count: number): Segment6[] {
  const rnd = mulberry32(0x6cafe);
  const u32 = () => Math.floor(rnd() * 2 ** 32);
  const addresses = [
    () => parseIPv6("2001:db8::1"),
    () => parseIPv6("2001:db8:0:0:1::1"),
    () => parseIPv6("fd00:1:2:3::42"),
    () => parseIPv6("fe80::1"),
    () => parseIPv6("::1"),
    () => v4Mapped(u32()),
    () => ipv6(u32(), u32(), u32(), u32()),
    () => ipv6(u32() & 0xffff0000, 0, u32() & 0xffff, rnd() < 0.5 ? 0 : u32()),
  ];
  const pick = () => addresses[Math.floor(rnd() * addresses.length)]!();
  const out: Segment6[] = [];
  for (let i = 0; i < count; i++) {
    const options: TcpOptions = {};
    if (rnd() < 0.4) options.mss = Math.floor(rnd() * 65536);
    if (rnd() < 0.4) options.wscale = Math.floor(rnd() * 15);
    if (rnd() < 0.4) options.sackPermitted = true;
    if (rnd() < 0.6) options.timestamp = { val: u32(), ecr: u32() };
    if (rnd() < 0.3) options.sack = [[u32(), u32()]];
    const size = rnd() < 0.3 ? 0 : Math.floor(rnd() * 1441);
    const payload = new Uint8Array(size);
    for (let k = 0; k < size; k++) payload[k] = Math.floor(rnd() * 256);
    const flags = [SYN, SYN | ACK, ACK, ACK | PSH, ACK | FIN, RST][Math.floor(rnd() * 6)]!;
    out.push(
      makeSegment6({
        srcAddr: pick(),
        dstAddr: pick(),
        srcPort: 1024 + Math.floor(rnd() * 60000),
        dstPort: 1 + Math.floor(rnd() * 65535),
        seq: u32(),
        ack: flags & ACK ? u32() : 0,
        flags,
        window: Math.floor(rnd() * 65536),
        options,
        payload,
      }),
    );
  }
  return out;
}

const FIELDS = ["ipv6.src", "ipv6.dst", "ipv6.plen", "ipv6.hlim", ...TCP_FIELDS] as const;

test("tshark decodes our IPv6 segments with good TCP checksums, the same fields and RFC 5952 addresses", (t) => {
  const missing = tsharkMissing();
  if (missing !== null) {
    console.log(`skipping tshark IPv6 check: ${missing}`);
    t.skip(missing);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "tcplab-pcap6-"));
  try {
    const segments = sampleSegments(400);
    // Every fourth packet carries extension headers before TCP: the checksum must not cover them.
    const chain = [
      optionsHeader(0, [1, 2, 0, 0]),
      optionsHeader(60),
      { nh: 44, rest: [0, 0, 0, 0, 0, 0, 9] },
    ];
    const packets = segments.map((seg, i) =>
      i % 4 === 3 ? insertExtensions(encodeSegment6(seg), chain) : encodeSegment6(seg),
    );
    const file = join(dir, "ipv6.pcap");
    writePcapFile(
      file,
      packets.map((packet, i) => ({ t: 1_000 * i, packet })),
    );
    const rows = tsharkFields(file, FIELDS);
    assert.equal(rows.length, segments.length, "one decoded frame per record");
    rows.forEach((row, i) => {
      const seg = segments[i]!;
      const at = `packet ${i + 1}`;
      assert.equal(row["ipv6.src"], formatIPv6(seg.srcAddr), `${at}: source text`);
      assert.equal(row["ipv6.dst"], formatIPv6(seg.dstAddr), `${at}: destination text`);
      assert.equal(row["ipv6.plen"], String(packets[i]!.length - 40), at);
      assert.equal(row["ipv6.hlim"], "64", at);
      assertTcpRow(row, seg, at);
    });

    // Negative control: tshark must see a corrupted checksum, or the assertions above prove nothing.
    const bad = encodeSegment6(segments[0]!);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0x01;
    const badFile = join(dir, "bad.pcap");
    writePcapFile(badFile, [{ t: 0, packet: bad }]);
    assert.equal(
      tsharkFields(badFile, FIELDS)[0]?.["tcp.checksum.status"],
      "0",
      "a corrupted checksum is bad",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
