// Extracts the fenced code blocks of README.md and docs/ (docs/api/ is generated and skipped) and says how
// each is checked: js/ts run (imports of "tcplab", "tcplab/…" mapped to the sources through package.json's
// exports), json parses, sh lines calling tcplab run or are checked against the CLI, text (or untagged:
// output, diagrams) is not code. A line `<!-- doc-test: skip — reason -->` or `<!-- doc-test: needs tun -->`
// just above a fence qualifies it. A js/ts block whose prose up to the next `text` block says "prints:" has
// its output compared with that block.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

export const ROOT = new URL("../../", import.meta.url).pathname;

export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** From a doc-test comment above the fence. */
  skip?: string;
  needsTun?: boolean;
  /** The expected output block, when the prose says the code prints it. */
  expected?: { text: string; start: number; end: number };
}

export function docFiles(): string[] {
  const out = [join(ROOT, "README.md")];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, name.name);
      if (name.isDirectory()) {
        if (relative(ROOT, p) !== join("docs", "api")) walk(p);
      } else if (name.name.endsWith(".md")) out.push(p);
    }
  };
  walk(join(ROOT, "docs"));
  return out.sort();
}

export function extractBlocks(file: string): DocBlock[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const raw: Array<DocBlock & { endLine: number }> = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    let j = i + 1;
    while (j < lines.length && !lines[j]!.startsWith(fence)) j++;
    const block: DocBlock & { endLine: number } = {
      file: relative(ROOT, file),
      line: i + 1,
      lang: open[2] ?? "",
      code: lines.slice(i + 1, j).join("\n"),
      endLine: j + 1,
    };
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === "") k--;
    const marker = k >= 0 ? /^<!--\s*doc-test:\s*(.*?)\s*-->$/.exec(lines[k]!.trim()) : null;
    if (marker) {
      const what = marker[1]!;
      if (what === "needs tun") block.needsTun = true;
      else if (what.startsWith("skip"))
        block.skip = what.replace(/^skip\s*[—:-]?\s*/, "") || "no reason given";
      else throw new Error(`${block.file}:${k + 1}: unknown doc-test marker ${JSON.stringify(what)}`);
    }
    raw.push(block);
    i = j;
  }
  for (let b = 0; b + 1 < raw.length; b++) {
    const code = raw[b]!;
    const next = raw[b + 1]!;
    if (!["js", "ts", "mjs"].includes(code.lang) || next.lang !== "text") continue;
    const prose = lines.slice(code.endLine, next.line - 1).join("\n");
    if (/prints:/.test(prose)) code.expected = { text: next.code, start: next.line, end: next.endLine - 1 };
  }
  return raw.map(({ endLine: _e, ...b }) => b);
}

/** "tcplab" → src/index.ts etc., from package.json's exports (./dist/x.js → src/x.ts). */
export function sourceEntries(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    name: string;
    exports: Record<string, string | { default: string }>;
  };
  const map = new Map<string, string>();
  for (const [sub, target] of Object.entries(pkg.exports)) {
    if (typeof target === "string") continue;
    const spec = sub === "." ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
    map.set(spec, join(ROOT, target.default.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts")));
  }
  return map;
}

/** The block's source with package imports pointing at the sources. Unknown subpaths are left (and fail). */
export function withSourceImports(code: string, entries: Map<string, string>): string {
  return code.replace(/(from\s+|import\s*\(\s*)"(tcplab(?:\/[\w-]+)?)"/g, (m, lead: string, spec: string) => {
    const file = entries.get(spec);
    return file ? `${lead}${JSON.stringify(file)}` : m;
  });
}

/** Could this code reach a kernel socket if something were wrong? Then it runs only inside unshare -n. */
export function touchesSockets(code: string): boolean {
  return /node:(http|https|net|tls|dgram)|TcplabAgent|tcplab\/(node|tun)|fetch\(/.test(code);
}
