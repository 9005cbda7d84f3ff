// Errors of host inspection. The CLI prints `code: message` without a stack (src/cli/main.ts), so every
// message must stand on its own and, for input problems, name the source and line that was rejected.

export type InspectErrorCode =
  | "INSPECT_UNRECOGNISED_INPUT" // no parser recognises the input (auto-detection failed)
  | "INSPECT_MALFORMED_LINE" // a line of a recognised format could not be parsed
  | "INSPECT_BINARY_INPUT" // the input is not text
  | "INSPECT_EMPTY_INPUT"
  | "INSPECT_BAD_ARGUMENT" // a command-line value is invalid (exit 2)
  | "INSPECT_NOT_LINUX" // live reading needs /proc
  | "INSPECT_NETNS" // the namespace cannot be entered or read
  | "INSPECT_IO"; // a file or /proc entry could not be read

export class InspectError extends Error {
  readonly code: InspectErrorCode;
  /** Process exit code the CLI uses: 2 for bad arguments, 1 for everything else. */
  readonly exitCode: number;

  constructor(code: InspectErrorCode, message: string) {
    super(message);
    this.name = "InspectError";
    this.code = code;
    this.exitCode = code === "INSPECT_BAD_ARGUMENT" ? 2 : 1;
  }
}

/** A parse failure that points at the offending line so a user can find it in a large capture. */
export function malformedLine(source: string, lineNo: number, line: string, why: string): InspectError {
  const shown = line.length > 120 ? `${line.slice(0, 117)}...` : line;
  return new InspectError(
    "INSPECT_MALFORMED_LINE",
    `${source}, line ${lineNo}: ${why}: ${JSON.stringify(shown)}`,
  );
}
