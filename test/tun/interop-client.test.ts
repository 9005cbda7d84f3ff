// Issue 5, checks 2 and 6: our TCP as the client of kernel servers — a Node `net` echo server and
// nginx — carrying 10 MiB each way, byte-exact.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "../../src/stack/socket.js";
import { KERNEL_ADDRESS } from "../../src/tun/netns.js";
import { findProgram } from "../../src/tun/tools.js";
import { skipWithoutTun } from "./helpers.js";
import {
  eventually,
  kernelDiscardedNothing,
  kernelRejectedNothing,
  startNodePeer,
  withStackOnTun,
} from "./stack-on-tun.js";

const NETWORK_TEST = { timeout: 180_000 };
const SIZE = 10 * 1024 * 1024;

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

test(
  "our client sends 10 MiB to a kernel echo server and gets the same bytes back",
  NETWORK_TEST,
  async (t) => {
    if (skipWithoutTun(t)) return;
    const data = randomBytes(SIZE);
    await withStackOnTun(async ({ ns, host, driverErrors }) => {
      await startNodePeer(
        ns,
        `require("node:net").createServer((s) => s.pipe(s)).listen(7000, "${KERNEL_ADDRESS}", () => console.log("READY"));`,
        "READY",
      );
      const echoed = await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const socket = createConnection(host, { host: KERNEL_ADDRESS, port: 7000 }, () => socket.end(data));
        socket.on("data", (b: Buffer) => chunks.push(b));
        socket.on("end", () => resolve(Buffer.concat(chunks)));
        socket.on("error", reject);
      });
      assert.equal(echoed.length, SIZE);
      assert.equal(sha256(echoed), sha256(data), "byte-exact round trip");
      assert.equal(host.counters.activeOpens, 1);
      assert.deepEqual(await kernelRejectedNothing(ns), { InErrs: 0, InCsumErrors: 0 });
      // With window scaling and timestamps negotiated with the kernel: nothing past its window, no TSval
      // going back.
      assert.deepEqual(await kernelDiscardedNothing(ns), { BeyondWindow: 0, PAWSEstab: 0 });
      assert.deepEqual(driverErrors, []);
    });
  },
);

test("our client fetches 10 MiB from nginx byte-exact", NETWORK_TEST, async (t) => {
  if (skipWithoutTun(t)) return;
  if (findProgram("nginx") === undefined) {
    console.log("skipping: nginx is not installed (nginx-light)");
    t.skip("nginx is not installed (nginx-light)");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "tcplab-nginx-"));
  try {
    const body = randomBytes(SIZE);
    mkdirSync(join(dir, "www"));
    writeFileSync(join(dir, "www", "big.bin"), body);
    // Everything nginx writes goes into our temporary directory; it runs as root so that it can
    // read a directory mkdtemp made private.
    writeFileSync(
      join(dir, "nginx.conf"),
      [
        "user root;",
        "daemon off;",
        "worker_processes 1;",
        `pid ${dir}/nginx.pid;`,
        "error_log stderr warn;",
        "events { worker_connections 64; }",
        "http {",
        "  access_log off;",
        `  client_body_temp_path ${dir}/body;`,
        "  default_type application/octet-stream;",
        `  server { listen ${KERNEL_ADDRESS}:8080; root ${dir}/www; }`,
        "}",
      ].join("\n"),
    );
    await withStackOnTun(async ({ ns, host, driverErrors }) => {
      const nginx = ns.spawn("nginx", ["-p", dir, "-c", join(dir, "nginx.conf")], {
        stdio: ["ignore", "inherit", "inherit"],
      });
      const listening = await eventually(async () => {
        if (nginx.exitCode !== null) return true;
        const r = await ns.run("ss", ["-Hltn", "sport", "= :8080"]);
        return r.stdout.includes("8080");
      });
      assert.ok(listening && nginx.exitCode === null, "nginx listens inside the namespace");

      // A plain HTTP/1.0 request written on our socket. (Not node:http's client: with some option
      // combinations it ignores createConnection and opens a kernel socket from the root namespace,
      // which would send the request out of the machine instead of into our namespace.)
      const response = await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const socket = createConnection(host, { host: KERNEL_ADDRESS, port: 8080 }, () =>
          socket.write(`GET /big.bin HTTP/1.0\r\nHost: ${KERNEL_ADDRESS}\r\n\r\n`),
        );
        socket.on("data", (b: Buffer) => chunks.push(b));
        socket.on("end", () => resolve(Buffer.concat(chunks)));
        socket.on("error", reject);
      });
      assert.equal(host.counters.activeOpens, 1, "the request went over our TCP");
      const headerEnd = response.indexOf("\r\n\r\n");
      assert.ok(headerEnd > 0, "a complete response header");
      const head = response.subarray(0, headerEnd).toString("latin1");
      const fetched = {
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]),
        body: response.subarray(headerEnd + 4),
      };
      assert.match(head, /\r\nServer: nginx/i);
      assert.equal(fetched.status, 200);
      assert.equal(fetched.body.length, SIZE);
      assert.equal(sha256(fetched.body), sha256(body), "byte-exact body");
      assert.deepEqual(await kernelRejectedNothing(ns), { InErrs: 0, InCsumErrors: 0 });
      assert.deepEqual(driverErrors, []);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
