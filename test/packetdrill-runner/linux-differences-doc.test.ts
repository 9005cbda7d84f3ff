// docs/linux-differences.md says why each corpus script still fails on our engine. It must stay in step
// with corpus-known-failures.json: every listed script named on the page, every script in its
// "Still different" tables still listed, and the count it states right.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { corpusScripts, readKnownFailures } from "./corpus.js";

const DOC = new URL("../../docs/linux-differences.md", import.meta.url).pathname;

test("docs/linux-differences.md names exactly the scripts of corpus-known-failures.json", () => {
  const doc = readFileSync(DOC, "utf8");
  const listed = Object.keys(readKnownFailures().failures).sort();
  const still = doc.slice(doc.indexOf("## Still different"), doc.indexOf("## Known differences no corpus"));
  assert.ok(still.length > 0, "the page has its 'Still different' section");
  const inTables = [...still.matchAll(/^\| `([^`]+\.pkt)` \|/gm)].map((m) => m[1]!).sort();
  assert.deepEqual(
    inTables,
    listed,
    "the 'Still different' tables list the known failures, no more, no less",
  );
  const count = /\*\*Today: (\d+) of (\d+) scripts differ\*\*/.exec(doc);
  assert.ok(count, "the page states today's count");
  assert.equal(Number(count[1]), listed.length);
  assert.equal(Number(count[2]), corpusScripts().length);
});
