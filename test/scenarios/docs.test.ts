// docs/scenarios.md is generated from the scenarios; it must not drift from what they do.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DOCS_PATH, scenarioDocs } from "../../scripts/gen-scenario-docs.js";

test("docs/scenarios.md is up to date (regenerate with: npx tsx scripts/gen-scenario-docs.ts)", () => {
  assert.equal(readFileSync(DOCS_PATH, "utf8"), scenarioDocs());
});
