// `--json`: the Analysis object as it is (schema in docs/inspect.md, versioned by schemaVersion).
import type { Analysis } from "../analyze/types.js";

export function renderJson(a: Analysis): string {
  return `${JSON.stringify(a, null, 2)}\n`;
}
