// The analysis rules on tables built for the purpose: port budgets per 4-tuple family, tcp_tw_reuse
// eligibility, settings audits and the order of findings and remedies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyze } from "../../src/inspect/analyze/analyze.js";
import {
  emptySnapshot,
  type Snapshot,
  type SocketRecord,
  type SocketState,
} from "../../src/inspect/model.js";
import { renderPrometheus } from "../../src/inspect/report/prometheus-report.js";
import { renderText } from "../../src/inspect/report/text-report.js";
import { paintFor } from "../../src/inspect/report/colour.js";

function sock(
  state: SocketState,
  local: [string, number],
  remote: [string, number],
  more: Partial<SocketRecord> = {},
): SocketRecord {
  return {
    family: local[0].includes(":") ? "ipv6" : "ipv4",
    local: { address: local[0], port: local[1] },
    remote: { address: remote[0], port: remote[1] },
    state,
    minisock: state === "TIME_WAIT" ? "timewait" : null,
    recvQ: 0,
    sendQ: 0,
    timer: state === "TIME_WAIT" ? { kind: "timewait", secondsLeft: 30 } : null,
    inode: state === "TIME_WAIT" ? 0 : 1000,
    uid: 0,
    owners: [],
    line: 1,
    ...more,
  };
}

function linux(sockets: SocketRecord[], settings: Record<string, string> = {}): Snapshot {
  const s = emptySnapshot("linux", "proc-net-tcp", "test");
  s.sockets = sockets;
  s.ownersKnown = true;
  s.settings = { "net.ipv4.ip_local_port_range": "40000 40009", ...settings };
  return s;
}

/** n client-side TIME_WAIT entries from 10.0.0.1 to dst, on ports 40000… */
function clientTw(n: number, dst: [string, number], from = "10.0.0.1", secondsLeft = 30): SocketRecord[] {
  return Array.from({ length: n }, (_, i) =>
    sock("TIME_WAIT", [from, 40000 + i], dst, { timer: { kind: "timewait", secondsLeft } }),
  );
}

test("the budget is per (local IP, remote IP, remote port): the same local ports serve other destinations", () => {
  const a = analyze(
    linux(
      [...clientTw(10, ["10.0.0.2", 80]), ...clientTw(4, ["10.0.0.2", 81]), ...clientTw(4, ["10.0.0.3", 80])],
      { "net.ipv4.tcp_tw_reuse": "0" },
    ),
  );
  const by = Object.fromEntries(a.timeWait.budgets.map((b) => [`${b.remoteAddress}:${b.remotePort}`, b]));
  assert.deepEqual(
    [
      by["10.0.0.2:80"]!.used,
      by["10.0.0.2:80"]!.usable,
      by["10.0.0.2:80"]!.exhausted,
      by["10.0.0.2:80"]!.level,
    ],
    [10, 10, true, "critical"],
  );
  assert.deepEqual([by["10.0.0.2:81"]!.used, by["10.0.0.2:81"]!.level], [4, "ok"]);
  assert.deepEqual([by["10.0.0.3:80"]!.used, by["10.0.0.3:80"]!.level], [4, "ok"]);
  assert.equal(by["10.0.0.2:80"]!.impliedRatePerSecond, 10 / 60);
  assert.equal(by["10.0.0.2:80"]!.ceilingPerSecond, 10 / 60);
  const f = a.findings[0]!;
  assert.equal(f.id, "client-port-budget");
  assert.equal(f.severity, "critical");
  assert.match(f.title, /exhausted for 10\.0\.0\.1 → 10\.0\.0\.2:80: 10 of 10/);
  assert.match(f.why, /EADDRNOTAVAIL/);
  assert.equal(a.findings.filter((x) => x.id === "client-port-budget").length, 1);
});

test("remedies come in the right order, and the host's wrong settings are called out", () => {
  const a = analyze(
    linux(clientTw(9, ["10.0.0.2", 80]), {
      "net.ipv4.tcp_tw_reuse": "0",
      "net.ipv4.tcp_tw_recycle": "1",
      "net.ipv4.tcp_fin_timeout": "15",
      "net.ipv4.tcp_max_tw_buckets": "5000",
      "net.ipv4.tcp_timestamps": "0",
    }),
  );
  const budget = a.findings.find((f) => f.id === "client-port-budget")!;
  assert.equal(budget.severity, "critical");
  assert.deepEqual(
    budget.remedies.map((r) => r.split(/[:(]/)[0]),
    [
      "Reuse connections instead of opening one per request",
      "Let the side that can afford TIME_WAIT close first",
      "More 4-tuples",
      "net.ipv4.tcp_tw_reuse=1 on this client ",
      "Only where the protocol tolerates it",
    ],
  );
  const wrong = budget.wrongAdvice.join("\n");
  assert.match(wrong, /tcp_tw_recycle = 1 here/);
  assert.match(wrong, /tcp_fin_timeout is lowered to 15 s here/);
  assert.match(wrong, /tcp_max_tw_buckets is lowered to 5000 here/);
  assert.match(wrong, /tcp_timestamps = 0 here/);
  const ids = a.findings.map((f) => `${f.id}:${f.severity}`);
  assert.deepEqual(ids.slice(0, 3), [
    "client-port-budget:critical",
    "tw-recycle-enabled:critical",
    "timestamps-off:critical",
  ]);
  assert.ok(ids.includes("max-tw-buckets-lowered:warn"));
  assert.ok(ids.includes("fin-timeout-not-for-time-wait:warn"));
  assert.ok(ids.includes("port-range-narrow:warn"));
  // Severity order: no ok before a warn, no warn before a critical.
  const rank = a.findings.map((f) => ({ critical: 0, warn: 1, ok: 2 })[f.severity]);
  assert.deepEqual(
    rank,
    [...rank].sort((x, y) => x - y),
  );
});

test("tcp_tw_reuse: 2 reuses only loopback, 1 any; never with timestamps off or before tcp_tw_reuse_delay", () => {
  const lo = (settings: Record<string, string>, left = 30) =>
    analyze(linux(clientTw(10, ["127.0.0.1", 80], "127.0.0.1", left), settings)).timeWait.budgets[0]!;
  const remote = (settings: Record<string, string>) =>
    analyze(linux(clientTw(10, ["10.0.0.2", 80]), settings)).timeWait.budgets[0]!;
  assert.equal(lo({ "net.ipv4.tcp_tw_reuse": "2" }).reusableNow, 10);
  assert.equal(lo({ "net.ipv4.tcp_tw_reuse": "2" }).level, "ok", "reusable entries relieve the pressure");
  assert.equal(lo({ "net.ipv4.tcp_tw_reuse": "2" }).exhausted, false);
  assert.equal(remote({ "net.ipv4.tcp_tw_reuse": "2" }).reusableNow, 0);
  assert.equal(remote({ "net.ipv4.tcp_tw_reuse": "1" }).reusableNow, 10);
  assert.equal(remote({ "net.ipv4.tcp_tw_reuse": "1", "net.ipv4.tcp_timestamps": "0" }).reusableNow, 0);
  assert.equal(lo({ "net.ipv4.tcp_tw_reuse": "2" }, 59.5).reusableNow, 0, "0.5 s old < 1000 ms delay");
  assert.equal(
    lo({ "net.ipv4.tcp_tw_reuse": "2", "net.ipv4.tcp_tw_reuse_delay": "100" }, 59.5).reusableNow,
    10,
  );
  assert.equal(lo({ "net.ipv4.tcp_tw_reuse": "0" }).exhausted, true);
});

test("a FIN_WAIT_2 minisock holds the port but is never reusable", () => {
  const fw = Array.from({ length: 10 }, (_, i) =>
    sock("FIN_WAIT_2", ["127.0.0.1", 40000 + i], ["127.0.0.1", 80], {
      minisock: "timewait",
      inode: 0,
      timer: { kind: "timewait", secondsLeft: 10 },
    }),
  );
  const b = analyze(linux(fw)).timeWait.budgets[0]!;
  assert.deepEqual([b.used, b.reusableNow, b.exhausted], [10, 0, true]);
});

test("server-side TIME_WAIT is harmless; listeners inside the ephemeral range shrink the budget", () => {
  const a = analyze(
    linux(
      [
        sock("LISTEN", ["0.0.0.0", 40005], ["0.0.0.0", 0]),
        ...Array.from({ length: 6 }, (_, i) =>
          sock("TIME_WAIT", ["10.0.0.1", 40005], ["10.0.0.9", 50000 + i]),
        ),
        ...clientTw(3, ["10.0.0.2", 80]),
      ],
      { "net.ipv4.tcp_tw_reuse": "0" },
    ),
  );
  assert.equal(a.timeWait.serverSide, 6);
  assert.equal(a.timeWait.clientSide, 3);
  assert.equal(a.timeWait.budgets[0]!.usable, 9);
  assert.equal(a.listeners[0]!.timeWait, 6);
  const ids = a.findings.map((f) => f.id);
  assert.ok(ids.includes("server-time-wait"));
  assert.ok(ids.includes("listeners-in-ephemeral-range"));
  assert.equal(a.remotes.find((r) => r.address === "10.0.0.9")!.port, 0, "incoming peers group by address");
});

test("kernel limits: TIME_WAIT at the cap with overflows growing; SYN backlog; accept queue full", () => {
  const snap = linux(
    [
      sock("LISTEN", ["0.0.0.0", 80], ["0.0.0.0", 0], { recvQ: 128, sendQ: 128 }),
      ...Array.from({ length: 110 }, (_, i) =>
        sock("SYN_RECEIVED", ["10.0.0.1", 80], ["10.9.0.1", 1000 + i], { minisock: "request", inode: 0 }),
      ),
    ],
    { "net.ipv4.tcp_max_syn_backlog": "128", "net.ipv4.tcp_max_tw_buckets": "20000" },
  );
  snap.sockstat = { tcpInuse: 1, orphan: 0, tw: 20000, alloc: 1, memPages: 1, tcp6Inuse: 0 };
  snap.counters = {
    "TcpExt.TCPTimeWaitOverflow": 50,
    "TcpExt.ListenOverflows": 7,
    "TcpExt.SyncookiesSent": 0,
  };
  const earlier = structuredClone(snap);
  earlier.counters = {
    "TcpExt.TCPTimeWaitOverflow": 40,
    "TcpExt.ListenOverflows": 7,
    "TcpExt.SyncookiesSent": 0,
  };
  const a = analyze(snap, { earlier, intervalSeconds: 10 });
  assert.equal(a.linux.newSynRecv, 110);
  assert.deepEqual(a.rates!.counterDeltas, { "TcpExt.TCPTimeWaitOverflow": 10 });
  const sev = Object.fromEntries(a.findings.map((f) => [f.id, f.severity]));
  assert.equal(sev["time-wait-cap"], "critical");
  assert.equal(sev["syn-backlog"], "critical");
  assert.equal(sev["accept-queue-full"], "critical");
  assert.equal(sev["listen-overflows"], "warn", "overflows since boot, none during the interval");
});

test("Prometheus exposition: node_exporter-style names, HELP/TYPE once, escaped labels, unique series", () => {
  const snap = linux([
    sock("CLOSE_WAIT", ["10.0.0.1", 40005], ["10.0.0.2", 80], {
      recvQ: 11,
      owners: [{ pid: 7, command: 'we"ird\\name', fd: 3 }],
    }),
    ...clientTw(2, ["10.0.0.2", 80]),
  ]);
  snap.counters = { "TcpExt.TW": 5, "Tcp.ActiveOpens": 9 };
  const text = renderPrometheus(analyze(snap), snap.counters);
  assert.match(text, /^tcplab_tcp_connection_states\{state="time_wait"\} 2$/m);
  assert.match(text, /^tcplab_tcp_connection_states\{state="close_wait"\} 1$/m);
  assert.match(text, /^tcplab_tcp_close_wait_sockets\{pid="7",command="we\\"ird\\\\name"\} 1$/m);
  assert.match(text, /^tcplab_tcp_close_wait_unread_bytes\{pid="7",command="we\\"ird\\\\name"\} 10$/m);
  assert.match(text, /^tcplab_netstat_TcpExt_TW 5$/m);
  assert.match(
    text,
    /^tcplab_tcp_port_budget_used\{local_address="10.0.0.1",remote_address="10.0.0.2",remote_port="80"\} 3$/m,
  );
  const series = text.split("\n").filter((l) => l && !l.startsWith("#"));
  assert.equal(
    new Set(series.map((l) => l.replace(/ [^ ]+$/, ""))).size,
    series.length,
    "no duplicate series",
  );
  for (const line of series) assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? (-?[\d.e+-]+|NaN)$/);
  const types = text.split("\n").filter((l) => l.startsWith("# TYPE"));
  assert.equal(new Set(types).size, types.length);
});

test("terminal report: colour only on a TTY and never with NO_COLOR", () => {
  const a = analyze(linux(clientTw(9, ["10.0.0.2", 80]), { "net.ipv4.tcp_tw_reuse": "0" }));
  const ESC = "\u001b[";
  assert.ok(renderText(a, paintFor({ isTTY: true }, {})).includes(ESC));
  assert.ok(!renderText(a, paintFor({ isTTY: false }, {})).includes(ESC));
  assert.ok(!renderText(a, paintFor({ isTTY: true }, { NO_COLOR: "1" })).includes(ESC));
  assert.ok(
    renderText(a, paintFor({ isTTY: true }, { NO_COLOR: "" })).includes(ESC),
    "empty NO_COLOR is unset",
  );
  const plain = renderText(a, paintFor({}, {}));
  assert.match(plain, /\[CRITICAL\] Ephemeral ports running out|\[CRITICAL\] Ephemeral ports exhausted/);
  assert.match(plain, /10\.0\.0\.1 +10\.0\.0\.2:80 +9\/10 +90%/);
});

test("the port-budget finding says why no TIME_WAIT entry is reusable", () => {
  const why = (settings: Record<string, string>, dst: string, from = "10.0.0.1") =>
    analyze(linux(clientTw(9, [dst, 80], from), settings)).findings[0]!.why;
  assert.match(why({ "net.ipv4.tcp_tw_reuse": "0" }, "10.0.0.2"), /reused now: tcp_tw_reuse is 0\./);
  assert.match(
    why({ "net.ipv4.tcp_tw_reuse": "2" }, "10.0.0.2"),
    /tcp_tw_reuse=2 applies to loopback connections only/,
  );
  assert.match(
    why({ "net.ipv4.tcp_tw_reuse": "1", "net.ipv4.tcp_timestamps": "0" }, "10.0.0.2"),
    /TCP timestamps are off/,
  );
});
