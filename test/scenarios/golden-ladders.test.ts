// The text ladders of S3, S5 and S6 at seed 1, compared byte for byte with test/golden/.
// Regenerate after a deliberate change with UPDATE_GOLDEN=1 (and read the new files before committing).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { findScenario } from "../../src/scenarios/index.js";
import { renderLadder } from "../../src/trace/ladder.js";

const GOLDEN = new URL("../golden/", import.meta.url);

function ladderText(id: string): string {
  const scenario = findScenario(id)!;
  return scenario
    .run({ seed: 1, profile: "linux" })
    .map((run) => `--- ${run.title}\n\n${renderLadder(run.shown, { hosts: run.hosts })}`)
    .join("\n");
}

for (const [id, file] of [
  ["S3", "s3-four-way-close.txt"],
  ["S5", "s5-simultaneous-close.txt"],
  ["S6", "s6-lost-final-ack.txt"],
] as const) {
  test(`${id} ladder matches test/golden/${file}`, () => {
    const url = new URL(file, GOLDEN);
    const text = ladderText(id);
    if (process.env.UPDATE_GOLDEN === "1") {
      writeFileSync(url, text);
      console.log(`updated ${url.pathname}`);
    }
    assert.ok(existsSync(url), `missing golden file ${url.pathname}; run with UPDATE_GOLDEN=1`);
    assert.equal(text, readFileSync(url, "utf8"));
  });
}
