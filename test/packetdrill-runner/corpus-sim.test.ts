// Every corpus script runs on --target sim. A failing script must be on the known-failures list (with the
// first difference it had when it was listed); a listed script that passes now is reported, so that the
// list shrinks as the engine gets closer to Linux.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPacketdrillFile } from "../../src/packetdrill/index.js";
import { CORPUS_DIR, corpusScripts, readKnownFailures } from "./corpus.js";

test("every corpus script on --target sim: no failure outside the known-failures list", async () => {
  const scripts = corpusScripts();
  assert.ok(scripts.length >= 80, `the corpus has ${scripts.length} scripts`);
  const known = readKnownFailures().failures;
  for (const listed of Object.keys(known)) {
    assert.ok(
      scripts.includes(listed),
      `the list names ${listed}, which is not in the corpus: remove it from the list`,
    );
  }
  const unexpected: string[] = [];
  const nowPassing: string[] = [];
  const moved: string[] = [];
  for (const rel of scripts) {
    const r = await runPacketdrillFile(join(CORPUS_DIR, rel));
    const k = known[rel];
    if (r.result === "PASS") {
      if (k) nowPassing.push(rel);
      continue;
    }
    const what = `${rel}:${r.line ?? "?"} ${r.result}: ${r.detail ?? r.reason ?? ""}`;
    if (!k) unexpected.push(what);
    else if (k.line !== (r.line ?? null)) moved.push(`${what} (listed at line ${k.line})`);
  }
  if (nowPassing.length > 0) {
    console.log(`listed as failing but passing now (take them off the list):\n  ${nowPassing.join("\n  ")}`);
  }
  if (moved.length > 0) console.log(`first difference moved:\n  ${moved.join("\n  ")}`);
  assert.deepEqual(unexpected, [], "scripts fail on sim that the known-failures list does not name");
});
