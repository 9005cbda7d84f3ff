// Captures of IPv6 runs (`tcplab run <scenario> --ipv6 --pcap DIR`) judged by Wireshark's dissector:
// every frame is IPv6/TCP with a good checksum (RFC 8200 §8.1 pseudo-header), at the run's addresses, and
// the frames are the host's segment events one for one. A dual-stack host's capture holds both families
// in one LINKTYPE_RAW file. Needs `tshark` (installed by .ci/run); skipped with a printed reason without it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findScenario, runScenario } from "../../src/scenarios/index.js";
import { Host } from "../../src/tcp/engine.js";
import { Simulator } from "../../src/sim/simulator.js";
import { Trace } from "../../src/tcp/events.js";
import { tsharkFields, tsharkMissing } from "../wire/tshark.js";

const FIELDS = ["ipv6.src", "ipv6.dst", "ip.src", "tcp.checksum.status", "tcp.srcport", "tcp.len"] as const;

function withTshark(t: { skip(msg: string): void }): boolean {
  const missing = tsharkMissing();
  if (missing === null) return true;
  console.log(`skipping the tshark check: ${missing}`);
  t.skip(missing);
  return false;
}

function dissect(bytes: Uint8Array) {
  const dir = mkdtempSync(join(tmpdir(), "tcplab-pcap6-"));
  try {
    const file = join(dir, "run.pcap");
    writeFileSync(file, bytes);
    return tsharkFields(file, FIELDS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const id of ["S3", "S9", "S11"]) {
  test(`${id} --ipv6: every captured frame is IPv6/TCP with a good checksum, one per segment event`, (t) => {
    if (!withTshark(t)) return;
    const result = runScenario(findScenario(id)!, { seed: 1, profile: "linux", ipv6: true });
    for (const run of result.runs) {
      for (const host of ["A", "P"]) {
        const rows = dissect(run.pcap(host));
        const events = run.events.filter(
          (e) => (e.kind === "segment-sent" || e.kind === "segment-received") && e.host === host,
        );
        assert.ok(rows.length > 0);
        assert.equal(rows.length, events.length, `${run.title} ${host}: frames = segment events`);
        for (const r of rows) {
          assert.equal(r["tcp.checksum.status"], "1", `bad checksum in ${JSON.stringify(r)}`);
          assert.equal(r["ip.src"], "", "no IPv4 frame in an IPv6 run");
          assert.match(r["ipv6.src"], /^2001:db8::/);
          assert.match(r["ipv6.dst"], /^2001:db8::/);
        }
      }
    }
  });
}

test("a dual-stack host's capture holds its IPv4 and its IPv6 connection, both with good checksums", (t) => {
  if (!withTshark(t)) return;
  const trace = new Trace();
  const sim = new Simulator({ seed: 2, trace });
  const p = new Host({ name: "P", address: "10.0.0.2", address6: "2001:db8::2", trace });
  const a4 = new Host({ name: "A4", address: "10.0.0.1", trace });
  const a6 = new Host({ name: "A6", address: "2001:db8::1", trace });
  for (const h of [p, a4, a6]) sim.addHost(h);
  sim.link("A4", "P", { delay: 1000 });
  sim.link("A6", "P", { delay: 1000 });
  p.listen(80, { family: 6 }, { onConnection: () => ({ onData: (c, d) => c.send(d, sim.now) }) });
  for (const [h, to] of [
    [a4, "10.0.0.2"],
    [a6, "2001:db8::2"],
  ] as const) {
    h.connect(
      { address: to, port: 80 },
      {
        onEstablished: (c) => c.send(new TextEncoder().encode("ping"), sim.now),
        onData: (c) => c.close(sim.now),
      },
    );
  }
  sim.runUntil(5_000_000);
  const rows = dissect(sim.pcapFor("P"));
  const v4 = rows.filter((r) => r["ip.src"] !== "");
  const v6 = rows.filter((r) => r["ipv6.src"] !== "");
  assert.ok(v4.length >= 7 && v6.length >= 7, `${v4.length} IPv4 and ${v6.length} IPv6 frames`);
  assert.equal(v4.length + v6.length, rows.length);
  for (const r of rows) assert.equal(r["tcp.checksum.status"], "1");
  assert.ok(v4.some((r) => r["tcp.len"] === "4") && v6.some((r) => r["tcp.len"] === "4"));
});
