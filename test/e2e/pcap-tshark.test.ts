// The captures of a whole connection lifecycle, judged by Wireshark's dissector: every packet each host
// sent or received decodes as IPv4/TCP with good checksums, and frame for frame matches the segment
// events of that host's trace (ports, sequence and acknowledgment numbers, flags, payload length);
// and Wireshark's own stream reassembly finds the HTTP messages node:http exchanged over our TCP.
// Needs `tshark` (installed by .ci/run); skipped with a printed reason without it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasFlags, withPayload } from "../../src/sim/match.js";
import type { SegmentReceivedEvent, SegmentSentEvent } from "../../src/tcp/events.js";
import { makeWorld } from "./world.js";
import { startTransfer } from "./transfer-app.js";
import { DOWNLOAD, UPLOAD, drive, request, stage } from "./http-stage.js";
import { ACK, FIN } from "../../src/wire/segment.js";

function tsharkMissing(): string | null {
  const r = spawnSync("tshark", ["--version"], { encoding: "utf8" });
  if (r.error)
    return `tshark is not installed (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  return r.status === 0 ? null : `tshark --version exited with ${r.status}`;
}

const FIELDS = [
  "frame.number",
  "ip.proto",
  "ip.checksum.status",
  "tcp.checksum.status",
  "tcp.srcport",
  "tcp.dstport",
  "tcp.seq_raw",
  "tcp.ack_raw",
  "tcp.flags",
  "tcp.len",
  "tcp.analysis.retransmission",
  "tcp.analysis.fast_retransmission",
  // Wireshark calls a retransmission sent within its reordering threshold of the highest segment
  // "out of order" (a SACK-driven repair sent right after new data is one); a sender emits nothing else
  // out of order, so for sent segments it counts as a retransmission too.
  "tcp.analysis.out_of_order",
];

function dissect(file: string): string[][] {
  const args = [
    "-n",
    "-r",
    file,
    "-o",
    "tcp.check_checksum:TRUE",
    "-o",
    "ip.check_checksum:TRUE",
    "-T",
    "fields",
  ];
  for (const f of FIELDS) args.push("-e", f);
  args.push("-E", "separator=|", "-E", "occurrence=f");
  const r = spawnSync("tshark", args, { encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `tshark failed: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => l.split("|"));
}

test("pcap of a full lifecycle with a retransmission: every packet decodes with good checksums and matches the trace", (t) => {
  const missing = tsharkMissing();
  if (missing !== null) {
    console.log(`skipping the tshark check: ${missing}`);
    t.skip(missing);
    return;
  }
  const world = makeWorld({ seed: 11, link: { delay: 5_000 } });
  const { sim, trace } = world;
  // One lost data segment from each side forces a retransmission (RTO or fast retransmit) in both
  // directions; one corrupted segment never decodes at the server and so must not be in its capture.
  sim.fault({ name: "lose client data", action: "drop", from: "client", match: withPayload(), nth: 3 });
  sim.fault({ name: "lose server data", action: "drop", from: "server", match: withPayload(), nth: 2 });
  sim.fault({ name: "corrupt", action: "corrupt", from: "client", match: withPayload(), nth: 6 });
  // The client's FIN is lost once, so FIN_WAIT_1 retransmits it.
  sim.fault({ name: "lose client FIN", action: "drop", from: "client", match: hasFlags(FIN) });
  const transfer = startTransfer(world, {
    client: {
      writes: [
        { gap: 0, length: 20_000 },
        { gap: 50_000, length: 100 },
      ],
      closeFirst: true,
      fullClose: false,
    },
    // The server keeps sending after the client's FIN (half-close), then closes.
    server: { writes: [{ gap: 200_000, length: 30_000 }], closeFirst: false, fullClose: false },
    dataSeed: 5,
  });
  assert.equal(sim.runUntilIdle(), "idle");
  assert.equal(transfer.client.error, null);
  assert.equal(transfer.server?.error, null);
  assert.equal(transfer.client.receivedLength, 30_000);
  assert.equal(transfer.server?.receivedLength, 20_100);
  // The lifecycle we meant: handshake, both closes, TIME_WAIT expiry on the client.
  const states = trace.events.flatMap((e) => (e.kind === "state" ? [`${e.host}:${e.to}`] : []));
  for (const s of [
    "client:ESTABLISHED",
    "server:ESTABLISHED",
    "client:FIN_WAIT_2",
    "server:CLOSE_WAIT",
    "server:LAST_ACK",
    "client:TIME_WAIT",
  ]) {
    assert.ok(states.includes(s), s);
  }
  const corrupted = trace.events.filter(
    (e) => e.kind === "segment-dropped" && e.host === "server" && e.seg === null,
  );
  assert.equal(corrupted.length, 1, "the corrupted packet was rejected by the server's checksum");

  const dir = mkdtempSync(join(tmpdir(), "tcplab-pcap-"));
  try {
    for (const host of ["client", "server"]) {
      const segs = trace.events.filter(
        (e): e is SegmentSentEvent | SegmentReceivedEvent =>
          (e.kind === "segment-sent" || e.kind === "segment-received") && e.host === host,
      );
      const file = join(dir, `${host}.pcap`);
      writeFileSync(file, sim.pcapFor(host));
      const frames = dissect(file);
      assert.equal(frames.length, segs.length, `${host}: frames in the pcap vs segment events in the trace`);
      const flaggedByTshark: number[] = [];
      const flaggedByTrace: number[] = [];
      frames.forEach((f, i) => {
        const [num, proto, ipSum, tcpSum, sport, dport, seq, ack, flags, len, rtx, fastRtx, ooo] = f;
        const ev = segs[i]!;
        const where = `${host} frame ${num}`;
        assert.equal(proto, "6", `${where}: IP protocol`);
        assert.equal(ipSum, "1", `${where}: IPv4 checksum status (1 = good)`);
        assert.equal(tcpSum, "1", `${where}: TCP checksum status (1 = good)`);
        assert.equal(Number(sport), ev.seg.srcPort, `${where}: source port`);
        assert.equal(Number(dport), ev.seg.dstPort, `${where}: destination port`);
        assert.equal(Number(seq), ev.seg.seq, `${where}: raw sequence number`);
        assert.equal(Number(ack), ev.seg.flags & ACK ? ev.seg.ack : 0, `${where}: raw ack number`);
        assert.equal(Number(flags), ev.seg.flags, `${where}: flags`);
        assert.equal(Number(len), ev.seg.payload.length, `${where}: payload length`);
        if (ev.kind !== "segment-sent") return;
        if (rtx || fastRtx || ooo) flaggedByTshark.push(i);
        if (ev.retransmission) flaggedByTrace.push(i);
      });
      // Wireshark's own analysis finds exactly the retransmissions the trace reports, at least one per side.
      assert.ok(flaggedByTrace.length > 0, `${host}: no retransmission in the run`);
      assert.deepEqual(flaggedByTshark, flaggedByTrace, `${host}: retransmissions per tshark vs per trace`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pcap of node:http over our TCP: Wireshark reassembles the streams and finds the requests and responses", async (t) => {
  const missing = tsharkMissing();
  if (missing !== null) {
    console.log(`skipping the tshark check: ${missing}`);
    t.skip(missing);
    return;
  }
  const { world, agent } = stage(51, { delay: 2_000, loss: 0.02, reorder: 0.05, reorderDelay: 4_000 });
  const upload = UPLOAD.subarray(0, 200_000);
  await drive(
    world,
    (async () => {
      await request(agent, "GET", "/hello");
      await request(agent, "POST", "/upload", Buffer.from(upload));
    })(),
  );
  agent.destroy();
  await world.sim.runAsync();
  const dir = mkdtempSync(join(tmpdir(), "tcplab-pcap-"));
  try {
    const file = join(dir, "client.pcap");
    writeFileSync(file, world.sim.pcapFor("client"));
    const r = spawnSync(
      "tshark",
      [
        "-n",
        "-r",
        file,
        // Segments the link held back arrive out of order; Wireshark 4.0 leaves them out of reassembly unless told.
        "-o",
        "tcp.reassemble_out_of_order:TRUE",
        "-Y",
        "http",
        "-T",
        "fields",
        "-e",
        "http.request.method",
        "-e",
        "http.request.uri",
        "-e",
        "http.response.code",
        "-e",
        "http.content_length",
      ],
      { encoding: "utf8", maxBuffer: 64 << 20 },
    );
    assert.equal(r.status, 0, `tshark failed: ${r.stderr}`);
    const messages = r.stdout
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) =>
        l
          .split("\t")
          .filter((f) => f.length > 0)
          .join(" "),
      );
    assert.deepEqual(messages, [
      "GET /hello",
      "200",
      `POST /upload ${upload.length}`,
      `201 ${DOWNLOAD.length}`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
