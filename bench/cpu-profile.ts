// V8's sampling CPU profiler (the one behind `node --cpu-prof`) around one piece of work, and a summary of
// a profile as self time per function, which is what says where a hot path spends its time.
import { readFileSync } from "node:fs";
import { findSourceMap } from "node:module";
import { Session } from "node:inspector/promises";
import { fileURLToPath } from "node:url";
import { relative } from "node:path";

/** The parts of a .cpuprofile (Profiler.Profile) this file reads. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  /** Function name, "(anonymous)", or V8's "(garbage collector)", "(program)", "(idle)". */
  name: string;
  /** Source file relative to the repository, with the line the function starts on when known. */
  where: string;
  ms: number;
  /** Share of all sampled time. */
  share: number;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Profiles `work` with a 100 µs sampling interval (--cpu-prof's default is 1 ms: too coarse for µs paths). */
export async function profile<T>(work: () => T): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  try {
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 100 });
    await session.post("Profiler.start");
    const result = work();
    const { profile } = await session.post("Profiler.stop");
    return { result, profile: profile as CpuProfile };
  } finally {
    session.disconnect();
  }
}

/**
 * Where a function starts in its source. tsx compiles each file to one line, so the profile's own position
 * means nothing; the source map registered in this process maps it back. For a profile recorded by another
 * process (`node --cpu-prof`) there is none: then the first line declaring the name is taken.
 */
function sourceLine(url: string, line: number, column: number, name: string): number | null {
  try {
    const entry = findSourceMap(url)?.findEntry(line, column);
    if (entry && "originalLine" in entry) return entry.originalLine + 1;
  } catch {
    // no map: fall through to the text search
  }
  if (!url.startsWith("file:") || name === "" || name.startsWith("(")) return null;
  try {
    const text = readFileSync(fileURLToPath(url), "utf8").split("\n");
    const method = name.replace(/^(get|set) /, "");
    const decl = new RegExp(
      `^\\s*(?:(?:export|async|private|protected|public|static|get|set|function)\\s+)*${method}\\s*[(<]`,
    );
    const i = text.findIndex((l) => decl.test(l));
    return i >= 0 ? i + 1 : null;
  } catch {
    return null;
  }
}

/** Nodes under the inspector's own calls (starting and stopping the profiler): not the work profiled. */
function inspectorNodes(p: CpuProfile): Set<number> {
  const out = new Set<number>();
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const mark = (id: number) => {
    out.add(id);
    for (const c of byId.get(id)?.children ?? []) mark(c);
  };
  for (const n of p.nodes) if (n.callFrame.url === "node:inspector" && !out.has(n.id)) mark(n.id);
  return out;
}

/** Self time per function, largest first. */
export function selfTimes(p: CpuProfile): SelfTime[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const skip = inspectorNodes(p);
  const sums = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] as number;
    const node = byId.get(id);
    if (!node || skip.has(id)) continue;
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    const cf = node.callFrame;
    const name = cf.functionName || "(anonymous)";
    let file = cf.url;
    if (file.startsWith("file:")) file = relative(ROOT, fileURLToPath(file));
    const key = `${name}\u0000${cf.url}\u0000${cf.lineNumber}:${cf.columnNumber}`;
    let s = sums.get(key);
    if (!s) {
      const line = sourceLine(cf.url, cf.lineNumber, cf.columnNumber, name);
      s = { name, where: file === "" ? "" : line === null ? file : `${file}:${line}`, us: 0 };
      sums.set(key, s);
    }
    s.us += dt;
  }
  return [...sums.values()]
    .map((s) => ({ name: s.name, where: s.where, ms: s.us / 1000, share: total > 0 ? s.us / total : 0 }))
    .sort((x, y) => y.ms - x.ms);
}

/** Self time added up per source file (the engine, the host, the simulator, the codec...). */
export function selfTimesByFile(times: SelfTime[]): Array<{ file: string; ms: number; share: number }> {
  const sums = new Map<string, { ms: number; share: number }>();
  for (const t of times) {
    const file = t.where === "" ? t.name : t.where.replace(/:\d+$/, "");
    const s = sums.get(file) ?? { ms: 0, share: 0 };
    s.ms += t.ms;
    s.share += t.share;
    sums.set(file, s);
  }
  return [...sums].map(([file, s]) => ({ file, ...s })).sort((x, y) => y.ms - x.ms);
}
