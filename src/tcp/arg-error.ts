// Errors for misuse of the library from plain JavaScript, where TypeScript's checks do not reach: a wrong
// argument type is a TypeError (as Node's own ERR_INVALID_ARG_TYPE), a missing one says what to pass.
// Each carries a stable `code` so callers can tell them apart without parsing the message.

/** The codes of {@link ArgumentError}. */
export type ArgumentErrorCode =
  /** An argument or option has the wrong type (a string where a number belongs, not a Host...). */
  | "ERR_TCPLAB_INVALID_ARG_TYPE"
  /** A required argument is missing; the message says which and what to pass. */
  | "ERR_TCPLAB_MISSING_ARG"
  /** A host name that the trace or simulator does not know. */
  | "ERR_TCPLAB_UNKNOWN_HOST";

/** A TypeError with a `code`: the library was called with an argument it cannot use. */
export class ArgumentError extends TypeError {
  /** Which kind of misuse (see {@link ArgumentErrorCode}). */
  readonly code: ArgumentErrorCode;

  constructor(code: ArgumentErrorCode, message: string) {
    super(message);
    this.name = "ArgumentError";
    this.code = code;
  }
}

/** How a value looks in an error message: its type, and the value itself when short. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case "number":
    case "boolean":
    case "bigint":
      return `the ${typeof value} ${String(value)}`;
    case "undefined":
      return "undefined";
    case "function":
      return "a function";
    default: {
      const name = (value as object).constructor?.name;
      return name && name !== "Object" ? `an instance of ${name}` : "an object";
    }
  }
}

/** Throws unless `value` is of the JavaScript type `type`. `what` names the argument, e.g. "Host options.name". */
export function expectType(
  value: unknown,
  type: "string" | "number" | "boolean" | "function" | "object",
  what: string,
): void {
  const ok = type === "object" ? typeof value === "object" && value !== null : typeof value === type;
  if (!ok)
    throw new ArgumentError(
      "ERR_TCPLAB_INVALID_ARG_TYPE",
      `${what} must be ${type === "object" ? "an" : "a"} ${type}, got ${describe(value)}`,
    );
}

/** Throws unless `value` is undefined or of the type `type` (an optional argument or option). */
export function expectOptional(
  value: unknown,
  type: "string" | "number" | "boolean" | "function" | "object",
  what: string,
): void {
  if (value !== undefined) expectType(value, type, what);
}

/** Throws unless `value` is an array (a list of trace events, typically). */
export function expectArray(value: unknown, what: string): void {
  if (!Array.isArray(value)) {
    throw new ArgumentError(
      "ERR_TCPLAB_INVALID_ARG_TYPE",
      `${what} must be an array, got ${describe(value)}`,
    );
  }
}
