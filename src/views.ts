/**
 * tcplab/views: what a trace looks like to a person or another program — the RFC-style ladder diagram, the
 * state timeline of each connection, tcpdump-style lines and the JSON trace. Browser-safe (no Node
 * built-in). The drawing code lives in src/trace/; these entry points take a trace in any of its forms
 * (the events, a Trace, a Simulator) and refuse an empty or wrong one instead of drawing nothing.
 * @module tcplab/views
 */
import { renderLadder as drawLadder, type LadderOptions } from "./trace/ladder.js";
import {
  renderTimeline as drawTimeline,
  stateTimeline as buildTimeline,
  type StateTimeline,
  type TimelineOptions,
} from "./trace/timeline.js";
import { toJsonTrace as buildJsonTrace, type JsonTrace, type TraceMeta } from "./trace/json-trace.js";
import type { HostSpec } from "./trace/hosts.js";
import { eventsOf, type TraceInput } from "./trace/trace-input.js";

export { LadderOptionError, type LadderOptions } from "./trace/ladder.js";
export type { StateInterval, ConnectionTimeline, StateTimeline, TimelineOptions } from "./trace/timeline.js";
export type { HostSpec } from "./trace/hosts.js";
export type { TraceInput } from "./trace/trace-input.js";
export {
  TRACE_SCHEMA,
  TRACE_SCHEMA_VERSION,
  TRACE_SCHEMA_VERSIONS_READ,
  eventsFromJsonTrace,
  segmentToJson,
  segmentFromJson,
  type JsonTrace,
  type JsonTraceMeta,
  type JsonTraceEvent,
  type JsonSegment,
  type JsonTcpOptions,
  type JsonHost,
  type JsonSegmentSentEvent,
  type JsonSegmentReceivedEvent,
  type JsonSegmentDroppedEvent,
  type TraceMeta,
} from "./trace/json-trace.js";
export {
  validateJsonTrace,
  fromJsonTrace,
  TraceSchemaError,
  type TraceValidation,
} from "./trace/json-validate.js";
export { formatSegment, formatOptions, tcpdumpFlags, type FormatOptions } from "./wire/format.js";
export { formatDuration, formatClock, parseDuration, DurationError } from "./trace/duration.js";
export type { LabelStyle, SequenceMode } from "./trace/segment-label.js";

/**
 * The ladder diagram of a trace, in the style of RFC 9293's figures: one column per host, each segment an
 * arrow labelled `<SEQ=..><ACK=..><CTL=..>`, each host's state after the line, timers and application
 * calls in their host's column. `trace` is the events, a Trace or a Simulator.
 */
export function renderLadder(trace: TraceInput, options: LadderOptions = {}): string {
  return drawLadder(eventsOf(trace, "renderLadder(trace)"), options);
}

/** Each host's connections and the states they went through, with times and causes, as text. */
export function renderTimeline(trace: TraceInput, options: TimelineOptions = {}): string {
  return drawTimeline(eventsOf(trace, "renderTimeline(trace)"), options);
}

/** The same as data: every connection's state intervals (for your own rendering). */
export function stateTimeline(trace: TraceInput, hosts: readonly HostSpec[] = []): StateTimeline {
  return buildTimeline(eventsOf(trace, "stateTimeline(trace)"), hosts);
}

/** The JSON trace (schema "tcplab-trace", docs/trace-schema.md): plain data, for files and other programs. */
export function toJsonTrace(trace: TraceInput, meta: TraceMeta = {}): JsonTrace {
  return buildJsonTrace(eventsOf(trace, "toJsonTrace(trace)"), meta);
}
