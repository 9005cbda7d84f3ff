// TcplabAgent: node:http's client over our TCP. Run with the kernel-socket trap set, so a regression that
// let a request fall through to node:net throws here instead of sending anything.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { TcplabAgent, createServer, trapKernelSockets, type KernelSocketTrap } from "../../src/index.js";
import { libStage, runUntil, type LibStage } from "./stage.js";

let trap: KernelSocketTrap;
before(() => {
  trap = trapKernelSockets();
});
after(() => trap.release());

function webServer(stage: LibStage, port = 80): void {
  const web = http.createServer((req, res) =>
    res.end(`${req.method} ${req.url} via ${req.socket.remoteAddress}`),
  );
  createServer(stage.server, (socket) => web.emit("connection", socket)).listen(port);
}

function get(
  url: string,
  agent: http.Agent,
): { done: () => boolean; result: () => string; error: () => unknown } {
  let body: string | null = null;
  let error: unknown = null;
  const req = http.get(url, { agent }, (res) => {
    let b = "";
    res.setEncoding("utf8");
    res.on("data", (c: string) => (b += c));
    res.on("end", () => (body = `${res.statusCode} ${b}`));
  });
  req.on("error", (e) => (error = e));
  return { done: () => body !== null || error !== null, result: () => body ?? "", error: () => error };
}

test("TcplabAgent carries http.get over the simulator; keep-alive reuses one TCP connection", async () => {
  const stage = libStage(31);
  webServer(stage);
  const agent = new TcplabAgent(stage.client, { keepAlive: true });
  const a = get("http://10.0.0.2/one", agent);
  await runUntil(stage.sim, a.done);
  assert.equal(a.result(), "200 GET /one via 10.0.0.1");
  const b = get("http://10.0.0.2/two", agent);
  await runUntil(stage.sim, b.done);
  assert.equal(b.result(), "200 GET /two via 10.0.0.1");
  assert.equal(agent.created.length, 1, "one connection for both requests");
  assert.equal(agent.created[0]!.tcpState, "ESTABLISHED");
  agent.destroy();
  await runUntil(stage.sim, () => agent.created[0]!.tcpState === "TIME_WAIT");
  assert.equal(trap.caught.length, 0, "nothing reached for a kernel socket");
});

test("TcplabAgent: names from the hosts map, a port in the URL; an unknown name fails loudly (no DNS)", async () => {
  const stage = libStage(32);
  webServer(stage, 8080);
  const agent = new TcplabAgent(stage.client, { hosts: { "server.test": "10.0.0.2" } });
  const a = get("http://server.test:8080/named", agent);
  await runUntil(stage.sim, a.done);
  assert.equal(a.result(), "200 GET /named via 10.0.0.1");
  assert.equal(agent.created[0]!.remotePort, 8080);
  assert.throws(
    () => http.get("http://example.com/", { agent }),
    (err: NodeJS.ErrnoException) => err.code === "ERR_TCPLAB_UNKNOWN_HOST" && /does no DNS/.test(err.message),
  );
  assert.throws(
    () => http.get({ socketPath: "/tmp/x.sock", path: "/", agent }),
    (err: NodeJS.ErrnoException) => err.code === "ERR_TCPLAB_INVALID_ARG_TYPE",
  );
  assert.equal(trap.caught.length, 0);
});

test("a connection refused over the simulator reaches the request as ECONNREFUSED", async () => {
  const stage = libStage(33);
  const agent = new TcplabAgent(stage.client);
  const r = get("http://10.0.0.2:81/", agent);
  await runUntil(stage.sim, r.done);
  assert.equal((r.error() as NodeJS.ErrnoException).code, "ECONNREFUSED");
});
