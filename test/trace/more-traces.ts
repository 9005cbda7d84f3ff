// Smaller hand-built traces for the ladder's less common cases: network faults, a peer that records
// no events (the kernel across a TUN device), and three hosts.
import { ACK, FIN, PSH, SYN } from "../../src/wire/segment.js";
import type { TraceEvent } from "../../src/tcp/events.js";
import { TraceBuilder } from "./trace-builder.js";
import { ADDRESSES, C, S, handshake } from "./sample-traces.js";

/**
 * After the handshake: a data segment duplicated by the network (the copy is discarded as old data and
 * re-ACKed), an ACK delayed by a fault, and a FIN corrupted on the wire (checksum failure, retransmitted).
 */
export function networkFaults(): TraceEvent[] {
  const b = handshake(new TraceBuilder(ADDRESSES));
  const data = b.send(
    2000,
    "client",
    C,
    { seq: 1001, ack: 5001, flags: PSH | ACK, data: 10, window: 502 },
    "data",
  );
  b.network(2000, data, "duplicate", "dup data");
  b.deliver(2250, data);
  const ack = b.send(2250, "server", S, { seq: 5001, ack: 1011, flags: ACK, window: 509 }, "ack");
  b.network(2250, ack, "delay", "slow ack");
  b.discard(2300, data, "duplicate", S);
  const reAck = b.send(2300, "server", S, { seq: 5001, ack: 1011, flags: ACK, window: 509 }, "ack");
  b.deliver(2550, reAck);
  b.deliver(7250, ack);
  const fin = b.send(10_000, "client", C, { seq: 1011, ack: 5001, flags: FIN | ACK, window: 502 }, "fin");
  b.network(10_000, fin, "corrupt", "flip a bit");
  b.events.push({
    kind: "network",
    t: 10_250,
    host: "network",
    action: "deliver",
    id: fin,
    from: "client",
    to: "server",
  });
  b.events.push({
    kind: "segment-dropped",
    t: 10_250,
    host: "server",
    id: fin,
    reason: "bad-tcp-checksum",
    seg: null,
    conn: null,
  });
  return b.events;
}

/** Our engine ("tcplab") against a real kernel at 10.0.0.2 that records nothing: a handshake seen from one side. */
export function kernelPeer(): TraceEvent[] {
  const b = new TraceBuilder({ tcplab: "10.0.0.1", kernel: "10.0.0.2" });
  b.app(0, "tcplab", C, "connect").state(0, "tcplab", C, "CLOSED", "SYN_SENT", "connect");
  b.send(0, "tcplab", C, { seq: 1000, flags: SYN, window: 64240 }, "syn");
  const synAck = {
    srcAddr: 0x0a000002,
    dstAddr: 0x0a000001,
    srcPort: 80,
    dstPort: 40000,
    seq: 5000,
    ack: 1001,
    flags: SYN | ACK,
    window: 65160,
    urgent: 0,
    options: { mss: 1460 },
    payload: new Uint8Array(0),
  };
  b.events.push({ kind: "segment-received", t: 180, host: "tcplab", id: -1, seg: synAck, conn: C });
  b.state(180, "tcplab", C, "SYN_SENT", "ESTABLISHED", "rcv SYN,ACK");
  b.send(180, "tcplab", C, { seq: 1001, ack: 5001, flags: ACK, window: 502 }, "ack");
  return b.events;
}

/** A client, a proxy in the middle and a server; one stray segment goes from the client straight to the server. */
export function threeHosts(): TraceEvent[] {
  const b = new TraceBuilder({ client: "10.0.0.1", proxy: "10.0.0.3", server: "10.0.0.2" });
  const cp = "10.0.0.1:40000>10.0.0.3:8080";
  const pc = "10.0.0.3:8080>10.0.0.1:40000";
  const ps = "10.0.0.3:50000>10.0.0.2:80";
  const cs = "10.0.0.1:40001>10.0.0.2:80";
  b.state(0, "client", cp, "CLOSED", "SYN_SENT", "connect");
  const syn1 = b.send(0, "client", cp, { seq: 100, flags: SYN }, "syn");
  b.deliver(100, syn1);
  b.state(100, "proxy", pc, "LISTEN", "SYN_RECEIVED", "rcv SYN");
  b.state(100, "proxy", ps, "CLOSED", "SYN_SENT", "connect");
  const syn2 = b.send(100, "proxy", ps, { seq: 700, flags: SYN }, "syn");
  b.deliver(200, syn2);
  b.app(300, "client", cs, "connect");
  b.state(300, "client", cs, "CLOSED", "SYN_SENT", "connect");
  const syn3 = b.send(300, "client", cs, { seq: 900, flags: SYN }, "syn");
  b.deliver(400, syn3, null);
  b.events.push({
    kind: "segment-dropped",
    t: 400,
    host: "server",
    id: syn3,
    reason: "syn-queue-full",
    seg: null,
    conn: null,
  });
  b.events.splice(b.events.length - 2, 1); // the drop replaces the delivery's segment-received
  b.note(500, "server", "listen queue full");
  return b.events;
}
