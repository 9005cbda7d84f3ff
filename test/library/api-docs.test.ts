// The API reference (docs/api/, TypeDoc with the markdown plugin, typedoc.json) is generated from the
// sources: every exported symbol and method must have a doc comment (validation.notDocumented with
// treatWarningsAsErrors — `npm run build` fails the same way), and the committed pages must be what the
// sources generate today (regenerate with `npm run docs:api`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ROOT } from "./doc-blocks.js";

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

test("every export is documented and docs/api is up to date (npm run docs:api)", () => {
  const out = mkdtempSync(join(tmpdir(), "tcplab-api-"));
  try {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, "node_modules", "typedoc", "bin", "typedoc"), "--out", out, "--logLevel", "Warn"],
      { cwd: ROOT, encoding: "utf8", timeout: 300_000 },
    );
    assert.equal(r.status, 0, `typedoc failed — an export without a doc comment?\n${r.stdout}\n${r.stderr}`);
    const fresh = files(out)
      .map((f) => relative(out, f))
      .sort();
    const committed = files(join(ROOT, "docs", "api"))
      .map((f) => relative(join(ROOT, "docs", "api"), f))
      .sort();
    assert.deepEqual(
      committed,
      fresh,
      "docs/api has other pages than the sources generate: npm run docs:api",
    );
    for (const f of fresh) {
      assert.equal(
        readFileSync(join(ROOT, "docs", "api", f), "utf8"),
        readFileSync(join(out, f), "utf8"),
        `docs/api/${f} is stale: npm run docs:api`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
