// What the views and pcap helpers accept as "a trace": the events array or anything holding one (a Trace,
// a simulator's trace). Checked here so a wrong argument says what to pass instead of drawing nothing.
import { ArgumentError, describe } from "../tcp/arg-error.js";
import type { TraceEvent } from "../tcp/events.js";

/** A trace as the views take it: the events, or an object with an `events` array (a `Trace`). */
export type TraceInput = readonly TraceEvent[] | { readonly events: readonly TraceEvent[] };

/** The events of `input`; throws a TypeError (ERR_TCPLAB_*) naming `call` when there are none to show. */
export function eventsOf(input: unknown, call: string): readonly TraceEvent[] {
  const events =
    typeof input === "object" && input !== null && !Array.isArray(input) && "events" in input
      ? (input as { events: unknown }).events
      : input;
  if (!Array.isArray(events)) {
    const hint =
      typeof input === "object" && input !== null && "enabled" in input
        ? " (this trace sink records nothing: use a Trace, the simulator's default)"
        : "";
    throw new ArgumentError(
      "ERR_TCPLAB_INVALID_ARG_TYPE",
      `${call}: pass the trace events (sim.trace.events) or the Trace, got ${describe(input)}${hint}`,
    );
  }
  if (events.length === 0) {
    throw new ArgumentError(
      "ERR_TCPLAB_MISSING_ARG",
      `${call}: the trace is empty — nothing happened yet (run the simulator first), or tracing was off`,
    );
  }
  return events as readonly TraceEvent[];
}

/** The host names that appear in the events (senders and receivers of events), in order of appearance. */
export function hostNamesIn(events: readonly TraceEvent[]): string[] {
  const names = new Set<string>();
  for (const e of events) if (e.kind !== "network") names.add(e.host);
  return [...names];
}
