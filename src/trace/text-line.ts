// One line of a text diagram, built from pieces placed at columns, with optional ANSI colour.
// Widths are measured on the plain text, so colour never shifts the layout.

export type Style = "bold" | "dim" | "red" | "green" | "yellow" | "blue" | "magenta" | "cyan";

const ANSI: Record<Style, string> = {
  bold: "\x1b[1m",
  dim: "\x1b[2m",
  red: "\x1b[31m",
  green: "\x1b[32m",
  yellow: "\x1b[33m",
  blue: "\x1b[34m",
  magenta: "\x1b[35m",
  cyan: "\x1b[36m",
};
const RESET = "\x1b[0m";

interface Piece {
  x: number;
  text: string;
  style: Style | undefined;
}

export class TextLine {
  private readonly pieces: Piece[] = [];

  /** Put `text` at column `x`. */
  place(x: number, text: string, style?: Style): this {
    if (text !== "") this.pieces.push({ x, text, style });
    return this;
  }

  /** The column just past the rightmost piece (0 when empty). */
  get width(): number {
    return this.pieces.reduce((w, p) => Math.max(w, p.x + [...p.text].length), 0);
  }

  /** True when [x, x + length) plus a gap of `gap` columns on each side is free. */
  isFree(x: number, length: number, gap = 2): boolean {
    return this.pieces.every((p) => x + length + gap <= p.x || p.x + [...p.text].length + gap <= x);
  }

  /**
   * Pieces that would overlap are pushed right by one space past the previous one rather than cut:
   * a long label or comment makes the line longer, it never loses text.
   */
  render(color: boolean): string {
    const sorted = [...this.pieces].sort((a, b) => a.x - b.x);
    let out = "";
    let column = 0;
    for (const p of sorted) {
      if (p.x > column) {
        out += " ".repeat(p.x - column);
        column = p.x;
      } else if (column > 0 && p.x < column) {
        out += " ";
        column += 1;
      }
      out += color && p.style ? `${ANSI[p.style]}${p.text}${RESET}` : p.text;
      column += [...p.text].length;
    }
    return out.trimEnd();
  }
}
