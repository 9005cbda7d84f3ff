// The live ladder of the tun commands, fed events directly (no TUN needed): relative sequence
// numbers, state lines, and bulk runs of data and ACKs summed up instead of printed one by one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveLadder, LiveTrace } from "../../src/tun/live-ladder.js";
import type { TraceEvent } from "../../src/tcp/events.js";
import { parseIPv4 } from "../../src/wire/address.js";
import { ACK, FIN, SYN, type Segment } from "../../src/wire/segment.js";
import { segment } from "../tun/helpers.js";

const US = parseIPv4("10.77.0.2");
const KERNEL = parseIPv4("10.77.0.1");
const CONN = "10.77.0.2:8080>10.77.0.1:40000";
const OUR_ISN = 4_294_966_000; // our data wraps past 2^32 within the run
const THEIR_ISN = 4_294_967_295; // the kernel's first byte after its SYN is sequence number 0

function fromKernel(fields: Partial<Segment>): Segment {
  return segment({ srcAddr: KERNEL, dstAddr: US, srcPort: 40000, dstPort: 8080, ...fields });
}
function fromUs(fields: Partial<Segment>): Segment {
  return segment({ srcAddr: US, dstAddr: KERNEL, srcPort: 8080, dstPort: 40000, ...fields });
}
function sent(t: number, seg: Segment, why: string, retransmission = false): TraceEvent {
  return { kind: "segment-sent", t, host: "tcplab", id: t, seg, conn: CONN, retransmission, why };
}
function received(t: number, seg: Segment): TraceEvent {
  return { kind: "segment-received", t, host: "tcplab", id: -1, seg, conn: CONN };
}

function run(events: TraceEvent[], options: { allSegments?: boolean; color?: boolean } = {}): string[] {
  const lines: string[] = [];
  const ladder = new LiveLadder({ write: (l) => lines.push(l), shownPerBurst: 2, ...options });
  const trace = new LiveTrace();
  trace.subscribe((e) => ladder.event(e));
  for (const e of events) trace.emit(e);
  ladder.flush();
  return lines;
}

const data = (n: number) => new Uint8Array(n);

function bulkTransfer(): TraceEvent[] {
  const events: TraceEvent[] = [
    received(1_000_000, fromKernel({ seq: THEIR_ISN, flags: SYN })),
    {
      kind: "state",
      t: 1_000_000,
      host: "tcplab",
      conn: CONN,
      from: "CLOSED",
      to: "SYN_RECEIVED",
      cause: "rcv SYN",
    },
    sent(1_000_010, fromUs({ seq: OUR_ISN, ack: (THEIR_ISN + 1) >>> 0, flags: SYN | ACK }), "syn-ack"),
    received(1_000_500, fromKernel({ seq: (THEIR_ISN + 1) >>> 0, ack: (OUR_ISN + 1) >>> 0, flags: ACK })),
  ];
  // 10 data segments out, each ACKed.
  for (let i = 0; i < 10; i++) {
    const seq = (OUR_ISN + 1 + i * 1000) >>> 0;
    events.push(
      sent(
        1_001_000 + i * 10,
        fromUs({ seq, ack: (THEIR_ISN + 1) >>> 0, flags: ACK, payload: data(1000) }),
        "data",
      ),
    );
    events.push(
      received(
        1_001_005 + i * 10,
        fromKernel({ seq: (THEIR_ISN + 1) >>> 0, ack: (seq + 1000) >>> 0, flags: ACK }),
      ),
    );
  }
  events.push(
    sent(
      1_002_000,
      fromUs({ seq: OUR_ISN + 1, ack: (THEIR_ISN + 1) >>> 0, flags: ACK, payload: data(1000) }),
      "retransmit",
      true,
    ),
    received(
      1_003_000,
      fromKernel({ seq: (THEIR_ISN + 1) >>> 0, ack: (OUR_ISN + 10_001) >>> 0, flags: FIN | ACK }),
    ),
  );
  return events;
}

test("relative sequence numbers per direction, even across the 2^32 wrap", () => {
  const lines = run(bulkTransfer(), { allSegments: true });
  assert.match(
    lines[0]!,
    /^ {3}0\.000000 {2}kernel → us {2}10\.77\.0\.1\.40000 > 10\.77\.0\.2\.8080: Flags \[S\], seq 0, win 65535, length 0$/,
  );
  assert.match(
    lines[1]!,
    /us {11}10\.77\.0\.2:8080>10\.77\.0\.1:40000 {2}CLOSED → SYN_RECEIVED {2}\(rcv SYN\)$/,
  );
  assert.match(
    lines[2]!,
    /us → kernel {2}10\.77\.0\.2\.8080 > 10\.77\.0\.1\.40000: Flags \[S\.\], seq 0, ack 1, .* \(syn-ack\)$/,
  );
  assert.match(lines[3]!, /Flags \[\.\], ack 1, win/);
  assert.match(lines[4]!, /^ {3}0\.001000 .*Flags \[\.\], seq 1:1001, ack 1,/);
  assert.match(lines[22]!, /Flags \[\.\], seq 9001:10001, ack 1,/, "past the wrap");
  assert.match(lines[23]!, /Flags \[\.\], ack 10001,/);
  assert.equal(lines.length, 4 + 20 + 2, "every segment printed with allSegments");
  assert.match(lines[24]!, /seq 1:1001, .*\(retransmit\)$/);
  assert.match(lines[25]!, /Flags \[F\.\], seq 1, ack 10001,/);
});

test("a bulk run is summed up after a few segments; unusual segments and closes still show", () => {
  const lines = run(bulkTransfer());
  // The handshake (its final ACK is the first routine segment), one data segment, then the other
  // 9 data segments and 10 ACKs summed up just before the retransmission, which is shown.
  assert.equal(lines.length, 4 + 1 + 1 + 2);
  assert.match(lines[4]!, /seq 1:1001, ack 1,/);
  assert.match(
    lines[5]!,
    /10\.77\.0\.2:8080>10\.77\.0\.1:40000 {2}… not shown: 9 sent \(9000 bytes of data\), 10 received \(ACKs only\)$/,
  );
  assert.match(lines[6]!, /\(retransmit\)$/);
  assert.match(lines[7]!, /Flags \[F\.\]/);
});

test("summaries come out on flush(), so a long transfer shows progress", () => {
  const lines: string[] = [];
  const ladder = new LiveLadder({ write: (l) => lines.push(l), shownPerBurst: 1 });
  for (const e of bulkTransfer().slice(0, 10)) ladder.event(e);
  const before = lines.length;
  ladder.flush();
  assert.equal(lines.length, before + 1);
  assert.match(lines.at(-1)!, /… not shown: 3 sent \(3000 bytes of data\), 3 received \(ACKs only\)$/);
  ladder.flush();
  assert.equal(lines.length, before + 1, "nothing new, nothing printed");
});

test("drops, timers and errors get lines of their own; colour only when asked", () => {
  const events: TraceEvent[] = [
    {
      kind: "segment-dropped",
      t: 5,
      host: "tcplab",
      id: -1,
      reason: "bad-tcp-checksum",
      seg: null,
      conn: null,
    },
    {
      kind: "network",
      t: 6,
      host: "network",
      action: "drop",
      id: 3,
      from: "tcplab",
      to: "kernel",
      reason: "queue-full",
    },
    {
      kind: "timer",
      t: 7,
      host: "tcplab",
      conn: CONN,
      timer: "time-wait",
      action: "armed",
      deadline: 60_000_007,
    },
    { kind: "timer", t: 8, host: "tcplab", conn: CONN, timer: "delayed-ack", action: "fired" },
    { kind: "timer", t: 9, host: "tcplab", conn: CONN, timer: "retransmit", action: "fired" },
    { kind: "app", t: 10, host: "tcplab", conn: CONN, call: "connect", error: "ECONNREFUSED" },
    { kind: "app", t: 11, host: "tcplab", conn: CONN, call: "write" },
  ];
  const plain = run(events);
  assert.deepEqual(
    plain.map((l) => l.slice(13).trimEnd()),
    [
      "us           dropped: bad-tcp-checksum",
      "driver       packet 3 not written to the device (queue-full)",
      `us           ${CONN}  TIME_WAIT timer armed: 60.000 s`,
      `us           ${CONN}  retransmit timer fired`,
      `app          ${CONN}  connect: ECONNREFUSED`,
    ],
  );
  const coloured = run(events, { color: true });
  assert.ok(coloured.every((l) => l.includes("\x1b[")));
  assert.ok(plain.every((l) => !l.includes("\x1b[")));
});

test("a listener's own state change is printed as the listener's; LiveTrace keeps no event", () => {
  const trace = new LiveTrace();
  const lines: string[] = [];
  const ladder = new LiveLadder({ write: (l) => lines.push(l) });
  const off = trace.subscribe((e) => ladder.event(e));
  const listen: TraceEvent = {
    kind: "state",
    t: 0,
    host: "tcplab",
    conn: "10.77.0.2:8080",
    from: "CLOSED",
    to: "LISTEN",
    cause: "listen",
    listener: true,
  };
  trace.emit(listen);
  assert.deepEqual(
    lines.map((l) => l.slice(13).trimEnd()),
    ["us           10.77.0.2:8080 (listener)  CLOSED → LISTEN  (listen)"],
  );
  // A server may run for days: the live trace hands events on and keeps none (the Trace's own
  // subscriber list, not a copy of it).
  assert.equal(trace.events.length, 0);
  off();
  trace.emit({ ...listen, from: "LISTEN", to: "CLOSED", cause: "close" });
  assert.equal(lines.length, 1, "unsubscribed: nothing more printed");
  assert.equal(trace.nextPacketId() + 1, trace.nextPacketId());
});
