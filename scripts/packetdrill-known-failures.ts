// Writes test/packetdrill-runner/corpus-known-failures.json: every corpus script that does not pass on
// --target sim, with its first difference. Run it (npx tsx scripts/packetdrill-known-failures.ts) only to
// record a change on purpose — the corpus test fails when a script fails that the list does not name.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runPacketdrillFile } from "../src/packetdrill/index.js";
import {
  CORPUS_DIR,
  KNOWN_FAILURES_FILE,
  corpusScripts,
  type KnownFailures,
} from "../test/packetdrill-runner/corpus.js";

const list: KnownFailures = {
  about:
    "Corpus scripts (test/packetdrill) that do not pass on our engine (tcplab packetdrill --target sim), each with its first difference. Every one passes on Linux. This list may only shrink: it is the work of the follow-up fidelity issue.",
  target: "sim",
  failures: {},
};
for (const rel of corpusScripts()) {
  const r = await runPacketdrillFile(join(CORPUS_DIR, rel));
  if (r.result === "PASS") continue;
  list.failures[rel] = {
    line: r.line ?? null,
    difference: `${r.result}: ${r.detail ?? r.reason ?? ""}${r.expected ? ` | expected: ${r.expected.trim()} | actual: ${r.actual ?? ""}` : ""}`,
  };
}
writeFileSync(KNOWN_FAILURES_FILE, JSON.stringify(list, null, 2) + "\n");
process.stdout.write(`${Object.keys(list.failures).length} of ${corpusScripts().length} scripts listed\n`);
