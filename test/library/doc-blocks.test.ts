// Every code block of README.md and docs/ runs (or is checked), so the docs cannot rot (issue 15).
// js/ts blocks run inside `unshare -n` when this machine allows it — a network namespace with no
// interface up, so nothing a block does can leave the machine; without unshare, blocks that could touch a
// kernel socket are skipped with the reason printed. UPDATE_DOCS=1 rewrites the "prints:" output blocks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tunAvailability } from "../../src/tun/addon.js";
import {
  ROOT,
  docFiles,
  extractBlocks,
  sourceEntries,
  touchesSockets,
  withSourceImports,
  type DocBlock,
} from "./doc-blocks.js";

const entries = sourceEntries();
const CLI = join(ROOT, "src/cli/main.ts");
const unshareProbe = spawnSync("unshare", ["-n", "true"]);
const unshareOk = !unshareProbe.error && unshareProbe.status === 0;
const tun = tunAvailability();
const work = mkdtempSync(join(tmpdir(), "tcplab-doc-blocks-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
const updates = new Map<string, Array<{ start: number; end: number; text: string }>>();

function runCode(block: DocBlock): { stdout: string; stderr: string; status: number | null } {
  const ext = block.lang === "ts" ? "mts" : "mjs";
  const file = join(work, `block-${block.file.replace(/\W/g, "_")}-${block.line}.${ext}`);
  writeFileSync(file, withSourceImports(block.code, entries));
  const node = [process.execPath, "--import", "tsx", file];
  const argv = unshareOk ? ["unshare", "-n", ...node] : node;
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const trimLines = (s: string): string =>
  s
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n")
    .trim();

/** Split a shell line into words (quotes respected; no expansion). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

function checkShell(block: DocBlock): void {
  for (const rawLine of block.code.split("\n")) {
    const line = rawLine.replace(/\s+#.*$/, "").trim();
    const m = /^(?:npx\s+)?tcplab\s+(.*)$/.exec(line);
    if (!m) continue; // npm, curl, ss...: other programs, not ours to run here
    const args = words(m[1]!.split(/\s[|>]/)[0]!);
    const runsForReal = args[0] === "list" || args[0] === "run";
    const argv = runsForReal ? args : [...args.filter((a) => !a.startsWith("-")).slice(0, 2), "--help"];
    const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...argv], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 300_000,
    });
    assert.equal(r.status, 0, `${block.file}:${block.line}: \`${line}\` → exit ${r.status}\n${r.stderr}`);
  }
}

for (const file of docFiles()) {
  for (const block of extractBlocks(file)) {
    const name = `${block.file}:${block.line} (${block.lang || "untagged"})`;
    test(name, (t) => {
      if (block.skip) {
        console.log(`# ${name} not run: ${block.skip}`);
        t.skip(block.skip);
        return;
      }
      switch (block.lang) {
        case "":
        case "text":
          return; // output, diagrams, sketches: not code
        case "json":
          assert.doesNotThrow(() => JSON.parse(block.code), `${name} is not valid JSON`);
          return;
        case "sh":
          checkShell(block);
          return;
        case "js":
        case "mjs":
        case "ts": {
          if (block.needsTun && !tun.ok) {
            console.log(`# ${name} not run: ${tun.message}`);
            t.skip(tun.message);
            return;
          }
          if (!unshareOk && touchesSockets(block.code)) {
            const why =
              "it uses node:http/net or a TUN device, and unshare -n is not available to contain it";
            console.log(`# ${name} not run: ${why}`);
            t.skip(why);
            return;
          }
          const r = runCode(block);
          assert.equal(r.status, 0, `${name} failed:\n${r.stderr}\n${r.stdout}`);
          if (block.expected) {
            if (process.env.UPDATE_DOCS === "1") {
              const list = updates.get(file) ?? [];
              list.push({ ...block.expected, text: trimLines(r.stdout) });
              updates.set(file, list);
            } else {
              assert.equal(
                trimLines(r.stdout),
                trimLines(block.expected.text),
                `${name} printed something else than the doc shows (npm run docs:outputs rewrites it)`,
              );
            }
          }
          return;
        }
        default:
          assert.fail(`${name}: no runner for "${block.lang}" blocks — tag output as text, or add a runner`);
      }
    });
  }
}

test("write updated outputs (UPDATE_DOCS=1)", { skip: process.env.UPDATE_DOCS !== "1" }, () => {
  for (const [file, list] of updates) {
    const lines = readFileSync(file, "utf8").split("\n");
    for (const u of list.sort((a, b) => b.start - a.start)) lines.splice(u.start, u.end - u.start, u.text);
    writeFileSync(file, lines.join("\n"));
  }
});
