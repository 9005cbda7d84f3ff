// Live: a namespace of our own with the known socket mix, inspected through `tcplab inspect --netns`
// exactly as a user would run it (a child process), by namespace name and by a pid inside it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Analysis } from "../../src/inspect/analyze/types.js";
import { MIX } from "./fixtures.js";
import { runCli } from "./cli-run.js";
import { TestNetns, netnsUnavailable } from "./helpers/netns.js";

const unavailable = netnsUnavailable();

test("tcplab inspect --netns reads a live namespace: counts, sides, owners, findings", async (t) => {
  if (unavailable) {
    console.log(`skipping live inspect test: ${unavailable}`);
    t.skip(unavailable);
    return;
  }
  const ns = new TestNetns("tcplab-insp");
  t.after(() => ns.destroy());
  const server = await ns.start("socket-mix.mjs", ["server"]);
  const client = await ns.start("socket-mix.mjs", ["client"]);
  const serverPid = server.info.pid as number;
  const clientPid = client.info.pid as number;

  // One live reading, at once: the mix's TIME_WAIT sockets end 60 s after the client made them (Linux's
  // TCP_TIMEWAIT_LEN, no sysctl), and on a loaded machine each CLI run takes tens of seconds — reading the
  // namespace again for every view had the text view find them gone. Both views analyse this one reading.
  const reading = runCli(["inspect", "--netns", ns.name, "--dump-snapshot"]);
  assert.equal(reading.code, 0, reading.stderr);
  const dir = mkdtempSync(join(tmpdir(), "tcplab-insp-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const snapshot = join(dir, "live.json");
  writeFileSync(snapshot, reading.stdout);

  const r = runCli(["inspect", snapshot, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const a = JSON.parse(r.stdout) as Analysis;
  assert.equal(a.source.name, `${snapshot} (snapshot of live, network namespace ${ns.name})`);
  assert.deepEqual(
    [a.states.LISTEN, a.states.ESTABLISHED, a.states.TIME_WAIT, a.states.CLOSE_WAIT, a.states.FIN_WAIT_2],
    [MIX.listen, MIX.established, MIX.timeWait, MIX.closeWait, MIX.finWait2],
  );
  assert.equal(a.totalSockets, 39, "only the namespace's own sockets");
  assert.deepEqual(
    [a.timeWait.serverSide, a.timeWait.clientSide],
    [MIX.serverSideTimeWait, MIX.clientSideTimeWait],
  );
  assert.deepEqual([a.finWait2.orphans, a.finWait2.held.length], [MIX.finWait2Orphans, MIX.finWait2Held]);
  assert.deepEqual(
    a.closeWait.byProcess.map((p) => [p.pid, p.command, p.count, p.unreadBytes]),
    [[serverPid, "mix server", MIX.closeWait, MIX.closeWaitUnread]],
  );
  assert.ok(a.finWait2.held.every((h) => h.owners[0]?.pid === clientPid));
  // sockstat and sysctls are the namespace's: tw = TIME_WAIT + orphaned FIN_WAIT_2 minisocks.
  assert.equal(a.kernel.sockstatTimeWait, MIX.timeWait + MIX.finWait2Orphans);
  assert.equal(a.settings.assumed.length, 0, "every Linux sysctl was read inside the namespace");
  assert.deepEqual(
    a.findings.slice(0, 2).map((f) => `${f.id}:${f.severity}`),
    ["close-wait-leak:warn", "fin-wait-2-held:warn"],
  );
  assert.equal(a.findings[0]!.title, `"mix server" (pid ${serverPid}) holds 5 sockets in CLOSE_WAIT`);
  assert.ok(a.findings.some((f) => f.id === "server-time-wait" && f.severity === "ok"));
  assert.ok(a.findings.some((f) => f.id === "fin-wait-2-orphans" && f.severity === "ok"));

  // By a pid inside the namespace, with two samples: the CLOSE_WAIT sockets persist (same inodes).
  const r2 = runCli(["inspect", "--netns", String(serverPid), "--interval", "1s", "--json"]);
  assert.equal(r2.code, 0, r2.stderr);
  const b = JSON.parse(r2.stdout) as Analysis;
  assert.equal(b.states.CLOSE_WAIT, MIX.closeWait);
  assert.ok(b.rates !== null && b.rates.intervalSeconds >= 1, JSON.stringify(b.rates));
  assert.equal(b.rates!.newTimeWaitPerSecond, 0);
  assert.equal(b.closeWait.byProcess[0]!.persisted, MIX.closeWait);

  const text = runCli(["inspect", snapshot]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /TIME_WAIT: 12 \(4 server-side, 8 client-side\)/);
});

test("--netns with a namespace that does not exist is a clear error", (t) => {
  if (unavailable) {
    console.log(`skipping live inspect test: ${unavailable}`);
    t.skip(unavailable);
    return;
  }
  const r = runCli(["inspect", "--netns", `tcplab-missing-${process.pid}`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^tcplab: INSPECT_NETNS: --netns tcplab-missing-\d+: no such network namespace/);
});

test("two snapshots of a live namespace: new TIME_WAIT and counter deltas between them", async (t) => {
  if (unavailable) {
    console.log(`skipping live inspect test: ${unavailable}`);
    t.skip(unavailable);
    return;
  }
  const ns = new TestNetns("tcplab-rate");
  t.after(() => ns.destroy());
  const dir = mkdtempSync(join(tmpdir(), "tcplab-rate-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const snapshot = (name: string) => {
    const r = runCli(["inspect", "--netns", ns.name, "--dump-snapshot"]);
    assert.equal(r.code, 0, r.stderr);
    writeFileSync(join(dir, name), r.stdout);
    return join(dir, name);
  };
  const before = snapshot("before.json");
  const churn = await ns.start("port-exhaust.mjs", ["churn", "19100", "7"], "RESULT");
  assert.equal(churn.info.ok, 7);
  const after = snapshot("after.json");
  // The two files are real samples; --interval states the time between them for the per-second rates.
  const r = runCli(["inspect", before, after, "--interval", "2s", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const a = JSON.parse(r.stdout) as Analysis;
  assert.equal(a.timeWait.clientSide, 7);
  assert.equal(a.rates!.intervalSeconds, 2);
  assert.equal(a.rates!.newTimeWaitPerSecond, 3.5);
  assert.equal(a.rates!.counterDeltas["Tcp.ActiveOpens"], 7);
  assert.equal(a.rates!.counterDeltas["Tcp.PassiveOpens"], 7);
  assert.equal(a.rates!.counterDeltas["TcpExt.TW"], 7, "TcpExt.TW counts entries into TIME_WAIT");
});
