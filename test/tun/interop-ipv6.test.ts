// Issue 17 on the real wire: our TCP over IPv6 on a TUN device against the kernel's IPv6 TCP, inside a
// namespace this test creates (fd00:77::/64, a unique local prefix; nothing leaves it). curl -6 against
// node:http on our TCP (sequential, concurrent, 10 MiB); our client against nginx listening on [::];
// closing in both directions; and after each, the kernel's IPv6 error counters (/proc/net/snmp6) and its
// TCP error counters unchanged. Root-only: skipped with the reason printed where TUN, curl or nginx
// is missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection, createServer, type Socket } from "../../src/stack/socket.js";
import { KERNEL_ADDRESS6, STACK_ADDRESS6, type NetworkNamespace } from "../../src/tun/netns.js";
import { findProgram } from "../../src/tun/tools.js";
import type { Host } from "../../src/tcp/engine.js";
import { skipWithoutTun } from "./helpers.js";
import {
  eventually,
  kernelIp6Errors,
  kernelRejectedNothing,
  ourStates,
  startNodePeer,
  traceEvent,
  withStackOnTun,
} from "./stack-on-tun.js";

const NETWORK_TEST = { timeout: 240_000 };
const BIG = 10 * 1024 * 1024;
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function skipWithout(t: { skip(m?: string): void }, tool: string, pkg: string): boolean {
  if (skipWithoutTun(t)) return true;
  if (findProgram(tool) !== undefined) return false;
  console.log(`skipping: ${tool} is not installed (${pkg})`);
  t.skip(`${tool} is not installed (${pkg})`);
  return true;
}

/** Nothing the kernel's IPv6 or TCP found wrong in what we sent. */
async function kernelClean(ns: NetworkNamespace, before: Record<string, number>): Promise<void> {
  assert.deepEqual(await kernelIp6Errors(ns), before, "the kernel's Ip6/Icmp6 error counters did not move");
  assert.deepEqual(await kernelRejectedNothing(ns), { InErrs: 0, InCsumErrors: 0 });
}

test(
  "curl -6 gets byte-exact 200s from node:http on our TCP over IPv6: 50 sequential, 20 concurrent, 10 MiB; curl -4 too (dual-stack)",
  NETWORK_TEST,
  async (t) => {
    if (skipWithout(t, "curl", "curl")) return;
    const big = Buffer.alloc(BIG);
    for (let i = 0; i < BIG; i += 4) big.writeUInt32BE((i * 2654435761) >>> 0, i);
    await withStackOnTun(
      async ({ ns, host, driverErrors }) => {
        const before = await kernelIp6Errors(ns);
        const peers: string[] = [];
        const web = http.createServer((req, res) => {
          peers.push(`${req.socket.remoteFamily} ${req.socket.remoteAddress}`);
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
        assert.deepEqual(server.address(), { address: "::", family: "IPv6", port: 8080 });
        const base = `http://[${STACK_ADDRESS6}]:8080`;
        const format = "%{http_code} %{size_download}\\n";

        const paths = Array.from({ length: 50 }, (_, i) => `/seq-${i}`);
        const seq = await ns.run(
          "curl",
          ["-6", "-sS", "-H", "Connection: close", "-w", format, ...paths.map((p) => base + p)],
          { timeoutMs: 120_000 },
        );
        assert.equal(seq.code, 0, seq.stderr);
        assert.equal(seq.stdout, paths.map((p) => `hello ${p}\n200 ${`hello ${p}\n`.length}\n`).join(""));
        assert.equal(host.counters.passiveOpens, 50);

        const par = Array.from({ length: 20 }, (_, i) => `/par-${i}`);
        const parRun = await ns.run(
          "curl",
          [
            "-6",
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
        assert.deepEqual(
          lines.filter((l) => l.startsWith("hello ")).sort(),
          par.map((p) => `hello ${p}`).sort(),
        );

        const bigRun = await ns.run(
          "sh",
          [
            "-c",
            `curl -6 -sS -w '%{http_code}' -o /tmp/.tcplab-big6-$$ ${base}/big && sha256sum < /tmp/.tcplab-big6-$$; rm -f /tmp/.tcplab-big6-$$`,
          ],
          { timeoutMs: 120_000 },
        );
        assert.equal(bigRun.code, 0, bigRun.stderr);
        assert.ok(
          bigRun.stdout.startsWith(`200${sha256(big)}`),
          `status 200 and the body's sha256: ${bigRun.stdout}`,
        );

        // The same listener takes IPv4 (Linux's dual-stack default), its peer reported v4-mapped.
        const v4 = await ns.run("curl", ["-4", "-sS", "http://10.77.0.2:8080/v4"], { timeoutMs: 60_000 });
        assert.equal(v4.stdout, "hello /v4\n", v4.stderr);
        assert.ok(peers.includes(`IPv6 ${KERNEL_ADDRESS6}`));
        assert.equal(peers.at(-1), "IPv6 ::ffff:10.77.0.1");

        await kernelClean(ns, before);
        assert.deepEqual(driverErrors, []);
      },
      { ipv6: true },
    );
  },
);

test(
  "our client fetches 10 MiB from nginx listening on [::] over IPv6, byte-exact",
  NETWORK_TEST,
  async (t) => {
    if (skipWithout(t, "nginx", "nginx-light")) return;
    const dir = mkdtempSync(join(tmpdir(), "tcplab-nginx6-"));
    try {
      const body = randomBytes(BIG);
      mkdirSync(join(dir, "www"));
      writeFileSync(join(dir, "www", "big.bin"), body);
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
          `  server { listen [::]:8080 ipv6only=on; root ${dir}/www; }`,
          "}",
        ].join("\n"),
      );
      await withStackOnTun(
        async ({ ns, host, driverErrors }) => {
          const before = await kernelIp6Errors(ns);
          const nginx = ns.spawn("nginx", ["-p", dir, "-c", join(dir, "nginx.conf")], {
            stdio: ["ignore", "inherit", "inherit"],
          });
          const listening = await eventually(async () => {
            if (nginx.exitCode !== null) return true;
            const r = await ns.run("ss", ["-Hltn", "sport", "= :8080"]);
            return r.stdout.includes("[::]:8080");
          });
          assert.ok(listening && nginx.exitCode === null, "nginx listens on [::]:8080 inside the namespace");
          // A plain HTTP/1.0 request on our socket (not node:http's client, which can open a kernel socket).
          const response = await new Promise<Buffer>((resolve, reject) => {
            const chunks: Buffer[] = [];
            const socket = createConnection(host, { host: KERNEL_ADDRESS6, port: 8080 }, () =>
              socket.write(`GET /big.bin HTTP/1.0\r\nHost: [${KERNEL_ADDRESS6}]\r\n\r\n`),
            );
            socket.on("data", (b: Buffer) => chunks.push(b));
            socket.on("end", () => resolve(Buffer.concat(chunks)));
            socket.on("error", reject);
          });
          assert.equal(host.counters.activeOpens, 1);
          const headerEnd = response.indexOf("\r\n\r\n");
          const head = response.subarray(0, headerEnd).toString("latin1");
          assert.match(head, /^HTTP\/1\.[01] 200/);
          assert.match(head, /\r\nServer: nginx/i);
          const fetched = response.subarray(headerEnd + 4);
          assert.equal(fetched.length, BIG);
          assert.equal(sha256(fetched), sha256(body));
          await kernelClean(ns, before);
          assert.deepEqual(driverErrors, []);
        },
        { ipv6: true },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

function connect(host: Host, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(host, { host: KERNEL_ADDRESS6, port }, () => resolve(socket));
    socket.on("error", reject);
  });
}

test(
  "closing over IPv6 both ways: we close first (TIME_WAIT here), the kernel closes first (TIME_WAIT there)",
  NETWORK_TEST,
  async (t) => {
    if (skipWithoutTun(t)) return;
    await withStackOnTun(
      async ({ ns, host, trace, driverErrors }) => {
        const before = await kernelIp6Errors(ns);
        const sockets = async () => (await ns.runChecked("ss", ["-Htan"])).trim();
        await startNodePeer(
          ns,
          `const net = require("node:net");
         net.createServer({ allowHalfOpen: true }, (s) => { s.resume(); s.on("end", () => setTimeout(() => s.end(), 200)); })
           .listen(7001, "${KERNEL_ADDRESS6}", () =>
             net.createServer({ allowHalfOpen: true }, (s) => { s.resume(); s.end("bye"); })
               .listen(7002, "${KERNEL_ADDRESS6}", () => console.log("READY")));`,
          "READY",
        );
        // We close first.
        const first = await connect(host, 7001);
        first.resume();
        first.end("last words");
        await traceEvent(trace, (e) => e.kind === "state" && e.to === "TIME_WAIT");
        const gone = await eventually(
          async () => !(await sockets()).includes(`[${STACK_ADDRESS6}]:${first.localPort}`),
        );
        assert.ok(gone, `the kernel's socket went LAST_ACK → CLOSED: ${await sockets()}`);
        assert.equal(host.stateCounts().TIME_WAIT, 1);

        // The kernel closes first.
        const second = await connect(host, 7002);
        const got: Buffer[] = [];
        second.on("data", (b: Buffer) => got.push(b));
        await new Promise<void>((resolve) => second.once("close", () => resolve()));
        await traceEvent(
          trace,
          (e) => e.kind === "state" && e.to === "CLOSED" && e.conn.includes(`:${second.localPort}>`),
        );
        assert.equal(Buffer.concat(got).toString(), "bye");
        const states = ourStates(trace);
        assert.deepEqual(states.slice(0, 5), [
          "SYN_SENT",
          "ESTABLISHED",
          "FIN_WAIT_1",
          "FIN_WAIT_2",
          "TIME_WAIT",
        ]);
        assert.deepEqual(states.slice(5), ["SYN_SENT", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED"]);
        const timeWait = (await ns.runChecked("ss", ["-Htan", "state", "time-wait"])).trim();
        assert.match(
          timeWait,
          new RegExp(`\\[${KERNEL_ADDRESS6}\\]:7002\\s+\\[${STACK_ADDRESS6}\\]:${second.localPort}`),
        );
        await kernelClean(ns, before);
        assert.deepEqual(driverErrors, []);
      },
      { ipv6: true },
    );
  },
);
