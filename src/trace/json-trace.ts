// The JSON form of a trace: schema "tcplab-trace", version 2 (docs/trace-schema.md).
// Shared by `tcplab run --json`, the web playground, pcap export and tests, so it is plain data:
// addresses dotted, flags by name, payload as length + lowercase hex, times integer microseconds.
// No Node APIs here: the playground reads and writes the same format in a browser.
import type {
  AppEvent,
  NetworkEvent,
  NoteEvent,
  SegmentDroppedEvent,
  SegmentReceivedEvent,
  SegmentSentEvent,
  StateChangeEvent,
  TimerEvent,
  TraceEvent,
} from "../tcp/events.js";
import type { Segment, TcpOptions } from "../wire/segment.js";
import { FLAG_NAMES, flagNameList, flagsFromNames } from "../wire/flags.js";
import { formatAddress, parseAddress } from "../wire/address-table.js";
import { discoverHosts } from "./hosts.js";

/** The JSON trace's schema name. */
export const TRACE_SCHEMA = "tcplab-trace";
/**
 * The JSON trace's schema version, the one written (docs/trace-schema.md, "Versioning"). 2 added
 * `listener: true` on a listening socket's own state events.
 */
export const TRACE_SCHEMA_VERSION = 2;
/** The versions a reader understands: a version 1 file is a valid version 2 file without listener events. */
export const TRACE_SCHEMA_VERSIONS_READ: readonly number[] = [1, 2];

/** TCP options in a JSON trace. */
export interface JsonTcpOptions {
  mss?: number;
  wscale?: number;
  sackPermitted?: boolean;
  timestamp?: { val: number; ecr: number };
  sack?: Array<[number, number]>;
}

/** A segment in a JSON trace. */
export interface JsonSegment {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** Flag names in the order SYN, FIN, RST, PSH, ACK, URG, ECE, CWR. */
  flags: string[];
  window: number;
  urgent: number;
  options: JsonTcpOptions;
  /** The payload in full: its length and its bytes as lowercase hex (two digits per byte). */
  payload: { length: number; hex: string };
}

/** segment-sent in a JSON trace. */
export type JsonSegmentSentEvent = Omit<SegmentSentEvent, "seg"> & { seg: JsonSegment };
/** segment-received in a JSON trace. */
export type JsonSegmentReceivedEvent = Omit<SegmentReceivedEvent, "seg"> & { seg: JsonSegment };
/** segment-dropped in a JSON trace. */
export type JsonSegmentDroppedEvent = Omit<SegmentDroppedEvent, "seg"> & { seg: JsonSegment | null };

/** An event of a JSON trace. */
export type JsonTraceEvent =
  | JsonSegmentSentEvent
  | JsonSegmentReceivedEvent
  | JsonSegmentDroppedEvent
  | NetworkEvent
  | StateChangeEvent
  | TimerEvent
  | AppEvent
  | NoteEvent;

/** A host of a JSON trace. */
export interface JsonHost {
  name: string;
  addresses: string[];
  profile?: string;
}

/** What a JSON trace says about its run (scenario, seed, profile, hosts). */
export interface JsonTraceMeta {
  scenario: string | null;
  seed: number | null;
  profile: string | null;
  hosts: JsonHost[];
  description?: string;
}

/** A trace as plain JSON data (docs/trace-schema.md). */
export interface JsonTrace {
  schema: typeof TRACE_SCHEMA;
  /** The version written is TRACE_SCHEMA_VERSION; a file read may be any of TRACE_SCHEMA_VERSIONS_READ. */
  version: number;
  timeUnit: "us";
  meta: JsonTraceMeta;
  events: JsonTraceEvent[];
}

/** What the producer knows about the run. Hosts default to those seen in the events. */
export interface TraceMeta {
  scenario?: string | null;
  seed?: number | null;
  profile?: string | null;
  hosts?: Array<{ name: string; addresses: ReadonlyArray<number | string>; profile?: string }>;
  description?: string;
}

/** The JSON trace writes flags by RFC name (one table: ../wire/flags.ts). */
export { FLAG_NAMES };

export function flagsToNames(flags: number): string[] {
  return flagNameList(flags);
}

export function namesToFlags(names: readonly string[]): number {
  return flagsFromNames(names);
}

const HEX = "0123456789abcdef";

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += (HEX[b >> 4] ?? "") + (HEX[b & 15] ?? "");
  return out;
}

/** Lowercase or uppercase hex of even length → bytes. The validator has checked the syntax. */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A segment in the JSON trace's form. */
export function segmentToJson(seg: Segment): JsonSegment {
  const o = seg.options;
  const options: JsonTcpOptions = {};
  if (o.mss !== undefined) options.mss = o.mss;
  if (o.wscale !== undefined) options.wscale = o.wscale;
  if (o.sackPermitted !== undefined) options.sackPermitted = o.sackPermitted;
  if (o.timestamp !== undefined) options.timestamp = { val: o.timestamp.val, ecr: o.timestamp.ecr };
  if (o.sack !== undefined) options.sack = o.sack.map(([l, r]) => [l, r]);
  return {
    src: formatAddress(seg.srcAddr),
    dst: formatAddress(seg.dstAddr),
    srcPort: seg.srcPort,
    dstPort: seg.dstPort,
    seq: seg.seq >>> 0,
    ack: seg.ack >>> 0,
    flags: flagsToNames(seg.flags),
    window: seg.window,
    urgent: seg.urgent,
    options,
    payload: { length: seg.payload.length, hex: toHex(seg.payload) },
  };
}

/** A segment back from the JSON trace's form. */
export function segmentFromJson(j: JsonSegment): Segment {
  const options: TcpOptions = {};
  if (j.options.mss !== undefined) options.mss = j.options.mss;
  if (j.options.wscale !== undefined) options.wscale = j.options.wscale;
  if (j.options.sackPermitted !== undefined) options.sackPermitted = j.options.sackPermitted;
  if (j.options.timestamp !== undefined) options.timestamp = { ...j.options.timestamp };
  if (j.options.sack !== undefined) options.sack = j.options.sack.map(([l, r]) => [l, r]);
  return {
    srcAddr: parseAddress(j.src),
    dstAddr: parseAddress(j.dst),
    srcPort: j.srcPort,
    dstPort: j.dstPort,
    seq: j.seq,
    ack: j.ack,
    flags: namesToFlags(j.flags),
    window: j.window,
    urgent: j.urgent,
    options,
    payload: fromHex(j.payload.hex),
  };
}

/** Copy only the fields the schema defines, in a fixed order, leaving out absent optional ones. */
function eventToJson(e: TraceEvent): JsonTraceEvent {
  const base = { t: e.t, host: e.host };
  switch (e.kind) {
    case "segment-sent":
      return {
        kind: e.kind,
        ...base,
        id: e.id,
        conn: e.conn,
        seg: segmentToJson(e.seg),
        retransmission: e.retransmission,
        why: e.why,
      };
    case "segment-received":
      return { kind: e.kind, ...base, id: e.id, conn: e.conn, seg: segmentToJson(e.seg) };
    case "segment-dropped":
      return {
        kind: e.kind,
        ...base,
        id: e.id,
        conn: e.conn,
        reason: e.reason,
        seg: e.seg ? segmentToJson(e.seg) : null,
        ...(e.detail !== undefined ? { detail: e.detail } : {}),
      };
    case "network":
      return {
        kind: e.kind,
        ...base,
        action: e.action,
        id: e.id,
        from: e.from,
        to: e.to,
        ...(e.reason !== undefined ? { reason: e.reason } : {}),
        ...(e.fault !== undefined ? { fault: e.fault } : {}),
      };
    case "state":
      return {
        kind: e.kind,
        ...base,
        conn: e.conn,
        from: e.from,
        to: e.to,
        cause: e.cause,
        ...(e.listener === true ? { listener: true as const } : {}),
      };
    case "timer":
      return {
        kind: e.kind,
        ...base,
        conn: e.conn,
        timer: e.timer,
        action: e.action,
        ...(e.deadline !== undefined ? { deadline: e.deadline } : {}),
      };
    case "app":
      return {
        kind: e.kind,
        ...base,
        conn: e.conn,
        call: e.call,
        ...(e.detail !== undefined ? { detail: e.detail } : {}),
        ...(e.error !== undefined ? { error: e.error } : {}),
      };
    case "note":
      return { kind: e.kind, ...base, text: e.text };
  }
}

function eventFromJson(e: JsonTraceEvent): TraceEvent {
  switch (e.kind) {
    case "segment-sent":
      return { ...e, seg: segmentFromJson(e.seg) };
    case "segment-received":
      return { ...e, seg: segmentFromJson(e.seg) };
    case "segment-dropped":
      return { ...e, seg: e.seg ? segmentFromJson(e.seg) : null };
    case "network":
      return { ...e };
    case "state":
      return { ...e };
    case "timer":
      return { ...e };
    case "app":
      return { ...e };
    case "note":
      return { ...e };
  }
}

export function toJsonTrace(events: readonly TraceEvent[], meta: TraceMeta = {}): JsonTrace {
  const hosts: JsonHost[] = meta.hosts
    ? meta.hosts.map((h) => ({
        name: h.name,
        addresses: h.addresses.map((a) => (typeof a === "number" ? formatAddress(a) : a)),
        ...(h.profile !== undefined ? { profile: h.profile } : {}),
      }))
    : discoverHosts(events).map((h) => ({ name: h.name, addresses: h.addresses.map(formatAddress) }));
  return {
    schema: TRACE_SCHEMA,
    version: TRACE_SCHEMA_VERSION,
    timeUnit: "us",
    meta: {
      scenario: meta.scenario ?? null,
      seed: meta.seed ?? null,
      profile: meta.profile ?? null,
      hosts,
      ...(meta.description !== undefined ? { description: meta.description } : {}),
    },
    events: events.map(eventToJson),
  };
}

/** The events of a JSON trace that has passed validateJsonTrace, as engine-side TraceEvents. */
export function eventsFromJsonTrace(trace: JsonTrace): TraceEvent[] {
  return trace.events.map(eventFromJson);
}
