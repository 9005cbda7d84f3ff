// node:http over our sockets on the simulator: an http.Server fed our accepted sockets through
// emit("connection"), an http.Agent whose createConnection hands out our client sockets, a request
// helper and a driver that runs the simulator until an exchange settles. Shared by the HTTP and pcap tests.
import assert from "node:assert/strict";
import http from "node:http";
import { createHash } from "node:crypto";
import type { Duplex } from "node:stream";
import { createServer, type Socket } from "../../src/stack/socket.js";
import { TcplabAgent } from "../../src/node/agent.js";
import { SECOND } from "../../src/tcp/profile.js";
import type { LinkOptions } from "../../src/sim/link.js";
import { makeWorld, SERVER_ADDR, SERVER_PORT, type World } from "./world.js";

export const MiB = 1 << 20;

/** Deterministic, non-repeating-looking bytes. */
export function pattern(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  socket: Duplex;
}

export function request(
  agent: http.Agent,
  method: string,
  path: string,
  body?: Buffer,
  headers: http.OutgoingHttpHeaders = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: SERVER_ADDR, port: SERVER_PORT, method, path, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            socket: req.socket as Duplex,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export interface Stage {
  world: World;
  agent: http.Agent;
  clientSockets: Socket[];
  serverSockets: Socket[];
  httpServer: http.Server;
}

export const UPLOAD = pattern(MiB, 7);
export const DOWNLOAD = pattern(MiB, 8);

// No jitter by default: reordering near the close can provoke an RST that ends TIME_WAIT early under the
// linux profile (no RFC 1337) — correct, but not the orderly close the first two tests are about.
export function stage(seed: number, link: LinkOptions = { delay: 3_000 }): Stage {
  const world = makeWorld({ seed, link });
  const httpServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (req.url === "/hello") {
        res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "x-tcplab": "hello" });
        res.end("hello over tcplab\n");
      } else if (req.url === "/upload") {
        res.writeHead(201, {
          "content-type": "application/octet-stream",
          "content-length": String(DOWNLOAD.length),
          "x-upload-length": String(body.length),
          "x-upload-sha256": sha256(body),
        });
        res.end(DOWNLOAD);
      } else if (req.url === "/bye") {
        res.writeHead(200, { connection: "close", "content-type": "text/plain" });
        res.end("bye\n");
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  const serverSockets: Socket[] = [];
  createServer(world.server, {}, (socket) => {
    serverSockets.push(socket);
    httpServer.emit("connection", socket);
  }).listen(SERVER_PORT);
  // node:http's client over our TCP: every connection of this agent is one of our sockets on the client host.
  const agent = new TcplabAgent(world.client, { keepAlive: true, maxSockets: 1 });
  const clientSockets = agent.created;
  return { world, agent, clientSockets, serverSockets, httpServer };
}

/** Drive the simulator (yielding to Node between virtual events) until `job` settles and `until()` holds. */
export async function drive<T>(world: World, job: Promise<T>, until: () => boolean = () => true): Promise<T> {
  let settled = false;
  const done = job.finally(() => {
    settled = true;
  });
  done.catch(() => undefined);
  const outcome = await world.sim.runAsync({
    stopWhen: () => settled && until(),
    until: world.sim.now + 600 * SECOND,
  });
  assert.ok(settled, `the HTTP exchange did not finish (simulator: ${outcome} at ${world.sim.now} µs)`);
  return job;
}
