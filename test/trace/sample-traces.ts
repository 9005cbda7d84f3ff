// Realistic event sequences, written by hand as the engine and simulator will emit them:
// client 10.0.0.1:40000 and server 10.0.0.2:80, one-way delay 250 µs, ISNs 1000 (client) and 5000
// (server), Linux-like timers (initial RTO 1 s, RTO 200 ms after the handshake, TIME_WAIT 60 s).
import { ACK, FIN, PSH, RST, SYN } from "../../src/wire/segment.js";
import type { TraceEvent } from "../../src/tcp/events.js";
import { TraceBuilder } from "./trace-builder.js";

export const ADDRESSES = { client: "10.0.0.1", server: "10.0.0.2" };
export const C = "10.0.0.1:40000>10.0.0.2:80"; // the client's view of the connection
export const S = "10.0.0.2:80>10.0.0.1:40000"; // the server's view
export const L = "10.0.0.2:80"; // the listener, named as the engine names it
const SECOND = 1_000_000;
const TIME_WAIT = 60 * SECOND;

/** S2: listen, connect, SYN / SYN-ACK / ACK. Packets 1–3; ends at 750 µs with both ESTABLISHED. */
export function handshake(b = new TraceBuilder(ADDRESSES)): TraceBuilder {
  b.app(0, "server", null, "listen").listenerState(0, "server", L, "CLOSED", "LISTEN", "listen");
  b.app(0, "client", C, "connect").state(0, "client", C, "CLOSED", "SYN_SENT", "connect");
  const syn = b.send(0, "client", C, { seq: 1000, flags: SYN, window: 64240 }, "syn");
  b.timer(0, "client", C, "syn", "armed", 1 * SECOND);
  b.deliver(250, syn);
  // The listener's child is a connection of its own: CLOSED → SYN_RECEIVED (the listener stays LISTEN).
  b.state(250, "server", S, "CLOSED", "SYN_RECEIVED", "rcv SYN");
  const synAck = b.send(
    250,
    "server",
    S,
    { seq: 5000, ack: 1001, flags: SYN | ACK, window: 65160 },
    "syn-ack",
  );
  b.timer(250, "server", S, "synack", "armed", 250 + 1 * SECOND);
  b.deliver(500, synAck);
  b.timer(500, "client", C, "syn", "cancelled");
  b.state(500, "client", C, "SYN_SENT", "ESTABLISHED", "rcv SYN,ACK");
  const ack = b.send(500, "client", C, { seq: 1001, ack: 5001, flags: ACK, window: 502 }, "ack");
  b.deliver(750, ack);
  b.timer(750, "server", S, "synack", "cancelled");
  b.state(750, "server", S, "SYN_RECEIVED", "ESTABLISHED", "rcv ACK");
  b.app(750, "server", S, "accept");
  return b;
}

/** The client sends 100 bytes at 2 ms and the server acknowledges them at once. Packets 4–5. */
function exchange(b: TraceBuilder): void {
  b.app(2000, "client", C, "write", { detail: "100 bytes" });
  const data = b.send(
    2000,
    "client",
    C,
    { seq: 1001, ack: 5001, flags: PSH | ACK, data: 100, window: 502 },
    "data",
  );
  b.timer(2000, "client", C, "retransmit", "armed", 2000 + 200_000);
  b.deliver(2250, data);
  b.app(2250, "server", S, "read", { detail: "100 bytes" });
  const ack = b.send(2250, "server", S, { seq: 5001, ack: 1101, flags: ACK, window: 509 }, "ack");
  b.deliver(2500, ack);
  b.timer(2500, "client", C, "retransmit", "cancelled");
}

/** The first half of S3: the client closes at 10 ms, the server acknowledges; the client is in FIN_WAIT_2. */
function activeCloseFirstHalf(b: TraceBuilder): void {
  b.app(10_000, "client", C, "close");
  b.state(10_000, "client", C, "ESTABLISHED", "FIN_WAIT_1", "close");
  const fin = b.send(10_000, "client", C, { seq: 1101, ack: 5001, flags: FIN | ACK, window: 502 }, "fin");
  b.timer(10_000, "client", C, "retransmit", "armed", 10_000 + 200_000);
  b.deliver(10_250, fin);
  b.state(10_250, "server", S, "ESTABLISHED", "CLOSE_WAIT", "rcv FIN");
  const ack = b.send(10_250, "server", S, { seq: 5001, ack: 1102, flags: ACK, window: 509 }, "ack");
  b.app(10_250, "server", S, "read", { detail: "EOF" });
  b.deliver(10_500, ack);
  b.timer(10_500, "client", C, "retransmit", "cancelled");
  b.state(10_500, "client", C, "FIN_WAIT_1", "FIN_WAIT_2", "rcv ACK of FIN");
  b.timer(10_500, "client", C, "fin-wait-2", "armed", 10_500 + 60 * SECOND);
}

/** The server closes at 20 ms: its FIN is packet 8 and reaches the client in FIN_WAIT_2, which answers with packet 9. */
function passiveCloseFin(b: TraceBuilder): number {
  b.app(20_000, "server", S, "close");
  b.state(20_000, "server", S, "CLOSE_WAIT", "LAST_ACK", "close");
  const fin = b.send(20_000, "server", S, { seq: 5001, ack: 1102, flags: FIN | ACK, window: 509 }, "fin");
  b.timer(20_000, "server", S, "retransmit", "armed", 20_000 + 200_000);
  b.deliver(20_250, fin);
  b.timer(20_250, "client", C, "fin-wait-2", "cancelled");
  b.state(20_250, "client", C, "FIN_WAIT_2", "TIME_WAIT", "rcv FIN");
  const lastAck = b.send(20_250, "client", C, { seq: 1102, ack: 5002, flags: ACK, window: 502 }, "ack");
  b.timer(20_250, "client", C, "time-wait", "armed", 20_250 + TIME_WAIT);
  return lastAck;
}

/** S2 + S3: handshake, 100 bytes, four-way close started by the client, 60 s of TIME_WAIT. */
export function fourWayClose(): TraceEvent[] {
  const b = handshake();
  exchange(b);
  activeCloseFirstHalf(b);
  const lastAck = passiveCloseFin(b);
  b.deliver(20_500, lastAck);
  b.timer(20_500, "server", S, "retransmit", "cancelled");
  b.state(20_500, "server", S, "LAST_ACK", "CLOSED", "rcv ACK of FIN");
  b.timer(20_250 + TIME_WAIT, "client", C, "time-wait", "fired");
  b.state(20_250 + TIME_WAIT, "client", C, "TIME_WAIT", "CLOSED", "2MSL timeout");
  return b.events;
}

/**
 * S6: the client's final ACK is lost (fault "lose-final-ack"); the server's RTO fires at 220 ms and it
 * retransmits its FIN; the client, in TIME_WAIT, answers with a fresh ACK and restarts its 60 s timer.
 */
export function lostFinalAck(): TraceEvent[] {
  const b = handshake();
  exchange(b);
  activeCloseFirstHalf(b);
  const lastAck = passiveCloseFin(b);
  b.lose(20_250, lastAck, "fault", "lose-final-ack");
  b.timer(220_000, "server", S, "retransmit", "fired");
  const again = b.send(
    220_000,
    "server",
    S,
    { seq: 5001, ack: 1102, flags: FIN | ACK, window: 509 },
    "fin",
    true,
  );
  b.timer(220_000, "server", S, "retransmit", "restarted", 220_000 + 400_000);
  b.deliver(220_250, again);
  const reAck = b.send(220_250, "client", C, { seq: 1102, ack: 5002, flags: ACK, window: 502 }, "ack");
  b.timer(220_250, "client", C, "time-wait", "restarted", 220_250 + TIME_WAIT);
  b.deliver(220_500, reAck);
  b.timer(220_500, "server", S, "retransmit", "cancelled");
  b.state(220_500, "server", S, "LAST_ACK", "CLOSED", "rcv ACK of FIN");
  b.timer(220_250 + TIME_WAIT, "client", C, "time-wait", "fired");
  b.state(220_250 + TIME_WAIT, "client", C, "TIME_WAIT", "CLOSED", "2MSL timeout");
  return b.events;
}

/** S5: both applications close at 10 ms; the FINs cross, both pass through CLOSING into TIME_WAIT. */
export function simultaneousClose(): TraceEvent[] {
  const b = handshake();
  b.app(10_000, "client", C, "close");
  b.state(10_000, "client", C, "ESTABLISHED", "FIN_WAIT_1", "close");
  const finC = b.send(10_000, "client", C, { seq: 1001, ack: 5001, flags: FIN | ACK, window: 502 }, "fin");
  b.timer(10_000, "client", C, "retransmit", "armed", 10_000 + 200_000);
  b.app(10_000, "server", S, "close");
  b.state(10_000, "server", S, "ESTABLISHED", "FIN_WAIT_1", "close");
  const finS = b.send(10_000, "server", S, { seq: 5001, ack: 1001, flags: FIN | ACK, window: 509 }, "fin");
  b.timer(10_000, "server", S, "retransmit", "armed", 10_000 + 200_000);
  b.deliver(10_250, finS);
  b.state(10_250, "client", C, "FIN_WAIT_1", "CLOSING", "rcv FIN");
  const ackC = b.send(10_250, "client", C, { seq: 1002, ack: 5002, flags: ACK, window: 502 }, "ack");
  b.deliver(10_250, finC);
  b.state(10_250, "server", S, "FIN_WAIT_1", "CLOSING", "rcv FIN");
  const ackS = b.send(10_250, "server", S, { seq: 5002, ack: 1002, flags: ACK, window: 509 }, "ack");
  b.deliver(10_500, ackS);
  b.timer(10_500, "client", C, "retransmit", "cancelled");
  b.state(10_500, "client", C, "CLOSING", "TIME_WAIT", "rcv ACK of FIN");
  b.timer(10_500, "client", C, "time-wait", "armed", 10_500 + TIME_WAIT);
  b.deliver(10_500, ackC);
  b.timer(10_500, "server", S, "retransmit", "cancelled");
  b.state(10_500, "server", S, "CLOSING", "TIME_WAIT", "rcv ACK of FIN");
  b.timer(10_500, "server", S, "time-wait", "armed", 10_500 + TIME_WAIT);
  b.timer(10_500 + TIME_WAIT, "client", C, "time-wait", "fired");
  b.state(10_500 + TIME_WAIT, "client", C, "TIME_WAIT", "CLOSED", "2MSL timeout");
  b.timer(10_500 + TIME_WAIT, "server", S, "time-wait", "fired");
  b.state(10_500 + TIME_WAIT, "server", S, "TIME_WAIT", "CLOSED", "2MSL timeout");
  return b.events;
}

/**
 * S7: TIME_WAIT of 0. The client's final ACK is lost and it goes straight to CLOSED; the retransmitted FIN
 * finds no connection and is answered with RST; the server's application sees ECONNRESET.
 */
export function noTimeWait(): TraceEvent[] {
  const b = handshake();
  activeCloseFirstHalf(b);
  b.app(20_000, "server", S, "close");
  b.state(20_000, "server", S, "CLOSE_WAIT", "LAST_ACK", "close");
  const fin = b.send(20_000, "server", S, { seq: 5001, ack: 1102, flags: FIN | ACK, window: 509 }, "fin");
  b.timer(20_000, "server", S, "retransmit", "armed", 20_000 + 200_000);
  b.deliver(20_250, fin);
  b.timer(20_250, "client", C, "fin-wait-2", "cancelled");
  b.state(20_250, "client", C, "FIN_WAIT_2", "TIME_WAIT", "rcv FIN");
  const lastAck = b.send(20_250, "client", C, { seq: 1102, ack: 5002, flags: ACK, window: 502 }, "ack");
  b.state(20_250, "client", C, "TIME_WAIT", "CLOSED", "TIME_WAIT length 0");
  b.lose(20_250, lastAck, "fault", "lose-final-ack");
  b.timer(220_000, "server", S, "retransmit", "fired");
  const again = b.send(
    220_000,
    "server",
    S,
    { seq: 5001, ack: 1102, flags: FIN | ACK, window: 509 },
    "fin",
    true,
  );
  b.timer(220_000, "server", S, "retransmit", "restarted", 220_000 + 400_000);
  b.discard(220_250, again, "closed-port");
  const rst = b.send(220_250, "client", C, { seq: 1102, flags: RST }, "rst-closed-port", false, true);
  b.deliver(220_500, rst);
  b.timer(220_500, "server", S, "retransmit", "cancelled");
  b.state(220_500, "server", S, "LAST_ACK", "CLOSED", "rcv RST");
  b.app(220_500, "server", S, "error", { error: "ECONNRESET" });
  return b.events;
}

/**
 * A burst of two data segments; the first arrives, the trace stops while the second is still in flight.
 * Shows a send line split from its arrival line, and the in-flight marker.
 */
export function dataInFlight(): TraceEvent[] {
  const b = handshake();
  b.app(2000, "client", C, "write", { detail: "2000 bytes" });
  const first = b.send(
    2000,
    "client",
    C,
    { seq: 1001, ack: 5001, flags: ACK, data: 1000, window: 502 },
    "data",
  );
  b.send(2000, "client", C, { seq: 2001, ack: 5001, flags: PSH | ACK, data: 1000, window: 502 }, "data");
  b.timer(2000, "client", C, "retransmit", "armed", 2000 + 200_000);
  b.deliver(2250, first);
  b.app(2250, "server", S, "read", { detail: "1000 bytes" });
  b.timer(2250, "server", S, "delayed-ack", "armed", 2250 + 40_000);
  return b.events;
}
