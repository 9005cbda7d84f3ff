// Colour only for a terminal, and never when NO_COLOR is set to anything non-empty (no-color.org).
import type { Severity } from "../analyze/types.js";

export interface Paint {
  severity(s: Severity, text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

const CODES: Record<Severity, string> = { critical: "31;1", warn: "33;1", ok: "32" };

export function paintFor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): Paint {
  const on = stream.isTTY === true && !(env.NO_COLOR !== undefined && env.NO_COLOR !== "");
  const wrapCode = (code: string, t: string) => (on ? `\u001b[${code}m${t}\u001b[0m` : t);
  return {
    severity: (s, t) => wrapCode(CODES[s], t),
    bold: (t) => wrapCode("1", t),
    dim: (t) => wrapCode("2", t),
  };
}
