// Turning saved bytes into lines of text, with the encodings these captures really arrive in:
// Windows PowerShell 5's `>` writes UTF-16LE with a BOM, editors add a UTF-8 BOM, and a wrong file
// (a binary, a gzip) must be refused with the line where it stops being text rather than half-parsed.
import { InspectError } from "../errors.js";

export function decodeInput(bytes: Uint8Array, source: string): string {
  if (bytes.length === 0) throw new InspectError("INSPECT_EMPTY_INPUT", `${source}: the input is empty`);
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder("utf-16le").decode(bytes.subarray(2));
  else if (bytes[0] === 0xfe && bytes[1] === 0xff)
    text = new TextDecoder("utf-16be").decode(bytes.subarray(2));
  else {
    text = new TextDecoder("utf-8").decode(bytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  }
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    // NUL and C0 controls other than tab/CR/form feed never occur in any supported tool's output.
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x08\x0b\x0e-\x1f\x7f]/.test(lines[i]!)) {
      throw new InspectError(
        "INSPECT_BINARY_INPUT",
        `${source}, line ${i + 1}: the input is not text (control bytes found); expected saved output of ss, netstat, /proc/net/tcp or Get-NetTCPConnection`,
      );
    }
  }
  if (text.trim() === "")
    throw new InspectError("INSPECT_EMPTY_INPUT", `${source}: the input has no content`);
  return text;
}

/** Lines with their 1-based numbers, CR stripped, blank lines dropped. */
export function numberedLines(text: string): { no: number; text: string }[] {
  const out: { no: number; text: string }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.replace(/\r$/, "");
    if (t.trim() !== "") out.push({ no: i + 1, text: t });
  }
  return out;
}

/** Offset just past the first `n` whitespace-separated tokens of `line`. */
export function nthTokenEnd(line: string, n: number): number {
  const re = /\S+/g;
  let end = 0;
  for (let k = 0; k < n; k++) {
    const m = re.exec(line);
    if (!m) return line.length;
    end = m.index + m[0].length;
  }
  return end;
}
