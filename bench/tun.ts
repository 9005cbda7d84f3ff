// `npm run bench -- --tun`: our TCP on a TUN device against the kernel's TCP, inside a private
// namespace (root only): curl downloading from node:http on our TCP, curl's connection rate, our
// client streaming into a kernel `net` sink, and our client's connection rate to a kernel server.
// Every kernel-side program runs inside the namespace; nothing here touches another network.
import { performance } from "node:perf_hooks";
import { createConnection } from "../src/stack/socket.js";
import { NullTrace } from "../src/tcp/events.js";
import { tunAvailability } from "../src/tun/addon.js";
import { startDemoHttpServer } from "../src/tun/demo-http.js";
import { StackSession } from "../src/tun/stack-session.js";
import { findProgram } from "../src/tun/tools.js";

type Record = (name: string, value: number, unit: string, note?: string) => void;

const PORT = 8080;
const SINK_PORT = 7000;
const ECHO_PORT = 7001;

function mbits(bytes: number, seconds: number): number {
  return (bytes * 8) / 1e6 / seconds;
}

/** Start a Node program inside the namespace and wait for its READY line. */
async function kernelPeer(session: StackSession, script: string): Promise<void> {
  const child = session.ns.spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("READY")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`kernel peer exited (${code}) before it was ready`)));
  });
}

async function curlDownload(session: StackSession, bytes: number): Promise<number> {
  const url = `http://${session.stackAddress}:${PORT}/bytes/${bytes}`;
  const start = performance.now();
  const r = await session.ns.run("curl", ["-sS", "-f", "-o", "/dev/null", "-w", "%{size_download}", url]);
  const seconds = (performance.now() - start) / 1000;
  if (r.code !== 0 || Number(r.stdout) !== bytes) throw new Error(`curl download failed: ${r.stderr}`);
  return mbits(bytes, seconds);
}

async function curlConnections(session: StackSession, count: number, parallel: number): Promise<number> {
  const url = `http://${session.stackAddress}:${PORT}/`;
  const urls = Array.from({ length: count }, () => url);
  const args = ["-sS", "-f", "-H", "Connection: close"];
  if (parallel > 1) args.push("--parallel", "--parallel-max", String(parallel));
  const before = session.host.counters.passiveOpens;
  const start = performance.now();
  // -o applies to one URL each: give it once per URL.
  const r = await session.ns.run("curl", [...args, ...urls.flatMap((u) => ["-o", "/dev/null", u])]);
  const seconds = (performance.now() - start) / 1000;
  const opened = session.host.counters.passiveOpens - before;
  if (r.code !== 0 || opened !== count) throw new Error(`curl: ${opened}/${count} connections: ${r.stderr}`);
  return count / seconds;
}

async function clientToSink(session: StackSession, bytes: number): Promise<number> {
  const chunk = Buffer.alloc(256 * 1024, 7);
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const socket = createConnection(session.host, { host: session.kernelAddress, port: SINK_PORT }, () => {
      let sent = 0;
      const pump = (): void => {
        while (sent < bytes) {
          const n = Math.min(chunk.length, bytes - sent);
          sent += n;
          if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
            socket.once("drain", pump);
            return;
          }
        }
        socket.end();
      };
      pump();
    });
    // The sink answers with the byte count it received, then closes.
    let answer = "";
    socket.on("data", (b: Buffer) => (answer += b.toString()));
    socket.on("error", reject);
    socket.on("close", () =>
      Number(answer) === bytes ? resolve() : reject(new Error(`sink counted ${answer} of ${bytes} bytes`)),
    );
  });
  return mbits(bytes, (performance.now() - start) / 1000);
}

async function clientConnections(session: StackSession, count: number): Promise<number> {
  const request = Buffer.alloc(100, 1);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) => {
      const socket = createConnection(session.host, { host: session.kernelAddress, port: ECHO_PORT }, () =>
        socket.end(request),
      );
      let got = 0;
      socket.on("data", (b: Buffer) => (got += b.length));
      socket.on("error", reject);
      socket.on("close", () =>
        got === request.length ? resolve() : reject(new Error(`echo: ${got} bytes`)),
      );
    });
  }
  return count / ((performance.now() - start) / 1000);
}

export async function tunBench(record: Record, quick: boolean): Promise<void> {
  const a = tunAvailability();
  if (!a.ok) {
    console.log(`TUN benchmarks skipped: ${a.message}`);
    return;
  }
  if (findProgram("curl") === undefined) {
    console.log("TUN benchmarks skipped: curl is not installed");
    return;
  }
  const bulk = quick ? 20e6 : 100e6;
  const conns = quick ? 200 : 1000;
  const session = await StackSession.open({ trace: new NullTrace() });
  try {
    await startDemoHttpServer(session.host, PORT);
    await kernelPeer(
      session,
      `const net = require("node:net");
       net.createServer((s) => { let n = 0; s.on("data", (b) => (n += b.length)); s.on("end", () => s.end(String(n))); })
         .listen(${SINK_PORT}, "${session.kernelAddress}", () => {
           net.createServer((s) => s.pipe(s)).listen(${ECHO_PORT}, "${session.kernelAddress}", () => console.log("READY"));
         });`,
    );
    // One cold run first: JIT warm-up of the engine and the first growth of the kernel's windows.
    const cold = await curlDownload(session, bulk);
    const warm = await curlDownload(session, bulk);
    record(
      `TUN: curl ← node:http on our TCP, ${bulk / 1e6} MB`,
      warm,
      "Mbit/s",
      `cold run ${cold.toFixed(0)} Mbit/s`,
    );
    record(
      "TUN: curl → our HTTP server, sequential connections",
      await curlConnections(session, conns, 1),
      "per s",
      `${conns} requests, Connection: close`,
    );
    record(
      "TUN: curl → our HTTP server, 20 connections at a time",
      await curlConnections(session, conns, 20),
      "per s",
      `${conns} requests, curl --parallel`,
    );
    await clientToSink(session, bulk);
    record(
      `TUN: our client → kernel net sink, ${bulk / 1e6} MB`,
      await clientToSink(session, bulk),
      "Mbit/s",
      "after one warm-up run",
    );
    record(
      "TUN: our client → kernel echo server, sequential connections",
      await clientConnections(session, conns),
      "per s",
      "connect, 100 B each way, close",
    );
  } finally {
    await session.close();
  }
}
