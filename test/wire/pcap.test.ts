import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeSegment } from "../../src/wire/codec.js";
import { sackBlocksThatFit } from "../../src/wire/options.js";
import { LINKTYPE_RAW, PcapError, PcapWriter, type PcapRecord } from "../../src/wire/pcap.js";
import { ACK, SYN, URG, type Segment, type TcpOptions } from "../../src/wire/segment.js";
import { writePcapFile } from "../../src/trace/pcap-file.js";
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

function tsharkMissing(): string | null {
  const r = spawnSync("tshark", ["--version"], { encoding: "utf8" });
  if (r.error)
    return `tshark is not installed (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  return null;
}

const FIELDS = [
  "ip.proto",
  "ip.checksum.status",
  "ip.flags.df",
  "ip.ttl",
  "tcp.checksum.status",
  "tcp.srcport",
  "tcp.dstport",
  "tcp.seq_raw",
  "tcp.ack_raw",
  "tcp.flags",
  "tcp.window_size_value",
  "tcp.len",
  "tcp.options.mss_val",
  "tcp.options.wscale.shift",
  "tcp.options.sack_perm",
  "tcp.options.timestamp.tsval",
  "tcp.options.timestamp.tsecr",
  "tcp.options.sack_le",
  "tcp.options.sack_re",
] as const;

function tsharkFields(file: string): Array<Record<(typeof FIELDS)[number], string>> {
  const args = ["-r", file, "-n", "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"];
  args.push("-o", "tcp.relative_sequence_numbers:FALSE", "-o", "tcp.analyze_sequence_numbers:FALSE");
  args.push("-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,");
  for (const f of FIELDS) args.push("-e", f);
  const r = spawnSync("tshark", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `tshark failed: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const cols = line.split("\t");
      return Object.fromEntries(FIELDS.map((f, i) => [f, cols[i] ?? ""])) as Record<
        (typeof FIELDS)[number],
        string
      >;
    });
}

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

    const rows = tsharkFields(file);
    assert.equal(rows.length, segments.length, "one decoded frame per record");
    rows.forEach((row, i) => {
      const seg = segments[i]!;
      const o = seg.options;
      const at = `packet ${i + 1}`;
      assert.equal(row["ip.proto"], "6", at);
      assert.equal(row["ip.checksum.status"], "1", `${at}: IP checksum good`);
      assert.equal(row["tcp.checksum.status"], "1", `${at}: TCP checksum good`);
      assert.equal(row["ip.flags.df"], "1", at);
      assert.equal(row["ip.ttl"], "64", at);
      assert.equal(row["tcp.srcport"], String(seg.srcPort), at);
      assert.equal(row["tcp.dstport"], String(seg.dstPort), at);
      assert.equal(row["tcp.seq_raw"], String(seg.seq), at);
      assert.equal(Number(row["tcp.flags"]), seg.flags, at);
      if (seg.flags & ACK) assert.equal(row["tcp.ack_raw"], String(seg.ack), at);
      assert.equal(row["tcp.window_size_value"], String(seg.window), at);
      assert.equal(row["tcp.len"], String(seg.payload.length), at);
      assert.equal(row["tcp.options.mss_val"], o.mss === undefined ? "" : String(o.mss), `${at}: mss`);
      assert.equal(
        row["tcp.options.wscale.shift"],
        o.wscale === undefined ? "" : String(o.wscale),
        `${at}: wscale`,
      );
      assert.equal(row["tcp.options.sack_perm"] !== "", o.sackPermitted === true, `${at}: sackOK`);
      assert.equal(
        row["tcp.options.timestamp.tsval"],
        o.timestamp ? String(o.timestamp.val) : "",
        `${at}: TS val`,
      );
      assert.equal(
        row["tcp.options.timestamp.tsecr"],
        o.timestamp ? String(o.timestamp.ecr) : "",
        `${at}: TS ecr`,
      );
      const sent = (o.sack ?? []).slice(0, sackBlocksThatFit(o));
      assert.equal(row["tcp.options.sack_le"], sent.map((b) => b[0]).join(","), `${at}: SACK left edges`);
      assert.equal(row["tcp.options.sack_re"], sent.map((b) => b[1]).join(","), `${at}: SACK right edges`);
    });

    // Negative control: tshark must see a corrupted checksum, or the assertions above prove nothing.
    const bad = encodeSegment(segments[0]!);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0x01;
    const badFile = join(dir, "bad.pcap");
    writePcapFile(badFile, [{ t: 0, packet: bad }]);
    const [badRow] = tsharkFields(badFile);
    assert.equal(badRow?.["tcp.checksum.status"], "0", "tshark reports the corrupted checksum as bad");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
