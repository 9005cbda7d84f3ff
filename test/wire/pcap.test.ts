import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeSegment } from "../../src/wire/codec.js";
import { LINKTYPE_RAW, PcapError, PcapWriter, type PcapRecord } from "../../src/wire/pcap.js";
import { ACK, SYN, URG, type Segment, type TcpOptions } from "../../src/wire/segment.js";
import { writePcapFile } from "../../src/trace/pcap-file.js";
import { TCP_FIELDS, assertTcpRow, tsharkFields, tsharkMissing } from "./tshark.js";
import { hex, makeSegment, mulberry32 } from "./helpers.js";

test("file header: little-endian magic a1b2c3d4, version 2.4, snaplen 65535, LINKTYPE_RAW", () => {
  assert.equal(
    hex(new PcapWriter().header()),
    "d4 c3 b2 a1 02 00 04 00 00 00 00 00 00 00 00 00 ff ff 00 00 65 00 00 00",
  );
  assert.equal(LINKTYPE_RAW, 0x65);
});

test("record: seconds and microseconds split, captured and original length, packet bytes", () => {
  const packet = Uint8Array.of(0x45, 1, 2, 3, 4);
  const r = new PcapWriter().record(3_000_042, packet);
  assert.equal(hex(r), "03 00 00 00 2a 00 00 00 05 00 00 00 05 00 00 00 45 01 02 03 04");
});

test("packets longer than snaplen are cut, keeping the original length", () => {
  const w = new PcapWriter({ snaplen: 3 });
  const r = w.record(0, Uint8Array.of(9, 8, 7, 6, 5));
  assert.equal(hex(r), "00 00 00 00 00 00 00 00 03 00 00 00 05 00 00 00 09 08 07");
});

test("file() is the header followed by each record", () => {
  const a = Uint8Array.of(1, 2, 3);
  const b = Uint8Array.of(4);
  const w = new PcapWriter();
  const expected = [...w.header(), ...w.record(5, a), ...w.record(1_000_000, b)];
  assert.deepEqual(
    [
      ...PcapWriter.file([
        { t: 5, packet: a },
        { t: 1_000_000, packet: b },
      ]),
    ],
    expected,
  );
});

test("bad timestamps and snaplens are coded errors", () => {
  const w = new PcapWriter();
  for (const t of [-1, 1.5, NaN, 2 ** 32 * 1e6]) {
    assert.throws(
      () => w.record(t, new Uint8Array(1)),
      (e: unknown) => e instanceof PcapError && e.code === "bad-timestamp",
      String(t),
    );
  }
  assert.throws(
    () => new PcapWriter({ snaplen: 0 }),
    (e: unknown) => e instanceof PcapError && e.code === "bad-snaplen",
  );
});

/** Seeded, varied segments: every option combination, data sizes up to a jumbo frame, odd lengths. */
function sampleSegments(count: number): Segment[] {
  const rnd = mulberry32(0xcafe);
  const u32 = () => Math.floor(rnd() * 2 ** 32);
  const out: Segment[] = [];
  for (let i = 0; i < count; i++) {
    const options: TcpOptions = {};
    if (rnd() < 0.4) options.mss = Math.floor(rnd() * 65536);
    if (rnd() < 0.4) options.wscale = Math.floor(rnd() * 15);
    if (rnd() < 0.4) options.sackPermitted = true;
    if (rnd() < 0.6) options.timestamp = { val: u32(), ecr: u32() };
    if (rnd() < 0.4) {
      options.sack = [];
      const n = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < n; k++) options.sack.push([u32(), u32()]);
    }
    const size = rnd() < 0.3 ? 0 : Math.floor(rnd() * (rnd() < 0.9 ? 1461 : 9001));
    const payload = new Uint8Array(size);
    for (let k = 0; k < size; k++) payload[k] = Math.floor(rnd() * 256);
    const flags = [SYN, SYN | ACK, ACK, ACK | 0x08, ACK | 0x01, 0x04, ACK | URG][Math.floor(rnd() * 7)]!;
    out.push(
      makeSegment({
        srcPort: 1024 + Math.floor(rnd() * 60000),
        dstPort: 1024 + Math.floor(rnd() * 60000),
        seq: u32(),
        ack: flags & ACK ? u32() : 0,
        flags,
        window: Math.floor(rnd() * 65536),
        urgent: flags & URG ? Math.floor(rnd() * 65536) : 0,
        options,
        payload,
      }),
    );
  }
  return out;
}

/** IPv4 header checksums are checked too (tshark does not by default). */
const IP_CHECKSUM = ["-o", "ip.check_checksum:TRUE"];

const FIELDS = ["ip.proto", "ip.checksum.status", "ip.flags.df", "ip.ttl", ...TCP_FIELDS] as const;

test("tshark decodes every encoded segment as TCP with good IP and TCP checksums and the same fields", (t) => {
  const missing = tsharkMissing();
  if (missing !== null) {
    console.log(`skipping tshark check: ${missing}`);
    t.skip(missing);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "tcplab-pcap-"));
  try {
    const segments = sampleSegments(600);
    const records: PcapRecord[] = segments.map((seg, i) => ({
      t: 1_000 * i + 7,
      packet: encodeSegment(seg),
    }));
    const file = join(dir, "segments.pcap");
    writePcapFile(file, records);
    assert.deepEqual(new Uint8Array(readFileSync(file)), PcapWriter.file(records));

    const rows = tsharkFields(file, FIELDS, IP_CHECKSUM);
    assert.equal(rows.length, segments.length, "one decoded frame per record");
    rows.forEach((row, i) => {
      const at = `packet ${i + 1}`;
      assert.equal(row["ip.proto"], "6", at);
      assert.equal(row["ip.checksum.status"], "1", `${at}: IP checksum good`);
      assert.equal(row["ip.flags.df"], "1", at);
      assert.equal(row["ip.ttl"], "64", at);
      assertTcpRow(row, segments[i]!, at);
    });

    // Negative control: tshark must see a corrupted checksum, or the assertions above prove nothing.
    const bad = encodeSegment(segments[0]!);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0x01;
    const badFile = join(dir, "bad.pcap");
    writePcapFile(badFile, [{ t: 0, packet: bad }]);
    const [badRow] = tsharkFields(badFile, FIELDS, IP_CHECKSUM);
    assert.equal(badRow?.["tcp.checksum.status"], "0", "tshark reports the corrupted checksum as bad");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
