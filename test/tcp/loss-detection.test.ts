// RACK (RFC 8985 §6), the tail loss probe's timeout and episode (§7), and PRR (RFC 6937 §3) as the pure
// objects the connection drives (src/tcp/rack.ts, tlp.ts, prr.ts); the wire behaviour is measured by
// the packetdrill corpus (recovery/, retrans/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rack, reorderingWindow } from "../../src/tcp/rack.js";
import { TailLossProbe, TLP_MIN_EXTRA, TLP_NO_RTT } from "../../src/tcp/tlp.js";
import { Prr } from "../../src/tcp/prr.js";
import { SackScoreboard } from "../../src/tcp/sack-scoreboard.js";

const MS = 1000;
const u32 = (x: number): number => x >>> 0;

test("RACK: a segment sent before a delivered one is lost once RACK.rtt + reo_wnd has passed", () => {
  for (const base of [1, u32(-2500)]) {
    const at = (off: number): number => u32(base + off);
    const rack = new Rack();
    for (let i = 0; i < 4; i++) rack.sent(at(i * 1000), at((i + 1) * 1000), 100 * MS, false);
    const sacked = (q: number): boolean => ((q - at(3000)) | 0) >= 0 && ((q - at(4000)) | 0) < 0;
    rack.acked(at(0), { isSacked: sacked }, 200 * MS, 100 * MS);
    // RACK.rtt 100 ms; reo_wnd 25 ms: the three earlier segments wait 25 ms more.
    const first = rack.detectLoss(200 * MS, 25 * MS, false);
    assert.deepEqual(first.lost, []);
    assert.equal(first.reoWait, 25 * MS);
    const later = rack.detectLoss(225 * MS, 25 * MS, true);
    assert.deepEqual(later.lost, [[at(0), at(3000)]], "one merged lost range");
    assert.equal(later.reoWait, 0);
    // Nothing is reported lost twice.
    assert.deepEqual(rack.detectLoss(300 * MS, 25 * MS, true).lost, []);
    assert.equal(rack.packetsOut, 4);
    assert.equal(rack.sackedOut, 1);
  }
});

test("RACK: segments sent after the newest delivered one are never deemed lost, however old", () => {
  const rack = new Rack();
  rack.sent(1, 1001, 0, false);
  rack.sent(1001, 2001, 10 * MS, false);
  rack.acked(1001, null, 100 * MS, 100 * MS); // the first, cumulatively
  assert.deepEqual(rack.detectLoss(10_000 * MS, 0, true).lost, []);
});

test("RACK: a retransmission re-stamps its segment, and one ACKed faster than min_RTT does not advance", () => {
  const rack = new Rack();
  rack.sent(1, 1001, 0, false);
  rack.sent(1001, 2001, 0, false);
  rack.sent(1, 1001, 500 * MS, true); // retransmitted
  // The cumulative ACK of 1..1001 arrives 10 ms after the retransmission: below min_RTT (100 ms), so it
  // may answer the original; RACK does not move, and nothing is declared lost from it.
  rack.acked(1001, null, 510 * MS, 100 * MS);
  assert.deepEqual(rack.detectLoss(510 * MS, 0, true).lost, []);
  assert.equal(rack.packetsOut, 1);
  assert.deepEqual(rack.last && [rack.last.seq, rack.last.end], [1001, 2001]);
});

test("RACK: a retransmission covering part of a segment splits it", () => {
  const rack = new Rack();
  rack.sent(1, 3001, 0, false);
  rack.sent(1001, 2001, 50 * MS, true);
  rack.acked(1, { isSacked: (q) => q >= 2001 && q < 3001 }, 100 * MS, 100 * MS);
  // [2001, 3001) delivered (sent at 0): [1, 1001) was sent at 0 too, before it in sequence; [1001, 2001)
  // was re-sent later and is not "sent before".
  assert.deepEqual(rack.detectLoss(300 * MS, 0, true).lost, [[1, 1001]]);
});

test("RACK: an ACK inside a record trims it to SND.UNA, so the tail-loss probe never reaches below it", () => {
  // Found by the transfer property (E2E_SEED=-1015053764): a peer with a 1 KiB buffer ACKed part of
  // the last segment; the probe then retransmitted from the record's old start, below SND.UNA, and the
  // send buffer refused the read ([-513, 1)).
  for (const base of [1, u32(-300)]) {
    const at = (off: number): number => u32(base + off);
    const rack = new Rack();
    rack.sent(at(0), at(514), 0, false);
    rack.acked(at(513), null, 100 * MS, 100 * MS);
    assert.deepEqual(rack.last && [rack.last.seq, rack.last.end], [at(513), at(514)]);
    assert.equal(rack.packetsOut, 1);
    assert.deepEqual(rack.detectLoss(10_000 * MS, 0, true).lost, [], "a partial ACK delivers no record");
  }
});

test("reo_wnd: min_RTT/4 capped at SRTT; none in recovery or once DupThresh segments are SACKed", () => {
  assert.equal(reorderingWindow(false, 1, 100 * MS, 100 * MS, 3), 25 * MS);
  assert.equal(reorderingWindow(false, 1, 100 * MS, 10 * MS, 3), 10 * MS);
  assert.equal(reorderingWindow(true, 1, 100 * MS, 100 * MS, 3), 0);
  assert.equal(reorderingWindow(false, 3, 100 * MS, 100 * MS, 3), 0);
  assert.equal(reorderingWindow(false, 0, Infinity, 0, 3), 0);
});

test("TLP timeout: 2·SRTT + the delayed-ACK allowance for one segment, + 2 ms for more, capped at the RTO left", () => {
  const tlp = new TailLossProbe();
  assert.equal(tlp.timeout(100 * MS, true, 1, 200 * MS, 10_000 * MS), 400 * MS);
  assert.equal(tlp.timeout(100 * MS, true, 2, 200 * MS, 10_000 * MS), 200 * MS + TLP_MIN_EXTRA);
  assert.equal(tlp.timeout(100 * MS, true, 2, 200 * MS, 150 * MS), 150 * MS);
  assert.equal(tlp.timeout(0, false, 2, 200 * MS, 0), TLP_NO_RTT);
});

test("TLP episode: new-data probe ends on its ACK; a retransmitted probe ends on a D-SACK, a pure dup ACK, or with a loss", () => {
  const tlp = new TailLossProbe();
  tlp.sent(2001, false);
  assert.equal(tlp.onAck(false, false, false, false), "none", "ACK below the probe: still open");
  assert.equal(tlp.onAck(true, false, false, false), "episode-over");
  assert.equal(tlp.highSeq, undefined);

  tlp.sent(2001, true);
  assert.equal(tlp.onAck(true, false, false, false), "none", "ACK of exactly the probe: undecided");
  assert.equal(tlp.onAck(true, true, false, false), "loss-repaired");
  tlp.sent(2001, true);
  assert.equal(tlp.onAck(true, false, true, false), "episode-over", "D-SACK: the original arrived too");
  tlp.sent(2001, true);
  assert.equal(tlp.onAck(true, false, false, true), "episode-over");
  tlp.sent(2001, true);
  tlp.reset();
  assert.equal(tlp.highSeq, undefined);
});

test("PRR: the slow-start bound sends what was delivered (+1 MSS when SND.UNA advanced), the proportional part ssthresh/RecoverFS of it", () => {
  const mss = 1000;
  // Seven of ten lost, three SACKed: pipe 0, ssthresh 7 segments.
  const prr = new Prr();
  prr.start(10 * mss);
  assert.equal(prr.cwnd(3 * mss, 0, 7 * mss, mss, false, true), 3 * mss);
  prr.sent(3 * mss);
  assert.equal(prr.cwnd(3 * mss, 0, 7 * mss, mss, true, false), 4 * mss);
  // Proportional: pipe above ssthresh; 7/10 of what is delivered goes out, rounded up.
  const p2 = new Prr();
  p2.start(10 * mss);
  assert.equal(p2.cwnd(mss, 8 * mss, 7 * mss, mss, false, true), 9 * mss, "ceil(0.7) = 1 segment");
  p2.sent(mss);
  assert.equal(p2.cwnd(mss, 8 * mss, 7 * mss, mss, false, false), 9 * mss, "ceil(1.4) − 1 = 1");
  p2.sent(mss);
  assert.equal(p2.cwnd(mss, 8 * mss, 7 * mss, mss, false, false), 9 * mss, "ceil(2.1) − 2 = 1");
  p2.sent(mss);
  assert.equal(p2.cwnd(mss, 8 * mss, 7 * mss, mss, false, false), 8 * mss, "ceil(2.8) − 3 = 0: nothing");
  assert.equal(p2.cwnd(0, 8 * mss, 7 * mss, mss, false, false), undefined, "nothing delivered: no change");
});

test("scoreboard: RACK's lost marks make IsLost true, leave the pipe, and are what NextSeg rule 1 sends", () => {
  const sb = new SackScoreboard();
  sb.update(0, [[3000, 4000]], 4000);
  assert.equal(sb.isLost(0, 1000), false);
  assert.equal(sb.pipe(0, 4000, 1000), 3000);
  sb.markLost(0, 2000);
  assert.equal(sb.isLost(0, 1000), true);
  assert.equal(sb.isLost(2500, 1000), false);
  assert.equal(sb.pipe(0, 4000, 1000), 1000);
  const next = sb.nextSeg(0, 4000, 0, 1000, false);
  assert.deepEqual(next && { ...next }, { seq: 0, len: 1000, rule: 1 });
  sb.update(1500, [[3000, 4000]], 4000);
  const after = sb.nextSeg(1500, 4000, 1500, 1000, false);
  assert.deepEqual(after && { ...after }, { seq: 1500, len: 500, rule: 1 }, "ends with the lost range");
});
