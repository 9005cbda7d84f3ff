// Node-style sockets over IPv6 and dual-stack (issue 17): server.listen(port) on a host with an IPv6
// address listens on "::" and takes IPv4 too, reporting IPv4 peers v4-mapped ("::ffff:10.0.0.1", family
// "IPv6") as Linux and Node do; listen(port, "0.0.0.0") stays IPv4; an IPv6 client reports RFC 5952 text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createConnection, createServer, type Socket } from "../../src/stack/socket.js";
import { Host } from "../../src/tcp/engine.js";
import { Simulator } from "../../src/driver/simulator.js";

function stage() {
  const sim = new Simulator({ seed: 5 });
  const server = sim.addHost(
    new Host({ name: "server", address: "10.0.0.2", address6: "2001:db8::2", trace: sim.trace }),
  );
  const c4 = sim.addHost(new Host({ name: "c4", address: "10.0.0.1", trace: sim.trace }));
  const c6 = sim.addHost(new Host({ name: "c6", address: "2001:DB8:0::1", trace: sim.trace }));
  sim.link("c4", "server", { delay: 100 });
  sim.link("c6", "server", { delay: 100 });
  return { sim, server, c4, c6 };
}

function describe(s: Socket) {
  return `${s.remoteFamily} ${s.remoteAddress} -> ${s.localAddress}`;
}

test("listen(port) on a dual-stack host: '::', both families accepted, IPv4 peers v4-mapped", async () => {
  const { sim, server, c4, c6 } = stage();
  const seen: string[] = [];
  const srv = createServer(server, {}, (s) => {
    seen.push(describe(s));
    s.end("bye");
  }).listen(80);
  const replies: string[] = [];
  for (const [host, to] of [
    [c4, "10.0.0.2"],
    [c6, "2001:db8::2"],
  ] as const) {
    const s = createConnection(host, { port: 80, host: to });
    s.on("data", (d: Buffer) => replies.push(`${describe(s)} ${d.toString()}`));
  }
  await sim.runAsync();
  assert.deepEqual(srv.address(), { address: "::", family: "IPv6", port: 80 });
  assert.deepEqual(seen.sort(), [
    "IPv6 2001:db8::1 -> 2001:db8::2",
    "IPv6 ::ffff:10.0.0.1 -> ::ffff:10.0.0.2",
  ]);
  assert.deepEqual(replies.sort(), ["IPv4 10.0.0.2 -> 10.0.0.1 bye", "IPv6 2001:db8::2 -> 2001:db8::1 bye"]);
});

test("listen(port, '0.0.0.0') is IPv4 only: an IPv6 client is refused", async () => {
  const { sim, server, c6 } = stage();
  createServer(server, {}, (s) => s.end()).listen(80, "0.0.0.0");
  const s = createConnection(c6, { port: 80, host: "2001:db8::2" });
  let code = "";
  s.on("error", (e: NodeJS.ErrnoException) => (code = e.code ?? ""));
  await sim.runAsync();
  assert.equal(code, "ECONNREFUSED");
});

test("listen(port, '2001:db8::2') is IPv6 only: an IPv4 client is refused; another address is EADDRNOTAVAIL", async () => {
  const { sim, server, c4 } = stage();
  createServer(server, {}, (s) => s.end()).listen(80, "2001:db8::2");
  const s = createConnection(c4, { port: 80, host: "10.0.0.2" });
  let code = "";
  s.on("error", (e: NodeJS.ErrnoException) => (code = e.code ?? ""));
  let listenError = "";
  createServer(server, {}, () => {})
    .on("error", (e: NodeJS.ErrnoException) => (listenError = e.code ?? ""))
    .listen(81, "2001:db8::99");
  await sim.runAsync();
  assert.equal(code, "ECONNREFUSED");
  assert.equal(listenError, "EADDRNOTAVAIL");
});
