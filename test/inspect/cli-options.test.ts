// `tcplab inspect` as cron, monitoring and an on-call engineer use it: standard input taken when it is
// piped and nothing is named, --fail-on exit codes, ss-like filters, the per-socket listing with ss -o
// timers, and rates and ceilings that agree with each other — on the saved fixtures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { runCli, REPO } from "./cli-run.js";
import { LINUX, capturedPids } from "./fixtures.js";
import { formatSsDuration, formatSsTimer } from "../../src/inspect/report/sockets-report.js";
import { failOnCode, EXIT_CRITICAL, EXIT_WARN } from "../../src/inspect/run-inspect.js";
import { buildFilter } from "../../src/inspect/filter.js";

const SS = `${LINUX}ss_tanpoe.txt`;

interface Row {
  state: string;
  local: string;
  remote: string;
  timer: string;
  secondsLeft: number | null;
  owners: string;
}

function sockets(args: string[]): Row[] {
  const r = runCli(["inspect", SS, "--sockets", "--json", ...args]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { sockets: Row[] }).sockets;
}

test("with no input named, piped standard input is read (ss -tan | tcplab inspect)", () => {
  const r = runCli(["inspect", "--json"], readFileSync(SS));
  assert.equal(r.code, 0, r.stderr);
  const a = JSON.parse(r.stdout) as { source: { name: string; format: string }; totalSockets: number };
  assert.deepEqual([a.source.name, a.source.format, a.totalSockets], ["stdin", "ss", 39]);
});

test(
  "a terminal or /dev/null on standard input means the live host; --live forces it",
  { skip: process.platform !== "linux" ? "live reading needs Linux /proc" : false },
  () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "inspect", "--json"], {
      cwd: REPO,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { source: { format: string } }).source.format, "live");
    const forced = runCli(["inspect", "--live", "--json"], readFileSync(SS));
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((JSON.parse(forced.stdout) as { source: { format: string } }).source.format, "live");
    assert.equal(runCli(["inspect", SS, "--live"]).code, 2, "--live with a saved input is bad usage");
  },
);

test("--fail-on: 3 for a warning, 4 for a critical finding, 0 below the threshold", () => {
  // The fixture's worst finding is a warning (the CLOSE_WAIT leak).
  assert.equal(runCli(["inspect", SS, "--fail-on", "warn"]).code, EXIT_WARN);
  assert.equal(runCli(["inspect", SS, "--fail-on", "crit"]).code, 0);
  assert.equal(runCli(["inspect", SS]).code, 0, "without --fail-on findings never change the exit code");
  assert.equal(
    runCli(["inspect", SS, "--fail-on", "warn", "--state", "time-wait"]).code,
    0,
    "only ok findings left",
  );
  const bad = runCli(["inspect", SS, "--fail-on", "error"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /INSPECT_BAD_ARGUMENT: --fail-on "error": expected warn or crit/);
  assert.equal(failOnCode("warn", [{ severity: "ok" }, { severity: "critical" }]), EXIT_CRITICAL);
  assert.equal(failOnCode("crit", [{ severity: "warn" }]), 0);
  assert.equal(failOnCode(undefined, [{ severity: "critical" }]), 0);
});

test("--state filters by one or more ss state names", () => {
  const tw = sockets(["--state", "time-wait"]);
  assert.equal(tw.length, 12);
  assert.ok(tw.every((s) => s.state === "TIME_WAIT"));
  assert.equal(sockets(["--state", "time-wait,close-wait"]).length, 17);
  // ss's groups: connected = all but listening (and closed); bucket = syn-recv and time-wait.
  assert.equal(sockets(["--state", "connected"]).length, 39 - 7);
  assert.equal(sockets(["--state", "bucket"]).length, 12);
  assert.equal(sockets(["--state", "big"]).length, 39 - 12);
  assert.equal(runCli(["inspect", SS, "--state", "half-open"]).code, 2);
});

test("--sport and --dport take a port, a range or a comparison", () => {
  assert.equal(sockets(["--dport", "18081"]).length, 6);
  assert.equal(sockets(["--dport", ":18081"]).length, 6);
  assert.ok(sockets(["--sport", "18080-18084"]).every((s) => /:1808[0-4]$/.test(s.local)));
  const high = sockets(["--sport", ">=30000"]);
  assert.ok(high.length > 0 && high.every((s) => Number(s.local.split(":").pop()) >= 30000));
  assert.equal(sockets(["--sport", "!=18080", "--state", "listening"]).length, 6);
  assert.equal(runCli(["inspect", SS, "--dport", "http"]).code, 2);
});

test("--remote takes an address or a prefix, IPv4 or IPv6", () => {
  const v6 = sockets(["--remote", "::1"]);
  assert.equal(v6.length, 2);
  assert.ok(v6.every((s) => s.remote.startsWith("[::1]")));
  assert.equal(sockets(["--remote", "127.0.0.0/8", "--state", "established"]).length, 10);
  assert.equal(sockets(["--remote", "10.0.0.0/8"]).length, 0);
  assert.equal(runCli(["inspect", SS, "--remote", "10.0.0.0/33"]).code, 2);
});

test("--pid and --process select the sockets a process owns", () => {
  const { client } = capturedPids();
  const byPid = sockets(["--pid", String(client)]);
  assert.equal(byPid.length, 7);
  assert.ok(byPid.every((s) => s.owners.includes(`pid=${client}`)));
  assert.deepEqual(
    sockets(["--process", "mix client"]).map((s) => s.local),
    byPid.map((s) => s.local),
  );
  // A capture without owners cannot answer: say so instead of printing nothing.
  const r = runCli(["inspect", `${LINUX}ss_tan_state_time-wait.txt`, "--state", "time-wait", "--pid", "1"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /need process information/);
});

test("--sockets lists each socket with its timer as ss -o writes it", () => {
  const r = runCli(["inspect", SS, "--sockets", "--state", "time-wait"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Filter: state time-wait — 12 of 39 sockets$/m);
  assert.match(
    r.stdout,
    /^ {2}TIME_WAIT {2}127\.0\.0\.1:18080 {2}127\.0\.0\.1:35536 +0 +0 {2}timewait,59sec {2}-$/m,
  );
  const held = sockets(["--state", "fin-wait-2"]).filter((s) => s.owners !== "-");
  assert.equal(held.length, 2, "FIN_WAIT_2 still held by the client, no timer");
  assert.ok(held.every((s) => s.timer === "-" && s.secondsLeft === null));
  assert.equal(formatSsDuration(59), "59sec");
  assert.equal(formatSsDuration(0.708), "708ms");
  assert.equal(formatSsDuration(4.54), "4.540sec");
  assert.equal(formatSsDuration(599), "9min59sec");
  assert.equal(formatSsDuration(600), "10min");
  assert.equal(formatSsDuration(3720), "1h2min");
  assert.equal(formatSsTimer({ kind: "retransmit", secondsLeft: 0.2 }), "on,200ms");
  assert.equal(formatSsTimer({ kind: "keepalive", secondsLeft: 599.39 }), "keepalive,9min59sec");
  assert.equal(runCli(["inspect", SS, "--sockets", "--prometheus"]).code, 2);
});

test("filters combine (all must match) and learn listening ports from the whole table", () => {
  const f = buildFilter({ state: "time-wait", dport: "18081" })!;
  assert.deepEqual(f.describe, ["state time-wait", "dport 18081"]);
  // Server-side TIME_WAIT stays server-side when the listeners are filtered out.
  const r = runCli(["inspect", SS, "--state", "time-wait", "--json"]);
  const a = JSON.parse(r.stdout) as { timeWait: { serverSide: number; clientSide: number } };
  assert.deepEqual([a.timeWait.serverSide, a.timeWait.clientSide], [4, 8]);
});

test("with --interval, the budget table's rate is the one measured over the interval, as in Rates", () => {
  const r = runCli([
    "inspect",
    `${LINUX}proc_net_tcp.txt`,
    `${LINUX}proc_net_tcp.t3.txt`,
    "--interval",
    "3s",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const a = JSON.parse(r.stdout) as {
    rates: { newTimeWaitPerSecond: number };
    timeWait: { budgets: Array<{ measuredRatePerSecond: number | null }>; clientSide: number };
  };
  const sum = a.timeWait.budgets.reduce((n, b) => n + (b.measuredRatePerSecond ?? NaN), 0);
  assert.ok(
    Number.isFinite(sum) && sum <= a.rates.newTimeWaitPerSecond,
    `${sum} vs ${a.rates.newTimeWaitPerSecond}`,
  );
  const prom = runCli([
    "inspect",
    `${LINUX}proc_net_tcp.txt`,
    `${LINUX}proc_net_tcp.t3.txt`,
    "--interval",
    "3s",
    "--prometheus",
  ]);
  assert.match(prom.stdout, /^tcplab_tcp_port_budget_new_time_wait_per_second\{/m);
  // Without an interval the rate is only implied (count / 60 s) and says so.
  const text = runCli(["inspect", SS]).stdout;
  assert.match(text, /RATE\/s: TIME_WAIT count ÷ 60 s, the connection rate those entries imply/);
});

test("the ceiling honours tcp_tw_reuse: ports / 1 s toward loopback with 2, ports / 60 s with 0", () => {
  const ceiling = (extra: string[]): number => {
    const r = runCli(["inspect", SS, "--json", ...extra]);
    const a = JSON.parse(r.stdout) as {
      timeWait: { budgets: Array<{ ceilingPerSecond: number; usable: number }> };
    };
    const b = a.timeWait.budgets[0]!;
    return b.ceilingPerSecond / b.usable;
  };
  assert.equal(ceiling([]), 1, "default 2 on loopback destinations: tcp_tw_reuse_delay 1 s");
  assert.equal(ceiling(["--setting", "net.ipv4.tcp_tw_reuse=0"]), 1 / 60);
  assert.equal(ceiling(["--setting", "net.ipv4.tcp_timestamps=0"]), 1 / 60);
  assert.equal(ceiling(["--setting", "net.ipv4.tcp_tw_reuse_delay=500"]), 2);
});
