// The CLI's three outputs on a captured table: text (no colour into a pipe), --json, --prometheus.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Analysis } from "../../src/inspect/analyze/types.js";
import { LINUX, MIX } from "./fixtures.js";
import { runCli } from "./cli-run.js";

test("--json follows the documented top-level schema", () => {
  const r = runCli(["inspect", `${LINUX}ss_tanpoe.txt`, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const a = JSON.parse(r.stdout) as Analysis;
  assert.deepEqual(Object.keys(a), [
    "schemaVersion",
    "source",
    "settings",
    "totalSockets",
    "states",
    "linux",
    "listeners",
    "remotes",
    "timeWait",
    "closeWait",
    "finWait2",
    "handshake",
    "kernel",
    "rates",
    "findings",
  ]);
  assert.equal(a.schemaVersion, 1);
  assert.equal(a.states.TIME_WAIT, MIX.timeWait);
  for (const f of a.findings) {
    assert.deepEqual(Object.keys(f), [
      "id",
      "severity",
      "title",
      "why",
      "remedies",
      "wrongAdvice",
      "evidence",
    ]);
  }
});

test("text report from stdin: tables, findings, no colour codes into a pipe", () => {
  const r = runCli(["inspect", "-"], readFileSync(`${LINUX}netstat_tanpoe.txt`));
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes("\u001b["));
  assert.match(r.stdout, /^tcplab inspect — stdin \(linux, netstat-linux\)/);
  assert.match(r.stdout, /TIME_WAIT: 12 \(4 server-side, 8 client-side\)/);
  assert.match(r.stdout, /CLOSE_WAIT: 5 \(100 unread bytes\)/);
  assert.match(r.stdout, /FIN_WAIT_2: 5 \(3 orphaned, 2 held by a process\)/);
  assert.match(r.stdout, /\[WARN\] "mix server" \(pid \d+\) holds 5 sockets in CLOSE_WAIT/);
});

test("--prometheus prints the exposition format", () => {
  const r = runCli(["inspect", `${LINUX}tcplab-snapshot.json`, "--prometheus"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^tcplab_tcp_connection_states\{state="time_wait"\} 12$/m);
  assert.match(r.stdout, /^tcplab_tcp_time_wait_sockets\{side="server"\} 4$/m);
  assert.match(r.stdout, /^tcplab_sockstat_TCP_tw 15$/m);
  assert.match(r.stdout, /^tcplab_netstat_TcpExt_TCPTimeWaitOverflow 0$/m);
  assert.match(r.stdout, /^tcplab_tcp_close_wait_sockets\{pid="\d+",command="mix server"\} 5$/m);
});
