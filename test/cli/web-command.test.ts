// `tcplab web`'s server: loopback only, the app's files and nothing else, clear errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { startWebServer, WEB_DIR } from "../../src/cli/web-server.js";
import { parsePort } from "../../src/cli/web-command.js";

test("serves the playground's files on 127.0.0.1 and nothing else", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tcplab-web-"));
  const build = spawnSync(process.execPath, ["scripts/build-web.mjs", dir], { encoding: "utf8" });
  assert.equal(build.status, 0, build.stderr);
  const server = await startWebServer(0, `${dir}/`);
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await fetch(server.url);
    assert.equal(index.status, 200);
    assert.match(await index.text(), /dist\/app\.js/);
    const app = await fetch(`${server.url}dist/app.js`);
    assert.equal(app.headers.get("content-type"), "text/javascript; charset=utf-8");
    for (const path of ["package.json", "../package.json", "src/cli/web-server.ts", "dist/../index.html%00"])
      assert.equal((await fetch(`${server.url}${path}`)).status, 404, path);
    assert.equal((await fetch(server.url, { method: "POST" })).status, 405);
    await assert.rejects(startWebServer(server.port), { code: "ERR_TCPLAB_WEB_PORT_IN_USE" });
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the package's own web/ is where the server looks by default", () => {
  assert.match(WEB_DIR, /\/web\/$/);
});

test("a missing bundle is a clear error, not a blank page", async () => {
  const empty = mkdtempSync(join(tmpdir(), "tcplab-web-"));
  try {
    await assert.rejects(startWebServer(0, `${empty}/`), { code: "ERR_TCPLAB_WEB_NOT_BUILT" });
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test("--port is checked", () => {
  assert.equal(parsePort("0"), 0);
  assert.equal(parsePort("8370"), 8370);
  for (const bad of ["-1", "65536", "http", "1.5", ""])
    assert.throws(() => parsePort(bad), { code: "ERR_TCPLAB_USAGE" });
});
