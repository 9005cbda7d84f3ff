// What the entry points can reach, read from the sources' import statements: the browser entry
// (tcplab/engine and everything it imports) no Node built-in at all, and the Node-style layer no kernel
// networking module (node:net, node:tls, node:dgram, node:dns) except through the kernel-socket trap,
// which only wraps net. Lint checks files one by one; this walks the whole graph, new files included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "./doc-blocks.js";

/** file → the modules it imports (relative ones resolved to .ts files). */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const queue = [resolve(ROOT, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (graph.has(file)) continue;
    const text = readFileSync(file, "utf8");
    const specs = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]!);
    const deps = specs.map((s) =>
      s.startsWith(".") ? resolve(dirname(file), s.replace(/\.js$/, ".ts")) : s,
    );
    graph.set(file, deps);
    for (const d of deps) if (d.startsWith("/")) queue.push(d);
  }
  return graph;
}

const builtins = (graph: Map<string, string[]>, pattern: RegExp): string[] =>
  [...graph].flatMap(([file, deps]) =>
    deps.filter((d) => pattern.test(d)).map((d) => `${relative(ROOT, file)} imports ${d}`),
  );

test("tcplab/engine (the browser entry) reaches no Node built-in", () => {
  const graph = importGraph("src/engine.ts");
  assert.ok(graph.size > 30, `walked the engine's modules (${graph.size})`);
  assert.deepEqual(
    builtins(graph, /^node:|^(fs|net|os|stream|events|http|path|url|crypto|child_process)$/),
    [],
  );
});

test("tcplab/node reaches node:net only through the kernel-socket trap, and no DNS, TLS or UDP", () => {
  const graph = importGraph("src/node.ts");
  const found = builtins(graph, /^(node:)?(net|tls|dgram|dns)$/);
  assert.deepEqual(found, [`${join("src", "node", "kernel-trap.ts")} imports node:net`]);
});
