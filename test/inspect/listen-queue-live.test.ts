// Live: a listener whose application stopped calling accept(). The kernel fills the accept queue to
// backlog + 1 and then drops SYNs (TcpExt.ListenOverflows); the inspector must show the queue against the
// backlog (from ss, since /proc/net/tcp does not carry it) and call it critical.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Analysis } from "../../src/inspect/analyze/types.js";
import { runCli } from "./cli-run.js";
import { TestNetns, netnsUnavailable } from "./helpers/netns.js";

const unavailable = netnsUnavailable();
const BACKLOG = 4;
const ATTEMPTS = 10;

test("a full accept queue and listen overflows are reported from a live namespace", async (t) => {
  if (unavailable) {
    console.log(`skipping accept-queue test: ${unavailable}`);
    t.skip(unavailable);
    return;
  }
  const ns = new TestNetns("tcplab-stall");
  t.after(() => ns.destroy());
  await ns.start("listen-stall.mjs", ["server", "19300", String(BACKLOG)]);
  const client = await ns.start("listen-stall.mjs", ["client", "19300", String(ATTEMPTS)]);
  // Linux lets the accept queue hold one more than the backlog (sk_acceptq_is_full uses ">").
  assert.equal(client.info.connected, BACKLOG + 1);

  const r = runCli(["inspect", "--netns", ns.name, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const a = JSON.parse(r.stdout) as Analysis;
  const l = a.listeners.find((x) => x.port === 19300)!;
  assert.deepEqual([l.acceptQueue, l.backlog, l.established], [BACKLOG + 1, BACKLOG, BACKLOG + 1]);
  assert.equal(a.states.SYN_SENT, ATTEMPTS - BACKLOG - 1, "the rest wait in SYN_SENT, their SYNs dropped");
  assert.ok((a.handshake.listenOverflows ?? 0) > 0);
  const sev = Object.fromEntries(a.findings.map((f) => [f.id, f.severity]));
  assert.equal(sev["accept-queue-full"], "critical");
  assert.equal(sev["listen-overflows"], "warn");
  assert.equal(a.findings[0]!.id, "accept-queue-full");
});
