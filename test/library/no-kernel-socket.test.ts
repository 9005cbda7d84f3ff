// Issue 15's guard, proven where a kernel socket could do no harm: inside `unshare -n` (a new network
// namespace, no interface up) an HTTP exchange over the simulator succeeds and opens no kernel socket,
// the `agent: false` trap throws ERR_TCPLAB_KERNEL_SOCKET under trapKernelSockets(), and — without it —
// Node really does ignore createConnection and reach for the kernel (ENETUNREACH there).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./fixtures/http-in-empty-netns.ts", import.meta.url));

function unshareProblem(): string | null {
  const probe = spawnSync("unshare", ["-n", "true"], { encoding: "utf8" });
  if (probe.error) return `unshare is not available (${probe.error.message})`;
  if (probe.status !== 0)
    return `unshare -n is not permitted here (${probe.stderr.trim() || `exit ${probe.status}`}); needs root`;
  return null;
}

test("inside unshare -n: HTTP over the simulator opens no kernel socket; agent:false is trapped, and shown to reach the kernel without the trap", (t) => {
  const problem = unshareProblem();
  if (problem) {
    console.log(`# skipped: ${problem}`);
    t.skip(problem);
    return;
  }
  const run = spawnSync("unshare", ["-n", process.execPath, "--import", "tsx", CHILD], {
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(run.status, 0, `child failed: ${run.stderr}`);
  const r = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
  assert.deepEqual(r.http, { status: 200, body: "hello /over-tcplab" }, "the exchange worked over our TCP");
  assert.ok((r.segments as number) >= 6, "segments crossed the simulated link");
  assert.equal(r.socketsDuring, 0, "no socket file descriptor was opened");
  assert.equal(r.tcpDuring, 0, "the namespace's kernel TCP table stayed empty");
  assert.equal(r.trapped, "ERR_TCPLAB_KERNEL_SOCKET", "agent:false threw under the trap");
  assert.equal(r.fetch, "ERR_TCPLAB_KERNEL_SOCKET", "global fetch (undici) is trapped too");
  assert.equal(r.caught, 2);
  assert.equal(r.unguarded, "ENETUNREACH", "without the trap Node went to the kernel");
  assert.equal(r.ourCreateConnectionCalled, 0, "Node never called the createConnection it was given");
});
