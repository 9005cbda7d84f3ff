// The sending side in ESTABLISHED: segmentation at the MSS, PSH, the initial window (RFC 6928), the peer's
// window, Nagle (RFC 9293 §3.7.4), send-buffer backpressure, fast retransmit (RFC 5681 §3.2), Karn's rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, PSH, SYN } from "../../src/wire/segment.js";
import {
  Bench,
  LOCAL_PORT,
  REMOTE,
  REMOTE_ISS,
  REMOTE_PORT,
  listenRecording,
  passiveOpen,
  type Placed,
} from "./harness.js";

/** A passive open where the peer announces `mss` and `window`. */
function openWith(b: Bench, mss: number, window = 65535): Placed {
  const { accepted, listener } = listenRecording(b);
  b.feed({ flags: SYN, seq: REMOTE_ISS, options: { mss }, window });
  const sa = b.one();
  b.at(b.now + 100_000).feed({ flags: ACK, seq: REMOTE_ISS + 1, ack: sa.seq + 1, window });
  const { conn, log } = accepted[0]!;
  return { conn, log, iss: sa.seq, peerNxt: REMOTE_ISS + 1, ourNxt: sa.seq + 1, listener };
}

test("data is cut at the send MSS = min(our MSS, peer MSS) and PSH marks the last segment of the write", () => {
  const b = new Bench();
  const p = openWith(b, 1000);
  p.conn.setNoDelay(true, b.now); // segmentation only; Nagle's rule for the tail is tested below
  p.conn.send(new Uint8Array(2500), b.now);
  const segs = b.take();
  assert.deepEqual(
    segs.map((s) => s.payload.length),
    [1000, 1000, 500],
  );
  assert.deepEqual(
    segs.map((s) => (s.flags & PSH ? "P" : "-")),
    ["-", "-", "P"],
  );
  assert.deepEqual(
    segs.map((s) => s.seq - p.ourNxt),
    [0, 1000, 2000],
  );
});

test("without an MSS option the peer's MSS is 536 (RFC 9293 §3.7.1, MUST-15)", () => {
  const b = new Bench();
  const { accepted } = listenRecording(b);
  b.feed({ flags: SYN, seq: REMOTE_ISS });
  const sa = b.one();
  b.feed({ flags: ACK, seq: REMOTE_ISS + 1, ack: sa.seq + 1 });
  accepted[0]!.conn.setNoDelay(true, b.now);
  accepted[0]!.conn.send(new Uint8Array(1000), b.now);
  assert.deepEqual(
    b.take().map((s) => s.payload.length),
    [536, 464],
  );
});

test("the initial window is 10 segments (RFC 6928, linux IW10); each ACK in slow start opens it further", () => {
  const b = new Bench();
  const p = openWith(b, 1460);
  p.conn.send(new Uint8Array(40_000), b.now);
  const first = b.take();
  assert.equal(first.length, 10);
  assert.equal(
    first.reduce((n, s) => n + s.payload.length, 0),
    14_600,
  );
  b.at(b.now + 100_000).feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 2920 });
  // Slow start (RFC 5681 §3.1): cwnd grows by at most one MSS per ACK; 2 segments left the network.
  const more = b.take();
  assert.ok(more.length >= 2 && more.length <= 3, `${more.length} segments after the ACK`);
});

test("never more in flight than the peer's window (§3.8.6)", () => {
  const b = new Bench();
  const p = openWith(b, 1000, 3000);
  p.conn.send(new Uint8Array(10_000), b.now);
  const segs = b.take();
  assert.equal(
    segs.reduce((n, s) => n + s.payload.length, 0),
    3000,
  );
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 1000, window: 3000 });
  const next = b.take();
  assert.equal(
    next.reduce((n, s) => n + s.payload.length, 0),
    1000,
  );
});

test("Nagle (§3.7.4): a small write waits while data is unacknowledged; noDelay sends at once", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  p.conn.send(new Uint8Array([1]), b.now);
  assert.equal(b.one().payload.length, 1);
  p.conn.send(new Uint8Array([2]), b.now);
  b.none(); // held: one small segment is already outstanding
  b.at(b.now + 100_000).feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 1 });
  const held = b.one();
  assert.deepEqual([...held.payload], [2]);
  p.conn.setNoDelay(true, b.now);
  p.conn.send(new Uint8Array([3]), b.now);
  assert.deepEqual([...b.one().payload], [3]);
});

test("Nagle with Minshall's rule (linux tcp_nagle_check): the sub-MSS tail of a write goes out when only full segments are unacknowledged", () => {
  const b = new Bench();
  const p = openWith(b, 1000);
  p.conn.send(new Uint8Array(2500), b.now);
  assert.deepEqual(
    b.take().map((s) => s.payload.length),
    [1000, 1000, 500],
  );
});

test("send buffer backpressure: a write beyond the buffer is partly taken, onDrain when space returns", () => {
  const b = new Bench({ sendBuffer: 4000 });
  const p = openWith(b, 1000, 2000);
  assert.equal(p.conn.send(new Uint8Array(6000), b.now), 4000);
  assert.equal(p.conn.writable, 0);
  b.take();
  assert.equal(p.log.drains, 0);
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 2000, window: 2000 });
  assert.equal(p.log.drains, 1);
  assert.equal(p.conn.writable, 2000);
});

test("three duplicate ACKs trigger a fast retransmit of the first unacknowledged segment (RFC 5681 §3.2)", () => {
  const b = new Bench();
  const p = openWith(b, 1000);
  p.conn.send(new Uint8Array(5000), b.now);
  b.take();
  const m = b.mark();
  for (let i = 0; i < 2; i++) b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt });
  b.none();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt });
  const rtx = b.take();
  assert.ok(rtx.length >= 1);
  assert.equal(rtx[0]!.seq, p.ourNxt);
  assert.equal(rtx[0]!.payload.length, 1000);
  const ev = b.sentEvents(m)[0]!;
  assert.equal(ev.why, "fast-retransmit");
  assert.ok(ev.retransmission);
  assert.equal(b.host.counters.fastRetransmits, 1);
});

test("Karn's rule (RFC 6298 §3): an ACK of retransmitted data gives no RTT sample", () => {
  const b = new Bench();
  const p = passiveOpen(b); // SRTT 100 ms
  const srtt = p.conn.snd.rto.srtt;
  p.conn.send(new Uint8Array(10), b.now);
  b.runTo(b.now + 350_000); // one retransmission at +300 ms
  b.take();
  b.at(b.now + 2_000_000).feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 10 });
  assert.equal(p.conn.snd.rto.srtt, srtt); // a 2.35 s "sample" would have been wrong
  // A fresh segment is timed again.
  p.conn.send(new Uint8Array(10), b.now);
  b.at(b.now + 200_000).feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 20 });
  assert.equal(p.conn.snd.rto.srtt, 0.875 * srtt + 0.125 * 200_000); // RFC 6298 §2.3
});

test("after an RTO only one segment is resent (loss window = 1 SMSS, RFC 5681 §3.1); each ACK then opens cwnd", () => {
  const b = new Bench();
  const p = openWith(b, 1000);
  p.conn.send(new Uint8Array(5000), b.now);
  assert.equal(b.take().length, 5);
  const t0 = b.now;
  b.runTo(t0 + 300_000);
  const rtx = b.take();
  assert.equal(rtx.length, 1);
  assert.equal(rtx[0]!.seq, p.ourNxt);
  b.at(b.now + 100_000).feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 1000 });
  const next = b.take();
  // Go-back-N from SND.UNA: the second segment follows (slow start from cwnd = 1 SMSS, now 2).
  assert.ok(next.length >= 1 && next.length <= 2, `${next.length} segments`);
  assert.equal(next[0]!.seq, p.ourNxt + 1000);
});

test("data written in SYN_SENT is queued and sent right after the handshake (§3.10.2 SYN-SENT)", () => {
  const b = new Bench();
  const conn = b.host.connect({ address: REMOTE, port: REMOTE_PORT, localPort: LOCAL_PORT }, {});
  const syn = b.one();
  assert.equal(conn.send(new Uint8Array([1, 2, 3]), b.now), 3);
  b.none();
  b.feed({ flags: SYN | ACK, seq: REMOTE_ISS, ack: syn.seq + 1, options: { mss: 1460 } });
  const out = b.take();
  const data = out.find((s) => s.payload.length > 0);
  assert.ok(data, "the queued data goes out");
  assert.deepEqual([...data.payload], [1, 2, 3]);
  assert.equal(data.seq, syn.seq + 1);
});

test("NewReno (RFC 6582 §3.2): a partial ACK in fast recovery retransmits the next hole at once", () => {
  const b = new Bench({ congestionControl: "newreno", sack: false });
  const p = openWith(b, 1000);
  p.conn.send(new Uint8Array(6000), b.now);
  b.take(); // segments 0..5; 0 and 2 are lost
  for (let i = 0; i < 3; i++) b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt });
  assert.equal(b.take()[0]!.seq, p.ourNxt); // fast retransmit of segment 0
  const m = b.mark();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 2000 }); // partial: 0 and 1 arrived, 2 did not
  const out = b.take();
  assert.ok(out.length >= 1);
  assert.equal(out[0]!.seq, p.ourNxt + 2000);
  assert.equal(b.sentEvents(m)[0]!.why, "retransmit-partial-ack");
  // A full ACK (everything up to `recover`) ends recovery: cwnd = ssthresh (step 3).
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 6000 });
  assert.equal(p.conn.snd.cc.cwnd, p.conn.snd.cc.ssthresh);
  assert.equal(p.conn.snd.cc.ssthresh, 3000); // max(FlightSize/2, 2·SMSS) with 6000 in flight (RFC 5681 eq. 4)
});

test("RTO with NewReno: ssthresh = max(FlightSize/2, 2·SMSS), cwnd = 1 SMSS (RFC 5681 §3.1 eq. 4)", () => {
  const b = new Bench({ congestionControl: "newreno" });
  const p = openWith(b, 1000);
  p.conn.send(new Uint8Array(5000), b.now);
  b.take();
  b.runTo(b.now + 300_000);
  assert.equal(p.conn.snd.cc.cwnd, 1000);
  assert.equal(p.conn.snd.cc.ssthresh, 2500);
});

test("RTO with CUBIC (linux's default): ssthresh = 0.7·cwnd (RFC 9438 §4.6, §4.8), cwnd = 1 SMSS", () => {
  const b = new Bench();
  const p = openWith(b, 1000);
  assert.equal(p.conn.snd.cc.name, "cubic");
  const cwnd = p.conn.snd.cc.cwnd;
  p.conn.send(new Uint8Array(5000), b.now);
  b.take();
  b.runTo(b.now + 300_000);
  assert.equal(p.conn.snd.cc.cwnd, 1000);
  assert.equal(p.conn.snd.cc.ssthresh, Math.floor(cwnd * 0.7));
});

test("a tiny peer MSS is clamped to linux's tcp_min_snd_mss (48): no 1-byte segment floods (CVE-2019-11479)", () => {
  const b = new Bench();
  const p = openWith(b, 1);
  p.conn.setNoDelay(true, b.now);
  p.conn.send(new Uint8Array(480), b.now);
  const segs = b.take();
  assert.ok(segs.every((s) => s.payload.length >= 48 || s.payload.length === 480 % 48));
  assert.ok(segs.length <= 10, `${segs.length} segments for 480 bytes`);
});

test("sender SWS avoidance (§3.8.6.2.1): a sliver of a small window waits, then the override timeout sends it", () => {
  const b = new Bench();
  const p = openWith(b, 1000);
  p.conn.send(new Uint8Array(5000), b.now);
  assert.equal(b.take().length, 5);
  const t0 = b.now + 100_000;
  // Everything acknowledged, but the receiver's window is now a sliver.
  b.at(t0).feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 5000, window: 300 });
  p.conn.send(new Uint8Array(5000), b.now);
  b.none(); // 300 bytes of a 5000-byte backlog: not worth a segment yet
  b.runTo(t0 + 5 * 1_000_000);
  const forced = b.take();
  assert.ok(forced.length >= 1, "the override timeout must send something");
  assert.equal(forced[0]!.payload.length, 300);
  assert.ok(forced.every((s) => s.seq === p.ourNxt + 5000 || s.payload.length <= 300));
});

test("a write from onDrain sees the window of the ACK that freed the buffer, never the old one", () => {
  // Found against the Linux kernel over TUN: an ACK advanced SND.UNA and brought a smaller window; the
  // application's drain handler wrote at once, and the segments went out against SND.UNA + the *old*
  // window — past the peer's right edge, where Linux drops them (TcpExtBeyondWindow).
  const b = new Bench({ sendBuffer: 8000 });
  const p = openWith(b, 1000, 8000);
  p.conn.setNoDelay(true, b.now);
  let wrote = 0;
  p.conn.handlers = {
    ...p.conn.handlers,
    onDrain: (c) => void (wrote += c.send(new Uint8Array(8000), b.now)),
  };
  assert.equal(p.conn.send(new Uint8Array(9000), b.now), 8000); // refused in part: onDrain will follow
  b.take();
  // The peer ACKs 4000 bytes and closes its window to 1000 bytes: its right edge is ourNxt + 5000.
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt + 4000, window: 1000 });
  assert.ok(wrote > 0, "the drain handler ran and wrote");
  const edge = p.ourNxt + 5000;
  for (const s of b.take()) {
    assert.ok(
      s.seq + s.payload.length <= edge,
      `segment ${s.seq - p.ourNxt}+${s.payload.length} beyond the edge`,
    );
  }
});
