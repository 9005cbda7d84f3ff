// Queries over a trace and the check constructors the verdicts are written with. Every verdict is
// computed from trace events (what was on the wire, which states each side went through, what each
// application was told), never from the printed views.
import type {
  AppEvent,
  NetworkEvent,
  SegmentDroppedEvent,
  SegmentSentEvent,
  StateChangeEvent,
  TimerEvent,
  TimerName,
  TimerAction,
  TraceEvent,
} from "../tcp/events.js";
import { isConnectionStateEvent } from "../tcp/events.js";
import { stateTimeline, type ConnectionTimeline } from "../trace/timeline.js";
import { formatDuration } from "../trace/duration.js";
import type { TcpState } from "../tcp/state.js";
import { ACK, FIN, RST, SYN, type Segment } from "../wire/segment.js";
import type { Check } from "./types.js";

export function check(name: string, pass: boolean, message: string): Check {
  return { name, pass, message };
}

/**
 * Every connection life (incarnation) a host went through, in order of first appearance. A listening
 * socket's own LISTEN is no connection life: checks such as "P went SYN_RECEIVED → ESTABLISHED" speak
 * of the connection the listener made, so listeners are left out here.
 */
export function lives(events: readonly TraceEvent[], host: string): ConnectionTimeline[] {
  return stateTimeline(events).connections.filter((c) => c.host === host && !c.listener);
}

/** The states entered by the host's nth connection life (0-based), or [] if it had none. */
export function statesOf(events: readonly TraceEvent[], host: string, nth = 0): TcpState[] {
  return lives(events, host)[nth]?.states ?? [];
}

/** "the client went SYN_SENT → ESTABLISHED → ..." checked against the exact expected sequence. */
export function expectStates(
  name: string,
  events: readonly TraceEvent[],
  host: string,
  expected: readonly TcpState[],
  nth = 0,
): Check {
  const got = statesOf(events, host, nth);
  const pass = got.length === expected.length && got.every((s, i) => s === expected[i]);
  return check(
    name,
    pass,
    pass
      ? `${host}: ${got.join(" → ")}`
      : `${host}: expected ${expected.join(" → ")}, got ${got.join(" → ") || "(no states)"}`,
  );
}

/** How long the host's nth life spent in `state` (the first time it entered it), or null. */
export function timeIn(events: readonly TraceEvent[], host: string, state: TcpState, nth = 0): number | null {
  const life = lives(events, host)[nth];
  const interval = life?.intervals.find((i) => i.state === state);
  return interval?.duration ?? null;
}

export function sent(
  events: readonly TraceEvent[],
  host?: string,
  predicate: (e: SegmentSentEvent) => boolean = () => true,
): SegmentSentEvent[] {
  return events.filter(
    (e): e is SegmentSentEvent =>
      e.kind === "segment-sent" && (host === undefined || e.host === host) && predicate(e),
  );
}

export function dropped(
  events: readonly TraceEvent[],
  host?: string,
  predicate: (e: SegmentDroppedEvent) => boolean = () => true,
): SegmentDroppedEvent[] {
  return events.filter(
    (e): e is SegmentDroppedEvent =>
      e.kind === "segment-dropped" && (host === undefined || e.host === host) && predicate(e),
  );
}

export function network(
  events: readonly TraceEvent[],
  predicate: (e: NetworkEvent) => boolean,
): NetworkEvent[] {
  return events.filter((e): e is NetworkEvent => e.kind === "network" && predicate(e));
}

/** The connections' state changes (a listener's own CLOSED → LISTEN → CLOSED left out: `isConnectionStateEvent`). */
export function stateChanges(
  events: readonly TraceEvent[],
  host?: string,
  predicate: (e: StateChangeEvent) => boolean = () => true,
): StateChangeEvent[] {
  return events.filter(
    (e): e is StateChangeEvent =>
      isConnectionStateEvent(e) && (host === undefined || e.host === host) && predicate(e),
  );
}

export function timers(
  events: readonly TraceEvent[],
  host: string,
  timer: TimerName,
  action?: TimerAction,
): TimerEvent[] {
  return events.filter(
    (e): e is TimerEvent =>
      e.kind === "timer" &&
      e.host === host &&
      e.timer === timer &&
      (action === undefined || e.action === action),
  );
}

export function appEvents(
  events: readonly TraceEvent[],
  host: string,
  predicate: (e: AppEvent) => boolean = () => true,
): AppEvent[] {
  return events.filter((e): e is AppEvent => e.kind === "app" && e.host === host && predicate(e));
}

/** Error codes the host's applications were given (from calls or from the connection ending). */
export function appErrors(events: readonly TraceEvent[], host: string): string[] {
  return appEvents(events, host, (e) => e.error !== undefined).map((e) => e.error as string);
}

export const isSyn = (s: Segment): boolean => (s.flags & (SYN | ACK)) === SYN;
export const isSynAck = (s: Segment): boolean => (s.flags & (SYN | ACK)) === (SYN | ACK);
export const isFin = (s: Segment): boolean => (s.flags & FIN) !== 0;
export const isRst = (s: Segment): boolean => (s.flags & RST) !== 0;
export const isPureAck = (s: Segment): boolean =>
  (s.flags & (SYN | FIN | RST | ACK)) === ACK && s.payload.length === 0;

/** A short description of a segment for messages: "FIN,ACK", "ACK", "SYN". */
export function flagText(s: Segment): string {
  const names: string[] = [];
  if (s.flags & SYN) names.push("SYN");
  if (s.flags & FIN) names.push("FIN");
  if (s.flags & RST) names.push("RST");
  if (s.flags & ACK) names.push("ACK");
  const base = names.join(",");
  return s.payload.length > 0 ? `${base} +${s.payload.length} bytes` : base;
}

export function duration(us: number): string {
  return formatDuration(Math.max(0, Math.round(us)));
}

/** Summarise a list for a message: "a, b, c" or "(none)". */
export function list(items: readonly string[]): string {
  return items.length === 0 ? "(none)" : items.join(", ");
}
