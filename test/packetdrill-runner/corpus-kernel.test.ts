// Every corpus script on --target kernel: Linux is the oracle, so each must pass (a script that fails on
// Linux is a wrong script — or a runner that does not do what packetdrill does). Runs in real time (about
// six minutes for the corpus), so it runs where TCPLAB_PACKETDRILL_KERNEL_CORPUS=1 is set — CI sets it
// (.ci/run, as root) — and skips elsewhere saying so. A run that fails on timing alone is tried again (at
// most three attempts), as the corpus was validated with packetdrill itself on a loaded machine.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { CORPUS_DIR, corpusScripts } from "./corpus.js";
import { kernelSkipReason, runOnKernel } from "./helpers.js";

test(
  "every corpus script passes on --target kernel (Linux in a private namespace)",
  { timeout: 1_800_000 },
  async (t) => {
    const reason = process.env.TCPLAB_PACKETDRILL_KERNEL_CORPUS
      ? kernelSkipReason()
      : "the kernel corpus runs in real time (minutes): set TCPLAB_PACKETDRILL_KERNEL_CORPUS=1 (CI does)";
    if (reason) {
      console.log(`skipping: ${reason}`);
      t.skip(reason);
      return;
    }
    const failed: string[] = [];
    for (const rel of corpusScripts()) {
      const r = await runOnKernel(join(CORPUS_DIR, rel), (x) => x.result === "PASS");
      if (r.result !== "PASS")
        failed.push(`${rel}:${r.line ?? "?"} ${r.result}: ${r.detail ?? r.reason ?? ""}`);
    }
    assert.deepEqual(failed, [], "corpus scripts that do not pass on Linux");
  },
);
