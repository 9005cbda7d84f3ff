// RFC 9293 Figure 5, the connection state diagram: every edge, the rule it follows, and where the code
// takes it. The rules that pick the next state are small pure functions here, matched on (state, event) in
// the manner of smoltcp's (state, control) match; the connection (./connection.ts, ./segment-arrives.ts,
// ./ack-step.ts, ./text-step.ts, ./handshake.ts) calls them and does
// what the edge says (send, arm, report). TIME_WAIT is a compact record of the host's, so its edges are
// the verdicts of ./timewait.ts (Linux's tcp_timewait_state_process shape).
//
// To find a transition: look it up in FIGURE_5 below (from, to), read its rule, jump to `where`.
import type { TcpState } from "./state.js";

/** One edge taken: the next state and the cause its state event carries. */
export interface Transition {
  readonly to: TcpState;
  readonly cause: string;
}

function edge(to: TcpState, cause: string): Transition {
  return Object.freeze({ to, cause });
}

// ------------------------------------------------------------------------------- the edges, as rules

/** §3.10.1 OPEN, active: CLOSED → SYN_SENT, a SYN goes. */
export const ACTIVE_OPEN = edge("SYN_SENT", "connect");
/** §3.10.7.2 third check: a SYN at a listener makes a child, LISTEN → SYN_RECEIVED, a SYN,ACK goes. */
export const PASSIVE_OPEN = edge("SYN_RECEIVED", "rcv SYN");
/** A valid SYN cookie ACK: the child the cookie stood for goes SYN_RECEIVED → ESTABLISHED at once. */
export const COOKIE_COMPLETED = edge("ESTABLISHED", "rcv ACK (SYN cookie)");

/**
 * §3.10.7.3 fourth check, SYN_SENT with a SYN: if our SYN is acknowledged (a SYN,ACK) → ESTABLISHED, ACK
 * it; else a simultaneous open (MUST-10, Figure 8) → SYN_RECEIVED, send SYN,ACK.
 */
export function synSentGetsSyn(ourSynAcked: boolean): Transition {
  return ourSynAcked ? SYN_SENT_ESTABLISHED : SIMULTANEOUS_OPEN;
}
const SYN_SENT_ESTABLISHED = edge("ESTABLISHED", "rcv SYN,ACK");
const SIMULTANEOUS_OPEN = edge("SYN_RECEIVED", "rcv SYN (simultaneous open)");

/** §3.10.7.4 fifth check, SYN_RECEIVED: an acceptable ACK of our SYN → ESTABLISHED. */
export const SYN_RECEIVED_ESTABLISHED = edge("ESTABLISHED", "rcv ACK");

/**
 * §3.10.4: a CLOSE before the handshake completed is queued ("queue for processing after entering
 * ESTABLISHED state"); on completion the connection goes on at once to FIN_WAIT_1, and the FIN follows
 * the data written before it.
 */
export function queuedClose(completedFrom: "SYN_SENT" | "SYN_RECEIVED"): Transition {
  return completedFrom === "SYN_SENT" ? QUEUED_CLOSE_SYN_SENT : QUEUED_CLOSE_SYN_RECEIVED;
}
const QUEUED_CLOSE_SYN_SENT = edge("FIN_WAIT_1", "close (queued in SYN_SENT)");
const QUEUED_CLOSE_SYN_RECEIVED = edge("FIN_WAIT_1", "close (queued before ESTABLISHED)");

/** §3.10.4 CLOSE (or shutdown(SHUT_WR)): may the application queue our FIN in this state? */
export function closeQueuesFin(state: TcpState): boolean {
  return (
    state === "SYN_SENT" || state === "SYN_RECEIVED" || state === "ESTABLISHED" || state === "CLOSE_WAIT"
  );
}

/**
 * §3.10.4 CLOSE: ESTABLISHED → FIN_WAIT_1, CLOSE_WAIT → LAST_ACK (the FIN goes once the data before it
 * has). SYN_SENT and SYN_RECEIVED only queue it (see queuedClose); null: no edge now.
 */
export function closeCall(state: TcpState): Transition | null {
  if (state === "ESTABLISHED") return CLOSE_ESTABLISHED;
  if (state === "CLOSE_WAIT") return CLOSE_CLOSE_WAIT;
  return null;
}
const CLOSE_ESTABLISHED = edge("FIN_WAIT_1", "close");
const CLOSE_CLOSE_WAIT = edge("LAST_ACK", "close");

/**
 * The states that send our FIN once it is queued and the data before it has gone: those Figure 5 enters
 * with "snd FIN" (FIN_WAIT_1, LAST_ACK) and CLOSING, which a FIN not yet acknowledged may still need.
 */
export function sendsFin(state: TcpState): boolean {
  return state === "FIN_WAIT_1" || state === "LAST_ACK" || state === "CLOSING";
}

/**
 * §3.10.7.4 fifth check, the state-specific part: our FIN acknowledged. FIN_WAIT_1 → FIN_WAIT_2,
 * CLOSING → TIME_WAIT, LAST_ACK → CLOSED; null elsewhere.
 */
export function finAcked(state: TcpState): Transition | null {
  switch (state) {
    case "FIN_WAIT_1":
      return FIN_WAIT_1_ACKED;
    case "CLOSING":
      return CLOSING_ACKED;
    case "LAST_ACK":
      return LAST_ACK_ACKED;
    default:
      return null;
  }
}
const FIN_WAIT_1_ACKED = edge("FIN_WAIT_2", "rcv ACK of FIN");
const CLOSING_ACKED = edge("TIME_WAIT", "rcv ACK of FIN");
const LAST_ACK_ACKED = edge("CLOSED", "rcv ACK of FIN");

/**
 * §3.10.7.4 eighth step: the peer's FIN, in sequence. ESTABLISHED → CLOSE_WAIT; FIN_WAIT_1 → TIME_WAIT
 * if our FIN is acknowledged ("perhaps in this segment"), else CLOSING (simultaneous close, S5);
 * FIN_WAIT_2 → TIME_WAIT. Null in the states that already had the peer's FIN (stay, re-ACK it).
 * (SYN_RECEIVED's "enter CLOSE_WAIT" never applies: text and FIN are taken only once ESTABLISHED.)
 */
export function finArrives(state: TcpState, ourFinAcked: boolean): Transition | null {
  switch (state) {
    case "ESTABLISHED":
      return ESTABLISHED_FIN;
    case "FIN_WAIT_1":
      return ourFinAcked ? FIN_WAIT_1_FIN_ACKED : SIMULTANEOUS_CLOSE;
    case "FIN_WAIT_2":
      return FIN_WAIT_2_FIN;
    default:
      return null;
  }
}
const ESTABLISHED_FIN = edge("CLOSE_WAIT", "rcv FIN");
const FIN_WAIT_1_FIN_ACKED = edge("TIME_WAIT", "rcv FIN");
const SIMULTANEOUS_CLOSE = edge("CLOSING", "rcv FIN");
const FIN_WAIT_2_FIN = edge("TIME_WAIT", "rcv FIN");

// ------------------------------------------------------------------------------- the map

/** One edge of Figure 5 (or one the RFC's text adds), for readers and for the test that keeps this honest. */
export interface Figure5Edge {
  readonly from: TcpState;
  readonly to: TcpState;
  /** The event, as Figure 5 labels it. */
  readonly event: string;
  /** The rule: RFC 9293 section (or the RFC / Linux behaviour that refines it). */
  readonly rule: string;
  /** Where the code takes the edge. */
  readonly where: string;
}

/**
 * Every transition the engine makes, Figure 5 first, then the RFC's text beyond the figure (resets,
 * timeouts). Kept complete by test/tcp/transitions.test.ts, which runs every scenario and checks each
 * state event it sees against this list.
 */
function e(from: TcpState, to: TcpState, event: string, rule: string, where: string): Figure5Edge {
  return { from, to, event, rule, where };
}

// One row an edge: from, to, the event as Figure 5 labels it, the rule, where the code takes it.
// prettier-ignore
export const FIGURE_5: readonly Figure5Edge[] = [
  e("CLOSED", "LISTEN", "passive OPEN / create TCB", "§3.10.1", "Host.listen (./engine.ts): a Listener (./listen.ts), its event marked listener: true"),
  e("LISTEN", "CLOSED", "CLOSE / delete TCB (the listener; children not yet accepted are reset)", "§3.10.4", "Host.closeListener (./engine.ts), its event marked listener: true"),
  e("CLOSED", "SYN_SENT", "active OPEN / snd SYN", "§3.10.1", "ACTIVE_OPEN, Connection.openActive"),
  e("LISTEN", "SYN_RECEIVED", "rcv SYN / snd SYN,ACK", "§3.10.7.2 third check", "PASSIVE_OPEN, Connection.openPassive"),
  e("CLOSED", "SYN_RECEIVED", "the same edge as the trace shows it: the listener stays LISTEN, the child it makes goes CLOSED → SYN_RECEIVED", "§3.10.7.2 third check", "PASSIVE_OPEN, Connection.openPassive (child made by Host.spawnChild, ./engine.ts; LISTEN rules in ./listen.ts)"),
  e("SYN_RECEIVED", "ESTABLISHED", "rcv ACK of SYN (SYN cookie)", "RFC 4987 §3.6; Linux cookie_v4_check", "COOKIE_COMPLETED, Connection.openFromCookie"),
  e("SYN_SENT", "SYN_RECEIVED", "rcv SYN / snd SYN,ACK (simultaneous open)", "§3.10.7.3 fourth check, MUST-10", "synSentGetsSyn, synSentArrives (./segment-arrives.ts)"),
  e("SYN_SENT", "ESTABLISHED", "rcv SYN,ACK / snd ACK", "§3.10.7.3 fourth check", "synSentGetsSyn, synSentArrives (./segment-arrives.ts)"),
  e("SYN_RECEIVED", "ESTABLISHED", "rcv ACK of SYN", "§3.10.7.4 fifth check", "SYN_RECEIVED_ESTABLISHED, synchronizedArrives (./segment-arrives.ts)"),
  e("ESTABLISHED", "FIN_WAIT_1", "CLOSE / snd FIN (a CLOSE queued before ESTABLISHED)", "§3.10.4", "queuedClose, completeHandshake (./handshake.ts)"),
  e("ESTABLISHED", "FIN_WAIT_1", "CLOSE / snd FIN", "§3.10.4", "closeCall, Connection.shutdown"),
  e("CLOSE_WAIT", "LAST_ACK", "CLOSE / snd FIN", "§3.10.4", "closeCall, Connection.shutdown"),
  e("ESTABLISHED", "CLOSE_WAIT", "rcv FIN / snd ACK", "§3.10.7.4 eighth step", "finArrives, finArrives (./text-step.ts)"),
  e("FIN_WAIT_1", "CLOSING", "rcv FIN / snd ACK (simultaneous close)", "§3.10.7.4 eighth step", "finArrives, finArrives (./text-step.ts)"),
  e("FIN_WAIT_1", "TIME_WAIT", "rcv FIN, our FIN acked / snd ACK", "§3.10.7.4 eighth step", "finArrives, finArrives (./text-step.ts)"),
  e("FIN_WAIT_1", "FIN_WAIT_2", "rcv ACK of FIN", "§3.10.7.4 fifth check", "finAcked, processAck (./ack-step.ts)"),
  e("FIN_WAIT_2", "TIME_WAIT", "rcv FIN / snd ACK", "§3.10.7.4 eighth step", "finArrives, finArrives (./text-step.ts)"),
  e("CLOSING", "TIME_WAIT", "rcv ACK of FIN", "§3.10.7.4 fifth check", "finAcked, processAck (./ack-step.ts)"),
  e("LAST_ACK", "CLOSED", "rcv ACK of FIN", "§3.10.7.4 fifth check", "finAcked, processAck (./ack-step.ts)"),
  e("TIME_WAIT", "CLOSED", "timeout = 2MSL", "§3.10.8 time-wait timeout", "Host.expireTimeWait (./engine.ts)"),
  e("TIME_WAIT", "CLOSED", "rcv SYN: a new incarnation (TIME_WAIT on a SYN)", "RFC 1122 §4.2.2.13, RFC 6191; RFC 5961 §4 challenge ACK otherwise", "timeWaitVerdict accept-syn (./timewait.ts), Host.timeWaitArrives (./engine.ts)"),
  e("TIME_WAIT", "CLOSED", "rcv RST, exact SEQ", "§3.10.7.4 second check (RFC 1337: profile.rfc1337 ignores it)", "timeWaitVerdict kill (./timewait.ts), Host.timeWaitArrives (./engine.ts)"),
  e("SYN_SENT", "CLOSED", "CLOSE / delete TCB", "§3.10.4", "Connection.close"),
  e("SYN_SENT", "CLOSED", "rcv RST,ACK (connection refused)", "§3.10.7.3 second check, RFC 5961 §3.2", "synSentArrives (./segment-arrives.ts)"),
  e("SYN_SENT", "CLOSED", "SYN retries exhausted", "§3.8.3 R2; Linux tcp_syn_retries", "retransmitTimeout (./retransmit.ts; ./timers.ts dispatch)"),
  e("SYN_RECEIVED", "CLOSED", "rcv RST (a passive child returns to LISTEN: it disappears)", "§3.10.7.4 second check", "resetArrives (./segment-arrives.ts)"),
  e("SYN_RECEIVED", "CLOSED", "rcv SYN (passive: back to LISTEN)", "§3.10.7.4 fourth check", "synchronizedArrives (./segment-arrives.ts)"),
  e("SYN_RECEIVED", "CLOSED", "SYN,ACK retries exhausted", "§3.8.3 R2; Linux tcp_synack_retries (passive), tcp_syn_retries (simultaneous open)", "retransmitTimeout (./retransmit.ts)"),
  e("ESTABLISHED", "CLOSED", "rcv RST / ABORT / timeout (retransmission, user, keepalive, zero-window probes)", "§3.10.7.4 second check, §3.10.5, §3.8.3, RFC 5482, §3.8.4", "resetArrives (./segment-arrives.ts), Connection.abort, ./timer-actions.ts"),
  e("FIN_WAIT_1", "CLOSED", "rcv RST / ABORT / timeout / data after close", "§3.10.7.4, §3.10.5, RFC 2525 §2.17", "resetArrives (./segment-arrives.ts), Connection.abort, processTextAndFin (./text-step.ts), ./timer-actions.ts"),
  e("FIN_WAIT_2", "CLOSED", "rcv RST / ABORT / FIN_WAIT_2 timeout (Linux tcp_fin_timeout)", "§3.10.7.4, §3.10.5; Linux tcp_fin_timeout", "resetArrives (./segment-arrives.ts), Connection.abort, ./timer-actions.ts"),
  e("CLOSE_WAIT", "CLOSED", "rcv RST / ABORT / timeout", "§3.10.7.4, §3.10.5", "resetArrives (./segment-arrives.ts), Connection.abort, ./timer-actions.ts"),
  e("CLOSING", "CLOSED", "rcv RST / timeout", "§3.10.7.4 second check", "resetArrives (./segment-arrives.ts), ./timer-actions.ts"),
  e("LAST_ACK", "CLOSED", "rcv RST / timeout", "§3.10.7.4 second check", "resetArrives (./segment-arrives.ts), ./timer-actions.ts"),
  e("TIME_WAIT", "CLOSED", "TIME_WAIT length 0 (the S7 ablation)", "profile.timeWait = 0", "Connection.enterTimeWait"),
];
