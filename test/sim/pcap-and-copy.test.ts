import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pair, sendMany } from "./helpers.js";
import { EchoEndpoint, makeSegment } from "./fake-endpoints.js";
import { Simulator } from "../../src/sim/simulator.js";
import { SimError } from "../../src/sim/sim-error.js";
import { NullTrace, type Trace } from "../../src/tcp/events.js";
import { decodePacket } from "../../src/wire/codec.js";
import { LINKTYPE_RAW, PCAP_MAGIC_MICROSECONDS } from "../../src/wire/pcap.js";

/** Minimal libpcap reader: [time µs, packet] per record. */
function readPcap(file: Uint8Array): Array<[number, Uint8Array]> {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  assert.equal(view.getUint32(0, true), PCAP_MAGIC_MICROSECONDS);
  assert.equal(view.getUint32(20, true), LINKTYPE_RAW);
  const out: Array<[number, Uint8Array]> = [];
  for (let at = 24; at < file.length;) {
    const t = view.getUint32(at, true) * 1e6 + view.getUint32(at + 4, true);
    const len = view.getUint32(at + 8, true);
    out.push([t, file.subarray(at + 16, at + 16 + len)]);
    at += 16 + len;
  }
  return out;
}

function echoPair() {
  const sim = new Simulator({ seed: 3 });
  const a = sim.addHost(new EchoEndpoint("a", 0x0a000001, sim.trace));
  const b = sim.addHost(new EchoEndpoint("b", 0x0a000002, sim.trace));
  sim.link("a", "b", { delay: 1500, corrupt: 0.2 });
  for (let i = 0; i < 40; i++) {
    sim.at(i * 1000, (now) =>
      a.send(makeSegment(a, b, { seq: i * 100, payload: new Uint8Array(i).fill(i) }), now),
    );
  }
  sim.runUntilIdle();
  return { sim, a, b };
}

test("pcapFor(host) holds every segment the host sent and received, at trace times, decodable", () => {
  const { sim } = echoPair();
  const events = (sim.trace as Trace).events;
  for (const host of ["a", "b"]) {
    const expected = events.flatMap((e) =>
      (e.kind === "segment-sent" || e.kind === "segment-received") && e.host === host ? [e] : [],
    );
    const records = readPcap(sim.pcapFor(host));
    assert.equal(records.length, expected.length);
    assert.ok(records.length > 40);
    records.forEach(([t, packet], i) => {
      const e = expected[i]!;
      assert.equal(t, e.t);
      const r = decodePacket(packet);
      assert.ok(r.ok, "every recorded packet carries good checksums");
      assert.equal(r.segment.seq, e.seg.seq);
      assert.deepEqual(r.segment.payload, e.seg.payload);
    });
  }
});

test("tshark reads the per-host pcap with good TCP checksums", (t) => {
  const probe = spawnSync("tshark", ["--version"], { encoding: "utf8" });
  if (probe.error !== undefined || probe.status !== 0) {
    const reason = `tshark is not installed (${probe.error?.message ?? `exit ${probe.status}`})`;
    console.log(`skipping: ${reason}`);
    t.skip(reason);
    return;
  }
  const { sim } = echoPair();
  const dir = mkdtempSync(join(tmpdir(), "tcplab-sim-pcap-"));
  try {
    const file = join(dir, "a.pcap");
    const bytes = sim.pcapFor("a");
    writeFileSync(file, bytes);
    const r = spawnSync(
      "tshark",
      [
        "-r",
        file,
        "-o",
        "tcp.check_checksum:TRUE",
        "-T",
        "fields",
        "-e",
        "tcp.seq_raw",
        "-e",
        "tcp.checksum.status",
      ],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split("\n");
    assert.equal(rows.length, readPcap(bytes).length);
    for (const row of rows) assert.equal(row.split("\t")[1], "1", `checksum status in ${row}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pcapFor needs a recording trace and a known host", () => {
  const sim = new Simulator({ trace: new NullTrace() });
  sim.addHost(new EchoEndpoint("a", 1, sim.trace));
  assert.throws(
    () => sim.pcapFor("a"),
    (e: unknown) => e instanceof SimError && e.code === "ERR_SIM_NO_TRACE",
  );
  assert.throws(
    () => sim.pcapFor("zz"),
    (e: unknown) => e instanceof SimError && e.code === "ERR_SIM_UNKNOWN_HOST",
  );
});

test("in-flight copy rule: a sender reusing its payload buffer does not change packets on the wire", () => {
  for (const copySegments of [true, false]) {
    const p = pair({ delay: 1000 }, { copySegments });
    const buffer = new Uint8Array([1, 2, 3, 4]);
    const seg = makeSegment(p.a, p.b, { seq: 1, payload: buffer.subarray(0, 4) });
    p.sim.at(0, (now) => {
      p.a.send(seg, now);
      buffer.fill(9); // the host reuses its send buffer...
      seg.seq = 2; // ...and its segment object
    });
    p.sim.runUntilIdle();
    const got = p.b.arrivals[0]!.seg;
    if (copySegments) {
      assert.deepEqual([...got.payload], [1, 2, 3, 4]);
      assert.equal(got.seq, 1);
    } else {
      // Documented: without copying, the receiver sees whatever the buffer holds at arrival.
      assert.deepEqual([...got.payload], [9, 9, 9, 9]);
      assert.equal(got.seq, 2);
    }
  }
});

test("a NullTrace sim still runs and counts, emitting nothing", () => {
  const p = pair({ loss: 0.5 }, { trace: new NullTrace(), seed: 4 });
  sendMany(p, 100);
  p.sim.runUntilIdle();
  const c = p.sim.linkDirection("a", "b").counters;
  assert.equal(c.delivered + c.dropped.loss, 100);
  assert.equal(p.b.arrivals.length, c.delivered);
});
