// The baseline: the same work over Node's own `net` on 127.0.0.1 (the kernel's TCP), in the same process.
import net from "node:net";
import { performance } from "node:perf_hooks";
import type { AddressInfo } from "node:net";

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

export interface NetBulkResult {
  seconds: number;
  /** Process CPU time (user + system): both ends and the kernel's loopback work run on its behalf. */
  cpuSeconds: number;
}

/** One bulk one-way transfer of `totalBytes`. */
export async function netBulk(totalBytes: number): Promise<NetBulkResult> {
  let received = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  const server = net.createServer((s) => {
    s.on("data", (d) => {
      received += d.length;
      if (received >= totalBytes) resolveDone();
    });
  });
  const port = await listen(server);
  const chunk = Buffer.alloc(256 * 1024, 7);
  const start = performance.now();
  const cpu = process.cpuUsage();
  const client = net.connect(port, "127.0.0.1");
  await new Promise<void>((r) => client.once("connect", () => r()));
  let sent = 0;
  const pump = () => {
    while (sent < totalBytes) {
      const n = Math.min(chunk.length, totalBytes - sent);
      sent += n;
      if (!client.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return;
    }
  };
  client.on("drain", pump);
  pump();
  await done;
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  client.destroy();
  server.close();
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** Lifecycles per second: connect, 100 B request, 100 B reply, client closes first. */
export async function netLifecycles(count: number): Promise<number> {
  const reply = Buffer.alloc(100, 2);
  const server = net.createServer((s) => {
    s.on("data", () => s.write(reply));
    s.on("end", () => s.end());
    s.on("error", () => {});
  });
  const port = await listen(server);
  const request = Buffer.alloc(100, 1);
  const concurrency = 64;
  let started = 0;
  let finished = 0;
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const one = () => {
      started++;
      const c = net.connect(port, "127.0.0.1", () => c.write(request));
      c.once("data", () => c.end());
      c.on("error", reject);
      c.on("close", () => {
        finished++;
        if (finished === count) resolve();
        else if (started < count) one();
      });
    };
    for (let i = 0; i < concurrency && started < count; i++) one();
  });
  const seconds = (performance.now() - start) / 1000;
  server.close();
  return count / seconds;
}
