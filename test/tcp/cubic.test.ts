// CUBIC (RFC 9438) driven directly: synthetic ACK streams at chosen times, checked against the RFC's
// formulas computed here independently, and against NewReno on the same sequences.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Cubic } from "../../src/tcp/cubic.js";
import { NewReno, initialWindow, type CongestionControl } from "../../src/tcp/congestion.js";

const MSS = 1000;
const IW = initialWindow(10, MSS);
const MS = 1000; // µs
const S = 1_000_000; // µs

// RFC 9438 constants, restated so the expectations do not lean on the implementation's.
const C = 0.4;
const BETA = 0.7;
const ALPHA = (3 * (1 - BETA)) / (1 + BETA);

/** §4.2 Figure 1 and 2 in segments and seconds. */
function wCubic(t: number, wMax: number, cwndEpoch: number): number {
  const k = Math.cbrt((wMax - cwndEpoch) / C);
  return C * (t - k) ** 3 + wMax;
}

/** A sender that keeps cwnd full: the flight before each ACK is the whole window. */
function ack(cc: CongestionControl, at: number, rtt: number, bytes = MSS): void {
  cc.onAck(bytes, MSS, at, rtt, cc.cwnd - bytes);
}

/**
 * One round trip of a window-limited sender: cwnd/MSS ACKs of one segment spread evenly over `rtt`,
 * the last one at now + rtt. Returns the time of the last ACK.
 */
function roundTrip(cc: CongestionControl, now: number, rtt: number): number {
  const n = Math.max(1, Math.floor(cc.cwnd / MSS));
  for (let i = 1; i <= n; i++) ack(cc, now + Math.round((i * rtt) / n), rtt);
  return now + rtt;
}

/** Slow start, one ACK at a time, until cwnd reaches `segments`. Returns the time. */
function slowStartTo(cc: CongestionControl, segments: number, now: number, rtt: number): number {
  while (cc.cwnd < segments * MSS) ack(cc, (now += 100), rtt);
  return now;
}

/** Fresh CUBIC that has just left recovery from a loss at `segments` (W_max = segments). */
function afterLossAt(segments: number, rtt: number): { cc: Cubic; now: number } {
  const cc = new Cubic(10);
  cc.init(MSS, 0);
  let now = slowStartTo(cc, segments, 0, rtt);
  cc.onLoss(cc.cwnd, MSS, now);
  now += rtt;
  cc.onRecoveryEnd(MSS, now);
  return { cc, now };
}

const segs = (cc: CongestionControl): number => cc.cwnd / MSS;

test("slow start doubles cwnd per round trip of ACKs (RFC 5681 §3.1, ABC L = 1 SMSS)", () => {
  const cc = new Cubic(10);
  cc.init(MSS, 0);
  assert.equal(cc.cwnd, IW);
  let now = 0;
  for (let r = 0; r < 5; r++) {
    const before = cc.cwnd;
    now = roundTrip(cc, now, 100 * MS);
    assert.equal(cc.cwnd, 2 * before, `round ${r}`);
  }
  // One ACK covering four segments still opens cwnd by one segment only (L = 1 SMSS).
  const before = cc.cwnd;
  cc.onAck(4 * MSS, MSS, now + 1, 100 * MS, cc.cwnd - 4 * MSS);
  assert.equal(cc.cwnd, before + MSS);
});

test("cwnd does not grow while the sender does not fill it (§4.6: the MUST that comes with a cwnd basis)", () => {
  const cc = new Cubic(10);
  cc.init(MSS, 0);
  // Application-limited: only 3 segments were in flight against a 10-segment window.
  for (let i = 1; i <= 3; i++) cc.onAck(MSS, MSS, i * MS, 100 * MS, 3 * MSS - i * MSS);
  assert.equal(cc.cwnd, IW);
  // Less than a segment short of cwnd (a Nagle tail) still counts as window-limited.
  cc.onAck(MSS, MSS, 10 * MS, 100 * MS, IW - MSS - MSS / 2);
  assert.equal(cc.cwnd, IW + MSS);
});

test("a loss sets cwnd = ssthresh = 0.7·cwnd where NewReno halves (§4.6)", () => {
  const cubic = new Cubic(10);
  const reno = new NewReno(10);
  for (const cc of [cubic, reno]) {
    cc.init(MSS, 0);
    slowStartTo(cc, 100, 0, 100 * MS);
    cc.onLoss(cc.cwnd, MSS, 1 * S);
  }
  assert.equal(cubic.ssthresh, Math.floor(100 * MSS * BETA));
  assert.equal(cubic.cwnd, cubic.ssthresh);
  assert.equal(reno.cwnd, 50 * MSS);
  cubic.cwnd += 3 * MSS; // the caller's fast-recovery inflation
  cubic.onRecoveryEnd(MSS, 1.1 * S);
  assert.equal(cubic.cwnd, cubic.ssthresh);

  // The floor: never below 2 segments.
  const small = new Cubic(2);
  small.init(MSS, 0);
  small.onLoss(2 * MSS, MSS, 0);
  assert.equal(small.ssthresh, 2 * MSS);
  assert.equal(small.cwnd, 2 * MSS);
});

test("congestion avoidance follows W_cubic(t): concave up to W_max, plateau at K, convex beyond (§4.2–§4.5)", () => {
  // A large window at 100 ms keeps W_est (§4.3) below the curve, so the cubic function alone decides.
  const rtt = 100 * MS;
  const { cc, now: recovered } = afterLossAt(1000, rtt);
  assert.equal(segs(cc), 700);
  const k = Math.cbrt((1000 - 700) / C);
  // The stage (t_epoch) starts with the first ACK after recovery.
  const epoch = recovered + Math.round(rtt / 700);
  const samples: { t: number; w: number }[] = [];
  let now = recovered;
  while (now - epoch < (k + 4) * S) {
    now = roundTrip(cc, now, rtt);
    samples.push({ t: (now - epoch) / S, w: segs(cc) });
  }
  assert.ok(Math.abs(cc.k - k) < 1e-9, `K = ${cc.k}, expected ${k}`);
  // cwnd aims one RTT ahead and moves there during the RTT: between W(t) and W(t + RTT), give or take the
  // rounding of the integer window.
  for (const { t, w } of samples) {
    const lo = wCubic(t, 1000, 700) - 0.5;
    const hi = wCubic(t + rtt / S, 1000, 700) + 0.5;
    assert.ok(w >= lo && w <= hi, `t = ${t.toFixed(2)} s: cwnd ${w.toFixed(2)} not in [${lo}, ${hi}]`);
  }
  const at = (t: number): number => samples.find((s) => s.t >= t)!.w;
  // Concave: the climb slows as W_max nears.
  const early = at(1) - at(0.1);
  const late = at(k - 1) - at(k - 1.9);
  assert.ok(early > 5 * late, `growth ${early} then ${late}`);
  // Plateau: around K the window barely moves and sits at W_max.
  assert.ok(Math.abs(at(k) - 1000) < 1, `cwnd ${at(k)} at K`);
  assert.ok(at(k + 0.5) - at(k - 0.5) < 1);
  // Convex: past W_max the probing accelerates.
  const g1 = at(k + 2) - at(k + 1);
  const g2 = at(k + 3) - at(k + 2);
  assert.ok(at(k + 1) > 1000 && g2 > 2 * g1, `growth ${g1} then ${g2}`);
});

test("fast convergence: a loss below the previous W_max plateaus lower, at cwnd·(1 + β)/2 (§4.7)", () => {
  const rtt = 100 * MS;
  // Large enough that W_est (§4.3) stays below the curve throughout.
  const { cc, now: recovered } = afterLossAt(1000, rtt);
  assert.equal(cc.wMax, 1000 * MSS);
  let now = recovered;
  while (now - recovered < 4 * S) now = roundTrip(cc, now, rtt);
  const c = segs(cc);
  assert.ok(c < 1000, `cwnd ${c} still below W_max`);
  cc.onLoss(cc.cwnd, MSS, now);
  assert.equal(cc.ssthresh, Math.floor(c * MSS * BETA));
  assert.ok(Math.abs(cc.wMax / MSS - (c * (1 + BETA)) / 2) < 1e-9);
  now += rtt;
  cc.onRecoveryEnd(MSS, now);
  // The new plateau is at 0.85·c, reached after K = cbrt((0.85·c − 0.7·c)/C), well short of the old W_max.
  const start = segs(cc);
  const plateau = (c * (1 + BETA)) / 2;
  const k = Math.cbrt((plateau - start) / C);
  const from = now;
  while (now - from < k * S) now = roundTrip(cc, now, rtt);
  assert.ok(Math.abs(segs(cc) - plateau) < 1, `cwnd ${segs(cc)} at K, plateau ${plateau}`);

  // A loss above W_max (convex region) remembers cwnd as it is.
  while (segs(cc) < plateau + 5) now = roundTrip(cc, now, rtt);
  const above = cc.cwnd;
  cc.onLoss(cc.cwnd, MSS, now);
  assert.equal(cc.wMax, above);
});

test("Reno-friendly region: at a small RTT, cwnd keeps up with NewReno on the same ACKs (§4.3)", () => {
  // First avoidance stage after slow start, both from the same window: W_est grows like Reno (α = 1 with
  // no earlier reduction) and the cubic curve, starting flat (K = 0), adds nothing NewReno lacks.
  const rtt = 1 * MS;
  const cubic = new Cubic(10);
  const reno = new NewReno(10);
  for (const cc of [cubic, reno]) {
    cc.init(MSS, 0);
    cc.ssthresh = 20 * MSS;
    slowStartTo(cc, 20, 0, rtt);
  }
  assert.equal(cubic.cwnd, reno.cwnd);
  let now = 10 * MS;
  for (let i = 0; i < 20_000; i++) {
    now += 50; // one ACK of one segment every 50 µs for both
    ack(cubic, now, rtt);
    ack(reno, now, rtt);
    // W_est grows continuously where NewReno steps a segment per window: within that rounding, never below.
    assert.ok(cubic.cwnd > reno.cwnd - MSS, `ACK ${i}: cubic ${cubic.cwnd}, reno ${reno.cwnd}`);
  }
  // The growth is Reno's, not the curve's: over this second W_cubic(t) = 20 + C·t³ adds under one segment.
  const curveOnly = wCubic((now - 10 * MS) / S + rtt / S, 20, 20);
  assert.ok(curveOnly < 21, `curve ${curveOnly}`);
  assert.ok(segs(cubic) > curveOnly + 50, `cubic ${segs(cubic)} vs curve ${curveOnly}`);
  assert.ok(segs(cubic) - segs(reno) < 2, `cubic ${segs(cubic)} vs reno ${segs(reno)}`);
});

/**
 * A path that drops one packet in every `every` (deterministic loss rate p = 1/every): each loss costs a
 * reduction and a round trip of recovery. Returns the time-averaged cwnd in segments.
 */
function averageWindow(cc: CongestionControl, rtt: number, every: number, losses: number): number {
  cc.init(MSS, 0);
  let now = 0;
  let sinceLoss = 0;
  let sum = 0;
  let rounds = 0;
  while (losses > 0) {
    const n = Math.max(1, Math.floor(cc.cwnd / MSS));
    let lost = false;
    for (let i = 1; i <= n; i++) {
      if (++sinceLoss === every) {
        lost = true;
        sinceLoss = 0;
      }
      ack(cc, now + Math.round((i * rtt) / n), rtt);
    }
    now += rtt;
    sum += segs(cc);
    rounds++;
    if (lost) {
      losses--;
      cc.onLoss(cc.cwnd, MSS, now);
      now += rtt;
      sum += segs(cc);
      rounds++;
      cc.onRecoveryEnd(MSS, now);
    }
  }
  return sum / rounds;
}

test("Reno-friendly region: with periodic loss at a small BDP the average window matches Reno's (§4.3, §5.1)", () => {
  // α_cubic = 3(1 − β)/(1 + β) makes AIMD(α, 0.7) average what AIMD(1, 0.5) does. Pointwise CUBIC can
  // fall behind late in a cycle (it climbs at α < 1 from 0.7·W); on average it must not.
  const every = 1000; // p = 1e-3
  const cubic = averageWindow(new Cubic(10), 10 * MS, every, 150);
  const reno = averageWindow(new NewReno(10), 10 * MS, every, 150);
  assert.ok(cubic >= reno, `cubic ${cubic.toFixed(1)} < reno ${reno.toFixed(1)}`);
  assert.ok(cubic < reno * 1.1, `cubic ${cubic.toFixed(1)} is not Reno-like next to reno ${reno.toFixed(1)}`);
  // The same loss rate at a 100 ms RTT and p = 1e-4 is CUBIC's own ground (§5.1 Table 1: 187 vs 120).
  const cubicLong = averageWindow(new Cubic(10), 100 * MS, 10_000, 40);
  const renoLong = averageWindow(new NewReno(10), 100 * MS, 10_000, 40);
  assert.ok(cubicLong > 1.3 * renoLong, `cubic ${cubicLong.toFixed(1)} vs reno ${renoLong.toFixed(1)}`);
});

test("a timeout collapses cwnd to 1 MSS with ssthresh = 0.7·cwnd, once per loss episode (§4.8)", () => {
  const cc = new Cubic(10);
  cc.init(MSS, 0);
  let now = slowStartTo(cc, 100, 0, 100 * MS);
  cc.onTimeout(cc.cwnd, MSS, now);
  assert.equal(cc.cwnd, MSS);
  assert.equal(cc.ssthresh, Math.floor(100 * MSS * BETA));
  // Backed-off timer, no progress in between: cwnd says nothing new, ssthresh is kept (RFC 5681 §3.1).
  cc.onTimeout(100 * MSS, MSS, (now += 1 * S));
  assert.equal(cc.cwnd, MSS);
  assert.equal(cc.ssthresh, Math.floor(100 * MSS * BETA));
  // After progress, a new timeout is a new event.
  ack(cc, (now += 1 * MS), 100 * MS);
  ack(cc, (now += 1 * MS), 100 * MS);
  assert.equal(cc.cwnd, 3 * MSS);
  cc.onTimeout(cc.cwnd, MSS, (now += 1 * S));
  assert.equal(cc.ssthresh, Math.max(Math.floor(3 * MSS * BETA), 2 * MSS));

  // A timeout during fast recovery: the loss already set ssthresh; the inflated cwnd must not raise it.
  const r = new Cubic(10);
  r.init(MSS, 0);
  now = slowStartTo(r, 100, 0, 100 * MS);
  r.onLoss(r.cwnd, MSS, now);
  r.cwnd += 30 * MSS;
  r.onTimeout(100 * MSS, MSS, now + 1 * S);
  assert.equal(r.cwnd, MSS);
  assert.equal(r.ssthresh, 70 * MSS);
});

test("after a timeout the next avoidance stage starts flat: K = 0, W_max = cwnd at its start (§4.8)", () => {
  const rtt = 100 * MS;
  // A loss at 100 segments (W_max = 100), half a second of avoidance, then a timeout.
  const { cc, now: recovered } = afterLossAt(100, rtt);
  let now = recovered;
  for (let i = 0; i < 5; i++) now = roundTrip(cc, now, rtt);
  const atTimeout = segs(cc);
  cc.onTimeout(cc.cwnd, MSS, now);
  assert.equal(cc.ssthresh, Math.floor(atTimeout * MSS * BETA));
  now = slowStartTo(cc, cc.ssthresh / MSS, now, rtt);
  const start = segs(cc);
  now = roundTrip(cc, now, rtt);
  assert.equal(cc.k, 0);
  assert.equal(cc.wMax, start * MSS);
  const from = now;
  while (now - from < 2 * S) now = roundTrip(cc, now, rtt);
  // The old W_max of 100 is forgotten, so there is no concave rush toward it: the curve adds only C·t³,
  // W_est (α_cubic, below cwnd_prior) about 0.53 segments per RTT; cwnd follows the larger.
  const t = (now - from) / S + rtt / S;
  const west = start + (ALPHA * t) / (rtt / S);
  const curve = wCubic(t + rtt / S, start, start);
  const expected = Math.max(west, curve);
  assert.ok(Math.abs(segs(cc) - expected) < 2, `cwnd ${segs(cc)} vs ${expected.toFixed(1)}`);
  // A loss found by duplicate ACKs at the same window climbs back toward that W_max much faster.
  const { cc: fr, now: frNow } = afterLossAt(Math.floor(atTimeout), rtt);
  let n2 = frNow;
  while (n2 - frNow < t * S) n2 = roundTrip(fr, n2, rtt);
  assert.ok(segs(fr) > segs(cc) + 5, `fast retransmit ${segs(fr)} vs timeout ${segs(cc)}`);
});

test("restart after idle: cwnd ≤ IW and a new epoch, so idle time is not growth time (RFC 5681 §4.1, §4.2)", () => {
  const rtt = 100 * MS;
  const big = afterLossAt(100, rtt);
  big.cc.onRestartAfterIdle(MSS, big.now + 60 * S);
  assert.equal(big.cc.cwnd, IW);

  // A window already under IW, in congestion avoidance: the idle restart leaves cwnd, restarts the clock.
  const { cc, now: recovered } = afterLossAt(12, rtt);
  let now = recovered;
  for (let i = 0; i < 2; i++) now = roundTrip(cc, now, rtt);
  assert.ok(cc.cwnd <= IW && cc.cwnd >= cc.ssthresh, `cwnd ${cc.cwnd}, ssthresh ${cc.ssthresh}`);
  now += 30 * S; // idle
  const before = cc.cwnd;
  cc.onRestartAfterIdle(MSS, now);
  assert.equal(cc.cwnd, Math.min(before, IW));
  const epochCwnd = segs(cc);
  now = roundTrip(cc, now, rtt);
  // The curve restarts from this window toward W_max = 12: one RTT later it is at about W(2·RTT). A
  // clock that had kept running through the idle period would have allowed 1.5·cwnd.
  const expected = wCubic((2 * rtt) / S, 12, epochCwnd);
  assert.ok(segs(cc) <= expected + 0.5, `cwnd ${segs(cc)} after idle, fresh epoch gives ${expected}`);
  assert.ok(segs(cc) < 1.2 * epochCwnd);
});

test("application-limited time does not count as t (§4.2, §5.8)", () => {
  const rtt = 100 * MS;
  const limited = afterLossAt(100, rtt);
  const control = afterLossAt(100, rtt);
  let a = limited.now;
  let b = control.now;
  for (let i = 0; i < 10; i++) {
    a = roundTrip(limited.cc, a, rtt);
    b = roundTrip(control.cc, b, rtt);
  }
  // Two seconds of ACKs while only a few segments are in flight: no growth.
  const held = limited.cc.cwnd;
  for (let i = 0; i < 200; i++) limited.cc.onAck(MSS, MSS, (a += 10 * MS), rtt, 2 * MSS);
  assert.equal(limited.cc.cwnd, held);
  for (let i = 0; i < 3; i++) {
    a = roundTrip(limited.cc, a, rtt);
    b = roundTrip(control.cc, b, rtt);
  }
  assert.ok(
    Math.abs(limited.cc.cwnd - control.cc.cwnd) <= MSS,
    `${limited.cc.cwnd} after an application-limited pause, ${control.cc.cwnd} without one`,
  );
});

/**
 * One algorithm on a bottleneck of `capacity` segments at `rtt`: slow start ends one segment past capacity
 * with a loss, and later a round trip that ends above capacity loses a packet. Returns W_max (the window at
 * the first loss), the time from the end of that recovery until cwnd is back at the capacity, and the data
 * acknowledged over the `duration` after it.
 */
function bottleneck(
  cc: CongestionControl,
  rtt: number,
  capacity: number,
  duration: number,
): { wMax: number; regain: number; delivered: number } {
  cc.init(MSS, 0);
  let now = slowStartTo(cc, capacity + 1, 0, rtt);
  const wMax = cc.cwnd;
  cc.onLoss(cc.cwnd, MSS, now);
  now += rtt;
  cc.onRecoveryEnd(MSS, now);
  const recoveredAt = now;
  let regain = -1;
  let delivered = 0;
  while (now < recoveredAt + duration) {
    delivered += Math.floor(cc.cwnd / MSS) * MSS;
    now = roundTrip(cc, now, rtt);
    if (regain < 0 && cc.cwnd >= capacity * MSS) regain = now - recoveredAt;
    if (cc.cwnd > capacity * MSS) {
      cc.onLoss(cc.cwnd, MSS, now);
      now += rtt;
      delivered += Math.min(cc.cwnd, capacity * MSS); // the recovery round trip
      cc.onRecoveryEnd(MSS, now);
    }
  }
  return { wMax: wMax / MSS, regain, delivered };
}

test("at a large BDP (100 ms, 1000 segments) CUBIC regains the window in seconds, NewReno in W/2 RTTs", () => {
  const rtt = 100 * MS;
  const capacity = 1000;
  const cubic = bottleneck(new Cubic(10), rtt, capacity, 120 * S);
  const reno = bottleneck(new NewReno(10), rtt, capacity, 120 * S);
  assert.ok(cubic.regain > 0 && reno.regain > 0, `regained after ${cubic.regain} and ${reno.regain} µs`);
  // W_cubic(t) = capacity at t = K + cbrt((capacity − W_max)/C), from cwnd_epoch = β·W_max.
  const wMax = cubic.wMax;
  const epochCwnd = Math.floor(wMax * MSS * BETA) / MSS;
  const expected = Math.cbrt((wMax - epochCwnd) / C) + Math.cbrt((capacity - wMax) / C);
  assert.ok(
    Math.abs(cubic.regain / S - expected) < 0.5,
    `CUBIC ${cubic.regain / S} s, expected ${expected} s`,
  );
  // NewReno: from half of W_max, one segment per RTT.
  assert.equal(reno.wMax, wMax);
  assert.ok(reno.regain >= (capacity - wMax / 2 - 1) * rtt, `NewReno ${reno.regain / S} s`);
  assert.ok(cubic.regain * 4 < reno.regain, `CUBIC ${cubic.regain / S} s, NewReno ${reno.regain / S} s`);
  assert.ok(cubic.delivered > 1.1 * reno.delivered, `${cubic.delivered} vs ${reno.delivered} bytes`);
});
