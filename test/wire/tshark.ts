// Running tshark over a capture for the wire tests: skip reason when it is missing, fields as rows.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { sackBlocksThatFit } from "../../src/wire/options.js";
import { ACK } from "../../src/wire/segment.js";
import type { TcpFields } from "../../src/wire/segment6.js";

/** Why tshark cannot be used here, or null when it can. */
export function tsharkMissing(): string | null {
  const r = spawnSync("tshark", ["--version"], { encoding: "utf8" });
  if (r.error)
    return `tshark is not installed (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  return null;
}

/**
 * tshark's values of `fields` for each frame of `file`, with checksum validation on (a
 * checksum.status of "1" is good, "0" bad), absolute sequence numbers and no sequence analysis.
 * Repeated fields are joined with ",".
 */
export function tsharkFields<F extends string>(
  file: string,
  fields: readonly F[],
  extra: readonly string[] = [],
): Array<Record<F, string>> {
  const args = ["-r", file, "-n", "-o", "tcp.check_checksum:TRUE", ...extra];
  args.push("-o", "tcp.relative_sequence_numbers:FALSE", "-o", "tcp.analyze_sequence_numbers:FALSE");
  args.push("-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,");
  for (const f of fields) args.push("-e", f);
  const r = spawnSync("tshark", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `tshark failed: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const cols = line.split("\t");
      return Object.fromEntries(fields.map((f, i) => [f, cols[i] ?? ""])) as Record<F, string>;
    });
}

/** The TCP fields assertTcpRow compares. */
export const TCP_FIELDS = [
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

/** tshark's reading of one frame says the TCP checksum is good and every field is what we encoded. */
export function assertTcpRow(
  row: Record<(typeof TCP_FIELDS)[number], string>,
  seg: TcpFields,
  at: string,
): void {
  const o = seg.options;
  assert.equal(row["tcp.checksum.status"], "1", `${at}: TCP checksum good`);
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
}
