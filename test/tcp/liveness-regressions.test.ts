// Regression tests for the liveness and hardening failures of issue 10 (F1–F6), each rebuilt on the
// per-state harness from the description: the remote end is played by hand, segment by segment.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ACK,
  Bench,
  LOCAL_PORT,
  REMOTE_ISS,
  REMOTE_PORT,
  bytes,
  passiveOpen,
  placeIn,
  text,
} from "./harness.js";
import { FIN, RST, SYN, type Segment } from "../../src/wire/segment.js";
import { MS, SECOND } from "../../src/tcp/profile.js";
import { regressions, clearRegressions } from "../../src/tcp/regressions.js";
import { EngineInvariantError, THROWING_SINK } from "../../src/tcp/invariants.js";
import type { SegmentSentEvent } from "../../src/tcp/events.js";

const end = (s: Segment): number => (s.seq + s.payload.length + (s.flags & FIN ? 1 : 0)) >>> 0;

/** Runs to the host's next deadline; returns what it sent. */
function nextTimer(b: Bench): Segment[] {
  const d = b.host.nextDeadline();
  assert.ok(d < Infinity, "a timer must be running");
  b.runTo(d);
  return b.take();
}

test("F1: the RTO retransmits a persist-forced sliver whose ACK was lost (SWS avoidance is for new data, RFC 9293 §3.8.6.2.1)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  b.at(b.now + 10 * MS);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 100 }); // a slow peer: 100 bytes of room
  p.conn.send(new Uint8Array(5000).fill(7), b.now);
  b.none(); // sender SWS avoidance holds the 100-byte sliver of a 5000-byte backlog
  const sliver = nextTimer(b); // the persist timer forces it out
  assert.equal(sliver.length, 1);
  assert.equal(sliver[0]!.seq, p.ourNxt);
  assert.equal(sliver[0]!.payload.length, 100);
  // Its ACK is lost. The retransmission timer must resend it, not fire and send nothing.
  const mark = b.mark();
  const rto = nextTimer(b);
  assert.equal(rto.length, 1, "the RTO sent nothing");
  assert.equal(rto[0]!.seq, p.ourNxt);
  assert.equal(rto[0]!.payload.length, 100);
  assert.ok(b.sentEvents(mark)[0]!.retransmission);
  // And again after a backoff, until the peer answers: a live peer never sees ETIMEDOUT.
  assert.equal(nextTimer(b).length, 1);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: (p.ourNxt + 100) >>> 0, window: 1460 });
  assert.ok(b.take().length >= 1, "the opened window lets data go");
  assert.equal(p.conn.state, "ESTABLISHED");
});

test("F1 with the fix patched out: the RTO sends nothing, and the engine invariants say so", () => {
  regressions.swsHoldsRetransmission = true;
  try {
    const b = new Bench({}, { invariants: THROWING_SINK });
    const p = passiveOpen(b);
    b.at(b.now + 10 * MS);
    b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 100 });
    p.conn.send(new Uint8Array(5000), b.now);
    nextTimer(b);
    assert.throws(
      () => nextTimer(b),
      (e: unknown) =>
        e instanceof EngineInvariantError && e.violation.rule === "silent-retransmission-timeout",
    );
    assert.equal(b.take().length, 0);
  } finally {
    clearRegressions();
  }
});

test("F2: an ACK that advances SND.UNA updates SND.WND even with SEG.SEQ below SND.WL1 (Linux tcp_may_update_window)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  b.at(b.now + 10 * MS);
  p.conn.send(new Uint8Array(3000), b.now);
  const first = b.take();
  assert.equal(
    first.reduce((n, s) => n + s.payload.length, 0),
    3000,
  );
  // The peer sends 1000 + 1000 bytes; the first is lost, the second arrives out of order with a wide
  // window and moves SND.WL1 past the hole.
  b.at(b.now + 10 * MS);
  b.feed({
    flags: ACK,
    seq: (p.peerNxt + 1000) >>> 0,
    ack: p.ourNxt,
    window: 65535,
    payload: new Uint8Array(1000),
  });
  b.take(); // our duplicate ACK
  // The hole-filling retransmission ACKs our 3000 bytes and shrinks the window to 1000.
  b.at(b.now + 10 * MS);
  const una = (p.ourNxt + 3000) >>> 0;
  b.feed({ flags: ACK, seq: p.peerNxt, ack: una, window: 1000, payload: new Uint8Array(1000) });
  b.take();
  assert.equal(p.conn.snd.sndWnd, 1000);
  p.conn.send(new Uint8Array(20_000), b.now);
  const out = b.take().filter((s) => s.payload.length > 0);
  for (const s of out)
    assert.ok(
      ((end(s) - una) | 0) <= 1000,
      `sent up to ${(end(s) - una) | 0} past SND.UNA into a 1000-byte window`,
    );
});

test("F2 and F3 with their fixes patched out: the engine invariants catch each", () => {
  const cases: Array<[keyof typeof regressions, string, (b: Bench) => void]> = [
    ["staleSendWindow", "stale-send-window", f2Exchange],
    ["headBeyondSndMax", "retransmission-beyond-snd-max", f3Exchange],
  ];
  for (const [sw, rule, exchange] of cases) {
    regressions[sw] = true;
    try {
      const b = new Bench({}, { invariants: THROWING_SINK });
      assert.throws(
        () => exchange(b),
        (e: unknown) => e instanceof EngineInvariantError && e.violation.rule === rule,
        `${sw}: no ${rule} violation`,
      );
    } finally {
      clearRegressions();
    }
    // And with the fix in place, the same exchange breaks nothing.
    exchange(new Bench({}, { invariants: THROWING_SINK }));
  }
});

/** F2's situation (see the F2 test): a hole-filling segment ACKs our data and shrinks the window. */
function f2Exchange(b: Bench): void {
  const p = passiveOpen(b);
  b.at(b.now + 10 * MS);
  p.conn.send(new Uint8Array(3000), b.now);
  b.at(b.now + 10 * MS);
  b.feed({
    flags: ACK,
    seq: (p.peerNxt + 1000) >>> 0,
    ack: p.ourNxt,
    window: 65535,
    payload: new Uint8Array(1000),
  });
  b.at(b.now + 10 * MS);
  b.feed({
    flags: ACK,
    seq: p.peerNxt,
    ack: (p.ourNxt + 3000) >>> 0,
    window: 1000,
    payload: new Uint8Array(1000),
  });
  p.conn.send(new Uint8Array(20_000), b.now);
}

/** F3's situation (see the F3 test): three duplicate ACKs for a short head segment, more data waiting. */
function f3Exchange(b: Bench): void {
  const p = passiveOpen(b);
  b.at(b.now + 10 * MS);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 500 });
  p.conn.send(new Uint8Array(500), b.now);
  p.conn.send(new Uint8Array(5000), b.now);
  for (let i = 0; i < 3; i++) {
    b.at(b.now + MS);
    b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 500 });
  }
}

test("F3: a fast retransmission of a short head segment stays within SND.MAX", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  b.at(b.now + 10 * MS);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 500 });
  p.conn.send(new Uint8Array(500), b.now);
  assert.equal(b.one().payload.length, 500);
  p.conn.send(new Uint8Array(5000), b.now); // waits: the window is full
  b.none();
  const sndMax = p.conn.snd.sndMax;
  for (let i = 0; i < 3; i++) {
    b.at(b.now + MS);
    b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 500 });
  }
  const rtx = b.take().filter((s) => s.payload.length > 0);
  assert.equal(rtx.length, 1, "three duplicate ACKs draw one fast retransmission");
  assert.equal(rtx[0]!.seq, p.ourNxt);
  assert.equal(rtx[0]!.payload.length, 500, "only the bytes sent before: never beyond SND.MAX");
  assert.ok(((end(rtx[0]!) - sndMax) | 0) <= 0);
});

/** A passive open with timestamps on both SYNs (the harness's default peer sends none). */
function openWithTimestamps(b: Bench): {
  conn: ReturnType<typeof passiveOpen>["conn"];
  peerNxt: number;
  ourNxt: number;
} {
  const accepted: ReturnType<typeof passiveOpen>["conn"][] = [];
  const received: Uint8Array[] = [];
  b.host.listen(
    LOCAL_PORT,
    {},
    {
      onConnection(conn) {
        accepted.push(conn);
        return { onData: (_c, d) => void received.push(d) };
      },
    },
  );
  b.feed({ flags: SYN, seq: REMOTE_ISS, options: { mss: 1460, timestamp: { val: 100, ecr: 0 } } });
  const synAck = b.one();
  b.at(b.now + 100 * MS);
  const ourNxt = (synAck.seq + 1) >>> 0;
  b.feed({
    flags: ACK,
    seq: REMOTE_ISS + 1,
    ack: ourNxt,
    options: { timestamp: { val: 200, ecr: synAck.options.timestamp!.val } },
  });
  b.none();
  const conn = accepted[0]!;
  assert.equal(conn.state, "ESTABLISHED");
  assert.ok(conn.ts.ok);
  (conn as unknown as { received: Uint8Array[] }).received = received;
  return { conn, peerNxt: REMOTE_ISS + 1, ourNxt };
}

test("F4: a blind segment with an unacceptable ACK, an in-window RST or a SYN does not move TS.Recent (Linux tcp_ts_recent_invalid_ack)", () => {
  const b = new Bench();
  const c = openWithTimestamps(b);
  assert.equal(c.conn.ts.recent, 200);
  const far = { timestamp: { val: 0x7000_0000, ecr: 0 } };
  b.at(b.now + 10 * MS);
  // In window by sequence number, but it ACKs data never sent: dropped (challenge ACK), TS.Recent kept.
  b.feed({ flags: ACK, seq: c.peerNxt, ack: (c.ourNxt + 100_000) >>> 0, options: far });
  b.at(b.now + SECOND);
  b.feed({ flags: RST, seq: (c.peerNxt + 10) >>> 0, options: far });
  b.at(b.now + SECOND);
  b.feed({ flags: SYN, seq: (c.peerNxt + 10) >>> 0, options: far });
  b.feed({ flags: 0, seq: c.peerNxt, payload: bytes("no ACK flag"), options: far });
  assert.equal(c.conn.ts.recent, 200, "TS.Recent moved by a segment that was not acceptable");
  b.take();
  // The genuine peer's next segment passes PAWS and is delivered.
  b.feed({
    flags: ACK,
    seq: c.peerNxt,
    ack: c.ourNxt,
    payload: bytes("genuine"),
    options: { timestamp: { val: 300, ecr: 0 } },
  });
  assert.equal(text((c.conn as unknown as { received: Uint8Array[] }).received), "genuine");
  assert.equal(c.conn.ts.recent, 300);
  assert.equal(c.conn.state, "ESTABLISHED");
});

test("F5: an orphan whose peer keeps answering zero-window probes is aborted at the backoff limit (Linux tcp_probe_timer, tcp_orphan_retries)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  b.at(b.now + 10 * MS);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 0 });
  p.conn.send(new Uint8Array(1000), b.now);
  p.conn.close(b.now); // the application is gone: an orphan in FIN_WAIT_1 with 1000 bytes queued
  assert.equal(p.conn.state, "FIN_WAIT_1");
  assert.equal(b.host.orphans, 1);
  const start = b.now;
  let probes = 0;
  for (let i = 0; i < 100 && !p.conn.isClosed(); i++) {
    const sent = nextTimer(b);
    probes += sent.length;
    // A live peer answers every probe, window still shut.
    if (sent.length > 0) b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 0 });
  }
  assert.equal(p.conn.state, "CLOSED", `still ${p.conn.state} after ${probes} answered probes`);
  assert.equal(b.host.counters.abortOnTimeout, 1);
  assert.equal(b.host.orphans, 0);
  // The backoff reaches TCP_RTO_MAX (120 s) and 8 doublings: some minutes, not forever.
  assert.ok(b.now - start < 30 * 60 * SECOND, `took ${(b.now - start) / SECOND} s`);
  assert.equal(b.host.connections().length, 0);
});

test("F5: a connection the application still holds keeps probing a zero window that is answered (MUST-37)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  b.at(b.now + 10 * MS);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 0 });
  p.conn.send(new Uint8Array(1000), b.now);
  for (let i = 0; i < 40; i++) {
    if (nextTimer(b).length > 0) b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 0 });
  }
  assert.equal(p.conn.state, "ESTABLISHED");
});

test("F5: closing more orphans than tcp_max_orphans resets the extra one (Linux tcp_close → tcp_check_oom)", () => {
  const b = new Bench({ maxOrphans: 2 });
  const conns = [40001, 40002, 40003].map((port) => passiveOpen(b, 100_000, port));
  b.at(b.now + 10 * MS);
  conns[0]!.conn.close(b.now);
  conns[1]!.conn.close(b.now);
  b.take();
  assert.equal(b.host.orphans, 2);
  conns[2]!.conn.close(b.now);
  // Linux's tcp_close sends the FIN, then finds the orphan over the limit and resets it.
  const out = b.take();
  assert.deepEqual(
    out.map((s) => s.flags & (FIN | RST)),
    [FIN, RST],
  );
  assert.equal(conns[2]!.conn.state, "CLOSED");
  assert.equal(b.host.counters.abortOnMemory, 1);
  assert.equal(b.host.orphans, 2);
  // An orphan that finishes its close leaves room again.
  b.feed({ flags: ACK | FIN, seq: conns[0]!.peerNxt, ack: (conns[0]!.ourNxt + 1) >>> 0, srcPort: 40001 });
  assert.equal(b.host.orphans, 1);
});

test("F6: TIME_WAIT answers out-of-window ACKs at most once per 500 ms (Linux tcp_timewait_check_oow_rate_limit), in-window RSTs never", () => {
  const b = new Bench();
  const p = placeIn(b, "TIME_WAIT");
  b.take();
  const mark = b.mark();
  for (let i = 0; i < 200; i++) {
    b.at(b.now + MS);
    b.feed({ flags: ACK, seq: (p.peerNxt + 100_000) >>> 0, ack: p.ourNxt });
    b.feed({ flags: RST, seq: (p.peerNxt + 10) >>> 0 });
  }
  const acks = b.sentEvents(mark) as SegmentSentEvent[];
  assert.equal(acks.length, 1, `${acks.length} ACKs in 200 ms`);
  // Only the ACKs reach the rate limit: Linux ignores the inexact RSTs (tcp_timewait_state_process).
  assert.equal(b.host.counters.ackSkippedTimeWait, 199);
  b.take();
  b.at(b.now + 500 * MS);
  b.feed({ flags: ACK, seq: (p.peerNxt + 100_000) >>> 0, ack: p.ourNxt });
  assert.equal(b.take().length, 1, "500 ms later one more ACK");
  // The re-ACK of a retransmitted FIN is never held back (the peer's LAST_ACK needs it).
  b.at(b.now + MS);
  b.feed({ flags: FIN | ACK, seq: (p.peerNxt - 1) >>> 0, ack: p.ourNxt });
  assert.equal(b.take().length, 1);
  assert.equal(b.host.timeWaitEntries, 1);
  void REMOTE_PORT;
});
