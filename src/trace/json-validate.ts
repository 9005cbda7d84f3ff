// Checks an object against the tcplab-trace schema, versions 1 and 2 (docs/trace-schema.md), by hand rather than with a
// JSON Schema library: the checks need nothing at run time in the browser, every failure names its path
// ("events[12].seg.flags[1]"), and the enumerations below are tied to the TypeScript types, so adding a
// drop reason or timer to src/tcp/events.ts fails the typecheck here until the schema learns it too.
import {
  ENGINE_DROP_REASONS,
  type NetworkDropReason,
  type NetworkEvent,
  type TimerAction,
  type TimerName,
} from "../tcp/events.js";
import type { DecodeReason } from "../wire/decode-error.js";
import type { TcpState } from "../tcp/state.js";
import { parseIPv4 } from "../wire/address.js";
import { parseIPv6 } from "../wire/address6.js";
import {
  FLAG_NAMES,
  TRACE_SCHEMA,
  TRACE_SCHEMA_VERSION,
  TRACE_SCHEMA_VERSIONS_READ,
  eventsFromJsonTrace,
  type JsonTrace,
  type JsonTraceMeta,
} from "./json-trace.js";
import type { TraceEvent } from "../tcp/events.js";

const STATES: Record<TcpState, true> = {
  CLOSED: true,
  LISTEN: true,
  SYN_SENT: true,
  SYN_RECEIVED: true,
  ESTABLISHED: true,
  FIN_WAIT_1: true,
  FIN_WAIT_2: true,
  CLOSE_WAIT: true,
  CLOSING: true,
  LAST_ACK: true,
  TIME_WAIT: true,
};

const DECODE_REASONS: Record<DecodeReason, true> = {
  "short-packet": true,
  "bad-ip-version": true,
  "bad-ip-header-length": true,
  "bad-ip-total-length": true,
  "bad-ip-checksum": true,
  "ip-fragment": true,
  "not-tcp": true,
  "short-tcp-header": true,
  "bad-data-offset": true,
  "bad-option-length": true,
  "bad-option-value": true,
  "bad-tcp-checksum": true,
  "bad-ipv6-extension-header": true,
  "ipv6-ipsec-header": true,
  "ipv6-routing-segments-left": true,
  "ipv6-unknown-option": true,
  "ipv6-jumbogram": true,
};

const NETWORK_DROP_REASONS: Record<NetworkDropReason, true> = {
  loss: true,
  fault: true,
  mtu: true,
  "msl-expired": true,
  "queue-full": true,
  "no-route": true,
};

const NETWORK_ACTIONS: Record<NetworkEvent["action"], true> = {
  deliver: true,
  drop: true,
  duplicate: true,
  corrupt: true,
  delay: true,
  inject: true,
};

const TIMER_NAMES: Record<TimerName, true> = {
  retransmit: true,
  syn: true,
  synack: true,
  persist: true,
  "delayed-ack": true,
  keepalive: true,
  "fin-wait-2": true,
  "time-wait": true,
  "loss-probe": true,
  reorder: true,
};

const TIMER_ACTIONS: Record<TimerAction, true> = {
  armed: true,
  restarted: true,
  fired: true,
  cancelled: true,
};

/** The fields of each event kind: required, then optional. */
const EVENT_FIELDS: Record<TraceEvent["kind"], { required: string[]; optional: string[] }> = {
  "segment-sent": { required: ["id", "conn", "seg", "retransmission", "why"], optional: [] },
  "segment-received": { required: ["id", "conn", "seg"], optional: [] },
  "segment-dropped": { required: ["id", "conn", "reason", "seg"], optional: ["detail"] },
  network: { required: ["action", "id", "from", "to"], optional: ["reason", "fault"] },
  state: { required: ["conn", "from", "to", "cause"], optional: ["listener"] },
  timer: { required: ["conn", "timer", "action"], optional: ["deadline"] },
  app: { required: ["conn", "call"], optional: ["detail", "error"] },
  note: { required: ["text"], optional: [] },
};

const MAX_ERRORS = 50;

/** validateJsonTrace's answer: the trace, or the list of problems. */
export type TraceValidation = { ok: true; trace: JsonTrace } | { ok: false; errors: string[] };

/** A JSON trace that does not follow the schema (code ERR_TCPLAB_TRACE_SCHEMA), with every problem found. */
export class TraceSchemaError extends Error {
  readonly code = "ERR_TCPLAB_TRACE_SCHEMA";
  constructor(readonly errors: readonly string[]) {
    super(
      `not a valid tcplab-trace v${TRACE_SCHEMA_VERSION}: ${errors.slice(0, 5).join("; ")}${errors.length > 5 ? ` (and ${errors.length - 5} more)` : ""}`,
    );
    this.name = "TraceSchemaError";
  }
}

type Obj = Record<string, unknown>;

class Checker {
  readonly errors: string[] = [];

  fail(path: string, message: string): false {
    if (this.errors.length < MAX_ERRORS) this.errors.push(`${path}: ${message}`);
    return false;
  }

  object(path: string, v: unknown): v is Obj {
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return true;
    return this.fail(path, `expected an object, got ${describe(v)}`);
  }

  /** Required keys present, no keys beyond required + optional. */
  keys(path: string, o: Obj, required: readonly string[], optional: readonly string[] = []): void {
    for (const k of required) if (!(k in o)) this.fail(path, `missing field "${k}"`);
    for (const k of Object.keys(o)) {
      if (!required.includes(k) && !optional.includes(k)) this.fail(path, `unknown field "${k}"`);
    }
  }

  string(path: string, v: unknown, nonEmpty = false): v is string {
    if (typeof v !== "string") return this.fail(path, `expected a string, got ${describe(v)}`);
    if (nonEmpty && v === "") return this.fail(path, "expected a non-empty string");
    return true;
  }

  stringOrNull(path: string, v: unknown): void {
    if (v !== null) this.string(path, v);
  }

  boolean(path: string, v: unknown): void {
    if (typeof v !== "boolean") this.fail(path, `expected true or false, got ${describe(v)}`);
  }

  integer(path: string, v: unknown, min: number, max: number): v is number {
    if (typeof v !== "number" || !Number.isSafeInteger(v)) {
      return this.fail(path, `expected an integer, got ${describe(v)}`);
    }
    if (v < min || v > max) return this.fail(path, `expected ${min}..${max}, got ${v}`);
    return true;
  }

  oneOf(path: string, v: unknown, allowed: Record<string, true>): void {
    if (typeof v !== "string" || !Object.hasOwn(allowed, v)) {
      this.fail(path, `expected one of ${Object.keys(allowed).join(", ")}; got ${describe(v)}`);
    }
  }

  address(path: string, v: unknown): void {
    if (!this.string(path, v)) return;
    try {
      if (v.includes(":")) parseIPv6(v);
      else parseIPv4(v);
    } catch {
      this.fail(path, `expected a dotted IPv4 or an IPv6 address, got ${JSON.stringify(v)}`);
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
}

const UINT32 = 0xffffffff;
const UINT16 = 0xffff;
const TIME_MAX = Number.MAX_SAFE_INTEGER;

function checkSegment(c: Checker, path: string, v: unknown): void {
  if (!c.object(path, v)) return;
  c.keys(path, v, [
    "src",
    "dst",
    "srcPort",
    "dstPort",
    "seq",
    "ack",
    "flags",
    "window",
    "urgent",
    "options",
    "payload",
  ]);
  c.address(`${path}.src`, v.src);
  c.address(`${path}.dst`, v.dst);
  c.integer(`${path}.srcPort`, v.srcPort, 0, UINT16);
  c.integer(`${path}.dstPort`, v.dstPort, 0, UINT16);
  c.integer(`${path}.seq`, v.seq, 0, UINT32);
  c.integer(`${path}.ack`, v.ack, 0, UINT32);
  c.integer(`${path}.window`, v.window, 0, UINT16);
  c.integer(`${path}.urgent`, v.urgent, 0, UINT16);
  if (Array.isArray(v.flags)) {
    const seen = new Set<string>();
    v.flags.forEach((f, i) => {
      const at = `${path}.flags[${i}]`;
      if (typeof f !== "string" || !FLAG_NAMES.includes(f))
        c.fail(at, `expected one of ${FLAG_NAMES.join(", ")}; got ${describe(f)}`);
      else if (seen.has(f)) c.fail(at, `flag ${f} listed twice`);
      else seen.add(f);
    });
  } else if ("flags" in v)
    c.fail(`${path}.flags`, `expected an array of flag names, got ${describe(v.flags)}`);
  checkOptions(c, `${path}.options`, v.options);
  const p = `${path}.payload`;
  if (c.object(p, v.payload)) {
    c.keys(p, v.payload, ["length", "hex"]);
    const { length, hex } = v.payload;
    const lengthOk = c.integer(`${p}.length`, length, 0, 65535);
    if (c.string(`${p}.hex`, hex)) {
      if (!/^(?:[0-9a-f]{2})*$/.test(hex)) c.fail(`${p}.hex`, "expected lowercase hex digits, two per byte");
      else if (lengthOk && hex.length !== 2 * (length as number)) {
        c.fail(p, `length ${String(length)} does not match ${hex.length / 2} bytes of hex`);
      }
    }
  }
}

function checkOptions(c: Checker, path: string, v: unknown): void {
  if (!c.object(path, v)) return;
  c.keys(path, v, [], ["mss", "wscale", "sackPermitted", "timestamp", "sack"]);
  if ("mss" in v) c.integer(`${path}.mss`, v.mss, 0, UINT16);
  if ("wscale" in v) c.integer(`${path}.wscale`, v.wscale, 0, 255);
  if ("sackPermitted" in v) c.boolean(`${path}.sackPermitted`, v.sackPermitted);
  if ("timestamp" in v && c.object(`${path}.timestamp`, v.timestamp)) {
    c.keys(`${path}.timestamp`, v.timestamp, ["val", "ecr"]);
    c.integer(`${path}.timestamp.val`, v.timestamp.val, 0, UINT32);
    c.integer(`${path}.timestamp.ecr`, v.timestamp.ecr, 0, UINT32);
  }
  if ("sack" in v) {
    if (!Array.isArray(v.sack))
      c.fail(`${path}.sack`, `expected an array of [left, right] pairs, got ${describe(v.sack)}`);
    else
      v.sack.forEach((block, i) => {
        const at = `${path}.sack[${i}]`;
        if (!Array.isArray(block) || block.length !== 2) c.fail(at, "expected a [left, right] pair");
        else {
          c.integer(`${at}[0]`, block[0], 0, UINT32);
          c.integer(`${at}[1]`, block[1], 0, UINT32);
        }
      });
  }
}

function checkMeta(c: Checker, v: unknown): void {
  if (!c.object("meta", v)) return;
  c.keys("meta", v, ["scenario", "seed", "profile", "hosts"], ["description"]);
  c.stringOrNull("meta.scenario", v.scenario);
  if (v.seed !== null) c.integer("meta.seed", v.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  c.stringOrNull("meta.profile", v.profile);
  if ("description" in v) c.string("meta.description", v.description);
  if (!Array.isArray(v.hosts)) {
    if ("hosts" in v) c.fail("meta.hosts", `expected an array, got ${describe(v.hosts)}`);
    return;
  }
  const names = new Set<string>();
  v.hosts.forEach((h, i) => {
    const at = `meta.hosts[${i}]`;
    if (!c.object(at, h)) return;
    c.keys(at, h, ["name", "addresses"], ["profile"]);
    if (c.string(`${at}.name`, h.name, true)) {
      if (names.has(h.name)) c.fail(`${at}.name`, `host ${JSON.stringify(h.name)} listed twice`);
      names.add(h.name);
    }
    if (Array.isArray(h.addresses)) h.addresses.forEach((a, j) => c.address(`${at}.addresses[${j}]`, a));
    else if ("addresses" in h) c.fail(`${at}.addresses`, `expected an array, got ${describe(h.addresses)}`);
    if ("profile" in h) c.string(`${at}.profile`, h.profile);
  });
}

function checkEvent(c: Checker, path: string, v: unknown, sentIds: Set<number>, version: number): void {
  if (!c.object(path, v)) return;
  const kind = v.kind;
  if (typeof kind !== "string" || !Object.hasOwn(EVENT_FIELDS, kind)) {
    c.fail(`${path}.kind`, `expected one of ${Object.keys(EVENT_FIELDS).join(", ")}; got ${describe(kind)}`);
    return;
  }
  const fields = EVENT_FIELDS[kind as TraceEvent["kind"]];
  c.keys(path, v, ["kind", "t", "host", ...fields.required], fields.optional);
  c.integer(`${path}.t`, v.t, 0, TIME_MAX);
  c.string(`${path}.host`, v.host, true);
  const connOrNull = (): void => c.stringOrNull(`${path}.conn`, v.conn);
  switch (kind as TraceEvent["kind"]) {
    case "segment-sent":
      if (c.integer(`${path}.id`, v.id, 0, TIME_MAX)) {
        if (sentIds.has(v.id as number)) c.fail(`${path}.id`, `packet id ${String(v.id)} was already sent`);
        sentIds.add(v.id as number);
      }
      connOrNull();
      checkSegment(c, `${path}.seg`, v.seg);
      c.boolean(`${path}.retransmission`, v.retransmission);
      c.string(`${path}.why`, v.why);
      break;
    case "segment-received":
      c.integer(`${path}.id`, v.id, -1, TIME_MAX);
      connOrNull();
      checkSegment(c, `${path}.seg`, v.seg);
      break;
    case "segment-dropped":
      c.integer(`${path}.id`, v.id, -1, TIME_MAX);
      connOrNull();
      if (
        typeof v.reason !== "string" ||
        !(Object.hasOwn(DECODE_REASONS, v.reason) || Object.hasOwn(ENGINE_DROP_REASONS, v.reason))
      ) {
        c.fail(`${path}.reason`, `expected a decode or engine drop reason, got ${describe(v.reason)}`);
      }
      if (v.seg !== null) checkSegment(c, `${path}.seg`, v.seg);
      if ("detail" in v) c.string(`${path}.detail`, v.detail);
      break;
    case "network":
      c.oneOf(`${path}.action`, v.action, NETWORK_ACTIONS);
      c.integer(`${path}.id`, v.id, -1, TIME_MAX);
      c.string(`${path}.from`, v.from, true);
      c.string(`${path}.to`, v.to, true);
      if ("reason" in v) c.oneOf(`${path}.reason`, v.reason, NETWORK_DROP_REASONS);
      if ("fault" in v) c.string(`${path}.fault`, v.fault, true);
      break;
    case "state":
      c.string(`${path}.conn`, v.conn, true);
      c.oneOf(`${path}.from`, v.from, STATES);
      c.oneOf(`${path}.to`, v.to, STATES);
      c.string(`${path}.cause`, v.cause);
      if ("listener" in v) {
        // Version 2: a listening socket's own CLOSED → LISTEN / LISTEN → CLOSED (StateChangeEvent).
        if (version < 2) c.fail(`${path}.listener`, `new in version 2, this file says version ${version}`);
        else if (v.listener !== true)
          c.fail(`${path}.listener`, `expected true, got ${describe(v.listener)}`);
      }
      break;
    case "timer":
      c.string(`${path}.conn`, v.conn, true);
      c.oneOf(`${path}.timer`, v.timer, TIMER_NAMES);
      c.oneOf(`${path}.action`, v.action, TIMER_ACTIONS);
      if ("deadline" in v) c.integer(`${path}.deadline`, v.deadline, 0, TIME_MAX);
      break;
    case "app":
      connOrNull();
      c.string(`${path}.call`, v.call, true);
      if ("detail" in v) c.string(`${path}.detail`, v.detail);
      if ("error" in v) c.string(`${path}.error`, v.error, true);
      break;
    case "note":
      c.string(`${path}.text`, v.text);
      break;
  }
}

/** Check `value` against tcplab-trace (versions 1 and 2). On success the value itself is returned, typed. */
export function validateJsonTrace(value: unknown): TraceValidation {
  const c = new Checker();
  if (!c.object("(root)", value)) return { ok: false, errors: c.errors };
  if (value.schema !== TRACE_SCHEMA) {
    c.fail("schema", `expected "${TRACE_SCHEMA}", got ${describe(value.schema)}`);
    return { ok: false, errors: c.errors };
  }
  if (typeof value.version !== "number" || !TRACE_SCHEMA_VERSIONS_READ.includes(value.version)) {
    // A reader must not guess at a format it does not know (docs/trace-schema.md, "Versioning").
    c.fail(
      "version",
      `this reader understands versions ${TRACE_SCHEMA_VERSIONS_READ.join(" and ")}, got ${describe(value.version)}`,
    );
    return { ok: false, errors: c.errors };
  }
  const version = value.version;
  c.keys("(root)", value, ["schema", "version", "timeUnit", "meta", "events"]);
  if (value.timeUnit !== "us") c.fail("timeUnit", `expected "us", got ${describe(value.timeUnit)}`);
  checkMeta(c, value.meta);
  if (!Array.isArray(value.events)) {
    c.fail("events", `expected an array, got ${describe(value.events)}`);
  } else {
    const sentIds = new Set<number>();
    value.events.forEach((e, i) => checkEvent(c, `events[${i}]`, e, sentIds, version));
  }
  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return { ok: true, trace: value as unknown as JsonTrace };
}

/** Validate and convert back to TraceEvents; throws TraceSchemaError (code ERR_TCPLAB_TRACE_SCHEMA). */
export function fromJsonTrace(value: unknown): { meta: JsonTraceMeta; events: TraceEvent[] } {
  const result = validateJsonTrace(value);
  if (!result.ok) throw new TraceSchemaError(result.errors);
  return { meta: result.trace.meta, events: eventsFromJsonTrace(result.trace) };
}
