// Produces a known mix of TCP sockets for the inspector's fixtures and live test. Run it twice inside a
// private network namespace: `node socket-mix.mjs server` first, then `node socket-mix.mjs client` once
// the server printed READY. Both print `READY <json>` when their part is in place and then hold their
// sockets until they are sent SIGTERM, so a snapshot taken in between sees exactly:
//
//   port  what happens                                   left behind
//   18080 server closes first                            4 server-side TIME_WAIT (local port = listener)
//   18081 client closes first                            6 client-side TIME_WAIT (ephemeral local port)
//   18082 server never closes; client close()s           3 CLOSE_WAIT (server) + 3 orphaned FIN_WAIT_2
//         (one leak has 100 unread bytes)                  minisocks (client, inode 0)
//   18083 server never closes; client shutdown(SHUT_WR)  2 CLOSE_WAIT (server) + 2 FIN_WAIT_2 held by client
//   18084 kept open, server does not read 2000 bytes     3 + 3 ESTABLISHED
//   [::1]:18085 client closes first (IPv6)               2 client-side TIME_WAIT over IPv6
//   [::]:18086 dual-stack listener, clients use IPv4     2 + 2 ESTABLISHED, server side v4-mapped
//
// Process titles contain a space on purpose: `ss -p` quotes them and parsers must cope.
/* global setInterval */
import net from "node:net";

const role = process.argv[2];
const COUNTS = {
  serverCloses: 4,
  clientCloses: 6,
  leak: 3,
  halfClose: 2,
  keep: 3,
  v6ClientCloses: 2,
  dual: 2,
};
const held = [];

function listen(port, host, opts, onConn) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer(opts, (s) => {
      held.push(s);
      onConn(s);
    });
    srv.on("error", reject);
    srv.listen({ port, host, ipv6Only: false }, () => resolve(srv));
  });
}

function connect(port, host, opts = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host, ...opts });
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

const closed = (s) => new Promise((resolve) => s.once("close", resolve));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function server() {
  process.title = "mix server";
  await listen(18080, "127.0.0.1", {}, (s) => s.end()); // we send FIN first → TIME_WAIT here
  await listen(18081, "127.0.0.1", {}, () => {}); // peer's FIN makes Node end() → peer gets TIME_WAIT
  await listen(18082, "127.0.0.1", { allowHalfOpen: true, pauseOnConnect: true }, () => {}); // never close
  await listen(18083, "127.0.0.1", { allowHalfOpen: true, pauseOnConnect: true }, () => {});
  await listen(18084, "127.0.0.1", { pauseOnConnect: true }, () => {}); // never read
  await listen(18085, "::1", {}, () => {});
  await listen(18086, "::", {}, () => {});
  console.log(`READY ${JSON.stringify({ pid: process.pid, role })}`);
}

async function client() {
  process.title = "mix client";
  for (let i = 0; i < COUNTS.serverCloses; i++) {
    const s = await connect(18080, "127.0.0.1");
    s.resume();
    await closed(s);
  }
  for (let i = 0; i < COUNTS.clientCloses; i++) {
    const s = await connect(18081, "127.0.0.1");
    s.resume();
    s.end();
    await closed(s);
  }
  for (let i = 0; i < COUNTS.leak; i++) {
    const s = await connect(18082, "127.0.0.1");
    if (i === 0) s.write(Buffer.alloc(100, 0x61));
    s.end();
    s.destroy(); // close() without waiting: the FIN_WAIT_2 that follows is an orphan
  }
  for (let i = 0; i < COUNTS.halfClose; i++) {
    const s = await connect(18083, "127.0.0.1", { allowHalfOpen: true });
    held.push(s);
    s.end(); // shutdown(SHUT_WR) but keep the fd: FIN_WAIT_2 owned by this process
  }
  for (let i = 0; i < COUNTS.keep; i++) {
    const s = await connect(18084, "127.0.0.1");
    held.push(s);
    if (i === 0) s.write(Buffer.alloc(2000, 0x62));
  }
  for (let i = 0; i < COUNTS.v6ClientCloses; i++) {
    const s = await connect(18085, "::1");
    s.resume();
    s.end();
    await closed(s);
  }
  for (let i = 0; i < COUNTS.dual; i++) held.push(await connect(18086, "127.0.0.1"));
  await sleep(300); // let the last FINs and ACKs cross loopback
  console.log(`READY ${JSON.stringify({ pid: process.pid, role, counts: COUNTS })}`);
}

process.on("SIGTERM", () => process.exit(0));
setInterval(() => {}, 1 << 30); // stay alive, holding the sockets, until signalled
if (role === "server") await server();
else if (role === "client") await client();
else {
  console.error("usage: socket-mix.mjs server|client");
  process.exit(2);
}
