// Sequence numbers wrap at 2^32 (RFC 9293 §3.4: "all arithmetic dealing with sequence numbers must be performed
// modulo 2^32"). Both ISNs are placed just below the wrap and a connection lives across it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, FIN, RST, SYN } from "../../src/wire/segment.js";
import { Bench, bytes, concat, listenRecording, text, type Placed } from "./harness.js";

const PEER_ISS = 0xfffffff0;
const u32 = (x: number): number => x >>> 0;

/** These benches run the RFC's 4 µs ISN clock, so any ISS can be reached at a whole microsecond. */
const FOUR_US_CLOCK = { isnClockRate: 250_000 };

/** The bench time at which our ISS for the standard 4-tuple is `target` (ISN = M + F, M = t/4 µs). */
function timeForIss(target: number): number {
  const probe = new Bench(FOUR_US_CLOCK);
  listenRecording(probe);
  probe.feed({ flags: SYN, seq: PEER_ISS });
  const f = probe.one().seq; // ISN at t = 0: F alone
  return 4 * u32(target - f);
}

/** Passive open with both ISNs a few octets below 2^32. */
function openNearWrap(): { b: Bench; p: Placed } {
  const b = new Bench(FOUR_US_CLOCK);
  const { accepted, listener } = listenRecording(b);
  b.at(timeForIss(0xfffffffa));
  b.feed({ flags: SYN, seq: PEER_ISS, options: { mss: 1460 } });
  const sa = b.one();
  assert.equal(sa.seq, 0xfffffffa);
  b.at(b.now + 100_000).feed({ flags: ACK, seq: u32(PEER_ISS + 1), ack: u32(sa.seq + 1) });
  const { conn, log } = accepted[0]!;
  assert.equal(conn.state, "ESTABLISHED");
  return { b, p: { conn, log, iss: sa.seq, peerNxt: u32(PEER_ISS + 1), ourNxt: u32(sa.seq + 1), listener } };
}

test("receiving across the wrap: in order, out of order and duplicate pieces", () => {
  const { b, p } = openNearWrap();
  const msg = bytes("0123456789abcdefghijklmnopqrstuvwxyz");
  const piece = (from: number, to: number): void =>
    b.feed({ flags: ACK, seq: u32(p.peerNxt + from), ack: p.ourNxt, payload: msg.slice(from, to) });
  piece(20, 36); // beyond the wrap, out of order
  assert.equal(b.one().ack, p.peerNxt);
  piece(0, 10);
  piece(5, 25); // overlaps both
  piece(0, 10); // duplicate
  b.runTo(b.now + 100_000);
  assert.equal(text(p.log.data), text([msg]));
  assert.equal(p.conn.rcv.rcvNxt, u32(p.peerNxt + msg.length));
  assert.ok(p.conn.rcv.rcvNxt < 0x100); // it did wrap
  assert.equal(b.take().at(-1)!.ack, u32(p.peerNxt + msg.length));
});

test("sending across the wrap: segments numbered modulo 2^32, a wrapped ACK acknowledges them", () => {
  const { b, p } = openNearWrap();
  p.conn.setNoDelay(true, b.now);
  p.conn.send(new Uint8Array(3000).fill(1), b.now);
  const segs = b.take();
  assert.deepEqual(
    segs.map((s) => s.seq),
    [p.ourNxt, u32(p.ourNxt + 1460), u32(p.ourNxt + 2920)],
  );
  b.feed({ flags: ACK, seq: p.peerNxt, ack: u32(p.ourNxt + 3000) });
  assert.equal(p.conn.snd.sndUna, u32(p.ourNxt + 3000));
  assert.equal(p.conn.snd.buffer.length, 0);
  assert.equal(concat(segs.map((s) => s.payload)).length, 3000);
});

test("RST acceptability across the wrap: exact resets, left of the window (before the wrap) is dropped", () => {
  const { b, p } = openNearWrap();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, payload: new Uint8Array(100) });
  b.take();
  const rcvNxt = p.conn.rcv.rcvNxt;
  assert.ok(rcvNxt < 0x100);
  b.feed({ flags: RST, seq: u32(rcvNxt - 50) });
  b.none();
  assert.equal(p.conn.state, "ESTABLISHED");
  b.feed({ flags: RST, seq: rcvNxt });
  assert.equal(p.conn.state, "CLOSED");
  assert.deepEqual(p.log.closes, ["ECONNRESET"]);
});

test("closing across the wrap: TIME_WAIT record with wrapped numbers re-ACKs the FIN", () => {
  const { b, p } = openNearWrap();
  b.feed({ flags: ACK, seq: p.peerNxt, ack: p.ourNxt, payload: new Uint8Array(20) });
  p.conn.send(new Uint8Array(10), b.now);
  p.conn.shutdown(b.now);
  b.take();
  const peerFin = u32(p.peerNxt + 20);
  const ourEnd = u32(p.ourNxt + 11);
  b.feed({ flags: ACK | FIN, seq: peerFin, ack: ourEnd });
  assert.equal(b.one().ack, u32(peerFin + 1));
  assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
  b.at(b.now + 1_000_000).feed({ flags: ACK | FIN, seq: peerFin, ack: ourEnd });
  const again = b.one();
  assert.equal(again.seq, ourEnd);
  assert.equal(again.ack, u32(peerFin + 1));
});
