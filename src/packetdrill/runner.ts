// The script interpreter: plays a packetdrill script against a target and matches what the target does
// the way packetdrill does (run.c, run_packet.c): event times with relative times anchored as packetdrill
// anchors them, outbound packets compared field by field after mapping sequence numbers to the script's
// space, TS ecr of inbound packets mapped to the TS val the target actually sent, the tolerance of
// --tolerance_usecs / --tolerance_percent, system call results and errno.
import { parseAddress } from "../wire/address-table.js";
import type { PacketSpec, PdEvent, PdOption, PdScript, SyscallSpec } from "./ast.js";
import { DEFAULT_SYSCTLS, parseCommand, sysctlOverride, type RunConfig, type Sysctl } from "./environment.js";
import { PacketdrillUnsupported } from "./errors.js";
import { holds, parseCodeBlock, type Assertion } from "./code-block.js";
import { buildPacket, formatOption, formatPacket, parsePacket, type WirePacket } from "./packet-bytes.js";
import { SCRIPT_PORT } from "./call-args.js";
import type { Captured, PendingCall, Target } from "./target.js";
import { ACK, SYN } from "../wire/segment.js";
import { TCP_FLAGS } from "../wire/flags.js";

export type Verdict = "PASS" | "FAIL" | "UNSUPPORTED" | "ERROR";

export interface ScriptResult {
  file: string;
  target: "sim" | "kernel";
  result: Verdict;
  /** The script line of the first difference (FAIL), of the unsupported construct, or of a parse error. */
  line?: number;
  column?: number;
  /** The script's text of that line. */
  expected?: string;
  /** What happened instead, in the script's notation. */
  actual?: string;
  /** Which field differed, or why. */
  detail?: string;
  /** When (seconds since the script started, as packetdrill prints). */
  time?: number;
  reason?: string;
  ladder?: string;
}

/** A difference between the script and what the target did: the first one ends the run. */
class Mismatch extends Error {
  constructor(
    readonly event: PdEvent,
    readonly actual: string,
    readonly detail: string,
    readonly at: number,
  ) {
    super(detail);
  }
}

/** packetdrill's remote address for IPv4 (192.0.2.1, TEST-NET-1) and our local one (192.168.0.1). */
export const LOCAL_ADDRESS = 0xc0a80001;
export const REMOTE_ADDRESS = 0xc0000201;
/**
 * The IPv6 ones, as Linux's packetdrill runs pass them (--local_ip, --remote_ip, --gateway_ip of
 * tools/testing/selftests/net/packetdrill): unique local addresses (RFC 4193), the peer in another /48.
 */
export const LOCAL_ADDRESS6 = "fd3d:a0b:17d6::1";
export const REMOTE_ADDRESS6 = "fd3d:fa7b:d17d::1";
export const GATEWAY_ADDRESS6 = "fd3d:a0b:17d6:8888::1";

/** The run's two addresses as engine numbers (IPv6 ones interned for good: a few per process). */
export function runAddresses(ipVersion: 4 | 6): { local: number; remote: number } {
  if (ipVersion === 4) return { local: LOCAL_ADDRESS, remote: REMOTE_ADDRESS };
  return { local: parseAddress(LOCAL_ADDRESS6), remote: parseAddress(REMOTE_ADDRESS6) };
}
/** The scripted peer's ports for passive connections (packetdrill takes them from the ephemeral range). */
const FIRST_REMOTE_PORT = 48123;

/** The socket under test (packetdrill tests one at a time): its 4-tuple and sequence offsets. */
interface Sut {
  kind: "none" | "listening" | "connecting" | "passive" | "active";
  localPort: number;
  remotePort: number;
  /** Our ISN as written in the script and as sent; undefined until the first SYN we send. */
  scriptLocalIsn?: number;
  liveLocalIsn?: number;
}

interface Blocked {
  call: PendingCall;
  event: PdEvent;
  spec: SyscallSpec;
  /** Expected return time (µs). */
  end: number;
  tolerance: number;
}

export function scriptSysctls(script: PdScript): Sysctl[] {
  const out: Sysctl[] = [];
  if (script.initCommand) out.push(...parseCommand(script.initCommand.command, script.initCommand.line));
  let sawOther = false;
  for (const ev of script.events) {
    if (ev.type === "code") {
      parseCodeBlock(ev.code, ev.line, ev.column); // UNSUPPORTED unless tcp_info assertions
    }
    if (ev.type === "command") {
      const sysctls = parseCommand(ev.command, ev.line);
      if (sawOther && sysctls.length > 0) {
        throw new PacketdrillUnsupported("a sysctl changed after the test started", ev.line, ev.column);
      }
      out.push(...sysctls);
    } else {
      sawOther = true;
    }
  }
  return out;
}

/** defaults.sh, then the script's sysctls, as `linux` profile overrides (throws UNSUPPORTED). */
export function profileOverrides(script: PdScript): Record<string, unknown> {
  const all: Sysctl[] = [
    ...DEFAULT_SYSCTLS.map(([name, value]) => ({ name, value, line: 0 })),
    ...scriptSysctls(script),
  ];
  return Object.assign({}, ...all.map(sysctlOverride)) as Record<string, unknown>;
}

const secs = (usecs: number): number => Math.round(usecs) / 1e6;

export class Interpreter {
  private sut: Sut = { kind: "none", localPort: SCRIPT_PORT, remotePort: SCRIPT_PORT };
  private nextRemotePort = FIRST_REMOTE_PORT;
  /** Script TS val → live TS val of the packets we sent (packetdrill's ts_val_map). */
  private readonly tsMap = new Map<number, number>();
  private firstTs: { script: number; live: number } | undefined;
  private lastEvent: PdEvent | undefined;
  /** Script time of the last event (µs) after relative times were resolved. */
  private lastEventTime = 0;
  private blocked: Blocked | undefined;
  /** The script fd of the socket under test (its accept()ed or connect()ing fd), for tcp_info snapshots. */
  private sutFd: number | undefined;
  /** `%{ }%` blocks with their snapshots, checked after the last event as packetdrill does. */
  private readonly code: Array<{
    event: PdEvent;
    asserts: Assertion[];
    info: Record<string, number>;
    at: number;
  }> = [];

  constructor(
    private readonly target: Target,
    private readonly config: RunConfig,
    private readonly debug?: (line: string) => void,
  ) {}

  async run(script: PdScript): Promise<void> {
    for (const ev of script.events) {
      await this.event(ev);
      this.checkBlocked();
    }
    if (this.blocked) await this.finishBlocked();
    this.checkCode();
  }

  private async codeEvent(ev: PdEvent & { type: "code" }, at: number): Promise<void> {
    await this.target.advanceTo(at);
    this.checkBlocked();
    const asserts = parseCodeBlock(ev.code, ev.line, ev.column);
    if (this.sutFd === undefined) throw new Mismatch(ev, "no socket", "no socket to use for code", at);
    const info = await this.target.tcpInfo(this.sutFd);
    if (!info) throw new Mismatch(ev, "no tcp_info", `no tcp_info for fd ${this.sutFd}`, at);
    this.code.push({ event: ev, asserts, info, at: this.target.now() });
  }

  private checkCode(): void {
    for (const c of this.code) {
      for (const a of c.asserts) {
        const actual = c.info[a.field];
        if (actual === undefined) {
          throw new PacketdrillUnsupported(
            `${a.field} (not in tcplab's tcp_info on this target)`,
            c.event.line,
            c.event.column,
          );
        }
        if (!holds(a, actual)) {
          throw new Mismatch(
            c.event,
            `${a.field} = ${actual}`,
            `assertion failed: ${a.text} (${a.field} is ${actual})`,
            c.at,
          );
        }
      }
    }
  }

  private tolerance(at: number): number {
    const dynamic = (this.config.tolerancePercent / 100) * (at - this.lastEventTime);
    return Math.max(this.config.toleranceUsecs, dynamic);
  }

  /** packetdrill's adjust_relative_event_times: inbound after inbound keeps script time; else "now". */
  private times(ev: PdEvent): { start: number; end: number; any: boolean } {
    const anchored = (e: PdEvent | undefined) => e?.type === "packet" && e.packet.direction === "in";
    const offset =
      this.lastEvent && anchored(this.lastEvent) && anchored(ev) ? this.lastEventTime : this.target.now();
    switch (ev.time.kind) {
      case "absolute":
        return { start: ev.time.usecs, end: ev.time.usecs, any: false };
      case "absolute-range":
        return { start: ev.time.usecs, end: ev.time.endUsecs, any: false };
      case "relative":
        return { start: offset + ev.time.usecs, end: offset + ev.time.usecs, any: false };
      case "relative-range":
        return { start: offset + ev.time.usecs, end: offset + ev.time.endUsecs, any: false };
      case "any":
        return { start: offset, end: offset, any: true };
    }
  }

  private async event(ev: PdEvent): Promise<void> {
    const { start, end, any } = this.times(ev);
    this.debug?.(
      `${secs(this.target.now()).toFixed(6)} line ${ev.line} at ${secs(start).toFixed(6)}: ${ev.text}`,
    );
    switch (ev.type) {
      case "command":
        await this.target.advanceTo(start); // sysctls were applied before the run (scriptSysctls)
        break;
      case "code":
        await this.codeEvent(ev, start);
        break;
      case "packet":
        if (ev.packet.direction === "in") await this.inbound(ev, ev.packet, start);
        else await this.outbound(ev, ev.packet, start, end, any);
        break;
      case "syscall":
        await this.syscall(ev, ev.syscall, start);
        break;
    }
    this.lastEvent = ev;
    this.lastEventTime = start;
  }

  // ---------------------------------------------------------------- inbound packets

  private async inbound(ev: PdEvent, p: PacketSpec, at: number): Promise<void> {
    await this.target.advanceTo(at);
    this.checkBlocked();
    const sut = this.sut;
    const isSyn = (p.flags & SYN) !== 0 && (p.flags & ACK) === 0;
    if (sut.kind === "listening" || sut.kind === "none") {
      // handle_listen_for_script_packet: a new child 4-tuple under test, from a fresh remote port.
      this.sut = { kind: "passive", localPort: SCRIPT_PORT, remotePort: this.nextRemotePort++ };
    } else if (sut.kind === "connecting" && sut.liveLocalIsn === undefined && !isSyn) {
      throw new Mismatch(
        ev,
        "no SYN was sent yet",
        "inbound packet before the connection's SYN: no 4-tuple to send to",
        at,
      );
    }
    const localOffset =
      this.sut.liveLocalIsn !== undefined ? (this.sut.liveLocalIsn - this.sut.scriptLocalIsn!) >>> 0 : 0;
    const options: PdOption[] = [];
    for (const o of p.options ?? []) {
      if (o.kind === "sack") {
        options.push({
          kind: "sack",
          blocks: o.blocks.map(([l, r]) => [(l + localOffset) >>> 0, (r + localOffset) >>> 0]),
        });
      } else if (o.kind === "TS" && p.flags & ACK) {
        const live = this.tsMap.get(o.ecr);
        if (live === undefined) {
          throw new Mismatch(
            ev,
            `TS ecr ${o.ecr}`,
            `unable to infer live TS ecr for script TS ecr ${o.ecr}: no outbound packet had TS val ${o.ecr} (packetdrill's rule)`,
            at,
          );
        }
        options.push({ kind: "TS", val: o.val, ecr: live });
      } else {
        options.push(o);
      }
    }
    const wire: WirePacket = {
      srcAddr: this.target.addresses.remote,
      dstAddr: this.target.addresses.local,
      srcPort: this.sut.remotePort,
      dstPort: this.sut.localPort,
      seq: p.seq,
      ack: p.flags & ACK ? (p.ack + localOffset) >>> 0 : 0,
      flags: p.flags,
      win: p.win ?? 0,
      urg: p.urg,
      options,
      payloadLen: p.len,
    };
    await this.target.inject(buildPacket(wire));
  }

  // ---------------------------------------------------------------- outbound packets

  private ours(w: WirePacket): boolean {
    const a = this.target.addresses;
    if (w.srcAddr !== a.local || w.dstAddr !== a.remote) return false;
    const sut = this.sut;
    if (sut.kind === "connecting" && sut.liveLocalIsn === undefined) {
      // find_connect_for_live_packet: the SYN of the connecting socket tells us its local port.
      if (w.dstPort === sut.remotePort && w.flags & SYN && !(w.flags & ACK)) {
        sut.localPort = w.srcPort;
        return true;
      }
      return false;
    }
    if (sut.kind === "none" || sut.kind === "listening") return false;
    return w.srcPort === sut.localPort && w.dstPort === sut.remotePort;
  }

  private async outbound(
    ev: PdEvent,
    p: PacketSpec,
    start: number,
    end: number,
    any: boolean,
  ): Promise<void> {
    const tol = any ? Infinity : this.tolerance(start);
    const lo = start - tol;
    // `*` waits as long as anything may still happen; a generous bound keeps a silent target from hanging us.
    const hi = any ? this.target.now() + 3600e6 : end + tol;
    let found = await this.nextOurs(hi);
    if (!found) {
      // Late or never? Looking a little further lets the report say which, as packetdrill's does.
      const later =
        this.target.lateHorizon > 0 ? await this.nextOurs(hi + this.target.lateHorizon) : undefined;
      if (!later) {
        throw new Mismatch(
          ev,
          "no packet",
          `expected packet not sent by ${secs(hi).toFixed(6)} s`,
          this.target.now(),
        );
      }
      found = later;
    }
    const { cap, w } = await this.aggregate(ev, p, found, hi);
    this.compare(ev, p, w, cap.time);
    if (!any && (cap.time < lo || cap.time > hi)) {
      const range =
        ev.time.kind === "absolute-range" || ev.time.kind === "relative-range"
          ? `in time range ${secs(start).toFixed(6)}~${secs(end).toFixed(6)} s`
          : `at ${secs(start).toFixed(6)} s`;
      throw new Mismatch(
        ev,
        this.describeActual(w),
        `timing error: expected outbound packet ${range} but happened at ${secs(cap.time).toFixed(6)} s (tolerance ${secs(tol).toFixed(6)} s)`,
        cap.time,
      );
    }
  }

  /**
   * packetdrill's aggregation (do_outbound_script_packet): while the packets sniffed carry less payload than
   * the script's line, the next ones are added if they continue the first (same headers but FIN, PSH and
   * CWR, in sequence, equal sizes but the last). A line written for one TSO packet (`P. 1:3001(3000)`) so
   * matches MSS-sized segments too. The result has the last packet's headers and time, the first's seq.
   */
  private async aggregate(
    ev: PdEvent,
    p: PacketSpec,
    first: { cap: Captured; w: WirePacket },
    limit: number,
  ): Promise<{ cap: Captured; w: WirePacket }> {
    let total = first.w.payloadLen;
    let last = first;
    while (total < p.len && first.w.payloadLen > 0) {
      const next = await this.nextOurs(limit);
      if (!next) break;
      const a = last.w;
      const b = next.w;
      const same =
        (a.flags & ~0x89) === (b.flags & ~0x89) && // all but FIN, PSH, CWR
        (a.seq + a.payloadLen) >>> 0 === b.seq &&
        a.ack === b.ack &&
        a.win === b.win &&
        a.urg === b.urg &&
        a.options.length === b.options.length &&
        a.options.every((o, i) => o.kind === b.options[i]!.kind);
      const sizeOk = b.payloadLen >= p.len - total || b.payloadLen === a.payloadLen;
      if (!same || !sizeOk) {
        throw new Mismatch(
          ev,
          this.describeActual(b),
          `a packet that does not continue the ${total} bytes sniffed so far (${p.len} expected)`,
          next.cap.time,
        );
      }
      total += b.payloadLen;
      last = next;
    }
    if (last === first) return first;
    return { cap: last.cap, w: { ...last.w, seq: first.w.seq, payloadLen: total } };
  }

  /** The next packet of the socket under test sent before `limit` (others are skipped, as packetdrill does). */
  private async nextOurs(limit: number): Promise<{ cap: Captured; w: WirePacket } | undefined> {
    for (;;) {
      const cap = await this.target.nextOutbound(limit);
      this.checkBlocked();
      if (!cap) return undefined;
      const w = parsePacket(cap.bytes);
      if (w && this.ours(w)) return { cap, w };
    }
  }

  /** The live packet in the script's space (sequence numbers mapped back, TS val relative to the first). */
  private toScript(w: WirePacket): WirePacket {
    const sut = this.sut;
    const off = sut.liveLocalIsn !== undefined ? (sut.scriptLocalIsn! - sut.liveLocalIsn) >>> 0 : 0;
    const ft = this.firstTs;
    return {
      ...w,
      seq: (w.seq + off) >>> 0,
      options: w.options.map((o) =>
        o.kind === "TS" && ft ? { kind: "TS", val: (ft.script + o.val - ft.live) >>> 0, ecr: o.ecr } : o,
      ),
    };
  }

  private describeActual(w: WirePacket): string {
    const s = this.toScript(w);
    return formatPacket("out", { ...s, win: w.win });
  }

  private compare(ev: PdEvent, p: PacketSpec, live: WirePacket, at: number): void {
    const sut = this.sut;
    if (p.flags & SYN && sut.liveLocalIsn === undefined && live.flags & SYN) {
      sut.scriptLocalIsn = p.seq;
      sut.liveLocalIsn = live.seq;
      if (sut.kind === "connecting") sut.kind = "active";
    }
    // Record the TS val mapping before comparing, as packetdrill does when it maps the sniffed packet.
    const sTs = p.options?.find((o) => o.kind === "TS");
    const lTs = live.options.find((o) => o.kind === "TS");
    if (sTs?.kind === "TS" && lTs?.kind === "TS") {
      this.tsMap.set(sTs.val, lTs.val);
      this.firstTs ??= { script: sTs.val, live: lTs.val };
    }
    const w = this.toScript(live);
    const actual = this.describeActual(live);
    const bad = (detail: string): never => {
      throw new Mismatch(ev, actual, detail, at);
    };
    for (const { bit, name } of TCP_FLAGS) {
      if ((p.flags & bit) !== (w.flags & bit)) {
        bad(
          `bad flags: expected ${p.flagsText}, actual ${actual.split(" ")[1]} (${name} ${w.flags & bit ? "set" : "not set"})`,
        );
      }
    }
    if (p.seq !== w.seq) bad(`bad sequence number: expected ${p.seq}, actual ${w.seq}`);
    if (p.len !== w.payloadLen) bad(`bad payload length: expected ${p.len}, actual ${w.payloadLen}`);
    // The ack field is compared whatever the flags (0 when the script writes none), as check_field does.
    if (p.ack >>> 0 !== w.ack >>> 0) bad(`bad ack: expected ${p.ack}, actual ${w.ack}`);
    if (p.win !== undefined && p.win !== w.win) bad(`bad window: expected ${p.win}, actual ${w.win}`);
    if (p.urg !== w.urg) bad(`bad urgent pointer: expected ${p.urg}, actual ${w.urg}`);
    if (p.options !== null) {
      const n = Math.max(p.options.length, w.options.length);
      for (let i = 0; i < n; i++) {
        const so = p.options[i];
        const ao = w.options[i];
        if (!so || !ao || so.kind !== ao.kind) {
          return bad(
            `bad outbound TCP options: expected <${p.options.map(formatOption).join(",")}>, actual <${w.options.map(formatOption).join(",")}>`,
          );
        }
        // TS val is not checked (packetdrill's tcp_ts_tick_usecs = 0), nor is the ecr of outbound packets.
        if (so.kind !== "TS" && formatOption(so) !== formatOption(ao)) {
          bad(`bad value in outbound TCP option: expected ${formatOption(so)}, actual ${formatOption(ao)}`);
        }
      }
    }
  }

  // ---------------------------------------------------------------- system calls

  private async syscall(ev: PdEvent, s: SyscallSpec, at: number): Promise<void> {
    await this.target.advanceTo(at);
    this.checkBlocked();
    if (this.blocked) await this.finishBlocked();
    const call = this.target.startCall(s, ev.line);
    if (s.name === "listen" || s.name === "connect") this.noteSocketUnderTest(s);
    // packetdrill's socket under test: the last socket made, then the connecting or accepted one.
    if (s.name === "socket" && s.result.kind === "int" && s.result.value >= 0) this.sutFd = s.result.value;
    if ((s.name === "connect" || s.name === "listen") && s.args[0]?.kind === "int")
      this.sutFd = s.args[0].value;
    if ((s.name === "accept" || s.name === "accept4") && s.result.kind === "int" && s.result.value >= 0) {
      this.sutFd = s.result.value;
    }
    if (s.endUsecs === undefined) {
      if (!call.done) await this.target.settle(call);
      if (!call.done) {
        throw new Mismatch(
          ev,
          "the call blocked",
          `expected a non-blocking ${s.name}() but it blocked (no \`...\` end time)`,
          this.target.now(),
        );
      }
      this.checkResult(ev, s, call);
      return;
    }
    const end = ev.time.kind === "relative" ? at - ev.time.usecs + s.endUsecs : s.endUsecs;
    this.blocked = { call, event: ev, spec: s, end, tolerance: this.tolerance(end) };
    this.checkBlocked();
  }

  private noteSocketUnderTest(s: SyscallSpec): void {
    if (s.name === "listen") {
      if (this.sut.kind === "none")
        this.sut = { kind: "listening", localPort: SCRIPT_PORT, remotePort: SCRIPT_PORT };
    } else {
      this.sut = { kind: "connecting", localPort: 0, remotePort: SCRIPT_PORT };
    }
  }

  /** A blocked call that has returned is checked at once: result, then when it returned. */
  private checkBlocked(): void {
    const b = this.blocked;
    if (!b || !b.call.done) return;
    this.blocked = undefined;
    this.checkResult(b.event, b.spec, b.call);
    if (b.call.doneAt < b.end - b.tolerance || b.call.doneAt > b.end + b.tolerance) {
      throw new Mismatch(
        b.event,
        `returned at ${secs(b.call.doneAt).toFixed(6)} s`,
        `timing error: expected ${b.call.name}() to return at ${secs(b.end).toFixed(6)} s but it returned at ${secs(b.call.doneAt).toFixed(6)} s`,
        b.call.doneAt,
      );
    }
  }

  private async finishBlocked(): Promise<void> {
    const b = this.blocked!;
    await this.target.waitCall(b.call, b.end + b.tolerance);
    if (!b.call.done) {
      throw new Mismatch(
        b.event,
        "still blocked",
        `${b.call.name}() had not returned by ${secs(b.end + b.tolerance).toFixed(6)} s`,
        this.target.now(),
      );
    }
    this.checkBlocked();
  }

  private checkResult(ev: PdEvent, s: SyscallSpec, call: PendingCall): void {
    const o = call.outcome!;
    if (o.unsupported) throw new PacketdrillUnsupported(o.unsupported, ev.line, ev.column);
    const actual = o.ret === -1 ? `= -1 ${o.errno ?? ""}`.trim() : `= ${o.ret}`;
    if (s.result.kind === "int") {
      const want = s.result.value;
      if (want !== o.ret) {
        throw new Mismatch(
          ev,
          `${s.name}() ${actual}`,
          `expected ${s.name}() = ${want}${s.errno ? ` ${s.errno}` : ""}, actual ${actual}`,
          call.doneAt,
        );
      }
      if (want === -1 && s.errno && s.errno !== o.errno) {
        throw new Mismatch(
          ev,
          `${s.name}() ${actual}`,
          `expected errno ${s.errno}, actual ${o.errno ?? "none"}`,
          call.doneAt,
        );
      }
    }
    if (o.mismatch) throw new Mismatch(ev, `${s.name}(): ${o.mismatch}`, o.mismatch, call.doneAt);
  }
}

/** Runs a parsed script on a target: PASS, FAIL with the first difference, or UNSUPPORTED. */
export async function runScript(
  file: string,
  script: PdScript,
  target: Target,
  config: RunConfig,
): Promise<ScriptResult> {
  const base = { file, target: target.name };
  try {
    const debug = process.env.TCPLAB_PACKETDRILL_DEBUG
      ? (l: string) => void process.stderr.write(`[packetdrill ${target.name}] ${l}\n`)
      : undefined;
    await new Interpreter(target, config, debug).run(script);
    return { ...base, result: "PASS" };
  } catch (err) {
    if (err instanceof Mismatch) {
      return {
        ...base,
        result: "FAIL",
        line: err.event.line,
        expected: err.event.text,
        actual: err.actual,
        detail: err.detail,
        time: secs(err.at),
      };
    }
    if (err instanceof PacketdrillUnsupported) {
      return { ...base, result: "UNSUPPORTED", line: err.line, reason: err.reason };
    }
    throw err;
  } finally {
    await target.close();
  }
}
