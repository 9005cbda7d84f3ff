// trapKernelSockets in-process: what it blocks, what `allow` lets through (a Unix socket here: nothing in
// this test could leave the machine even if the trap failed — the blocked attempt is a listen on
// loopback), one trap at a time, and release() restoring node:net exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelSocketError, trapKernelSockets } from "../../src/node.js";

test("the trap throws on a kernel listen, lets an allowed Unix socket through, refuses a second trap, and release() restores net", async () => {
  const connect = net.Socket.prototype.connect;
  const listen = net.Server.prototype.listen;
  const dir = mkdtempSync(join(tmpdir(), "tcplab-trap-"));
  const path = join(dir, "s.sock");
  const trap = trapKernelSockets({ allow: (attempt) => attempt.includes(path) });
  try {
    assert.throws(() => trapKernelSockets(), /already set/);
    const blocked = net.createServer();
    assert.throws(
      () => blocked.listen(0, "127.0.0.1"),
      (err: unknown) => err instanceof KernelSocketError && err.code === "ERR_TCPLAB_KERNEL_SOCKET",
    );
    assert.equal(blocked.listening, false);
    assert.throws(() => net.connect(9, "127.0.0.1"), /connect to 127\.0\.0\.1:9/);
    assert.equal(trap.caught.length, 2);
    // Allowed: a Unix socket, both ends.
    const server = net.createServer((s) => s.end("ok"));
    await new Promise<void>((r) => server.listen(path, r));
    const reply = await new Promise<string>((resolve, reject) => {
      let text = "";
      net
        .connect(path)
        .on("data", (d) => (text += d))
        .on("end", () => resolve(text))
        .on("error", reject);
    });
    assert.equal(reply, "ok");
    await new Promise((r) => server.close(r));
  } finally {
    trap.release();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(net.Socket.prototype.connect, connect);
  assert.equal(net.Server.prototype.listen, listen);
  trapKernelSockets().release(); // a new trap can be set after release
});
