// Hand-written Windows and macOS captures (test/fixtures/inspect/README.md): one Windows scenario in five
// spellings must give one and the same analysis; macOS has its own constants.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeProfile } from "../../src/tcp/profile.js";
import { analyze } from "../../src/inspect/analyze/analyze.js";
import { parseInput } from "../../src/inspect/parse/parse-input.js";
import type { InputFormat } from "../../src/inspect/model.js";
import { fixtureBytes } from "./fixtures.js";

function load(rel: string, format: InputFormat | null = null) {
  return parseInput(fixtureBytes(rel), { source: rel, format, filterState: null, littleEndian: true });
}

const WINDOWS: [string, InputFormat][] = [
  ["windows/netstat-ano-en.txt", "netstat-windows"],
  ["windows/netstat-ano-de.txt", "netstat-windows"],
  ["windows/netstat-ano-de-cp850.txt", "netstat-windows"],
  ["windows/get-nettcpconnection.json", "powershell-json"],
  ["windows/get-nettcpconnection.csv", "powershell-csv"],
];

for (const [rel, format] of WINDOWS) {
  test(`${rel}: detected as ${format}, counted and classified like every other Windows spelling`, () => {
    const snap = load(rel);
    assert.equal(snap.format, format);
    assert.equal(snap.platform, "windows");
    const a = analyze(snap);
    assert.equal(a.totalSockets, 19, "UDP rows are not TCP sockets");
    assert.deepEqual(
      [
        a.states.LISTEN,
        a.states.ESTABLISHED,
        a.states.TIME_WAIT,
        a.states.CLOSE_WAIT,
        a.states.SYN_SENT,
        a.states.FIN_WAIT_2,
      ],
      [4, 2, 8, 3, 1, 1],
    );
    // Server side: local port 8080 listens. Client side: ephemeral ports 50001… in 49152–65535.
    assert.equal(a.timeWait.serverSide, 2);
    assert.equal(a.timeWait.clientSide, 6);
    // TIME_WAIT rows have PID 0: no owner, never "process 0".
    assert.ok(snap.sockets.filter((s) => s.state === "TIME_WAIT").every((s) => s.owners.length === 0));
    assert.deepEqual(
      a.closeWait.byProcess.map((p) => [p.pid, p.count]),
      [[4242, 3]],
    );
    assert.equal(a.finWait2.held.length, 1);
    // One value for the windows profile and inspect (WINDOWS_TIME_WAIT), the other versions named.
    assert.equal(a.settings.timeWaitSeconds, makeProfile("windows").timeWait / 1_000_000);
    assert.match(a.settings.timeWaitBasis, /Windows 10: 240 s/);
    assert.deepEqual([a.settings.ephemeralFirst, a.settings.ephemeralLast], [49152, 65535]);
    // 16384 dynamic ports minus the one the listener on :49664 holds.
    const budget = a.timeWait.budgets.find((b) => b.remotePort === 1433)!;
    assert.deepEqual(
      [budget.localAddress, budget.remoteAddress, budget.used, budget.usable],
      ["10.0.0.5", "10.0.0.20", 7, 16383],
    );
    assert.equal(budget.reusableNow, 0, "tcp_tw_reuse is Linux's");
    const link = snap.sockets.find((s) => s.local.port === 49664)!;
    assert.equal(link.local.address, "fe80::1%12");
    assert.deepEqual(
      a.findings.map((f) => `${f.id}:${f.severity}`),
      ["close-wait-leak:warn", "fin-wait-2-held:warn", "client-time-wait:ok", "server-time-wait:ok"],
    );
  });
}

test("Windows settings given on the command line: a small dynamic range makes the budget critical", () => {
  const a = analyze(load("windows/netstat-ano-en.txt"), {
    settingOverrides: { DynamicPortStart: "50001", DynamicPortCount: "6", TcpTimedWaitDelay: "30" },
  });
  const b = a.timeWait.budgets[0]!;
  assert.deepEqual([b.used, b.usable, b.exhausted, b.level], [6, 6, true, "critical"]);
  assert.equal(b.ceilingPerSecond, 6 / 30);
  const f = a.findings[0]!;
  assert.equal(f.id, "client-port-budget");
  assert.equal(f.severity, "critical");
  assert.match(f.why, /TcpTimedWaitDelay = 30 s/);
  assert.match(f.why, /PID 0/);
  assert.match(f.remedies[2]!, /netsh int ipv4 set dynamicport/);
  assert.match(f.remedies[3]!, /TcpTimedWaitDelay/);
  assert.ok(!f.remedies.join(" ").includes("tcp_tw_reuse"), "no Linux knobs in Windows advice");
});

test("macOS netstat -an -p tcp: port after the last dot, tcp46, BSD state names, TIME_WAIT = 2 × msl", () => {
  const snap = load("macos/netstat-an-p-tcp.txt");
  assert.equal(snap.format, "netstat-macos");
  const a = analyze(snap);
  assert.equal(a.totalSockets, 13);
  assert.deepEqual(
    [a.states.LISTEN, a.states.TIME_WAIT, a.states.SYN_RECEIVED, a.states.CLOSE_WAIT],
    [4, 5, 1, 1],
  );
  assert.equal(a.timeWait.serverSide, 2);
  assert.equal(a.timeWait.clientSide, 3);
  assert.equal(a.settings.timeWaitSeconds, 30);
  assert.equal(a.closeWait.unreadBytes, 24, "BSD's Recv-Q has no FIN byte to subtract");
  assert.equal(a.finWait2.unknown, 1, "without owners a FIN_WAIT_2 cannot be called orphan or held");
  const ll = snap.sockets.find((s) => s.local.port === 631)!;
  assert.equal(ll.local.address, "fe80::1%lo0");
  const msl = analyze(snap, { settingOverrides: { "net.inet.tcp.msl": "5000" } });
  assert.equal(msl.settings.timeWaitSeconds, 10);
  assert.ok(msl.findings.some((f) => f.id === "owners-unknown"));
});
