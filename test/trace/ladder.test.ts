// The text ladder, rendered from hand-built traces and compared with diagrams read and judged by eye:
// states after each line, arrows, relative numbers, lost and in-flight segments, crossing FINs,
// retransmissions, timers, application calls and compressed idle time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderLadder } from "../../src/trace/ladder.js";
import * as samples from "./sample-traces.js";
import * as more from "./more-traces.js";
import { TraceBuilder } from "./trace-builder.js";
import { stateTimeline } from "../../src/trace/timeline.js";
import { SYN } from "../../src/wire/segment.js";
import type { TraceEvent } from "../../src/tcp/events.js";

test("four-way close started by the client (S2, S3): one line per segment, TIME_WAIT compressed", () => {
  assert.equal(
    renderLadder(samples.fourWayClose(), { hosts: ["client", "server"] }),
    `               client 10.0.0.1                                   server 10.0.0.2

 1.  0.000 ms                                                       listen()
                                                                    LISTEN
 2.  0.000 ms  connect()
               SYN_SENT     --> <SEQ=0><CTL=SYN>    at 0.250 ms --> SYN_RECEIVED
               SYN RTO armed (1 s)
 3.  0.250 ms  ESTABLISHED  <-- <SEQ=0><ACK=1><CTL=SYN,ACK>     <-- SYN_RECEIVED
                                at 0.500 ms
                                                         SYN-ACK RTO armed (1 s)
 4.  0.500 ms  ESTABLISHED  --> <SEQ=1><ACK=1><CTL=ACK>         --> ESTABLISHED
                                                    at 0.750 ms
                                                                    accept()
 5.  2.000 ms  write() → 100 bytes
               ESTABLISHED  -->                                 --> ESTABLISHED
                                <SEQ=1><ACK=1><CTL=PSH,ACK><DATA=100>
               RTO armed (200 ms)                        read() → 100 bytes
 6.  2.250 ms  ESTABLISHED  <-- <SEQ=1><ACK=101><CTL=ACK>       <-- ESTABLISHED
 7. 10.000 ms  close()
               FIN_WAIT_1   --> <SEQ=101><ACK=1><CTL=FIN,ACK>   --> CLOSE_WAIT
                                                   at 10.250 ms
               RTO armed (200 ms)
 8. 10.250 ms  FIN_WAIT_2   <-- <SEQ=1><ACK=102><CTL=ACK>       <-- CLOSE_WAIT
                                at 10.500 ms
               FIN_WAIT_2 timer armed (60 s)                        read() → EOF
 9. 20.000 ms                                                       close()
               TIME_WAIT    <-- <SEQ=1><ACK=102><CTL=FIN,ACK>   <-- LAST_ACK
                                at 20.250 ms
                                                         RTO armed (200 ms)
10. 20.250 ms  TIME_WAIT    --> <SEQ=102><ACK=2><CTL=ACK>       --> CLOSED
                                                   at 20.500 ms
               TIME_WAIT timer armed (60 s)
                                     ~~~ 60.000 s pass ~~~
11.  60.020 s  TIME_WAIT timer fired
               CLOSED
`,
  );
});

test("lost final ACK (S6): XXX with the fault, RTO fired, retransmission, re-ACK restarts 2·MSL", () => {
  assert.equal(
    renderLadder(samples.lostFinalAck(), { hosts: ["client", "server"] }),
    `                client 10.0.0.1                                  server 10.0.0.2

 1.   0.000 ms                                                      listen()
                                                                    LISTEN
 2.   0.000 ms  connect()
                SYN_SENT     --> <SEQ=0><CTL=SYN>   at 0.250 ms --> SYN_RECEIVED
                SYN RTO armed (1 s)
 3.   0.250 ms  ESTABLISHED  <-- <SEQ=0><ACK=1><CTL=SYN,ACK>    <-- SYN_RECEIVED
                                 at 0.500 ms
                                                         SYN-ACK RTO armed (1 s)
 4.   0.500 ms  ESTABLISHED  --> <SEQ=1><ACK=1><CTL=ACK>        --> ESTABLISHED
                                                    at 0.750 ms
                                                                    accept()
 5.   2.000 ms  write() → 100 bytes
                ESTABLISHED  -->                                --> ESTABLISHED
                                 <SEQ=1><ACK=1><CTL=PSH,ACK><DATA=100>
                RTO armed (200 ms)                       read() → 100 bytes
 6.   2.250 ms  ESTABLISHED  <-- <SEQ=1><ACK=101><CTL=ACK>      <-- ESTABLISHED
 7.  10.000 ms  close()
                FIN_WAIT_1   --> <SEQ=101><ACK=1><CTL=FIN,ACK>  --> CLOSE_WAIT
                                                   at 10.250 ms
                RTO armed (200 ms)
 8.  10.250 ms  FIN_WAIT_2   <-- <SEQ=1><ACK=102><CTL=ACK>      <-- CLOSE_WAIT
                                 at 10.500 ms
                FIN_WAIT_2 timer armed (60 s)                       read() → EOF
 9.  20.000 ms                                                      close()
                TIME_WAIT    <-- <SEQ=1><ACK=102><CTL=FIN,ACK>  <-- LAST_ACK
                                 at 20.250 ms
                                                         RTO armed (200 ms)
10.  20.250 ms  TIME_WAIT    --> <SEQ=102><ACK=2><CTL=ACK>      XXX
                                 (lost: fault "lose-final-ack")
                TIME_WAIT timer armed (60 s)
11. 220.000 ms                                                      RTO fired
                TIME_WAIT    <-- <SEQ=1><ACK=102><CTL=FIN,ACK>  <-- LAST_ACK
                                 (retransmission)
                                                         RTO restarted (400 ms)
12. 220.250 ms  TIME_WAIT    --> <SEQ=102><ACK=2><CTL=ACK>      --> CLOSED
                                                  at 220.500 ms
                TIME_WAIT timer restarted (60 s)
                                     ~~~ 60.000 s pass ~~~
13.   60.220 s  TIME_WAIT timer fired
                CLOSED
`,
  );
});

test("simultaneous close (S5): crossing FINs and ACKs on separate send and arrival lines", () => {
  assert.equal(
    renderLadder(samples.simultaneousClose(), { hosts: ["client", "server"] }),
    `               client 10.0.0.1                                   server 10.0.0.2

 1.  0.000 ms                                                       listen()
                                                                    LISTEN
 2.  0.000 ms  connect()
               SYN_SENT     --> <SEQ=0><CTL=SYN>    at 0.250 ms --> SYN_RECEIVED
               SYN RTO armed (1 s)
 3.  0.250 ms  ESTABLISHED  <-- <SEQ=0><ACK=1><CTL=SYN,ACK>     <-- SYN_RECEIVED
                                at 0.500 ms
                                                    SYN-ACK RTO armed (1 s)
 4.  0.500 ms  ESTABLISHED  --> <SEQ=1><ACK=1><CTL=ACK>         --> ESTABLISHED
                                                    at 0.750 ms
                                                                    accept()
 5. 10.000 ms  close()
               FIN_WAIT_1   --> <SEQ=1><ACK=1><CTL=FIN,ACK>     ...
               RTO armed (200 ms)
 6. 10.000 ms                                                       close()
               CLOSING      <-- <SEQ=1><ACK=1><CTL=FIN,ACK>     <-- FIN_WAIT_1
                                at 10.250 ms
                                                    RTO armed (200 ms)
 7. 10.250 ms  CLOSING      --> <SEQ=2><ACK=2><CTL=ACK>         ...
 8. 10.250 ms               ... <SEQ=1><ACK=1><CTL=FIN,ACK>     --> CLOSING
 9. 10.250 ms  TIME_WAIT    <-- <SEQ=2><ACK=2><CTL=ACK>         <-- CLOSING
                                at 10.500 ms
               TIME_WAIT timer armed (60 s)
10. 10.500 ms               ... <SEQ=2><ACK=2><CTL=ACK>         --> TIME_WAIT
                                                    TIME_WAIT timer armed (60 s)
                                     ~~~ 60.000 s pass ~~~
11.  60.011 s  TIME_WAIT timer fired                TIME_WAIT timer fired
               CLOSED                                               CLOSED
`,
  );
});

test("no TIME_WAIT (S7): the retransmitted FIN meets a closed port, RST, ECONNRESET", () => {
  assert.equal(
    renderLadder(samples.noTimeWait(), { hosts: ["client", "server"] }),
    `                client 10.0.0.1                                  server 10.0.0.2

 1.   0.000 ms                                                      listen()
                                                                    LISTEN
 2.   0.000 ms  connect()
                SYN_SENT     --> <SEQ=0><CTL=SYN>   at 0.250 ms --> SYN_RECEIVED
                SYN RTO armed (1 s)
 3.   0.250 ms  ESTABLISHED  <-- <SEQ=0><ACK=1><CTL=SYN,ACK>    <-- SYN_RECEIVED
                                 at 0.500 ms
                                                         SYN-ACK RTO armed (1 s)
 4.   0.500 ms  ESTABLISHED  --> <SEQ=1><ACK=1><CTL=ACK>        --> ESTABLISHED
                                                    at 0.750 ms
                                                                    accept()
 5.  10.000 ms  close()
                FIN_WAIT_1   --> <SEQ=101><ACK=1><CTL=FIN,ACK>  --> CLOSE_WAIT
                                                   at 10.250 ms
                RTO armed (200 ms)
 6.  10.250 ms  FIN_WAIT_2   <-- <SEQ=1><ACK=102><CTL=ACK>      <-- CLOSE_WAIT
                                 at 10.500 ms
                FIN_WAIT_2 timer armed (60 s)                       read() → EOF
 7.  20.000 ms                                                      close()
                TIME_WAIT    <-- <SEQ=1><ACK=102><CTL=FIN,ACK>  <-- LAST_ACK
                                 at 20.250 ms
                                                         RTO armed (200 ms)
 8.  20.250 ms  CLOSED       --> <SEQ=102><ACK=2><CTL=ACK>      XXX
                                 (lost: fault "lose-final-ack")
 9. 220.000 ms                                                      RTO fired
                CLOSED       <-- <SEQ=1><ACK=102><CTL=FIN,ACK>  <-- LAST_ACK
                                 (retransmission; dropped by client:
                                  closed-port)
                                                         RTO restarted (400 ms)
10. 220.250 ms  CLOSED       --> <SEQ=102><CTL=RST>             --> CLOSED
                                                  at 220.500 ms
                                 (rst-closed-port)
                                                                    ECONNRESET
`,
  );
});

test("a burst of two segments: a split send/arrival and one still in flight at the end", () => {
  assert.equal(
    renderLadder(samples.dataInFlight(), { hosts: ["client", "server"] }),
    `             client 10.0.0.1                                     server 10.0.0.2

1. 0.000 ms                                                         listen()
                                                                    LISTEN
2. 0.000 ms  connect()
             SYN_SENT     --> <SEQ=0><CTL=SYN>      at 0.250 ms --> SYN_RECEIVED
             SYN RTO armed (1 s)
3. 0.250 ms  ESTABLISHED  <-- <SEQ=0><ACK=1><CTL=SYN,ACK>       <-- SYN_RECEIVED
                              at 0.500 ms
                                                 SYN-ACK RTO armed (1 s)
4. 0.500 ms  ESTABLISHED  --> <SEQ=1><ACK=1><CTL=ACK>           --> ESTABLISHED
                                                    at 0.750 ms
                                                                    accept()
5. 2.000 ms  write() → 2000 bytes
             ESTABLISHED  -->                                   ...
                              <SEQ=1><ACK=1><CTL=ACK><DATA=1000>
6. 2.000 ms  ESTABLISHED  -->                                   ...
                              <SEQ=1001><ACK=1><CTL=PSH,ACK><DATA=1000>
                              (in flight at end of trace)
             RTO armed (200 ms)
7. 2.250 ms               ...                                   --> ESTABLISHED
                              <SEQ=1><ACK=1><CTL=ACK><DATA=1000>
                                                 read() → 1000 bytes
                                                 delayed-ACK timer armed (40 ms)
`,
  );
});

test("textbook labels with absolute sequence numbers", () => {
  assert.equal(
    renderLadder(samples.fourWayClose(), {
      hosts: ["client", "server"],
      labels: "textbook",
      sequence: "absolute",
    }),
    `               client 10.0.0.1                                   server 10.0.0.2

 1.  0.000 ms                                                       listen()
                                                                    LISTEN
 2.  0.000 ms  connect()
               SYN_SENT     --> SYN=1, seq=1000     at 0.250 ms --> SYN_RECEIVED
               SYN RTO armed (1 s)
 3.  0.250 ms  ESTABLISHED  <--                                 <-- SYN_RECEIVED
                                SYN=1, ACK=1, seq=5000, ack=1001
                                at 0.500 ms
                                                         SYN-ACK RTO armed (1 s)
 4.  0.500 ms  ESTABLISHED  --> ACK=1, seq=1001, ack=5001       --> ESTABLISHED
                                                    at 0.750 ms
                                                                    accept()
 5.  2.000 ms  write() → 100 bytes
               ESTABLISHED  -->                                 --> ESTABLISHED
                                PSH=1, ACK=1, seq=1001, ack=5001, len=100
               RTO armed (200 ms)                        read() → 100 bytes
 6.  2.250 ms  ESTABLISHED  <-- ACK=1, seq=5001, ack=1101       <-- ESTABLISHED
 7. 10.000 ms  close()
               FIN_WAIT_1   -->                                 --> CLOSE_WAIT
                                FIN=1, ACK=1, seq=1101, ack=5001
                                                   at 10.250 ms
               RTO armed (200 ms)
 8. 10.250 ms  FIN_WAIT_2   <-- ACK=1, seq=5001, ack=1102       <-- CLOSE_WAIT
                                at 10.500 ms
               FIN_WAIT_2 timer armed (60 s)                        read() → EOF
 9. 20.000 ms                                                       close()
               TIME_WAIT    <--                                 <-- LAST_ACK
                                FIN=1, ACK=1, seq=5001, ack=1102
                                at 20.250 ms
                                                         RTO armed (200 ms)
10. 20.250 ms  TIME_WAIT    --> ACK=1, seq=1102, ack=5002       --> CLOSED
                                                   at 20.500 ms
               TIME_WAIT timer armed (60 s)
                                     ~~~ 60.000 s pass ~~~
11.  60.020 s  TIME_WAIT timer fired
               CLOSED
`,
  );
});

test("tcpdump labels with relative sequence numbers", () => {
  assert.equal(
    renderLadder(samples.simultaneousClose(), { hosts: ["client", "server"], labels: "tcpdump" }),
    `               client 10.0.0.1                                   server 10.0.0.2

 1.  0.000 ms                                                       listen()
                                                                    LISTEN
 2.  0.000 ms  connect()
               SYN_SENT     -->                                 --> SYN_RECEIVED
                                Flags [S], seq 0, win 64240, length 0
                                                    at 0.250 ms
               SYN RTO armed (1 s)
 3.  0.250 ms  ESTABLISHED  <--                                 <-- SYN_RECEIVED
                                Flags [S.], seq 0, ack 1, win 65160, length 0
                                at 0.500 ms
                                                    SYN-ACK RTO armed (1 s)
 4.  0.500 ms  ESTABLISHED  -->                                 --> ESTABLISHED
                                Flags [.], ack 1, win 502, length 0
                                                    at 0.750 ms
                                                                    accept()
 5. 10.000 ms  close()
               FIN_WAIT_1   -->                                 ...
                                Flags [F.], seq 1, ack 1, win 502, length 0
               RTO armed (200 ms)
 6. 10.000 ms                                                       close()
               CLOSING      <--                                 <-- FIN_WAIT_1
                                Flags [F.], seq 1, ack 1, win 509, length 0
                                at 10.250 ms
                                                    RTO armed (200 ms)
 7. 10.250 ms  CLOSING      -->                                 ...
                                Flags [.], ack 2, win 502, length 0
 8. 10.250 ms               ...                                 --> CLOSING
                                Flags [F.], seq 1, ack 1, win 502, length 0
 9. 10.250 ms  TIME_WAIT    <--                                 <-- CLOSING
                                Flags [.], ack 2, win 509, length 0
                                at 10.500 ms
               TIME_WAIT timer armed (60 s)
10. 10.500 ms               ...                                 --> TIME_WAIT
                                Flags [.], ack 2, win 502, length 0
                                                    TIME_WAIT timer armed (60 s)
                                     ~~~ 60.000 s pass ~~~
11.  60.011 s  TIME_WAIT timer fired                TIME_WAIT timer fired
               CLOSED                                               CLOSED
`,
  );
});

test("tcpdump labels with absolute numbers: a comment too long for the line moves under the label", () => {
  assert.equal(
    renderLadder(samples.lostFinalAck(), {
      hosts: ["client", "server"],
      labels: "tcpdump",
      sequence: "absolute",
    }),
    `                client 10.0.0.1                                  server 10.0.0.2

 1.   0.000 ms                                                      listen()
                                                                    LISTEN
 2.   0.000 ms  connect()
                SYN_SENT     -->                                --> SYN_RECEIVED
                                 Flags [S], seq 1000, win 64240, length 0
                                                    at 0.250 ms
                SYN RTO armed (1 s)
 3.   0.250 ms  ESTABLISHED  <--                                <-- SYN_RECEIVED
                             Flags [S.], seq 5000, ack 1001, win 65160, length 0
                                 at 0.500 ms
                                                         SYN-ACK RTO armed (1 s)
 4.   0.500 ms  ESTABLISHED  -->                                --> ESTABLISHED
                                 Flags [.], ack 5001, win 502, length 0
                                                    at 0.750 ms
                                                                    accept()
 5.   2.000 ms  write() → 100 bytes
                ESTABLISHED  -->                                --> ESTABLISHED
                        Flags [P.], seq 1001:1101, ack 5001, win 502, length 100
                RTO armed (200 ms)                       read() → 100 bytes
 6.   2.250 ms  ESTABLISHED  <--                                <-- ESTABLISHED
                                 Flags [.], ack 1101, win 509, length 0
 7.  10.000 ms  close()
                FIN_WAIT_1   -->                                --> CLOSE_WAIT
                               Flags [F.], seq 1101, ack 5001, win 502, length 0
                                                   at 10.250 ms
                RTO armed (200 ms)
 8.  10.250 ms  FIN_WAIT_2   <--                                <-- CLOSE_WAIT
                                 Flags [.], ack 1102, win 509, length 0
                                 at 10.500 ms
                FIN_WAIT_2 timer armed (60 s)                       read() → EOF
 9.  20.000 ms                                                      close()
                TIME_WAIT    <--                                <-- LAST_ACK
                               Flags [F.], seq 5001, ack 1102, win 509, length 0
                                 at 20.250 ms
                                                         RTO armed (200 ms)
10.  20.250 ms  TIME_WAIT    -->                                XXX
                                 Flags [.], ack 5002, win 502, length 0
                                 (lost: fault "lose-final-ack")
                TIME_WAIT timer armed (60 s)
11. 220.000 ms                                                      RTO fired
                TIME_WAIT    <--                                <-- LAST_ACK
                               Flags [F.], seq 5001, ack 1102, win 509, length 0
                                 (retransmission)
                                                         RTO restarted (400 ms)
12. 220.250 ms  TIME_WAIT    -->                                --> CLOSED
                                 Flags [.], ack 5002, win 502, length 0
                                                  at 220.500 ms
                TIME_WAIT timer restarted (60 s)
                                     ~~~ 60.000 s pass ~~~
13.   60.220 s  TIME_WAIT timer fired
                CLOSED
`,
  );
});

test("network faults: a duplicate copy, a delayed ACK, a corrupted FIN; hosts in order of first appearance", () => {
  assert.equal(
    renderLadder(more.networkFaults(), {}),
    `               server 10.0.0.2                                   client 10.0.0.1

 1.  0.000 ms  listen()
               LISTEN
 2.  0.000 ms                                                       connect()
               SYN_RECEIVED <-- at 0.250 ms <SEQ=0><CTL=SYN>    <-- SYN_SENT
                                                             SYN RTO armed (1 s)
 3.  0.250 ms  SYN_RECEIVED --> <SEQ=0><ACK=1><CTL=SYN,ACK>     --> ESTABLISHED
                                                    at 0.500 ms
               SYN-ACK RTO armed (1 s)
 4.  0.500 ms  ESTABLISHED  <-- <SEQ=1><ACK=1><CTL=ACK>         <-- ESTABLISHED
                                at 0.750 ms
               accept()
 5.  2.000 ms  ESTABLISHED  <--                                 <-- ESTABLISHED
                                <SEQ=1><ACK=1><CTL=PSH,ACK><DATA=10>
 6.  2.250 ms  ESTABLISHED  --> <SEQ=1><ACK=11><CTL=ACK>        ...
 7.  2.300 ms  ESTABLISHED  <--                                 ...
                                <SEQ=1><ACK=1><CTL=PSH,ACK><DATA=10>
                                (duplicate copy, fault "dup data"; dropped by
                                 server: duplicate)
 8.  2.300 ms  ESTABLISHED  --> <SEQ=1><ACK=11><CTL=ACK>        --> ESTABLISHED
 9.  7.250 ms               ... <SEQ=1><ACK=11><CTL=ACK>        --> ESTABLISHED
                                (delayed by fault "slow ack")
10. 10.000 ms  ESTABLISHED  <-- <SEQ=11><ACK=1><CTL=FIN,ACK>    <-- ESTABLISHED
                                (corrupted by fault "flip a bit"; dropped by
                                 server: bad-tcp-checksum)
`,
  );
});

test("a peer that records no events (a kernel across TUN) gets a column named by its address", () => {
  assert.equal(
    renderLadder(more.kernelPeer(), {}),
    `             tcplab 10.0.0.1                                  10.0.0.2

1. 0.000 ms  connect()
             SYN_SENT     --> <SEQ=0><CTL=SYN>            -->
2. 0.180 ms  ESTABLISHED  <-- <SEQ=0><ACK=1><CTL=SYN,ACK> <--
3. 0.180 ms  ESTABLISHED  --> <SEQ=1><ACK=1><CTL=ACK>     -->
`,
  );
});

test("three hosts: a segment between the outer columns spans the middle one", () => {
  assert.equal(
    renderLadder(more.threeHosts(), {}),
    `             client 10.0.0.1            proxy 10.0.0.3           server 10.0.0.2

1. 0.000 ms  SYN_SENT     -->       --> SYN_RECEIVED
                              <SEQ=0><CTL=SYN>
                        at 0.100 ms
2. 0.100 ms                             SYN_SENT     -->       -->
                                                         <SEQ=0><CTL=SYN>
3. 0.300 ms  connect()
             SYN_SENT     --> <SEQ=0><CTL=SYN>                 -->
                              (dropped by server: syn-queue-full)
4. 0.500 ms                                                  (listen queue full)
`,
  );
});

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`, "g");
const everySample = (): Array<[string, ReturnType<typeof samples.fourWayClose>]> => [
  ["fourWayClose", samples.fourWayClose()],
  ["lostFinalAck", samples.lostFinalAck()],
  ["simultaneousClose", samples.simultaneousClose()],
  ["noTimeWait", samples.noTimeWait()],
  ["dataInFlight", samples.dataInFlight()],
  ["networkFaults", more.networkFaults()],
  ["kernelPeer", more.kernelPeer()],
  ["threeHosts", more.threeHosts()],
];

test("without a host order the columns follow first appearance", () => {
  const header = renderLadder(samples.fourWayClose()).split("\n")[0] ?? "";
  assert.ok(header.indexOf("server 10.0.0.2") < header.indexOf("client 10.0.0.1"), header);
  const given = renderLadder(samples.fourWayClose(), { hosts: ["client"] }).split("\n")[0] ?? "";
  assert.ok(given.indexOf("client 10.0.0.1") < given.indexOf("server 10.0.0.2"), given);
});

test("a host given with an address names the column of a peer that records nothing", () => {
  const text = renderLadder(more.kernelPeer(), { hosts: ["tcplab", { name: "linux", address: "10.0.0.2" }] });
  assert.match(text.split("\n")[0] ?? "", /^\s+tcplab 10\.0\.0\.1\s+linux 10\.0\.0\.2$/);
  assert.doesNotMatch(text, /^\s+10\.0\.0\.2$/m);
});

test("idle compression: the gap threshold is an option and the real duration is printed", () => {
  const plain = renderLadder(samples.lostFinalAck(), { hosts: ["client", "server"] });
  assert.equal(plain.match(/~~~/g)?.length, 2, "one line for the 60 s TIME_WAIT");
  const never = renderLadder(samples.lostFinalAck(), { hosts: ["client", "server"], idleGap: Infinity });
  assert.doesNotMatch(never, /~~~/);
  const fine = renderLadder(samples.lostFinalAck(), { hosts: ["client", "server"], idleGap: 100_000 });
  // From the lost ACK at 20.250 ms to the RTO firing at 220 ms.
  assert.match(fine, /^\s+~~~ 199\.750 ms pass ~~~$/m);
  assert.match(fine, /^\s+~~~ 60\.000 s pass ~~~$/m);
});

test("colour only when asked, and it never moves a character", () => {
  for (const [name, events] of everySample()) {
    const plain = renderLadder(events, { hosts: ["client", "server"] });
    assert.ok(!plain.includes(ESC), name);
    const coloured = renderLadder(events, { hosts: ["client", "server"], color: true });
    assert.ok(coloured.includes(`${ESC}[`), name);
    assert.equal(coloured.replace(ANSI, ""), plain, name);
  }
  const lost = renderLadder(samples.lostFinalAck(), { color: true });
  assert.ok(lost.includes(`${ESC}[31mXXX${ESC}[0m`), "lost segments end in red");
});

test("two-host lines stay within the width in every label style, with relative and absolute numbers", () => {
  // Each further host adds a lane; three hosts fit only with the shorter labels (checked below).
  for (const [name, events] of everySample().filter(([name]) => name !== "threeHosts")) {
    for (const labels of ["rfc", "textbook", "tcpdump"] as const) {
      for (const sequence of ["relative", "absolute"] as const) {
        const text = renderLadder(events, { labels, sequence });
        for (const line of text.split("\n")) {
          assert.ok(
            [...line].length <= 132,
            `${name} ${labels} ${sequence}: ${line.length} columns: ${line}`,
          );
        }
      }
    }
  }
});

test("three hosts fit the width with RFC labels", () => {
  for (const line of renderLadder(more.threeHosts()).split("\n")) assert.ok([...line].length <= 132, line);
});

test("random-looking ISNs keep absolute labels readable within 140 columns", () => {
  const events = samples.lostFinalAck().map((e) => {
    if (e.kind !== "segment-sent" && e.kind !== "segment-received") return e;
    const fromClient = e.seg.srcPort === 40000;
    const shift = (v: number, by: number): number => (v + by) >>> 0;
    const seg = {
      ...e.seg,
      seq: shift(e.seg.seq, fromClient ? 3_735_927_559 : 2_882_395_018),
      ack: e.seg.ack === 0 ? 0 : shift(e.seg.ack, fromClient ? 2_882_395_018 : 3_735_927_559),
    };
    return { ...e, seg };
  });
  const text = renderLadder(events, { hosts: ["client", "server"], sequence: "absolute" });
  assert.match(text, /<SEQ=3735928559><CTL=SYN>/);
  for (const line of text.split("\n")) assert.ok([...line].length <= 140, line);
  // Relative numbering hides the ISNs again.
  assert.equal(
    renderLadder(events, { hosts: ["client", "server"] }),
    renderLadder(samples.lostFinalAck(), { hosts: ["client", "server"] }),
  );
});

test("time column: relative to the first event by default, absolute, shifted origin, or none", () => {
  const events = samples.fourWayClose().map((e) => ({ ...e, t: e.t + 5_000_000 }));
  const relative = renderLadder(events, { hosts: ["client", "server"] });
  assert.match(relative, /^ 2\.\s+0\.000 ms\s+connect\(\)$/m);
  const absolute = renderLadder(events, { hosts: ["client", "server"], time: "absolute" });
  assert.match(absolute, /^ 2\.\s+5\.000 s\s+connect\(\)$/m);
  assert.match(absolute, /^11\.\s+65\.020 s\s+TIME_WAIT timer fired$/m);
  const origin = renderLadder(events, { hosts: ["client", "server"], timeOrigin: 4_000_000 });
  assert.match(origin, /^ 2\.\s+1\.000 s\s+connect\(\)$/m);
  const none = renderLadder(events, { hosts: ["client", "server"], time: "none" });
  assert.match(none, /^ 2\.\s+connect\(\)$/m);
  assert.doesNotMatch(none, / ms /);
});

test("timers can be hidden; cancellations are never shown", () => {
  const shown = renderLadder(samples.lostFinalAck());
  assert.match(shown, /RTO fired/);
  assert.doesNotMatch(shown, /cancelled/);
  const hidden = renderLadder(samples.lostFinalAck(), { timers: false });
  assert.doesNotMatch(hidden, /RTO|2·MSL|timer/);
  assert.match(hidden, /retransmission/);
});

test("bad options are refused with a code", () => {
  const bad: Array<Record<string, unknown>> = [
    { labels: "fancy" },
    { sequence: "relativ" },
    { time: "wall" },
    { idleGap: 0 },
    { idleGap: -5 },
    { width: 10 },
    { timeOrigin: Number.NaN },
  ];
  for (const options of bad) {
    assert.throws(() => renderLadder(samples.fourWayClose(), options), { code: "ERR_TCPLAB_LADDER_OPTION" });
  }
  assert.throws(() => renderLadder([], { hosts: ["a", "a"] }), { code: "ERR_TCPLAB_TRACE_HOSTS" });
  assert.throws(() => renderLadder([], { hosts: [{ name: "a", address: "10.0.0.300" }] }), {
    code: "ERR_TCPLAB_TRACE_HOSTS",
  });
});

test("an empty trace renders as an empty diagram, not a crash", () => {
  assert.equal(renderLadder([]), "(no events)\n");
  assert.equal(renderLadder([], { hosts: ["client", "server"] }), "(no events)\n");
});

test("the same picture whether the engine records a state change before or after its reply", () => {
  // The engine sends the ACK of a FIN and then records FIN_WAIT_2 → TIME_WAIT; the figure still
  // writes TIME_WAIT on the line where the FIN arrives.
  const events = samples.fourWayClose();
  const i = events.findIndex((e) => e.kind === "state" && e.to === "TIME_WAIT");
  const sentAfter = events.findIndex((e, j) => j > i && e.kind === "segment-sent");
  const reordered = [...events];
  const [state] = reordered.splice(i, 1);
  assert.ok(state);
  reordered.splice(sentAfter, 0, state); // now just after the ACK
  assert.equal(reordered[sentAfter - 1]?.kind, "segment-sent");
  assert.equal(
    renderLadder(reordered, { hosts: ["client", "server"] }),
    renderLadder(events, { hosts: ["client", "server"] }),
  );
  assert.match(
    renderLadder(reordered, { hosts: ["client", "server"] }),
    /TIME_WAIT {4}<-- <SEQ=1><ACK=102><CTL=FIN,ACK> +<-- LAST_ACK/,
  );
});

test("a drop reported after the arrival is that arrival's verdict, whether it carries the packet id or -1", () => {
  const withId = samples.noTimeWait();
  const withoutId = withId.map((e) => (e.kind === "segment-dropped" ? { ...e, id: -1 } : e));
  const expected = renderLadder(withId, { hosts: ["client", "server"] });
  assert.equal(renderLadder(withoutId, { hosts: ["client", "server"] }), expected);
  assert.equal(expected.match(/CTL=FIN,ACK>/g)?.length, 3, "the retransmitted FIN is drawn once, not twice");
});

test("application calls: arguments in the parentheses, results after an arrow, errors by code", () => {
  const events = samples.handshake().events;
  events.push(
    {
      kind: "app",
      t: 900,
      host: "client",
      conn: null,
      call: "connect",
      detail: "10.0.0.2:80",
      error: "EADDRNOTAVAIL",
    },
    { kind: "app", t: 901, host: "server", conn: null, call: "listen", detail: "port 80 backlog 511" },
    { kind: "app", t: 902, host: "server", conn: samples.S, call: "read", detail: "EOF" },
    {
      kind: "app",
      t: 903,
      host: "server",
      conn: samples.S,
      call: "write",
      error: "EPIPE",
      detail: "3 bytes",
    },
    { kind: "app", t: 904, host: "client", conn: samples.C, call: "error", error: "ECONNRESET" },
  );
  const text = renderLadder(events, { hosts: ["client", "server"] });
  for (const expected of [
    /^\s*\d+\.\s+0\.900 ms\s+connect\(10\.0\.0\.2:80\) → EADDRNOTAVAIL$/m,
    /^\s*\d+\.\s+0\.901 ms\s+listen\(port 80 backlog 511\)$/m,
    /^\s*\d+\.\s+0\.902 ms\s+read\(\) → EOF$/m,
    /^\s*\d+\.\s+0\.903 ms\s+write\(\) → EPIPE \(3 bytes\)$/m,
    /^\s*\d+\.\s+0\.904 ms\s+ECONNRESET$/m,
  ]) {
    assert.match(text, expected);
  }
});

test("a note from a narrator without a column spans the diagram instead of adding a column", () => {
  const events = samples.fourWayClose();
  events.push({ kind: "note", t: 30_000_000, host: "sim", text: "ss on client: 1 TIME_WAIT" });
  events.sort((a, b) => a.t - b.t);
  const text = renderLadder(events, { hosts: ["client", "server"] });
  assert.doesNotMatch(text.split("\n")[0] ?? "", /sim/);
  assert.match(text, /^11\.\s+30\.000 s\s{2}\(sim: ss on client: 1 TIME_WAIT\)$/m);
  // Two idle stretches now, either side of the note.
  assert.equal(text.match(/~~~ 29\.980 s pass ~~~|~~~ 30\.020 s pass ~~~/g)?.length, 2);
});

test("a trace of 30,000 connections (a port-exhaustion run) renders without overflowing", () => {
  const events: TraceEvent[] = [];
  for (let i = 0; i < 30_000; i++) {
    const port = 32768 + (i % 28000);
    const conn = `10.0.0.1:${port}>10.0.0.2:80`;
    const b = new TraceBuilder(samples.ADDRESSES);
    const t = i * 1000;
    b.state(t, "client", conn, "CLOSED", "SYN_SENT", "connect");
    b.send(t, "client", conn, { seq: i, flags: SYN }, "syn");
    b.state(t + 500, "client", conn, "SYN_SENT", "CLOSED", "rcv RST");
    events.push(...b.events);
  }
  const text = renderLadder(events, { summarize: false });
  assert.equal(text.split("\n").length, 2 + 2 * 30_000 + 1);
  // Summarized (the default), the identical connections fold into one counted line.
  const short = renderLadder(events);
  assert.ok(short.split("\n").length < 20, short);
  assert.match(short, /~~~ lines 3–59998: the 2 lines above 29998 times more,/);
  assert.equal(stateTimeline(events).connections.length, 30_000);
});

test("comments too long for the width wrap under the label without losing a word", () => {
  const text = renderLadder(more.networkFaults(), { width: 80 });
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.trimStart().startsWith("(duplicate copy"));
  assert.ok(start > 0);
  let comment = "";
  for (let i = start; !comment.endsWith(")"); i++) {
    const line = lines[i] ?? "";
    assert.ok([...line].length <= 80, line);
    comment += ` ${line.trim()}`;
  }
  assert.equal(comment.trim(), '(duplicate copy, fault "dup data"; dropped by server: duplicate)');
  assert.ok(lines[start + 1]?.trim() !== "", "wrapped onto a second line");
});

test("a delivery is a new stimulus even at the same instant as the receiver's previous events", () => {
  // listen() at 0 and a SYN injected at 0: the SYN's arrival is not listen()'s consequence.
  const b = new TraceBuilder(samples.ADDRESSES);
  b.app(0, "server", null, "listen", { detail: "port 80" });
  const syn = b.send(0, "client", samples.C, { seq: 1, flags: SYN }, "syn");
  const events = b.events;
  // Put the arrival right after listen(), as the simulator does for an injection with no delay.
  events.push({
    kind: "network",
    t: 0,
    host: "network",
    action: "deliver",
    id: syn,
    from: "client",
    to: "server",
  });
  const sent = events.find((e) => e.kind === "segment-sent");
  assert.ok(sent?.kind === "segment-sent");
  events.push({ kind: "segment-received", t: 0, host: "server", id: syn, seg: sent.seg, conn: null });
  const reordered = [events[1], events[0], ...events.slice(2)] as TraceEvent[];
  const text = renderLadder(reordered, { hosts: ["client", "server"], time: "none" });
  assert.match(text, /^1\.\s+--> <SEQ=0><CTL=SYN>\s+\.\.\.$/m);
  assert.match(text, /^2\.\s+listen\(port 80\)$/m);
  assert.match(text, /^3\.\s+\.\.\. <SEQ=0><CTL=SYN>\s+-->$/m);
  const together = renderLadder(
    reordered.filter((e) => e.kind !== "network"),
    { hosts: ["client", "server"], time: "none" },
  );
  assert.notEqual(together, text, "without the delivery marker the two would read as one step");
});

test("an undecodable packet and an injected one are both accounted for", () => {
  const b = samples.handshake();
  b.events.push(
    {
      kind: "segment-dropped",
      t: 5000,
      host: "server",
      id: -1,
      reason: "bad-ip-checksum",
      seg: null,
      conn: null,
    },
    {
      kind: "network",
      t: 6000,
      host: "network",
      action: "inject",
      id: 99,
      from: "injector",
      to: "server",
      fault: "stray SYN",
    },
    {
      kind: "network",
      t: 6000,
      host: "network",
      action: "deliver",
      id: 99,
      from: "injector",
      to: "server",
      fault: "stray SYN",
    },
    {
      kind: "segment-received",
      t: 6000,
      host: "server",
      id: 99,
      conn: null,
      seg: {
        srcAddr: 0x0a000063,
        dstAddr: 0x0a000002,
        srcPort: 1234,
        dstPort: 80,
        seq: 7,
        ack: 0,
        flags: SYN,
        window: 1024,
        urgent: 0,
        options: {},
        payload: new Uint8Array(0),
      },
    },
  );
  const text = renderLadder(b.events, { hosts: ["client", "server"], time: "none" });
  // (wrapped at 80 columns: the note starts in the server's column)
  assert.match(text, /^5\.\s+\(undecodable packet: dropped by server:\n\s+bad-ip-checksum\)$/m);
  // The spoofed source has no host of its own: it gets a column named by its address.
  assert.match(text.split("\n")[0] ?? "", /server 10\.0\.0\.2\s+10\.0\.0\.99$/);
  // Three hosts at 80 columns: the lanes are too narrow for labels, which go under their arrows.
  assert.match(text, /^6\.\s+<--\s+<--\n\s+<SEQ=0><CTL=SYN>\n\s+\(injected by fault "stray SYN"\)$/m);
});
