// The port-budget finding must agree with the kernel: in a namespace with a 20-port ephemeral range,
// connect to one server port until connect() fails with EADDRNOTAVAIL; the inspector must call that
// 4-tuple's budget exhausted (and another destination port fine). Then allow tcp_tw_reuse on loopback:
// the inspector must call the entries reusable, and a connect() must indeed succeed.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Analysis } from "../../src/inspect/analyze/types.js";
import { runCli } from "./cli-run.js";
import { TestNetns, netnsUnavailable } from "./helpers/netns.js";

const unavailable = netnsUnavailable();
const FIRST = 40000;
const LAST = 40019;

function inspect(ns: TestNetns): Analysis {
  const r = runCli(["inspect", "--netns", ns.name, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Analysis;
}

test("a budget the inspector calls exhausted is one where connect() fails with EADDRNOTAVAIL", async (t) => {
  if (unavailable) {
    console.log(`skipping port-budget test: ${unavailable}`);
    t.skip(unavailable);
    return;
  }
  const ns = new TestNetns("tcplab-budget");
  t.after(() => ns.destroy());
  ns.sysctl("net.ipv4.ip_local_port_range", `${FIRST} ${LAST}`);
  ns.sysctl("net.ipv4.tcp_tw_reuse", "0");

  const run = await ns.start("port-exhaust.mjs", ["exhaust"], "RESULT");
  const result = run.info as {
    connected: number;
    distinctPorts: number;
    failure: string;
    otherPort: { ok: boolean };
  };
  assert.equal(result.failure, "EADDRNOTAVAIL");
  assert.equal(result.connected, LAST - FIRST + 1);
  assert.equal(result.otherPort.ok, true, "a different destination port still connects");

  const a = inspect(ns);
  const budget = a.timeWait.budgets.find((b) => b.remotePort === 19000)!;
  assert.deepEqual(
    [
      budget.localAddress,
      budget.remoteAddress,
      budget.used,
      budget.usable,
      budget.timeWait,
      budget.reusableNow,
    ],
    ["127.0.0.1", "127.0.0.1", result.connected, LAST - FIRST + 1, result.connected, 0],
  );
  assert.equal(budget.exhausted, true);
  assert.equal(budget.level, "critical");
  const other = a.timeWait.budgets.find((b) => b.remotePort === 19001)!;
  assert.deepEqual([other.used, other.exhausted, other.level], [1, false, "ok"]);
  const f = a.findings[0]!;
  assert.equal(f.id, "client-port-budget");
  assert.equal(f.severity, "critical");
  assert.match(f.title, /^Ephemeral ports exhausted for 127\.0\.0\.1 → 127\.0\.0\.1:19000: 20 of 20 in use/);
  assert.ok(a.findings.some((x) => x.id === "port-range-narrow"));
  // The prediction holds: one more connect to the same tuple fails the same way.
  const again = await ns.start("port-exhaust.mjs", ["connect", "19000"], "RESULT");
  assert.deepEqual(again.info, { ok: false, code: "EADDRNOTAVAIL" });

  // tcp_tw_reuse=2 covers loopback; entries older than tcp_tw_reuse_delay (1 s) become reusable.
  ns.sysctl("net.ipv4.tcp_tw_reuse", "2");
  try {
    ns.sysctl("net.ipv4.tcp_tw_reuse_delay", "1"); // Linux ≥ 6.14; before it the delay is a fixed 1 s
  } catch {
    await new Promise((r) => setTimeout(r, 1100));
  }
  const relieved = inspect(ns).timeWait.budgets.find((b) => b.remotePort === 19000)!;
  assert.equal(relieved.reusableNow, relieved.timeWait);
  assert.equal(relieved.exhausted, false);
  const reused = await ns.start("port-exhaust.mjs", ["connect", "19000"], "RESULT");
  assert.equal(reused.info.ok, true, "connect() took over a TIME_WAIT entry, as the inspector said it could");
});
