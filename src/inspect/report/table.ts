// Plain-text tables and paragraph wrapping for the terminal report.

export function table(header: string[], rows: (string | number)[][], indent = "  "): string[] {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  // Numbers read best right-aligned; a column is numeric when every body cell is.
  const numeric = header.map(
    (_, c) => rows.length > 0 && rows.every((r) => /^-?[\d.,/%]+$/.test(String(r[c] ?? ""))),
  );
  return cells.map(
    (r) =>
      indent +
      r
        .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
        .join("  ")
        .trimEnd(),
  );
}

export function wrap(text: string, width: number, indent: string, firstIndent = indent): string[] {
  const words = text.split(/\s+/).filter((w) => w !== "");
  const out: string[] = [];
  let line = firstIndent;
  let empty = true;
  for (const w of words) {
    if (!empty && line.length + 1 + w.length > width) {
      out.push(line);
      line = indent + w;
    } else {
      line += (empty ? "" : " ") + w;
    }
    empty = false;
  }
  if (!empty) out.push(line);
  return out;
}
