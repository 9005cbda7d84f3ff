// The timeouts of RFC 9293 §3.10.8 and their relatives: retransmission (RFC 6298 §5), SYN and SYN,ACK retries
// (linux-profile.md "SYN and SYN-ACK retransmission"), the orphaned FIN_WAIT_2 timeout, keepalive (§3.8.4)
// and zero-window probing (§3.8.6.1). Every firing is checked against the timer events and the wire.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, FIN, RST, SYN } from "../../src/wire/segment.js";
import {
  Bench,
  activeOpen,
  LOCAL_PORT,
  PEER_SYN_OPTIONS,
  REMOTE,
  REMOTE_ISS,
  REMOTE_PORT,
  bytes,
  listenRecording,
  passiveOpen,
  placeIn,
  recordingHandlers,
} from "./harness.js";

const S = 1_000_000;

/** Times (relative to `t0`) of the segments the bench sent while running to `until`. */
function sendTimes(b: Bench, mark: number, t0: number): number[] {
  return b.sentEvents(mark).map((e) => e.t - t0);
}

test("data retransmission: RTO doubles on each timeout (RFC 6298 §5.5) and gives up with ETIMEDOUT after dataRetries", () => {
  const b = new Bench({ dataRetries: 3 });
  const p = passiveOpen(b); // 100 ms handshake RTT → RTO 300 ms
  const t0 = b.now;
  const m = b.mark();
  p.conn.send(bytes("lost"), t0);
  b.runTo(t0 + 60 * S);
  const sent = b.sentEvents(m);
  assert.deepEqual(
    sent.map((e) => e.t - t0),
    [0, 300_000, 900_000, 2_100_000],
  );
  assert.deepEqual(
    sent.map((e) => e.retransmission),
    [false, true, true, true],
  );
  assert.ok(sent.every((e) => e.seg.seq === p.ourNxt && e.seg.payload.length === 4));
  const rtx = b.timers(m, "retransmit");
  assert.deepEqual(
    rtx.filter((e) => e.action !== "fired").map((e) => (e.deadline ?? 0) - t0),
    [300_000, 900_000, 2_100_000, 4_500_000],
  );
  assert.equal(rtx.filter((e) => e.action === "fired").length, 4);
  assert.equal(p.conn.state, "CLOSED");
  assert.deepEqual(p.log.closes, ["ETIMEDOUT"]);
  const closed = b.since(m).find((e) => e.kind === "state" && e.to === "CLOSED");
  assert.equal(closed?.t, t0 + 4_500_000);
  assert.equal(b.host.counters.retransSegs, 3);
});

test("data retransmission: the backed-off RTO is capped at rtoMax (RFC 6298 §5.5 'a maximum value MAY be placed')", () => {
  const b = new Bench({ dataRetries: 5, rtoMax: 1 * S });
  const p = passiveOpen(b);
  const t0 = b.now;
  const m = b.mark();
  p.conn.send(bytes("x"), t0);
  b.runTo(t0 + 30 * S);
  assert.deepEqual(sendTimes(b, m, t0), [0, 300_000, 900_000, 1_900_000, 2_900_000, 3_900_000]);
  assert.deepEqual(p.log.closes, ["ETIMEDOUT"]);
});

test("an ACK of new data resets the backoff: the next loss starts again at the base RTO (RFC 6298 §5.7)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  const t0 = b.now;
  p.conn.send(bytes("a"), t0);
  b.runTo(t0 + 1_000_000); // two timeouts: 300 ms, 900 ms
  b.take();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 1 });
  const m = b.mark();
  const t1 = b.now;
  p.conn.send(bytes("b"), t1);
  b.runTo(t1 + 5 * S);
  const times = sendTimes(b, m, t1);
  // Karn (RFC 6298 §5 and §3): no sample came from the retransmitted byte, so the RTO is the old 300 ms again.
  assert.deepEqual(times.slice(0, 3), [0, 300_000, 900_000]);
});

function connectAt(b: Bench, overrides: { t?: number } = {}): ReturnType<typeof recordingHandlers> {
  const h = recordingHandlers();
  b.at(overrides.t ?? 0);
  b.host.connect({ address: REMOTE, port: REMOTE_PORT, localPort: LOCAL_PORT }, h);
  return h;
}

test("linux SYN retries: linear 1 s timeouts then exponential; tcp_syn_retries=2 fails at 7 s after 5 retransmissions", () => {
  const b = new Bench({ synRetries: 2 });
  const m = b.mark();
  const h = connectAt(b);
  b.runTo(30 * S);
  const sent = b.sentEvents(m);
  assert.ok(sent.every((e) => e.seg.flags === SYN));
  assert.deepEqual(
    sent.map((e) => e.t),
    [0, 1 * S, 2 * S, 3 * S, 4 * S, 5 * S],
  );
  assert.deepEqual(h.log.closes, ["ETIMEDOUT"]);
  const closed = b.since(m).find((e) => e.kind === "state" && e.to === "CLOSED");
  assert.equal(closed?.t, 7 * S);
  assert.deepEqual(
    b
      .timers(m, "syn")
      .filter((e) => e.action === "fired")
      .map((e) => e.t),
    [1, 2, 3, 4, 5, 7].map((s) => s * S),
  );
});

test("linux default (synRetries 6): retransmissions at 1,2,3,4,5,7,11,19,35,67 s, ETIMEDOUT at 131 s (budget 127 s)", () => {
  const b = new Bench();
  const m = b.mark();
  const h = connectAt(b);
  b.runTo(300 * S);
  assert.deepEqual(
    b.sentEvents(m).map((e) => e.t / S),
    [0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67],
  );
  assert.deepEqual(h.log.closes, ["ETIMEDOUT"]);
  assert.equal(b.since(m).find((e) => e.kind === "state" && e.to === "CLOSED")?.t, 131 * S);
  assert.equal(b.host.counters.attemptFails, 1);
});

test("bsd SYN retries: exponential from the first plus the 200 ms rexmit slop, 6 retransmissions then ETIMEDOUT", () => {
  // FreeBSD tcp_timer_rexmt: t_rxtcur = TCPT_RANGESET(tcp_rexmit_initial · tcp_backoff[shift]), and
  // TCPT_RANGESET adds tcp_rexmit_slop (200 ms): 1 s, then 2.2, 4.2, 8.2, 16.2, 32.2, 64.2 s.
  const b = new Bench({}, { profile: "bsd" });
  const m = b.mark();
  const h = connectAt(b);
  b.runTo(300 * S);
  assert.deepEqual(
    b.sentEvents(m).map((e) => e.t / S),
    [0, 1, 3.2, 7.4, 15.6, 31.8, 64],
  );
  // The give-up follows the synRetries budget; FreeBSD itself drops an unanswered connect at tcp_keepinit
  // (75 s), a difference the profile documentation lists.
  assert.equal(b.since(m).find((e) => e.kind === "state" && e.to === "CLOSED")?.t, 128 * S);
  assert.deepEqual(h.log.closes, ["ETIMEDOUT"]);
});

test("SYN,ACK retries: 1 s then doubling (linux: exponential, not linear); after 5 the child is dropped silently", () => {
  const b = new Bench();
  const { accepted } = listenRecording(b);
  const m = b.mark();
  b.feed({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS });
  b.runTo(300 * S);
  const sent = b.sentEvents(m);
  assert.ok(sent.every((e) => e.seg.flags === (SYN | ACK)));
  assert.deepEqual(
    sent.map((e) => e.t / S),
    [0, 1, 3, 7, 15, 31],
  );
  assert.equal(b.since(m).find((e) => e.kind === "state" && e.to === "CLOSED")?.t, 63 * S);
  assert.equal(b.host.connections().length, 0);
  assert.equal(b.host.stateCounts().LISTEN, 1);
  assert.equal(accepted.length, 0);
  assert.deepEqual(b.timers(m, "synack").filter((e) => e.action === "fired").length, 6);
});

test("orphaned FIN_WAIT_2 times out after finWait2Timeout (linux tcp_fin_timeout 60 s), silently; a later segment draws RST", () => {
  const b = new Bench();
  const p = placeIn(b, "FIN_WAIT_2", { orphan: true });
  b.host.closeListener(p.listener!);
  const armed = b.trace.events
    .filter((e) => e.kind === "timer" && e.timer === "fin-wait-2" && e.action === "armed")
    .at(-1);
  assert.ok(armed && armed.kind === "timer");
  const t0 = armed.t;
  assert.equal(armed.deadline, t0 + 60 * S);
  const m = b.mark();
  b.runTo(t0 + 60 * S - 1);
  assert.equal(p.conn.state, "FIN_WAIT_2");
  b.runTo(t0 + 60 * S);
  assert.equal(p.conn.state, "CLOSED");
  b.none(); // Linux sends nothing when it gives up
  assert.equal(b.host.counters.finWait2Timeouts, 1);
  assert.deepEqual(b.transitions(m), ["FIN_WAIT_2>CLOSED"]);
  b.feed({ flags: ACK | FIN, seq: p.peerNxt, ack: p.ourNxt });
  const rst = b.one();
  assert.equal(rst.flags, RST);
  assert.equal(rst.seq, p.ourNxt);
});

test("orphan retries: an unacknowledged FIN after close() is retried orphanRetries times, then CLOSED without error", () => {
  const b = new Bench({ orphanRetries: 2 });
  const p = placeIn(b, "FIN_WAIT_1", { orphan: true });
  const t0 = b.now;
  const m = b.mark();
  b.runTo(t0 + 60 * S);
  const fins = b.sentEvents(m);
  assert.ok(fins.every((e) => e.seg.flags & FIN && e.retransmission));
  assert.equal(fins.length, 2);
  assert.equal(p.conn.state, "CLOSED");
  assert.deepEqual(p.log.closes, [null]);
});

test("keepalive: probes <SEQ=SND.NXT−1><ACK=RCV.NXT> after idle, every interval; ETIMEDOUT after the last (§3.8.4)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  const t0 = b.now;
  const m = b.mark();
  p.conn.setKeepAlive(true, 10 * S, t0);
  b.runTo(t0 + 2000 * S);
  const sent = b.sentEvents(m);
  // Linux resets the connection it gives up on (tcp_keepalive_timer → tcp_send_active_reset).
  const rst = sent.at(-1)!;
  assert.equal(rst.seg.flags, RST | ACK);
  assert.equal(rst.seg.seq, p.ourNxt);
  assert.equal(rst.seg.ack, p.peerNxt);
  assert.equal(rst.t - t0, 10 * S + 9 * b.host.profile.keepAliveInterval);
  const probes = sent.slice(0, -1);
  const interval = b.host.profile.keepAliveInterval;
  assert.equal(probes.length, 9);
  assert.deepEqual(
    probes.map((e) => e.t - t0),
    Array.from({ length: 9 }, (_, i) => 10 * S + i * interval),
  );
  for (const e of probes) {
    assert.equal(e.seg.flags, ACK);
    assert.equal(e.seg.seq, p.ourNxt - 1);
    assert.equal(e.seg.ack, p.peerNxt);
    assert.equal(e.seg.payload.length, 0);
  }
  assert.deepEqual(p.log.closes, ["ETIMEDOUT"]);
  assert.equal(
    b.since(m).find((e) => e.kind === "state" && e.to === "CLOSED")?.t,
    t0 + 10 * S + 9 * interval,
  );
  assert.equal(b.host.counters.keepAliveTimeouts, 1);
});

test("keepalive: an answered probe keeps the connection and restarts the idle time", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  const t0 = b.now;
  p.conn.setKeepAlive(true, 10 * S, t0);
  b.runTo(t0 + 10 * S);
  assert.equal(b.one().seq, p.ourNxt - 1);
  const m = b.mark();
  b.at(t0 + 10 * S + 50_000).feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt });
  b.runTo(t0 + 21 * S);
  const next = b.sentEvents(m);
  assert.equal(next.length, 1);
  assert.equal(next[0]!.t, t0 + 20 * S + 50_000); // idle counted from the peer's answer
  assert.equal(p.conn.state, "ESTABLISHED");
});

test("zero-window probing: first probe after one RTO, intervals doubling; a window update lets the data go (§3.8.6.1)", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 0 });
  const t0 = b.now;
  const m = b.mark();
  p.conn.send(bytes("waiting"), t0);
  b.none();
  b.runTo(t0 + 2_200_000);
  const probes = b.sentEvents(m);
  assert.ok(probes.length >= 3);
  assert.deepEqual(
    probes.slice(0, 3).map((e) => e.t - t0),
    [300_000, 900_000, 2_100_000],
  );
  assert.ok(probes.every((e) => e.why === "zero-window-probe"));
  assert.ok(b.host.counters.zeroWindowProbes >= 3);
  b.take();
  const m2 = b.mark();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 4096 });
  const data = b.one();
  assert.equal(new TextDecoder().decode(data.payload), "waiting");
  assert.deepEqual(
    b.timers(m2, "persist").map((e) => e.action),
    ["cancelled"],
  );
});

test("a zero window may stay closed indefinitely while the peer answers the probes (§3.8.6.1 MUST-37)", () => {
  const b = new Bench({ dataRetries: 3 });
  const p = passiveOpen(b);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 0 });
  p.conn.send(bytes("patience"), b.now);
  const end = b.now + 3600 * S;
  let answered = 0;
  while (b.now < end) {
    b.runTo(Math.min(end, b.host.nextDeadline()));
    for (const probe of b.take()) {
      assert.equal(probe.payload.length <= 1, true);
      b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 0 });
      answered++;
    }
  }
  assert.ok(answered >= 10, `only ${answered} probes in an hour`);
  assert.equal(p.conn.state, "ESTABLISHED");
  assert.deepEqual(p.log.closes, []);
});

test("RFC 6298 §5.7: after a SYN timed out (no RTT sample), the RTO for data starts at 3 s", () => {
  const b = new Bench();
  const m = b.mark();
  const h = connectAt(b);
  b.runTo(1 * S); // the SYN is retransmitted once
  const syns = b.take();
  assert.equal(syns.length, 2);
  b.at(1_100_000).feed({
    flags: SYN | ACK,
    seq: REMOTE_ISS,
    ack: syns[0]!.seq + 1,
    options: PEER_SYN_OPTIONS,
  });
  b.take();
  assert.equal(h.log.established, 1);
  const conn = b.host.connections()[0]!;
  const t0 = b.now;
  conn.send(bytes("x"), t0);
  const rtx = b.timers(m, "retransmit").filter((e) => e.action === "armed");
  assert.equal(rtx.at(-1)?.deadline, t0 + 3 * S);
});

test("unanswered zero-window probes end the connection with ETIMEDOUT after the retry limit (linux tcp_probe_timer; RFC 1122 4.2.2.17)", () => {
  const b = new Bench({ dataRetries: 3 });
  const p = passiveOpen(b);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, window: 0 });
  p.conn.send(bytes("x"), b.now);
  b.runTo(b.now + 3600 * S); // the peer is gone: no probe is ever answered
  const probes = b.take().length;
  assert.ok(probes <= 4, `${probes} probes sent to a vanished peer`);
  assert.equal(p.conn.state, "CLOSED");
  assert.deepEqual(p.log.closes, ["ETIMEDOUT"]);
});

test("linux default: 15 data retransmissions with RTO doubling capped at 120 s, ETIMEDOUT at 993.3 s (tcp_retries2)", () => {
  const b = new Bench();
  const p = passiveOpen(b); // RTO 300 ms
  const t0 = b.now;
  const m = b.mark();
  p.conn.send(bytes("gone"), t0);
  b.runTo(t0 + 2000 * S);
  // RFC 6298 §5.5 doubling, §2.5 maximum (profile rtoMax 120 s).
  const expected: number[] = [0];
  let at = 0;
  for (let k = 0; k < 15; k++) {
    at += Math.min(300_000 * 2 ** k, 120 * S);
    expected.push(at);
  }
  assert.deepEqual(sendTimes(b, m, t0), expected);
  const giveUp = at + 120 * S;
  assert.equal(giveUp, 993_300_000);
  assert.equal(b.since(m).find((e) => e.kind === "state" && e.to === "CLOSED")?.t, t0 + giveUp);
  assert.deepEqual(p.log.closes, ["ETIMEDOUT"]);
});

test("connect({ keepAlive: true }) arms the keepalive timer at the profile's idle time (linux 7200 s) once ESTABLISHED", () => {
  const b = new Bench();
  const m = b.mark();
  const p = activeOpen(b, 100_000, { keepAlive: true });
  const armed = b.timers(m, "keepalive").filter((e) => e.action === "armed");
  assert.equal(armed.length, 1);
  assert.equal(armed[0]!.deadline, b.now + 7200 * S);
  b.runTo(b.now + 7200 * S);
  const probe = b.one();
  assert.equal(probe.seq, p.ourNxt - 1);
});
