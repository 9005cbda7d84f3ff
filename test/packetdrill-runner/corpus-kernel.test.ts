// Every corpus script on --target kernel: Linux is the oracle, so each must pass (a script that fails on
// Linux is a wrong script — or a runner that does not do what packetdrill does). Runs in real time (about
// six minutes for the corpus), so it runs where TCPLAB_PACKETDRILL_KERNEL_CORPUS=1 is set — CI sets it
// (.ci/run, as root) — and skips elsewhere saying so. A run that differs is tried again (at most three
// attempts in all): on a loaded machine a timer firing late shows up as other flags or segments, not only
// as a timing error (two CI runs at load 8-9 each lost one script so, a different one each time); the
// scripts that needed a retry are printed.
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
    const retried: string[] = [];
    for (const rel of corpusScripts()) {
      const attempts = { count: 0 };
      const r = await runOnKernel(
        join(CORPUS_DIR, rel),
        (x) => x.result === "PASS",
        undefined,
        true,
        attempts,
      );
      if (r.result !== "PASS")
        failed.push(`${rel}:${r.line ?? "?"} ${r.result}: ${r.detail ?? r.reason ?? ""}`);
      else if (attempts.count > 1) retried.push(`${rel} (${attempts.count} runs)`);
    }
    // Named so that a script whose margins a loaded machine keeps eating gets widened, not forgotten.
    if (retried.length > 0) console.log(`passed on Linux only after a retry: ${retried.join(", ")}`);
    assert.deepEqual(failed, [], "corpus scripts that do not pass on Linux");
  },
);
