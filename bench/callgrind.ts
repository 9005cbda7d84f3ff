// Reading a callgrind profile of Node.js (bench/instructions.ts): self instructions per function, with
// the addresses of V8's generated code named from its perf map (node --perf-basic-prof writes
// /tmp/perf-<pid>.map). callgrind itself names only the native code it finds symbols for.

/** V8's perf map: start, size (hex) and name of every piece of generated code; a later entry wins. */
function readPerfMap(text: string): { starts: number[]; ends: number[]; names: string[] } {
  const byStart = new Map<number, [number, string]>();
  for (const line of text.split("\n")) {
    const a = line.indexOf(" ");
    const b = line.indexOf(" ", a + 1);
    if (a < 0 || b < 0) continue;
    const start = parseInt(line.slice(0, a), 16);
    byStart.set(start, [start + parseInt(line.slice(a + 1, b), 16), line.slice(b + 1)]);
  }
  const starts = [...byStart.keys()].sort((x, y) => x - y);
  return {
    starts,
    ends: starts.map((s) => byStart.get(s)![0]),
    names: starts.map((s) => byStart.get(s)![1]),
  };
}

/**
 * "JS:*sendNew file:///…/src/tcp/output.ts:1:1784" → "sendNew (src/tcp/output.ts)", "JS:*get window …" →
 * "get window (…)"; builtins keep their name. The location is the last space-separated word.
 */
export function functionName(raw: string): string {
  if (!raw.startsWith("JS:")) return raw.startsWith("Builtin:") ? raw : `code: ${raw}`;
  const tier = /^JS:[*~^+-]?/.exec(raw)![0].length; // * TurboFan, ~ baseline, ^ Maglev
  const space = raw.lastIndexOf(" ");
  const name = space > tier ? raw.slice(tier, space) : "";
  const where = raw
    .slice(space + 1)
    .replace(/^file:\/\//, "")
    .replace(/:\d+:\d+$/, "");
  const at = where.search(/\/(src|bench|test)\//);
  return `${name || "(anonymous)"} (${at >= 0 ? where.slice(at + 1) : where})`;
}

/**
 * Self instructions per function from a callgrind file written with --dump-instr=yes ("positions: instr
 * line"): each cost line is an address (absolute, relative or "*"), a line number and the count; the line
 * after a "calls=" line is a call's inclusive cost and is skipped. Addresses in V8's generated code are
 * named from the perf map; the rest is the runtime's C++ (garbage collector, compiler, libc).
 */
export function selfInstructions(callgrind: string, perfMap: string): Map<string, number> {
  const map = readPerfMap(perfMap);
  const byFunction = new Map<string, number>();
  const add = (k: string, v: number) => byFunction.set(k, (byFunction.get(k) ?? 0) + v);
  let pos = 0;
  let skip = false;
  for (const line of callgrind.split("\n")) {
    const c = line.charCodeAt(0);
    if (line === "" || c === 35 /* # */) continue;
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) {
      if (line.startsWith("calls=")) skip = true;
      continue;
    }
    const sp = line.indexOf(" ");
    const p = sp < 0 ? line : line.slice(0, sp);
    if (p.startsWith("0x")) pos = parseInt(p, 16);
    else if (p[0] === "+") pos += parseInt(p.slice(1), p.startsWith("+0x") ? 16 : 10);
    else if (p[0] === "-") pos -= parseInt(p.slice(1), p.startsWith("-0x") ? 16 : 10);
    else if (p !== "*") continue;
    if (skip) {
      skip = false;
      continue;
    }
    const fields = line.split(" ");
    const cost = Number(fields[2]);
    if (!Number.isFinite(cost)) continue;
    add(lookup(map, pos), cost);
  }
  return byFunction;
}

function lookup(map: ReturnType<typeof readPerfMap>, pos: number): string {
  let lo = 0;
  let hi = map.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (map.starts[mid]! <= pos) lo = mid + 1;
    else hi = mid;
  }
  const i = lo - 1;
  return i >= 0 && pos < map.ends[i]! ? functionName(map.names[i]!) : "runtime (C++: GC, compiler, libc)";
}
