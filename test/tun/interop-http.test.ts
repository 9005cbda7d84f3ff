// Issue 5, checks 1, 5 (refused) and 6: curl, the kernel's client, against node:http running on
// our TCP over the TUN device.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import http from "node:http";
import { createServer } from "../../src/stack/socket.js";
import { STACK_ADDRESS } from "../../src/tun/netns.js";
import { findProgram } from "../../src/tun/tools.js";
import { skipWithoutTun } from "./helpers.js";
import { kernelRejectedNothing, withStackOnTun } from "./stack-on-tun.js";

const NETWORK_TEST = { timeout: 180_000 };
const BIG = 10 * 1024 * 1024;

/** A deterministic 10 MiB body that is not all one byte (so reordering would show). */
function bigBody(): Buffer {
  const b = Buffer.alloc(BIG);
  for (let i = 0; i < BIG; i += 4) b.writeUInt32BE((i * 2654435761) >>> 0, i);
  return b;
}

function skipWithoutCurl(t: { skip(m?: string): void }): boolean {
  if (skipWithoutTun(t)) return true;
  if (findProgram("curl") !== undefined) return false;
  console.log("skipping: curl is not installed");
  t.skip("curl is not installed");
  return true;
}

test(
  "curl gets byte-exact 200s from node:http on our TCP: 100 sequential, 20 concurrent, 10 MiB",
  NETWORK_TEST,
  async (t) => {
    if (skipWithoutCurl(t)) return;
    const big = bigBody();
    const bigHash = createHash("sha256").update(big).digest("hex");
    await withStackOnTun(async ({ ns, host, driverErrors }) => {
      const web = http.createServer((req, res) => {
        if (req.url === "/big") {
          res.setHeader("content-type", "application/octet-stream");
          res.end(big);
          return;
        }
        res.setHeader("content-type", "text/plain");
        res.end(`hello ${req.url}\n`);
      });
      const server = createServer(host, {}, (socket) => web.emit("connection", socket));
      await new Promise<void>((resolve) => server.listen(8080, resolve));
      const base = `http://${STACK_ADDRESS}:8080`;
      const format = "%{http_code} %{size_download}\\n";

      // Sequential, one connection each (Connection: close), so each is a full open and close.
      const paths = Array.from({ length: 100 }, (_, i) => `/seq-${i}`);
      const seqArgs = ["-H", "Connection: close", "-w", format, ...paths.map((p) => base + p)];
      const seq = await ns.run("curl", ["-sS", ...seqArgs], { timeoutMs: 120_000 });
      assert.equal(seq.code, 0, seq.stderr);
      assert.equal(
        seq.stdout,
        paths.map((p) => `hello ${p}\n200 ${`hello ${p}\n`.length}\n`).join(""),
        "every body byte-exact, every status 200",
      );
      assert.equal(host.counters.passiveOpens, 100, "one connection per request");

      // Concurrent: 20 transfers at once on 20 connections.
      const par = Array.from({ length: 20 }, (_, i) => `/par-${i}`);
      const parRun = await ns.run(
        "curl",
        [
          "-sS",
          "--parallel",
          "--parallel-immediate",
          "--parallel-max",
          "20",
          ...par.flatMap((p) => ["-w", format, base + p]),
        ],
        { timeoutMs: 120_000 },
      );
      assert.equal(parRun.code, 0, parRun.stderr);
      const lines = parRun.stdout.trim().split("\n");
      const bodies = lines.filter((l) => l.startsWith("hello ")).sort();
      const statuses = lines.filter((l) => !l.startsWith("hello ")).sort();
      assert.deepEqual(bodies, par.map((p) => `hello ${p}`).sort(), "every body byte-exact");
      assert.deepEqual(
        statuses,
        par.map((p) => `200 ${`hello ${p}\n`.length}`).sort(),
        "20 × status 200, full length",
      );

      // 10 MiB in one response.
      const bigRun = await ns.run(
        "sh",
        [
          "-c",
          `curl -sS -w '%{http_code}' -o /tmp/.tcplab-big-$$ ${base}/big && sha256sum < /tmp/.tcplab-big-$$; rm -f /tmp/.tcplab-big-$$`,
        ],
        {
          timeoutMs: 120_000,
        },
      );
      assert.equal(bigRun.code, 0, bigRun.stderr);
      assert.ok(
        bigRun.stdout.startsWith(`200${bigHash}`),
        `status 200 and the body's sha256: ${bigRun.stdout}`,
      );

      assert.deepEqual(await kernelRejectedNothing(ns), { InErrs: 0, InCsumErrors: 0 });
      assert.deepEqual(driverErrors, []);
    });
  },
);

test("curl to a port where nothing listens gets Connection refused from our RST", NETWORK_TEST, async (t) => {
  if (skipWithoutCurl(t)) return;
  await withStackOnTun(async ({ ns, trace }) => {
    const r = await ns.run("curl", ["-sS", `http://${STACK_ADDRESS}:9/`], { timeoutMs: 60_000 });
    assert.equal(r.code, 7, "curl's exit status for a failed connect");
    assert.match(r.stderr, /Couldn't connect to server|Connection refused/);
    const rst = trace.events.find((e) => e.kind === "segment-sent" && e.why === "rst-closed-port");
    assert.ok(rst, "our host answered the SYN with an RST for the closed port");
    assert.deepEqual(await kernelRejectedNothing(ns), { InErrs: 0, InCsumErrors: 0 });
  });
});
