// Parsers against captures made on this machine in a private namespace (test/fixtures/inspect/README.md):
// every Linux format must yield the same table, with the classifications the socket mix produces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { analyze } from "../../src/inspect/analyze/analyze.js";
import { parseInput } from "../../src/inspect/parse/parse-input.js";
import { parseSysctlText, parseCounterPairs, parseSockstat } from "../../src/inspect/parse/counters.js";
import type { Snapshot } from "../../src/inspect/model.js";
import { LINUX, MIX, capturedPids } from "./fixtures.js";

function load(names: string[], extra: Partial<Parameters<typeof parseInput>[1]> = {}): Snapshot {
  const bytes = Buffer.concat(names.map((n) => readFileSync(`${LINUX}${n}`)));
  return parseInput(bytes, {
    source: names.join("+"),
    format: null,
    filterState: null,
    littleEndian: true,
    ...extra,
  });
}

const FULL_TABLES: [string, string[], string][] = [
  ["/proc/net/tcp + tcp6", ["proc_net_tcp.txt", "proc_net_tcp6.txt"], "proc-net-tcp"],
  ["ss -tanpoe", ["ss_tanpoe.txt"], "ss"],
  ["ss -tanpoeH (no header)", ["ss_tanpoeH.txt"], "ss"],
  ["ss -tanp", ["ss_tanp.txt"], "ss"],
  ["netstat -tanp", ["netstat_tanp.txt"], "netstat-linux"],
  ["netstat -tanpoe", ["netstat_tanpoe.txt"], "netstat-linux"],
  ["tcplab snapshot", ["tcplab-snapshot.json"], "live"],
];

for (const [label, files, format] of FULL_TABLES) {
  test(`${label}: detected, and the socket mix is counted and classified exactly`, () => {
    const snap = load(files);
    assert.equal(snap.format, format);
    assert.equal(snap.platform, "linux");
    const a = analyze(snap);
    assert.equal(a.totalSockets, 39);
    assert.equal(a.states.LISTEN, MIX.listen);
    assert.equal(a.states.ESTABLISHED, MIX.established);
    assert.equal(a.states.TIME_WAIT, MIX.timeWait);
    assert.equal(a.states.CLOSE_WAIT, MIX.closeWait);
    assert.equal(a.states.FIN_WAIT_2, MIX.finWait2);
    assert.equal(a.timeWait.serverSide, MIX.serverSideTimeWait);
    assert.equal(a.timeWait.clientSide, MIX.clientSideTimeWait);
    assert.equal(a.linux.finWait2Orphans, MIX.finWait2Orphans);
    assert.equal(a.finWait2.orphans, MIX.finWait2Orphans);
    assert.equal(a.finWait2.held.length, MIX.finWait2Held);
    assert.equal(a.closeWait.total, MIX.closeWait);
    assert.equal(a.closeWait.unreadBytes, MIX.closeWaitUnread, "Linux counts the FIN as one byte of Recv-Q");
    // v4-mapped server sockets of the dual-stack listener are grouped with plain IPv4 peers.
    const dual = a.listeners.find((l) => l.port === 18086)!;
    assert.equal(dual.established, 2);
    assert.ok(!JSON.stringify(a.remotes).includes("::ffff:"));
    const v6 = a.timeWait.budgets.find((b) => b.remotePort === 18085)!;
    assert.deepEqual([v6.localAddress, v6.remoteAddress, v6.used, v6.timeWait], ["::1", "::1", 2, 2]);
    const tw = a.timeWait.budgets.find((b) => b.remotePort === 18081)!;
    assert.deepEqual([tw.used, tw.timeWait, tw.usable, tw.level], [6, 6, 60999 - 32768 + 1, "ok"]);
    const ids = a.findings.map((f) => `${f.id}:${f.severity}`);
    assert.deepEqual(ids.slice(0, 2), ["close-wait-leak:warn", "fin-wait-2-held:warn"]);
    assert.ok(ids.includes("server-time-wait:ok"));
    assert.ok(ids.includes("fin-wait-2-orphans:ok"));
    assert.ok(ids.includes("client-time-wait:ok"));
  });
}

test("owners: ss -p, netstat -p and the fd scan attribute CLOSE_WAIT and held FIN_WAIT_2 to the right process", () => {
  const pids = capturedPids();
  for (const files of [["ss_tanpoe.txt"], ["ss_tanp.txt"], ["netstat_tanp.txt"], ["tcplab-snapshot.json"]]) {
    const a = analyze(load(files));
    assert.deepEqual(
      a.closeWait.byProcess.map((p) => [p.pid, p.command, p.count]),
      [[pids.server, "mix server", 5]],
      files[0],
    );
    assert.deepEqual(
      a.finWait2.held.map((h) => h.owners.map((o) => [o.pid, o.command])),
      [[[pids.client, "mix client"]], [[pids.client, "mix client"]]],
    );
    assert.equal(a.findings[0]!.title, `"mix server" (pid ${pids.server}) holds 5 sockets in CLOSE_WAIT`);
  }
});

test("/proc/net/tcp details: host byte order, timer ticks of 1/100 s, minisocks with inode 0", () => {
  const snap = load(["proc_net_tcp.txt", "proc_net_tcp6.txt"]);
  const listen = snap.sockets.find((s) => s.state === "LISTEN" && s.local.port === 18080)!;
  assert.equal(listen.local.address, "127.0.0.1");
  for (const s of snap.sockets.filter((x) => x.state === "TIME_WAIT")) {
    assert.equal(s.minisock, "timewait");
    assert.equal(s.inode, 0);
    assert.equal(s.timer?.kind, "timewait");
    assert.ok(s.timer!.secondsLeft > 58 && s.timer!.secondsLeft <= 60, String(s.timer!.secondsLeft));
  }
  const cw = snap.sockets.filter((s) => s.state === "CLOSE_WAIT");
  assert.deepEqual(
    cw.map((s) => s.recvQ ?? -1).sort((a, b) => a - b),
    [1, 1, 1, 1, 101],
  );
  const mapped = snap.sockets.filter((s) => s.family === "ipv6" && s.state === "ESTABLISHED");
  assert.deepEqual(
    mapped.map((s) => s.local.address),
    ["127.0.0.1", "127.0.0.1"],
  );
  const v6 = snap.sockets.filter((s) => s.family === "ipv6" && s.state === "TIME_WAIT");
  assert.deepEqual(
    v6.map((s) => s.remote.address),
    ["::1", "::1"],
  );
  const held = snap.sockets.filter((s) => s.state === "FIN_WAIT_2" && s.minisock === null);
  assert.equal(held.length, 2);
  assert.ok(held.every((s) => (s.inode ?? 0) > 0));
});

test("ss filtered by one state has no State column: --state supplies it, and its absence is a clear error", () => {
  assert.throws(
    () => load(["ss_tan_state_time-wait.txt"]),
    (e: Error & { code?: string; exitCode?: number }) =>
      e.code === "INSPECT_BAD_ARGUMENT" &&
      e.exitCode === 2 &&
      /line 2/.test(e.message) &&
      /--state/.test(e.message),
  );
  const tw = analyze(load(["ss_tan_state_time-wait.txt"], { filterState: "TIME_WAIT" }));
  assert.equal(tw.states.TIME_WAIT, MIX.timeWait);
  // Without listeners in the output, side is told by the ephemeral range: 18080 is a server port.
  assert.equal(tw.timeWait.serverSide, MIX.serverSideTimeWait);
  assert.equal(tw.timeWait.clientSide, MIX.clientSideTimeWait);
  const cw = analyze(load(["ss_tanpH_state_close-wait.txt"], { filterState: "CLOSE_WAIT" }));
  assert.equal(cw.states.CLOSE_WAIT, MIX.closeWait);
  assert.equal(cw.closeWait.byProcess[0]!.command, "mix server");
  assert.equal(cw.closeWait.unreadBytes, MIX.closeWaitUnread);
});

test("two /proc samples 3 s apart: every CLOSE_WAIT persisted (same inode)", () => {
  const first = load(["proc_net_tcp.txt"]);
  const later = load(["proc_net_tcp.t3.txt"]);
  const a = analyze(later, { earlier: first, intervalSeconds: 3 });
  assert.equal(a.closeWait.byProcess[0]!.persisted, MIX.closeWait);
  assert.equal(a.rates!.newTimeWaitPerSecond, 0);
  // A 3 s interval is shorter than the peer's 60 s FIN_WAIT_2 timeout: not yet proof of a leak.
  assert.equal(a.findings.find((f) => f.id === "close-wait-leak")!.severity, "warn");
  const proven = analyze(later, { earlier: first, intervalSeconds: 65 });
  assert.equal(proven.findings[0]!.id, "close-wait-leak");
  assert.equal(proven.findings[0]!.severity, "critical");
});

test("counters, sockstat and sysctl captures parse; sockstat tw counts TIME_WAIT plus orphaned FIN_WAIT_2", () => {
  const counters = {
    ...parseCounterPairs(readFileSync(`${LINUX}proc_net_netstat.txt`, "utf8"), "netstat"),
    ...parseCounterPairs(readFileSync(`${LINUX}proc_net_snmp.txt`, "utf8"), "snmp"),
  };
  assert.equal(typeof counters["TcpExt.TW"], "number");
  assert.equal(counters["TcpExt.TCPTimeWaitOverflow"], 0);
  assert.ok(counters["Tcp.ActiveOpens"]! >= 22, "the client opened 22 connections");
  const ss = parseSockstat(
    readFileSync(`${LINUX}proc_net_sockstat.txt`, "utf8"),
    readFileSync(`${LINUX}proc_net_sockstat6.txt`, "utf8"),
  )!;
  assert.equal(ss.tw, MIX.timeWait + MIX.finWait2Orphans);
  const sysctl = parseSysctlText(readFileSync(`${LINUX}sysctl.txt`, "utf8"));
  assert.equal(sysctl["net.ipv4.ip_local_port_range"], "32768 60999");
  assert.equal(sysctl["net.ipv4.tcp_tw_reuse"], "2");
});
