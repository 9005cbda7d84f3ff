// Tokens of the packetdrill language, each with its line and column (1-based) for error messages.
// Comments are `//` to the end of the line and `/* … */`, as in packetdrill's lexer.
import { PacketdrillParseError } from "./errors.js";

export type TokenKind =
  | "int" // decimal or 0x hex
  | "float" // `0.100`, `.1`
  | "word"
  | "string"
  | "command" // `...` (backticks)
  | "code" // %{ ... }%
  | "option" // `--name=value` at the start of a line
  | "ellipsis"
  | "punct"
  | "eof";

export interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  column: number;
  /** Numeric value of int and float tokens. */
  value: number;
}

const PUNCT = new Set([
  "<",
  ">",
  "+",
  "*",
  "~",
  ":",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
  "=",
  "|",
  ".",
  "-",
  ";",
  "&",
  "!",
]);

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = src.length;
  const err = (message: string, at = i): never => {
    throw new PacketdrillParseError(message, line, at - lineStart + 1);
  };
  const push = (
    kind: TokenKind,
    text: string,
    start: number,
    startLine: number,
    startCol: number,
    value = 0,
  ) => {
    void start;
    out.push({ kind, text, line: startLine, column: startCol, value });
  };
  while (i < n) {
    const c = src[i]!;
    if (c === "\n") {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    const col = i - lineStart + 1;
    const startLine = line;
    if (c === "/" && src[i + 1] === "/") {
      while (i < n && src[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) err("unterminated /* comment");
      for (let k = i; k < end; k++) {
        if (src[k] === "\n") {
          line++;
          lineStart = k + 1;
        }
      }
      i = end + 2;
      continue;
    }
    if (c === "-" && src[i + 1] === "-" && src.slice(lineStart, i).trim() === "") {
      // packetdrill's in-script command-line options: `--tolerance_usecs=10000`.
      let j = i;
      while (j < n && src[j] !== "\n") j++;
      const text = src.slice(i, j).replace(/\s*(\/\/.*)?$/, "");
      push("option", text, i, startLine, col);
      i = j;
      continue;
    }
    if (c === "%" && src[i + 1] === "{") {
      const end = src.indexOf("}%", i + 2);
      if (end < 0) err("unterminated %{ code block");
      const text = src.slice(i + 2, end);
      for (let k = i; k < end; k++) {
        if (src[k] === "\n") {
          line++;
          lineStart = k + 1;
        }
      }
      push("code", text, i, startLine, col);
      i = end + 2;
      continue;
    }
    if (c === "`") {
      const end = src.indexOf("`", i + 1);
      if (end < 0) err("unterminated ` command");
      const text = src.slice(i + 1, end);
      for (let k = i; k < end; k++) {
        if (src[k] === "\n") {
          line++;
          lineStart = k + 1;
        }
      }
      push("command", text, i, startLine, col);
      i = end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let s = "";
      while (j < n && src[j] !== '"') {
        if (src[j] === "\n") err("unterminated string");
        if (src[j] === "\\" && j + 1 < n) {
          const e = src[j + 1]!;
          s += e === "n" ? "\n" : e === "t" ? "\t" : e === "0" ? "\0" : e;
          j += 2;
          continue;
        }
        s += src[j];
        j++;
      }
      if (j >= n) err("unterminated string");
      push("string", s, i, startLine, col);
      i = j + 1;
      continue;
    }
    if (c === "." && src[i + 1] === "." && src[i + 2] === ".") {
      push("ellipsis", "...", i, startLine, col);
      i += 3;
      continue;
    }
    const isDigit = (ch: string | undefined) => ch !== undefined && ch >= "0" && ch <= "9";
    if (isDigit(c) || (c === "." && isDigit(src[i + 1]))) {
      if (c === "0" && (src[i + 1] === "x" || src[i + 1] === "X")) {
        let j = i + 2;
        while (j < n && /[0-9a-fA-F]/.test(src[j]!)) j++;
        if (j === i + 2) err("bad hex number");
        const text = src.slice(i, j);
        push("int", text, i, startLine, col, parseInt(text.slice(2), 16));
        i = j;
        continue;
      }
      let j = i;
      while (isDigit(src[j])) j++;
      let isFloat = false;
      // A '.' followed by a digit continues a number; `1...2` (a blocking call's end) does not.
      if (src[j] === "." && src[j + 1] !== "." && isDigit(src[j + 1])) {
        isFloat = true;
        j++;
        while (isDigit(src[j])) j++;
      } else if (src[j] === "." && src[j + 1] !== "." && !/[A-Za-z_]/.test(src[j + 1] ?? "")) {
        // `1.` is a float in packetdrill too
        isFloat = true;
        j++;
      }
      if (/[A-Za-z_]/.test(src[j] ?? "")) err(`bad number ${JSON.stringify(src.slice(i, j + 1))}`, j);
      const text = src.slice(i, j);
      push(isFloat ? "float" : "int", text, i, startLine, col, Number(text));
      i = j;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(src[j]!)) j++;
      push("word", src.slice(i, j), i, startLine, col);
      i = j;
      continue;
    }
    if (PUNCT.has(c)) {
      push("punct", c, i, startLine, col);
      i++;
      continue;
    }
    err(`unexpected character ${JSON.stringify(c)}`);
  }
  out.push({ kind: "eof", text: "end of script", line, column: i - lineStart + 1, value: 0 });
  return out;
}
