// bench/instructions.ts counts instructions per function from callgrind's output and V8's perf map; the
// reading is checked here on a small hand-made profile (the real ones are tens of megabytes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { functionName, selfInstructions } from "../../bench/callgrind.js";

test("functionName: JS functions by name and project file, getters with their space, builtins as they are", () => {
  assert.equal(
    functionName("JS:*sendNew file:///work/x/src/tcp/output.ts:1:1784"),
    "sendNew (src/tcp/output.ts)",
  );
  assert.equal(
    functionName("JS:~get window file:///w/src/tcp/receiver.ts:1:2501"),
    "get window (src/tcp/receiver.ts)",
  );
  assert.equal(functionName("JS:* file:///w/bench/workloads.ts:1:1183"), "(anonymous) (bench/workloads.ts)");
  assert.equal(functionName("JS:*emit node:events:460:44"), "emit (node:events)");
  assert.equal(functionName("Builtin:CreateTypedArray"), "Builtin:CreateTypedArray");
  assert.equal(functionName("RegExp:^\\d$"), "code: RegExp:^\\d$");
});

test("selfInstructions: addresses absolute, relative and repeated; call lines' inclusive costs left out", () => {
  // Two pieces of generated code; a later map entry for the same start replaces an earlier one.
  const perfMap = [
    "1000 100 JS:*old file:///w/src/tcp/a.ts:1:1",
    "1000 100 JS:*input file:///w/src/tcp/engine.ts:1:10",
    "2000 40 Builtin:ArrayPrototypePush",
    "",
  ].join("\n");
  const callgrind = [
    "# callgrind format",
    "positions: instr line",
    "events: Ir",
    "fn=(1) 0x0000000000001000",
    "0x1000 0 5", // input: 5
    "+16 0 7", // 0x1010, input: 7
    "* 0 1", // same address: 1
    "calls=3 0x2000 0",
    "+4 0 999", // the call's inclusive cost: not self
    "+4 0 2", // 0x1018, input: 2
    "0x2010 0 3", // the builtin: 3
    "fn=(2) malloc",
    "0x9000 0 11", // outside the map: the runtime
    "-0x10 0 4", // 0x8ff0: runtime too
    "",
  ].join("\n");
  const m = selfInstructions(callgrind, perfMap);
  assert.equal(m.get("input (src/tcp/engine.ts)"), 15);
  assert.equal(m.get("Builtin:ArrayPrototypePush"), 3);
  assert.equal(m.get("runtime (C++: GC, compiler, libc)"), 15);
  assert.equal(m.has("old (src/tcp/a.ts)"), false);
});
