// The lint rules that keep imports flowing one way (wire ← tcp ← sim ← the rest) and the engine sans-I/O
// (eslint.config.js) are proven to bite: each wrong arrow below, linted as if it were a file of that folder,
// is an error of the rule that should catch it; the right arrows beside them pass. `npm run lint` checks
// that the real tree obeys them; this checks that obeying them means something.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

/** The errors ESLint reports for `code` as if it were the file `path`, as "ruleId line" (unused-vars aside). */
async function errors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${path}` });
  return result!.messages
    .filter((m) => m.ruleId !== "@typescript-eslint/no-unused-vars")
    .map((m) => `${m.ruleId ?? "fatal: " + m.message} ${m.line}`);
}

test("the probe files are linted by the project's config, not ignored", async () => {
  for (const dir of ["wire", "tcp", "sim"]) {
    assert.equal(await eslint.isPathIgnored(`${ROOT}src/${dir}/probe.ts`), false);
  }
});

test("src/wire imports nothing else of ours and no Node module", async () => {
  assert.deepEqual(
    await errors(
      "src/wire/probe.ts",
      [
        `import { createHash } from "node:crypto";`,
        `import { randomBytes } from "crypto";`,
        `import type { TcpState } from "../tcp/state.js";`,
        `export * from "../sim/match.js";`,
        `import { ACK } from "./segment.js";`,
        `export const both = [createHash, randomBytes, ACK] as const;`,
        `export type S = TcpState;`,
      ].join("\n"),
    ),
    [
      "no-restricted-imports 1",
      "no-restricted-imports 2",
      "no-restricted-imports 3",
      "no-restricted-imports 4",
    ],
  );
});

test("src/tcp imports only src/wire: the trace, the stack and the simulator are above it", async () => {
  assert.deepEqual(
    await errors(
      "src/tcp/probe.ts",
      [
        `import type { TraceEvent } from "../trace/json-trace.js";`,
        `import { Socket } from "../stack/socket.js";`,
        `import { Simulator } from "../sim/simulator.js";`,
        `import type { Segment } from "../wire/segment.js";`,
        `import type { TcpState } from "./state.js";`,
        `import { readFileSync } from "fs";`,
        `export const used = [Socket, Simulator, readFileSync] as const;`,
        `export type T = [TraceEvent, Segment, TcpState];`,
      ].join("\n"),
    ),
    [
      "no-restricted-imports 1",
      "no-restricted-imports 2",
      "no-restricted-imports 3",
      "no-restricted-imports 6",
    ],
  );
});

test("src/tcp reads no clock: time is a parameter", async () => {
  assert.deepEqual(
    await errors(
      "src/tcp/probe.ts",
      [
        `export const a = Date.now();`,
        `export const b = performance.now();`,
        `export const c = process.hrtime.bigint();`,
        `export const d = new Date(0);`,
        `queueMicrotask(() => {});`,
      ].join("\n"),
    ),
    [
      "no-restricted-globals 1",
      "no-restricted-globals 2",
      "no-restricted-globals 3",
      "no-restricted-globals 4",
      "no-restricted-globals 5",
    ],
  );
});

test("src/sim sets no timer (not even reached through globalThis) and imports only src/tcp and src/wire", async () => {
  assert.deepEqual(
    await errors(
      "src/sim/probe.ts",
      [
        `setTimeout(() => {}, 0);`,
        `setImmediate(() => {});`,
        `export const i = setInterval(() => {}, 10);`,
        `export const g = globalThis.setImmediate;`,
        `import { setTimeout as wait } from "node:timers/promises";`,
        `import { renderLadder } from "../views.js";`,
        `import type { Host } from "../stack/host.js";`,
        `import type { Endpoint } from "../tcp/endpoint.js";`,
        `import type { TraceEvent } from "../tcp/events.js";`,
        `import { encodeSegment } from "../wire/codec.js";`,
        `export const m = import("../trace/ladder.js");`,
        `export const used = [wait, renderLadder, encodeSegment] as const;`,
        `export type U = [Host, Endpoint, TraceEvent];`,
      ].join("\n"),
    ),
    [
      "no-restricted-globals 1",
      "no-restricted-globals 2",
      "no-restricted-globals 3",
      "no-restricted-properties 4",
      "no-restricted-imports 5",
      "no-restricted-imports 6",
      "no-restricted-imports 7",
      "no-restricted-syntax 11",
    ],
  );
});

test("the layers above may import the engine and use the event loop (the rules are for wire, tcp and sim)", async () => {
  assert.deepEqual(
    await errors(
      "src/trace/probe.ts",
      [
        `import type { TraceEvent } from "../tcp/events.js";`,
        `import { Simulator } from "../sim/simulator.js";`,
        `export const later = (e: TraceEvent) => setTimeout(() => new Simulator().note(e.kind), 0);`,
      ].join("\n"),
    ),
    [],
  );
  assert.deepEqual(
    await errors(
      "src/driver/probe.ts",
      `import { Simulator } from "../sim/simulator.js";\nexport const s = () => setImmediate(() => new Simulator());`,
    ),
    [],
  );
});
