// The eleven connection states of RFC 9293 §3.3.2 (Figure 5).
import type { TraceSink } from "./events.js";

/** A TCP connection state (RFC 9293 §3.3.2). */
export type TcpState =
  | "CLOSED"
  | "LISTEN"
  | "SYN_SENT"
  | "SYN_RECEIVED"
  | "ESTABLISHED"
  | "FIN_WAIT_1"
  | "FIN_WAIT_2"
  | "CLOSE_WAIT"
  | "CLOSING"
  | "LAST_ACK"
  | "TIME_WAIT";

/** The eleven states of RFC 9293 §3.3.2, in the RFC's order. */
export const ALL_STATES: readonly TcpState[] = [
  "CLOSED",
  "LISTEN",
  "SYN_SENT",
  "SYN_RECEIVED",
  "ESTABLISHED",
  "FIN_WAIT_1",
  "FIN_WAIT_2",
  "CLOSE_WAIT",
  "CLOSING",
  "LAST_ACK",
  "TIME_WAIT",
];

/** RFC 9293 §3.3.2: the states after the handshake has completed. */
export function isSynchronized(state: TcpState): boolean {
  return state !== "CLOSED" && state !== "LISTEN" && state !== "SYN_SENT" && state !== "SYN_RECEIVED";
}

/**
 * The one place a state change becomes an event (design rule 2): every transition of a connection
 * (Connection.setState), of a TIME_WAIT record that outlived its Connection object (its expiry, an RST
 * or a new SYN that ends it, a connect that reuses it: ./engine.ts) and of a listening socket (CLOSED →
 * LISTEN on listen(), LISTEN → CLOSED when it is closed: ./engine.ts) is reported through here. A
 * listener's events carry `listener: true` (see StateChangeEvent); a connection's do not have the field.
 */
export function reportStateChange(
  trace: TraceSink,
  t: number,
  host: string,
  conn: string,
  from: TcpState,
  to: TcpState,
  cause: string,
  listener = false,
): void {
  if (!trace.enabled) return;
  if (listener) trace.emit({ kind: "state", t, host, conn, from, to, cause, listener: true });
  else trace.emit({ kind: "state", t, host, conn, from, to, cause });
}
