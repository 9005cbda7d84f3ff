// The part of packetdrill's `%{ }%` Python blocks tcplab runs: lines of `assert tcpi_<field> <op> <number>`
// (comparisons of the tcp_info snapshot packetdrill takes of the socket under test when the block's time
// comes). packetdrill runs all blocks after the script ends; so do we, and the first false assertion is a
// FAIL at its block's line. Anything else in a block makes the script UNSUPPORTED.
import { PacketdrillUnsupported } from "./errors.js";
import { SYMBOLS } from "./symbols.js";

export interface Assertion {
  field: string;
  op: "==" | "!=" | "<" | "<=" | ">" | ">=";
  value: number;
  text: string;
}

const LINE = /^assert\s+(tcpi_[a-z_]+)\s*(==|!=|<=|>=|<|>)\s*(-?\d+|TCP_[A-Za-z0-9_]+)\s*(?:,.*)?$/;

export function parseCodeBlock(code: string, line: number, column: number): Assertion[] {
  const out: Assertion[] = [];
  for (const raw of code.split("\n")) {
    const text = raw.replace(/#.*$/, "").trim();
    if (text === "") continue;
    const m = LINE.exec(text);
    if (!m) {
      throw new PacketdrillUnsupported(
        `%{ }% Python beyond "assert tcpi_<field> <op> <number>": ${JSON.stringify(text)}`,
        line,
        column,
      );
    }
    // packetdrill defines the TCP_* state names for its Python blocks.
    const value = /^-?\d+$/.test(m[3]!) ? Number(m[3]) : SYMBOLS[m[3]!];
    if (value === undefined) throw new PacketdrillUnsupported(`unknown name ${m[3]} in %{ }%`, line, column);
    out.push({ field: m[1]!, op: m[2] as Assertion["op"], value, text });
  }
  return out;
}

export function holds(a: Assertion, actual: number): boolean {
  switch (a.op) {
    case "==":
      return actual === a.value;
    case "!=":
      return actual !== a.value;
    case "<":
      return actual < a.value;
    case "<=":
      return actual <= a.value;
    case ">":
      return actual > a.value;
    case ">=":
      return actual >= a.value;
  }
}
