// The small web server of `tcplab tun serve` and `tun shell`: node:http, unchanged, on our TCP
// (http.Server is handed each of our Sockets through its 'connection' event, the way net would).
//   GET /            a short page saying what answered
//   GET /bytes/<n>   n bytes (0 ≤ n ≤ 1 GiB), byte i being i mod 256, streamed with back-pressure
// so `curl` in the namespace can fetch something small and something large and check it.
import http from "node:http";
import type { Host } from "../tcp/engine.js";
import { createServer, type Server } from "../stack/socket.js";
import { formatAddressPort } from "../wire/address-table.js";

export const MAX_DEMO_BYTES = 1 << 30;
const CHUNK = 64 * 1024;

/** The body /bytes/<n> sends: byte i is i mod 256 (a reader can check any range of it). */
export function demoBytes(offset: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = (offset + i) & 0xff;
  return b;
}

// One 64 KiB chunk starting at a multiple of 256 serves every full chunk of every response.
const FULL_CHUNK = demoBytes(0, CHUNK);

/** Our address as the client reached it ("10.77.0.2:8080", "[fd00:77::2]:8080"), from the socket's local end. */
function selfAddress(host: Host, port: number, local: string | undefined): string {
  if (local === undefined) return formatAddressPort(host.address, port);
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(local); // an IPv4 client of the dual-stack listener
  if (v4) return `${v4[1]}:${port}`;
  return local.includes(":") ? `[${local}]:${port}` : `${local}:${port}`;
}

function page(host: Host, port: number, local?: string): string {
  const self = selfAddress(host, port, local);
  return [
    `Hello from tcplab's TCP at ${self}.`,
    "",
    "This answer crossed a TUN device: node:http wrote it on a TypeScript TCP (RFC 9293),",
    "and your kernel's TCP received it.",
    "",
    `Try: curl -o /dev/null http://${self}/bytes/10000000   (n bytes, byte i = i mod 256)`,
    "     ss -tan                                 (the kernel's side of each connection)",
    "",
  ].join("\n");
}

function sendBytes(res: http.ServerResponse, total: number): void {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(total) });
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      const n = Math.min(CHUNK, total - sent);
      const chunk = n === CHUNK ? FULL_CHUNK : demoBytes(sent, n);
      sent += n;
      if (!res.write(chunk)) {
        res.once("drain", pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

/** Told of every request once its response has been handed to TCP (for the live view). */
export type RequestLog = (line: string) => void;

export function demoRequestHandler(host: Host, port: number, log?: RequestLog): http.RequestListener {
  return (req, res) => {
    const url = req.url ?? "/";
    if (log) {
      const peer = `${req.socket.remoteAddress ?? "?"}:${req.socket.remotePort ?? "?"}`;
      res.once("finish", () => log(`${peer}  ${req.method} ${url} → ${res.statusCode}`));
    }
    const bytes = /^\/bytes\/(\d{1,10})$/.exec(url);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" });
      res.end("only GET and HEAD here\n");
    } else if (url === "/") {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      res.end(page(host, port, req.socket.localAddress));
    } else if (bytes && Number(bytes[1]) <= MAX_DEMO_BYTES) {
      sendBytes(res, Number(bytes[1]));
    } else if (url.startsWith("/bytes/")) {
      res.writeHead(400, { "content-type": "text/plain" });
      res.end(`/bytes/<n> takes a whole number from 0 to ${MAX_DEMO_BYTES}\n`);
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found: try / or /bytes/<n>\n");
    }
  };
}

export interface DemoHttpServer {
  http: http.Server;
  tcp: Server;
}

/** Listen on our host's port with the demo handler; resolves once listening (rejects on EADDRINUSE). */
export function startDemoHttpServer(host: Host, port: number, log?: RequestLog): Promise<DemoHttpServer> {
  const web = http.createServer(demoRequestHandler(host, port, log));
  // A client that vanishes mid-request is that client's problem, not the server's.
  web.on("clientError", (_err, socket) => socket.destroy());
  const tcp = createServer(host, {}, (socket) => web.emit("connection", socket));
  return new Promise((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(port, () => {
      tcp.off("error", reject);
      resolve({ http: web, tcp });
    });
  });
}
