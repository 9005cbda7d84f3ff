// The acceptance matrix (FreeBSD tcp-testsuite style): for each synchronized state, an RST, a SYN, a bare ACK
// and a data segment arriving left of, at the left edge of, inside and right of the receive window, with the
// reaction RFC 9293 §3.10.7.4 and RFC 5961 ask for. One row per (state, segment, position).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, RST, SYN, type Segment } from "../../src/wire/segment.js";
import type { TcpState } from "../../src/tcp/state.js";
import { Bench, placeIn, type PlaceableState, type Placed } from "./harness.js";

type Kind = "RST" | "SYN" | "ACK" | "data";
type Position = "left" | "edge" | "inside" | "right";

interface Expectation {
  /**
   * "none": nothing is sent. "ack": exactly one pure <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
   * "ack-or-none": the RFC leaves it open (the text is ignored); if anything is sent it is that ACK.
   * "syn-ack": a new incarnation answers with SYN,ACK (TIME_WAIT only).
   */
  reply: "none" | "ack" | "ack-or-none" | "syn-ack";
  /** The 4-tuple's state afterwards. */
  after: TcpState;
  /** Bytes the application receives. */
  delivered: number;
  /** The error the application is told (reset), if any. */
  error?: string | null;
  why: string;
}

const DATA_LEN = 10;
const CAN_RECEIVE = new Set<PlaceableState>(["ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2"]);

function expectation(state: PlaceableState, kind: Kind, pos: Position): Expectation {
  const inWindow = pos === "edge" || pos === "inside";
  if (state === "TIME_WAIT") return timeWaitExpectation(kind, pos);
  switch (kind) {
    case "RST":
      if (!inWindow)
        return {
          reply: "none",
          after: state,
          delivered: 0,
          why: "RFC 5961 §3.2: outside the window, drop silently",
        };
      if (pos === "inside")
        return {
          reply: "ack",
          after: state,
          delivered: 0,
          why: "RFC 5961 §3.2: in window but not RCV.NXT, challenge ACK",
        };
      return {
        reply: "none",
        after: "CLOSED",
        delivered: 0,
        // CLOSING/LAST_ACK: §3.10.7.4 "enter the CLOSED state"; the others signal "connection reset" —
        // which Linux reports as EPIPE in CLOSE_WAIT (tcp_reset).
        error:
          state === "CLOSING" || state === "LAST_ACK"
            ? undefined
            : state === "CLOSE_WAIT"
              ? "EPIPE"
              : "ECONNRESET",
        why: "§3.10.7.4 second check: SEG.SEQ = RCV.NXT resets the connection",
      };
    case "SYN":
      return {
        reply: "ack",
        after: state,
        delivered: 0,
        why: "§3.10.7.4 fourth check / RFC 5961 §4.2: challenge ACK whatever the sequence number",
      };
    case "ACK":
      if (!inWindow)
        return {
          reply: "ack",
          after: state,
          delivered: 0,
          why: "§3.10.7.4 first check: not acceptable, send an ACK",
        };
      return {
        reply: "none",
        after: state,
        delivered: 0,
        why: "acceptable; an ACK that acknowledges nothing new needs no reply",
      };
    case "data":
      if (!inWindow)
        return {
          reply: "ack",
          after: state,
          delivered: 0,
          why: "§3.10.7.4 first check: not acceptable, send an ACK",
        };
      if (!CAN_RECEIVE.has(state))
        return {
          reply: "ack-or-none",
          after: state,
          delivered: 0,
          why: "§3.10.7.4 seventh step: after the peer's FIN, ignore the text",
        };
      if (pos === "edge")
        return {
          reply: "ack",
          after: state,
          delivered: DATA_LEN,
          why: "§3.10.7.4 seventh step: in order, delivered and ACKed",
        };
      return {
        reply: "ack",
        after: state,
        delivered: 0,
        why: "out of order: held, immediate duplicate ACK (RFC 5681 §4.2)",
      };
  }
}

/** TIME_WAIT on the linux profile (timeWaitVerdict; RFC 9293 §3.10.7.4 TIME-WAIT; RFC 1122 4.2.2.13). */
function timeWaitExpectation(kind: Kind, pos: Position): Expectation {
  switch (kind) {
    case "RST":
      if (pos === "edge")
        return {
          reply: "none",
          after: "CLOSED",
          delivered: 0,
          why: "exact RST kills TIME_WAIT (tcp_rfc1337=0)",
        };
      if (pos === "inside")
        return {
          reply: "none",
          after: "TIME_WAIT",
          delivered: 0,
          why: "Linux tcp_timewait_state_process ignores an inexact RST (no RFC 5961 challenge ACK)",
        };
      return {
        reply: "none",
        after: "TIME_WAIT",
        delivered: 0,
        why: "RFC 5961 §3.2: outside the window, drop",
      };
    case "SYN":
      if (pos === "inside" || pos === "right")
        return {
          reply: "syn-ack",
          after: "CLOSED",
          delivered: 0,
          why: "RFC 1122 4.2.2.13: SEG.SEQ > RCV.NXT reopens (the old record is CLOSED)",
        };
      return {
        reply: "ack",
        after: "TIME_WAIT",
        delivered: 0,
        why: "RFC 5961 §4: an old SYN gets a challenge ACK",
      };
    case "ACK":
      if (pos === "edge")
        return {
          reply: "none",
          after: "TIME_WAIT",
          delivered: 0,
          why: "linux: acceptable bare ACK restarts the timer, no reply",
        };
      if (pos === "inside")
        return {
          reply: "ack",
          after: "TIME_WAIT",
          delivered: 0,
          why: "linux tcp_timewait_state_process: anything but an exact bare ACK or RST is ACKed",
        };
      return {
        reply: "ack",
        after: "TIME_WAIT",
        delivered: 0,
        why: "§3.10.7.4 first check: not acceptable, send an ACK",
      };
    case "data":
      if (pos === "left" || pos === "right")
        return {
          reply: "ack",
          after: "TIME_WAIT",
          delivered: 0,
          why: "§3.10.7.4 first check: not acceptable, send an ACK",
        };
      return {
        reply: "ack",
        after: "TIME_WAIT",
        delivered: 0,
        why: "§3.10.7.4 seventh step ignores the text; linux ACKs it (tcp_timewait_state_process)",
      };
  }
}

/** Rows the engine gets wrong today, with the bug they show (see /tmp/engine-bugs.md). */
const KNOWN_BUGS: Record<string, string> = {};

function segmentFor(
  p: Placed,
  rcvNxt: number,
  rcvWnd: number,
  kind: Kind,
  pos: Position,
): Partial<Segment> & { flags: number } {
  const seq =
    pos === "left"
      ? rcvNxt - 100
      : pos === "edge"
        ? rcvNxt
        : pos === "inside"
          ? rcvNxt + Math.min(1000, rcvWnd - DATA_LEN - 1)
          : rcvNxt + rcvWnd;
  // The ACK field acknowledges what the peer has seen of ours without covering an unacknowledged FIN.
  const ack = p.conn.snd.sndUna;
  switch (kind) {
    case "RST":
      return { flags: RST, seq: seq >>> 0 };
    case "SYN":
      return { flags: SYN, seq: seq >>> 0, options: { mss: 1460 } };
    case "ACK":
      return { flags: ACK, seq: seq >>> 0, ack };
    case "data":
      return { flags: ACK, seq: seq >>> 0, ack, payload: new Uint8Array(DATA_LEN).fill(0x61) };
  }
}

const STATES: PlaceableState[] = [
  "ESTABLISHED",
  "FIN_WAIT_1",
  "FIN_WAIT_2",
  "CLOSE_WAIT",
  "CLOSING",
  "LAST_ACK",
  "TIME_WAIT",
];
const KINDS: Kind[] = ["RST", "SYN", "ACK", "data"];
const POSITIONS: Position[] = ["left", "edge", "inside", "right"];

for (const state of STATES) {
  for (const kind of KINDS) {
    for (const pos of POSITIONS) {
      const name = `${state} ${kind} ${pos}`;
      const exp = expectation(state, kind, pos);
      const skip = KNOWN_BUGS[name];
      test(
        `${name} → ${exp.reply}, ${exp.after} (${exp.why})`,
        skip ? { skip: `${skip}, see /tmp/engine-bugs.md` } : {},
        () => {
          const b = new Bench();
          const p = placeIn(b, state);
          const rcvNxt = p.conn.rcv.rcvNxt;
          const rcvWnd = p.conn.rcv.window;
          assert.ok(rcvWnd > 2000, "the matrix needs an open window");
          const sndNxt = p.conn.snd.sndNxt;
          const deliveredBefore = p.log.data.reduce((n, d) => n + d.length, 0);
          const closesBefore = p.log.closes.length;
          b.take();
          const m = b.mark();
          b.feed(segmentFor(p, rcvNxt, rcvWnd, kind, pos));
          b.runTo(b.now + b.host.profile.delayedAckTimeout); // a delayed ACK is still an ACK
          const out = b.take();
          const checkAck = (s: Segment, expectedAck: number): void => {
            assert.equal(s.flags, ACK, `${name}: a pure ACK`);
            assert.equal(s.seq, sndNxt, `${name}: SEQ=SND.NXT`);
            assert.equal(s.ack, expectedAck >>> 0, `${name}: ACK=RCV.NXT`);
          };
          switch (exp.reply) {
            case "none":
              assert.equal(out.length, 0, `${name}: nothing may be sent`);
              break;
            case "ack":
              assert.equal(out.length, 1, `${name}: exactly one ACK`);
              checkAck(out[0]!, rcvNxt + exp.delivered);
              break;
            case "ack-or-none":
              assert.ok(out.length <= 1, `${name}: at most one ACK`);
              if (out[0]) checkAck(out[0], rcvNxt);
              break;
            case "syn-ack":
              assert.equal(out.length, 1);
              assert.equal(out[0]!.flags, SYN | ACK);
              break;
          }
          assert.equal(b.host.stateOf(p.conn), exp.after, `${name}: state afterwards`);
          const delivered = p.log.data.reduce((n, d) => n + d.length, 0) - deliveredBefore;
          assert.equal(delivered, exp.delivered, `${name}: bytes delivered`);
          if (exp.after === "CLOSED" && state !== "TIME_WAIT") {
            assert.equal(p.log.closes.length, closesBefore + 1, `${name}: the application is told`);
            if (exp.error !== undefined) assert.equal(p.log.closes.at(-1), exp.error);
          } else {
            assert.equal(p.log.closes.length, closesBefore, `${name}: no close reported`);
          }
          // Every segment not taken in left a segment-dropped event with a reason. Taken in: an acceptable ACK,
          // in-order data, out-of-order data held for reassembly, a SYN that reopens TIME_WAIT, an exact RST.
          const takenIn =
            (kind === "ACK" && (pos === "edge" || pos === "inside")) ||
            (kind === "data" && CAN_RECEIVE.has(state) && (pos === "edge" || pos === "inside")) ||
            exp.reply === "syn-ack" ||
            exp.after === "CLOSED";
          if (!takenIn) {
            assert.ok(b.drops(m).length >= 1, `${name}: a segment-dropped event with a reason`);
          }
        },
      );
    }
  }
}

// RFC 5961 §7 / linux tcp_invalid_ratelimit: one challenge ACK per interval per connection.
for (const kind of ["RST", "SYN"] as const) {
  test(`challenge ACK rate limit (${kind}): a second one within challengeAckInterval is suppressed, later allowed again`, () => {
    const b = new Bench();
    const p = placeIn(b, "ESTABLISHED");
    const interval = b.host.profile.challengeAckInterval;
    const seg = (): Partial<Segment> & { flags: number } =>
      kind === "RST" ? { flags: RST, seq: p.peerNxt + 500 } : { flags: SYN, seq: p.peerNxt + 500 };
    b.at(b.now + 1_000_000);
    const t0 = b.now;
    b.feed(seg());
    assert.equal(b.one().flags, ACK);
    const m = b.mark();
    b.at(t0 + interval - 1).feed(seg());
    b.none();
    assert.equal(b.host.counters.dropCount("challenge-ack-rate-limited"), 1);
    assert.equal(b.drops(m).length, 1); // still dropped with its reason
    b.at(t0 + interval).feed(seg());
    assert.equal(b.one().flags, ACK);
    assert.equal(b.host.counters.challengeAcks, 2);
    assert.equal(p.conn.state, "ESTABLISHED");
  });
}

test("challenge ACK rate limit is per connection: another connection still gets its challenge ACK", () => {
  const b = new Bench();
  const p = placeIn(b, "ESTABLISHED");
  // A second connection from another remote port, opened by hand.
  const port2 = 40001;
  b.feed({ flags: SYN, seq: 5000, srcPort: port2, options: { mss: 1460 } });
  const sa = b.one();
  b.feed({ flags: ACK, seq: 5001, ack: sa.seq + 1, srcPort: port2 });
  b.at(b.now + 1_000_000);
  b.feed({ flags: RST, seq: p.peerNxt + 500 });
  assert.equal(b.one().dstPort, p.conn.remotePort);
  b.feed({ flags: RST, seq: 5001 + 500, srcPort: port2 });
  const second = b.one();
  assert.equal(second.dstPort, port2);
  assert.equal(second.ack, 5001);
});

test("an RST exactly at RCV.NXT is believed even right after a challenge ACK (RFC 5961 §3.2 step 2)", () => {
  const b = new Bench();
  const p = placeIn(b, "ESTABLISHED");
  b.feed({ flags: RST, seq: p.peerNxt + 10 });
  b.one();
  b.feed({ flags: RST, seq: p.peerNxt });
  b.none();
  assert.equal(p.conn.state, "CLOSED");
  assert.deepEqual(p.log.closes, ["ECONNRESET"]);
});

test("RFC 5961 §5.2: an ACK for data never sent (SEG.ACK > SND.NXT) draws a challenge ACK and is dropped", () => {
  const b = new Bench();
  const p = placeIn(b, "ESTABLISHED");
  const m = b.mark();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 1000 });
  const ack = b.one();
  assert.equal(ack.flags, ACK);
  assert.equal(ack.ack, p.peerNxt);
  assert.equal(p.conn.snd.sndUna, p.ourNxt);
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["ack-unsent-data"],
  );
});

test("RFC 5961 §5.2: an ACK older than SND.UNA − MAX.SND.WND draws a challenge ACK and is dropped", () => {
  const b = new Bench();
  const p = placeIn(b, "ESTABLISHED");
  const m = b.mark();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt - 200_000 });
  const ack = b.one();
  assert.equal(ack.flags, ACK);
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["ack-too-old"],
  );
});

for (const state of ["CLOSE_WAIT", "CLOSING", "LAST_ACK"] as const) {
  test(`${state}: text after the peer's FIN is ignored and recorded as a drop with a reason (§3.10.7.4 seventh step)`, () => {
    const b = new Bench();
    const p = placeIn(b, state);
    const m = b.mark();
    b.feed({ flags: ACK, seq: p.peerNxt, ack: p.conn.snd.sndUna, payload: new Uint8Array(DATA_LEN) });
    const drops = b.drops(m);
    assert.equal(drops.length, 1);
    assert.equal(drops[0]!.reason, "data-after-fin");
    assert.equal(b.host.counters.dropCount("data-after-fin"), 1);
  });
}

test("out-of-window pure ACKs share the rate limit (linux tcp_oow_rate_limited); out-of-window data is always ACKed", () => {
  const b = new Bench();
  const p = placeIn(b, "ESTABLISHED");
  const right = p.peerNxt + p.conn.rcv.window + 10;
  b.at(b.now + 1_000_000).feed({ flags: ACK, seq: right, ack: p.ourNxt });
  assert.equal(b.one().ack, p.peerNxt);
  b.at(b.now + 100_000).feed({ flags: ACK, seq: right, ack: p.ourNxt });
  b.none(); // a second bad pure ACK within 500 ms: no reply (no ACK war)
  // Data cannot loop: each out-of-window data segment is answered.
  for (let i = 0; i < 3; i++) {
    b.feed({ flags: ACK, seq: right, ack: p.ourNxt, payload: new Uint8Array(5) });
    assert.equal(b.one().ack, p.peerNxt);
  }
});
