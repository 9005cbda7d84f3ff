// Parser of the packetdrill language subset tcplab runs (docs/packetdrill.md). It follows the grammar of
// packetdrill's parser.y: an event is a time and an action — a packet (`<` inbound, `>` outbound), a
// system call, a backtick shell command, or a `%{ }%` code block. Errors carry line and column.
import type {
  EventAction,
  Expr,
  PacketSpec,
  PdEvent,
  PdOption,
  PdScript,
  StructField,
  SyscallSpec,
  TimeSpec,
} from "./ast.js";
import { PacketdrillParseError, PacketdrillUnsupported } from "./errors.js";
import { tokenize, type Token } from "./lexer.js";
import { ACK } from "../wire/segment.js";
import { flagOfLetter } from "../wire/flags.js";

/** Seconds as written (an integer or a decimal) to integer microseconds, without float drift. */
function usecsOf(tok: Token): number {
  if (tok.kind === "int") return tok.value * 1_000_000;
  const [whole, frac = ""] = tok.text.split(".");
  return Number(whole || "0") * 1_000_000 + Number((frac + "000000").slice(0, 6));
}

class Parser {
  private pos = 0;
  constructor(
    private readonly toks: Token[],
    private readonly lines: string[],
  ) {}

  private peek(k = 0): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== "eof") this.pos++;
    return t;
  }
  private is(text: string, k = 0): boolean {
    const t = this.peek(k);
    return (t.kind === "punct" || t.kind === "word") && t.text === text;
  }
  private fail(message: string, tok: Token = this.peek()): never {
    throw new PacketdrillParseError(message, tok.line, tok.column);
  }
  private expect(text: string, what?: string): Token {
    const t = this.peek();
    if ((t.kind === "punct" || t.kind === "word") && t.text === text) return this.next();
    return this.fail(`expected ${what ?? `'${text}'`} but found ${describe(t)}`);
  }
  private integer(what: string, max = Number.MAX_SAFE_INTEGER): number {
    const t = this.peek();
    if (t.kind !== "int") this.fail(`expected ${what} (an integer) but found ${describe(t)}`);
    this.next();
    if (t.value > max) this.fail(`${what} ${t.text} out of range (at most ${max})`, t);
    return t.value;
  }

  script(): PdScript {
    const options: PdScript["options"] = [];
    const events: PdEvent[] = [];
    while (this.peek().kind === "option") {
      const t = this.next();
      const m = /^--([A-Za-z0-9_]+)(?:=(.*))?$/.exec(t.text.trim());
      if (!m) this.fail(`bad option line ${JSON.stringify(t.text)}`, t);
      options.push({ name: m[1]!, value: (m[2] ?? "").trim(), line: t.line });
    }
    let initCommand: PdScript["initCommand"];
    let cleanupCommand: PdScript["cleanupCommand"];
    if (this.peek().kind === "command") {
      const t = this.next();
      initCommand = { command: t.text, line: t.line };
    }
    while (this.peek().kind !== "eof") {
      if (this.peek().kind === "option") this.fail("option lines must come before the first event");
      if (this.peek().kind === "command" && this.peek(1).kind === "eof") {
        const t = this.next();
        cleanupCommand = { command: t.text, line: t.line };
        break;
      }
      events.push(this.event());
    }
    return {
      options,
      events,
      ...(initCommand ? { initCommand } : {}),
      ...(cleanupCommand ? { cleanupCommand } : {}),
    };
  }

  private event(): PdEvent {
    const start = this.peek();
    const time = this.time();
    const action = this.action(time);
    const text = (this.lines[start.line - 1] ?? "").trim();
    return { ...action, line: start.line, column: start.column, time, text };
  }

  private timeValue(): number {
    const t = this.peek();
    if (t.kind !== "int" && t.kind !== "float") this.fail(`expected a time but found ${describe(t)}`);
    this.next();
    return usecsOf(t);
  }

  private time(): TimeSpec {
    if (this.is("*")) {
      this.next();
      return { kind: "any" };
    }
    if (this.is("+")) {
      this.next();
      const usecs = this.timeValue();
      if (this.is("~")) {
        this.next();
        this.expect("+", "'+' (a relative range is +a~+b)");
        const endUsecs = this.timeValue();
        if (endUsecs < usecs) this.fail("time range is backwards");
        return { kind: "relative-range", usecs, endUsecs };
      }
      return { kind: "relative", usecs };
    }
    const t = this.peek();
    if (t.kind !== "int" && t.kind !== "float") {
      this.fail(`expected an event time (0, +0.1, *, 1~2) but found ${describe(t)}`);
    }
    const usecs = this.timeValue();
    if (this.is("~")) {
      this.next();
      const endUsecs = this.timeValue();
      if (endUsecs < usecs) this.fail("time range is backwards");
      return { kind: "absolute-range", usecs, endUsecs };
    }
    return { kind: "absolute", usecs };
  }

  private action(time: TimeSpec): EventAction {
    const t = this.peek();
    if (t.kind === "command") {
      this.next();
      this.checkNotRange(time, t);
      return { type: "command", command: t.text };
    }
    if (t.kind === "code") {
      this.next();
      return { type: "code", code: t.text };
    }
    if (this.is("<") || this.is(">")) return { type: "packet", packet: this.packet(time) };
    let endUsecs: number | undefined;
    if (t.kind === "ellipsis") {
      this.next();
      endUsecs = this.timeValue();
    }
    if (this.peek().kind === "word" && this.is("(", 1)) {
      this.checkNotRange(time, t);
      return { type: "syscall", syscall: this.syscall(endUsecs) };
    }
    return this.fail(
      `expected a packet ('<' or '>'), a system call or a \`command\` but found ${describe(this.peek())}`,
    );
  }

  private checkNotRange(time: TimeSpec, tok: Token): void {
    if (time.kind === "any") this.fail("event time <star> can only be used with outbound packets", tok);
    if (time.kind === "absolute-range" || time.kind === "relative-range") {
      this.fail("event time range can only be used with outbound packets", tok);
    }
  }

  private packet(time: TimeSpec): PacketSpec {
    const dirTok = this.next();
    const direction = dirTok.text === "<" ? "in" : "out";
    if (direction === "in" && time.kind !== "absolute" && time.kind !== "relative") {
      this.fail(
        time.kind === "any"
          ? "event time <star> can only be used with outbound packets"
          : "event time range can only be used with outbound packets",
        dirTok,
      );
    }
    if (this.is("[") || this.is("(")) {
      throw new PacketdrillUnsupported(
        "IP header fields ([ect0], tos, ttl, flowlabel) in a packet",
        this.peek().line,
        this.peek().column,
      );
    }
    const w = this.peek();
    if (w.kind === "word" && /^(udp|UDP|icmp|ICMP|encap|ENCAP)$/.test(w.text)) {
      throw new PacketdrillUnsupported(`${w.text} packets (only TCP is supported)`, w.line, w.column);
    }
    // Port info `8080 > 9090` is not in the subset: one socket under test, as packetdrill's usual scripts.
    const { text: flagsText, bits: flags } = this.flags();
    const seqTok = this.peek();
    const seq = this.integer("the sequence number", 0xffffffff);
    this.expect(":", "':' (seq:end(len))");
    const end = this.integer("the end sequence number", 0xffffffff);
    this.expect("(", "'(' (seq:end(len))");
    const len = this.integer("the payload length", 0xffff);
    this.expect(")");
    if (end !== (seq + len) % 2 ** 32 && end !== seq + len) {
      this.fail("inconsistent TCP sequence numbers and payload size", seqTok);
    }
    let ack = 0;
    let win: number | undefined;
    let urg = 0;
    if (this.is("ack")) {
      this.next();
      ack = this.integer("the ack number", 0xffffffff);
    }
    if (this.is("win")) {
      this.next();
      win = this.integer("the window", 0xffff);
    }
    if (this.is("urg")) {
      this.next();
      urg = this.integer("the urgent pointer", 0xffff);
    }
    if (win === undefined && direction === "in")
      this.fail("window must be specified for inbound packets", dirTok);
    let options: PdOption[] | null = [];
    if (this.is("<")) {
      const lt = this.next();
      if (this.peek().kind === "ellipsis") {
        this.next();
        this.expect(">");
        if (direction === "in") this.fail("<...> for TCP options can only be used with outbound packets", lt);
        options = null;
      } else {
        options = this.optionList();
      }
    }
    return { direction, flagsText, flags, seq, len, ack, win, urg, options };
  }

  private flags(): { text: string; bits: number } {
    const t = this.peek();
    if (this.is(".")) {
      this.next();
      return { text: ".", bits: ACK };
    }
    if (this.is("-")) {
      this.next();
      return { text: "-", bits: 0 };
    }
    if (t.kind !== "word") this.fail(`expected TCP flags (S, S., F., P., R, .) but found ${describe(t)}`);
    this.next();
    let bits = 0;
    for (const ch of t.text) {
      // The letters of one table (../wire/flags.ts); ACK's "." is a token of its own, handled below.
      const bit = ch === "." ? undefined : flagOfLetter(ch);
      if (bit === undefined)
        this.fail(`unknown TCP flag ${JSON.stringify(ch)} in ${JSON.stringify(t.text)}`, t);
      bits |= bit;
    }
    let text = t.text;
    // `S.`: the '.' (ACK) must follow the letters directly.
    const dot = this.peek();
    if (this.is(".") && dot.line === t.line && dot.column === t.column + t.text.length) {
      this.next();
      bits |= ACK;
      text += ".";
    }
    return { text, bits };
  }

  private optionList(): PdOption[] {
    const out: PdOption[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind !== "word")
        this.fail(`expected a TCP option (nop, mss, sackOK, sack, TS, wscale) but found ${describe(t)}`);
      this.next();
      switch (t.text) {
        case "nop":
          out.push({ kind: "nop" });
          break;
        case "eol":
          out.push({ kind: "eol" });
          break;
        case "mss":
          out.push({ kind: "mss", value: this.integer("the MSS", 0xffff) });
          break;
        case "wscale":
          out.push({ kind: "wscale", value: this.integer("the window scale", 0xff) });
          break;
        case "sackOK":
          out.push({ kind: "sackOK" });
          break;
        case "sack": {
          const blocks: Array<[number, number]> = [];
          while (this.peek().kind === "int") {
            const l = this.integer("a SACK block's left edge", 0xffffffff);
            this.expect(":", "':' in a SACK block");
            const r = this.integer("a SACK block's right edge", 0xffffffff);
            blocks.push([l, r]);
          }
          if (blocks.length === 0) this.fail("a sack option needs at least one block left:right");
          out.push({ kind: "sack", blocks });
          break;
        }
        case "TS": {
          this.expect("val", "'val' (TS val N ecr M)");
          const val = this.integer("the TS val", 0xffffffff);
          this.expect("ecr", "'ecr' (TS val N ecr M)");
          const ecr = this.integer("the TS ecr", 0xffffffff);
          out.push({ kind: "TS", val, ecr });
          break;
        }
        case "FO":
        case "md5":
        case "exp":
        case "mpcapable":
        case "dss":
        case "add_address":
        case "sack_perm":
          throw new PacketdrillUnsupported(`TCP option ${t.text}`, t.line, t.column);
        default:
          this.fail(`unknown TCP option ${JSON.stringify(t.text)}`, t);
      }
      if (this.is(",")) {
        this.next();
        continue;
      }
      this.expect(">", "',' or '>' after a TCP option");
      return out;
    }
  }

  private syscall(endUsecs: number | undefined): SyscallSpec {
    const name = this.next().text;
    this.expect("(");
    const args: Expr[] = [];
    if (!this.is(")")) {
      for (;;) {
        args.push(this.expr());
        if (this.is(",")) {
          this.next();
          continue;
        }
        break;
      }
    }
    this.expect(")", "',' or ')' in the argument list");
    this.expect("=", "'=' and the expected result");
    const result = this.expr();
    let errno: string | undefined;
    const e = this.peek();
    if (e.kind === "word" && /^E[A-Z0-9]+$/.test(e.text)) {
      this.next();
      errno = e.text;
    }
    if (this.is("(")) {
      // A note such as (Connection reset by peer): free text up to the matching parenthesis.
      let depth = 0;
      do {
        const t = this.next();
        if (t.kind === "eof") this.fail("unterminated note after the result", t);
        if (t.text === "(" && t.kind === "punct") depth++;
        if (t.text === ")" && t.kind === "punct") depth--;
      } while (depth > 0);
    }
    return { name, args, result, errno, endUsecs };
  }

  private expr(): Expr {
    let lhs = this.primary();
    while (this.is("|")) {
      this.next();
      lhs = { kind: "or", lhs, rhs: this.primary() };
    }
    return lhs;
  }

  private primary(): Expr {
    const t = this.peek();
    if (t.kind === "ellipsis") {
      this.next();
      return { kind: "ellipsis" };
    }
    if (t.kind === "int") {
      this.next();
      return { kind: "int", value: t.value, text: t.text };
    }
    if (this.is("-") && this.peek(1).kind === "int") {
      this.next();
      const n = this.next();
      return { kind: "int", value: -n.value, text: `-${n.text}` };
    }
    if (t.kind === "string") {
      let value = "";
      while (this.peek().kind === "string") value += this.next().text;
      if (this.peek().kind === "ellipsis") this.next();
      return { kind: "string", value };
    }
    if (t.kind === "word") {
      this.next();
      if (this.is("(")) {
        this.next();
        const args: Expr[] = [];
        while (!this.is(")")) {
          args.push(this.expr());
          if (this.is(",")) this.next();
          else break;
        }
        this.expect(")");
        return { kind: "call", name: t.text, args };
      }
      return { kind: "word", name: t.text };
    }
    if (this.is("[")) {
      this.next();
      const items: Expr[] = [];
      while (!this.is("]")) {
        items.push(this.expr());
        if (this.is(",")) this.next();
        else break;
      }
      this.expect("]", "',' or ']' in a list");
      return { kind: "list", items };
    }
    if (this.is("{")) {
      this.next();
      const fields: StructField[] = [];
      while (!this.is("}")) {
        fields.push(this.field());
        if (this.is(",")) this.next();
        else break;
      }
      this.expect("}", "',' or '}' in a struct");
      return { kind: "struct", fields };
    }
    return this.fail(`expected an expression but found ${describe(t)}`);
  }

  /** `name=value`, `msg_iov(1)=[...]`, or a positional item (an iovec's `{..., 1000}`). */
  private field(): StructField {
    const t = this.peek();
    if (t.kind === "word" && this.is("=", 1)) {
      this.next();
      this.next();
      return { name: t.text, value: this.expr() };
    }
    if (t.kind === "word" && this.is("(", 1)) {
      // Either a field with a count (`msg_iov(1)=`) or a call (`htons(80)`).
      const save = this.pos;
      this.next();
      this.next();
      const count = this.is(")") ? undefined : this.expr();
      if (this.is(")") && this.is("=", 1)) {
        this.next();
        this.next();
        return { name: t.text, ...(count ? { count } : {}), value: this.expr() };
      }
      this.pos = save;
    }
    return { value: this.expr() };
  }
}

function describe(t: Token): string {
  if (t.kind === "eof") return "the end of the script";
  if (t.kind === "command") return "a `command`";
  if (t.kind === "code") return "a %{ }% block";
  return JSON.stringify(t.text);
}

/** Parses a whole script; throws PacketdrillParseError (line, column) or PacketdrillUnsupported. */
export function parseScript(src: string): PdScript {
  const toks = tokenize(src);
  return new Parser(toks, src.split("\n")).script();
}
