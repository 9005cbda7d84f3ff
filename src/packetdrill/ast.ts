// The parsed form of a packetdrill script (the language of google/packetdrill's gtests/net and the
// kernel's tools/testing/selftests/net/packetdrill). Only what tcplab runs is modelled; the parser
// reports anything else as a parse error (exit 2) or as an UNSUPPORTED event with its reason.

/** How an event's time is written. All times are integer microseconds. */
export type TimeSpec =
  | { kind: "absolute"; usecs: number }
  | { kind: "relative"; usecs: number }
  | { kind: "any" } // `*`: outbound packets only
  | { kind: "absolute-range"; usecs: number; endUsecs: number } // `1.0~1.2`
  | { kind: "relative-range"; usecs: number; endUsecs: number }; // `+1.0~+1.2`

/** One TCP option as written between `<` and `>`. */
export type PdOption =
  | { kind: "nop" }
  | { kind: "eol" }
  | { kind: "mss"; value: number }
  | { kind: "wscale"; value: number }
  | { kind: "sackOK" }
  | { kind: "sack"; blocks: Array<[number, number]> }
  | { kind: "TS"; val: number; ecr: number };

export interface PacketSpec {
  direction: "in" | "out";
  /** The flags as written ("S.", "F.", "P.", "R", "."): kept for messages. */
  flagsText: string;
  /** TCP flag bits (wire/segment.ts values). */
  flags: number;
  seq: number;
  /** Payload length, the `(n)` of `seq:end(n)`. */
  len: number;
  /** The ack field; 0 when not written (packetdrill's default). */
  ack: number;
  /** The window field; undefined: not checked (outbound only, as in packetdrill). */
  win: number | undefined;
  urg: number;
  /** null: `<...>`, options not checked (outbound only). */
  options: PdOption[] | null;
}

/** An argument or result of a system call. */
export type Expr =
  | { kind: "int"; value: number; text: string }
  | { kind: "word"; name: string }
  | { kind: "ellipsis" }
  | { kind: "string"; value: string }
  | { kind: "list"; items: Expr[] }
  /** `{a=1, b=2}` (named fields) or `{..., 1000}` (an iovec: positional items). */
  | { kind: "struct"; fields: StructField[] }
  | { kind: "or"; lhs: Expr; rhs: Expr }
  /** `htons(8080)`, `inet_addr("192.0.2.1")`. */
  | { kind: "call"; name: string; args: Expr[] };

export interface StructField {
  /** Undefined for a positional item. */
  name?: string;
  /** `msg_iov(1)=...`: the number in parentheses after a field name. */
  count?: Expr;
  value: Expr;
}

export interface SyscallSpec {
  name: string;
  args: Expr[];
  result: Expr;
  /** `ECONNRESET` of `= -1 ECONNRESET (Connection reset by peer)`. */
  errno: string | undefined;
  /** `...1.0`: a blocking call expected to return at this time (µs, same base as the start time). */
  endUsecs: number | undefined;
}

export type EventAction =
  | { type: "packet"; packet: PacketSpec }
  | { type: "syscall"; syscall: SyscallSpec }
  | { type: "command"; command: string }
  | { type: "code"; code: string };

export type PdEvent = EventAction & {
  line: number;
  column: number;
  time: TimeSpec;
  /** The script text of the event (its first line, trimmed), for messages. */
  text: string;
};

export interface PdScript {
  /** `--name=value` lines at the top of the script (packetdrill's in-script options). */
  options: Array<{ name: string; value: string; line: number }>;
  /** A backtick command before the first event, without a time: run before the script (packetdrill's init command). */
  initCommand?: { command: string; line: number };
  /** A backtick command after the last event, without a time: run after the script (cleanup). */
  cleanupCommand?: { command: string; line: number };
  events: PdEvent[];
}
