// Issue 5, checks 5 and 6: our resetAndDestroy() reaches the kernel peer as ECONNRESET.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "../../src/stack/socket.js";
import { STACK_ADDRESS } from "../../src/tun/netns.js";
import { RST } from "../../src/wire/segment.js";
import { skipWithoutTun } from "./helpers.js";
import { kernelRejectedNothing, kernelTcpCounters, withStackOnTun } from "./stack-on-tun.js";

test(
  "resetAndDestroy() on our side makes the kernel's client see ECONNRESET",
  { timeout: 60_000 },
  async (t) => {
    if (skipWithoutTun(t)) return;
    await withStackOnTun(async ({ ns, host, trace, driverErrors }) => {
      const server = createServer(host, {}, (socket) => {
        socket.once("data", () => socket.resetAndDestroy());
        socket.on("error", () => {});
      });
      await new Promise<void>((resolve) => server.listen(7004, resolve));
      const before = await kernelTcpCounters(ns);
      const client = `
      const s = require("node:net").connect({ host: "${STACK_ADDRESS}", port: 7004 }, () => s.write("hello"));
      s.on("error", (e) => { console.log(e.code); process.exit(0); });
      s.on("close", () => { console.log("CLOSED WITHOUT ERROR"); process.exit(3); });`;
      const r = await ns.run(process.execPath, ["-e", client], { timeoutMs: 30_000 });
      assert.equal(r.stdout.trim(), "ECONNRESET", r.stderr);
      const rst = trace.events.find((e) => e.kind === "segment-sent" && e.seg.flags & RST);
      assert.ok(rst, "we sent an RST");
      const after = await kernelTcpCounters(ns);
      assert.equal(
        after.EstabResets! - before.EstabResets!,
        1,
        "the kernel counted one reset of an established connection",
      );
      assert.deepEqual(await kernelRejectedNothing(ns), { InErrs: 0, InCsumErrors: 0 });
      assert.deepEqual(driverErrors, []);
    });
  },
);
