// The transitions of RFC 9293 Figure 5 (§3.3.2), as the engine's trace writes them, for checking that
// every state change a scenario produced is one the RFC's state diagram has.
import type { StateChangeEvent, TraceEvent } from "../tcp/events.js";
import type { TcpState } from "../tcp/state.js";

type Edge = `${TcpState}>${TcpState}`;

const FIGURE_5: ReadonlySet<Edge> = new Set<Edge>([
  "CLOSED>LISTEN", // passive OPEN (a listener's own event, listener: true)
  "LISTEN>CLOSED", // CLOSE, delete TCB (the listener's)
  "CLOSED>SYN_SENT", // active OPEN, snd SYN
  "LISTEN>SYN_RECEIVED", // rcv SYN, snd SYN,ACK
  "LISTEN>SYN_SENT", // SEND
  "SYN_SENT>SYN_RECEIVED", // rcv SYN (simultaneous open)
  "SYN_SENT>ESTABLISHED", // rcv SYN,ACK, snd ACK
  "SYN_RECEIVED>ESTABLISHED", // rcv ACK of SYN
  "SYN_RECEIVED>FIN_WAIT_1", // CLOSE, snd FIN
  "SYN_RECEIVED>LISTEN", // rcv RST (passive)
  "ESTABLISHED>FIN_WAIT_1", // CLOSE, snd FIN
  "ESTABLISHED>CLOSE_WAIT", // rcv FIN, snd ACK
  "FIN_WAIT_1>FIN_WAIT_2", // rcv ACK of FIN
  "FIN_WAIT_1>CLOSING", // rcv FIN, snd ACK
  "FIN_WAIT_2>TIME_WAIT", // rcv FIN, snd ACK
  "CLOSING>TIME_WAIT", // rcv ACK of FIN
  "CLOSE_WAIT>LAST_ACK", // CLOSE, snd FIN
  "LAST_ACK>CLOSED", // rcv ACK of FIN
  "TIME_WAIT>CLOSED", // timeout = 2MSL
]);

/**
 * Edges the figure leaves to the text of §3.10: FIN and ACK of our FIN in one segment (§3.10.7.4,
 * FIN_WAIT_1 "if our FIN has been ACKed (perhaps in this segment) ... enter TIME-WAIT"), and the way every
 * state reaches CLOSED on ABORT, RST, or a user timeout (§3.10.5, §3.10.7.4, §3.10.8).
 */
function allowedByText(e: StateChangeEvent): boolean {
  if (e.from === "FIN_WAIT_1" && e.to === "TIME_WAIT") return true;
  if (e.to === "CLOSED") return true;
  return false;
}

/**
 * The engine keeps a half-open child of a listener as its own connection: its first event is
 * CLOSED → SYN_RECEIVED ("rcv SYN"), which is Figure 5's LISTEN → SYN_RECEIVED for that child.
 */
function asFigureEdge(e: StateChangeEvent): Edge {
  if (e.from === "CLOSED" && e.to === "SYN_RECEIVED") return "LISTEN>SYN_RECEIVED";
  return `${e.from}>${e.to}`;
}

export function isFigure5Transition(e: StateChangeEvent): boolean {
  return FIGURE_5.has(asFigureEdge(e)) || allowedByText(e);
}

/** State changes in the trace that RFC 9293 does not allow. */
export function illegalTransitions(events: readonly TraceEvent[]): StateChangeEvent[] {
  return events.filter((e): e is StateChangeEvent => e.kind === "state" && !isFigure5Transition(e));
}

/** The Figure 5 edges a trace exercised. */
export function figureEdgesSeen(events: readonly TraceEvent[]): Set<string> {
  const seen = new Set<string>();
  for (const e of events) if (e.kind === "state" && FIGURE_5.has(asFigureEdge(e))) seen.add(asFigureEdge(e));
  return seen;
}

export const FIGURE_5_EDGES: readonly string[] = [...FIGURE_5];
