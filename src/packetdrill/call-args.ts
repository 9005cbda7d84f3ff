// What a system call's arguments mean, said once for both targets: the script fd a call names or maps,
// lengths and flags of reads and writes, sendmsg's iovec, SO_LINGER's struct, poll's entries, and how
// the values a call writes back are compared with the script's.
import type { Expr, SyscallSpec } from "./ast.js";
import { evalInt, exprText, structFields } from "./symbols.js";
import type { CallOutcome } from "./target.js";

/** packetdrill's live_bind_port and live_connect_port. */
export const SCRIPT_PORT = 8080;

export type Unsupported = (reason: string) => never;

/**
 * The script's fd for the socket socket() or accept() makes: the expected result, as packetdrill maps it,
 * or the lowest free one when the script expects an error.
 */
export function scriptFdOf(spec: SyscallSpec, inUse: (fd: number) => boolean): number {
  if (spec.result.kind === "int" && spec.result.value >= 0) return spec.result.value;
  let fd = 3;
  while (inUse(fd)) fd++;
  return fd;
}

/** read/recv/recvfrom(fd, buf, n[, flags]) and write/send/sendto/sendmsg: the byte count and the flags. */
export function transferArgs(spec: SyscallSpec, u: Unsupported): { n: number; flags: number } {
  const a = spec.args;
  if (spec.name === "sendmsg") return { n: iovLength(a[1], u), flags: a[2] ? evalInt(a[2]) : 0 };
  const plain = spec.name === "read" || spec.name === "write";
  return { n: evalInt(a[2]), flags: plain || !a[3] ? 0 : evalInt(a[3]) };
}

/** The bytes of sendmsg's `{msg_iov(1)=[{..., 1000}], ...}`: the last item of each iovec. */
export function iovLength(msg: Expr | undefined, u: Unsupported): number {
  const f = structFields(msg);
  const iov = f.get("msg_iov");
  if (!iov || iov.kind !== "list") return u("sendmsg needs msg_iov=[{…, len}]");
  let n = 0;
  for (const item of iov.items) {
    if (item.kind !== "struct" || item.fields.length === 0) return u("sendmsg iovec must be {…, len}");
    n += evalInt(item.fields[item.fields.length - 1]!.value);
  }
  return n;
}

/** SO_LINGER's `{onoff=1, linger=0}` (packetdrill) or `{l_onoff=1, l_linger=0}` (struct linger's names). */
export function lingerArg(val: Expr | undefined, u: Unsupported): { on: boolean; secs: number } {
  const f = structFields(val);
  const on = f.get("l_onoff") ?? f.get("onoff");
  const secs = f.get("l_linger") ?? f.get("linger");
  if (!on || !secs) return u("SO_LINGER needs {onoff=…, linger=…} (or l_onoff, l_linger)");
  return { on: evalInt(on) !== 0, secs: Math.max(0, evalInt(secs)) };
}

/** A linger value under both spellings of its field names, for compareStruct. */
export function lingerFields(on: number, secs: number): Record<string, number> {
  return { l_onoff: on, l_linger: secs, onoff: on, linger: secs };
}

export interface PollEntry {
  fd: number;
  events: number;
  revents: Expr | undefined;
}

/** poll([{fd=4, events=POLLIN, revents=POLLIN}, ...], n, timeoutMs). */
export function pollArgs(spec: SyscallSpec, u: Unsupported): { entries: PollEntry[]; timeoutMs: number } {
  const list = spec.args[0];
  if (!list || list.kind !== "list") return u("poll() needs a [{fd=…, events=…, revents=…}] list");
  const entries = list.items.map((item) => {
    const f = structFields(item);
    const fd = f.get("fd");
    const events = f.get("events");
    if (!fd || !events) return u("poll() entries need fd= and events=");
    return { fd: evalInt(fd), events: evalInt(events), revents: f.get("revents") };
  });
  return { entries, timeoutMs: spec.args[2] ? evalInt(spec.args[2]) : 0 };
}

/** poll's result: the count, unless a scripted revents differs from what came back. */
export function pollOutcome(entries: PollEntry[], ready: number, revents: readonly number[]): CallOutcome {
  for (let i = 0; i < entries.length; i++) {
    const want = entries[i]!.revents;
    if (want && want.kind !== "ellipsis" && evalInt(want) !== revents[i]) {
      return {
        ret: ready,
        mismatch: `revents of fd ${entries[i]!.fd}: expected ${exprText(want)} (${evalInt(want)}), actual ${revents[i]}`,
      };
    }
  }
  return { ret: ready };
}

/** getsockopt's value argument (`[0]`, `0`, or `...`) against the actual value. */
export function compareValue(val: Expr, actual: number, what: string): CallOutcome {
  if (val.kind === "ellipsis") return { ret: 0 };
  const want = evalInt(val);
  if (want !== actual) return { ret: 0, mismatch: `${what}: expected ${exprText(val)}, actual ${actual}` };
  return { ret: 0 };
}

/** A `{field=value, ...}` argument against actual values; a field we do not have is UNSUPPORTED (with `u`). */
export function compareStruct(val: Expr, actual: Record<string, number>, u?: Unsupported): CallOutcome {
  if (val.kind === "ellipsis") return { ret: 0 };
  for (const [name, e] of structFields(val)) {
    if (e.kind === "ellipsis") continue;
    const got = actual[name];
    if (got === undefined) {
      if (u) return u(`field ${name}`);
      continue;
    }
    const want = evalInt(e);
    if (want !== got) return { ret: 0, mismatch: `${name}: expected ${exprText(e)}, actual ${got}` };
  }
  return { ret: 0 };
}
