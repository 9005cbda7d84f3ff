// RACK's reordering window growth on D-SACKs (RFC 8985 §6.2 step 4; Linux tcp_dsack_seen,
// tcp_check_sack_reordering, tcp_rack_update_reo_wnd, tcp_rack_reo_wnd), on the Rack object alone.
// recovery/rack-reo-wnd-grows-on-dsack.pkt shows the same on the wire against Linux.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rack, reorderingWindow } from "../../src/tcp/rack.js";

/** SACKed octets as a set of [left, right) ranges. */
function sacked(...ranges: Array<[number, number]>) {
  return { isSacked: (q: number) => ranges.some(([l, r]) => q >= l && q < r) };
}

/** Two segments out at `t`, the second SACKed, then the first cumulatively ACKed: reordering. */
function reorder(rack: Rack, base: number, t: number): void {
  rack.sent(base, base + 1000, t, false);
  rack.sent(base + 1000, base + 2000, t, false);
  rack.acked(base, sacked([base + 1000, base + 2000]), t + 100, 100);
  rack.acked(base + 2000, null, t + 110, 100);
}

test("a late never-retransmitted segment below a SACKed one is reordering; an in-order ACK is not", () => {
  const inOrder = new Rack();
  inOrder.sent(1, 1001, 0, false);
  inOrder.sent(1001, 2001, 0, false);
  inOrder.acked(2001, null, 100, 100);
  assert.equal(inOrder.reordSeen, false);
  const r = new Rack();
  reorder(r, 1, 0);
  assert.equal(r.reordSeen, true);
});

test("a D-SACK counts only after reordering was seen and for data that was retransmitted", () => {
  const r = new Rack();
  r.sent(1, 1001, 0, false);
  r.sent(1, 1001, 50, true);
  assert.equal(r.dsackSeen(1), false, "no reordering seen yet");
  const never = new Rack();
  reorder(never, 1, 0);
  assert.equal(never.dsackSeen(1), false, "nothing retransmitted: a D-SACK of what was never sent twice");
  const s = new Rack();
  reorder(s, 1, 0);
  s.sent(2001, 3001, 200, false);
  s.sent(2001, 3001, 250, true);
  assert.equal(s.dsackSeen(1), true);
  assert.equal(
    s.dsackSeen(1),
    false,
    "a second duplicate of one retransmission is dubious (Linux dsack_dups)",
  );
});

test("reo_wnd grows one step per D-SACK round, is capped by SRTT, and decays after 16 recoveries", () => {
  const r = new Rack();
  reorder(r, 1, 0);
  r.sent(2001, 3001, 200, false);
  r.sent(3001, 4001, 200, false);
  r.acked(2001, sacked([3001, 4001]), 300, 100);
  r.sent(2001, 3001, 330, true);
  r.acked(4001, null, 340, 100); // the original's ACK, with a D-SACK of the retransmission
  r.updateReoWnd(r.dsackSeen(1), 340);
  assert.equal(r.reoWndSteps, 2);
  // A second D-SACK delivered by the same round (nothing sent after the growth delivered yet) is ignored.
  r.updateReoWnd(true, 345);
  assert.equal(r.reoWndSteps, 2);
  assert.equal(reorderingWindow(false, 1, 100_000, 100_000, 3, r.reordSeen, r.reoWndSteps), 50_000);
  assert.equal(reorderingWindow(false, 1, 100_000, 40_000, 3, r.reordSeen, r.reoWndSteps), 40_000);
  // Reordering seen: a window even in recovery (Linux returns 0 there only without reordering).
  assert.equal(reorderingWindow(true, 5, 100_000, 100_000, 3, true, 1), 25_000);
  assert.equal(reorderingWindow(true, 5, 100_000, 100_000, 3, false, 1), 0);
  for (let i = 0; i < 15; i++) r.recoveryEnded();
  r.updateReoWnd(false, 400);
  assert.equal(r.reoWndSteps, 2, "one recovery left");
  r.recoveryEnded();
  r.updateReoWnd(false, 410);
  assert.equal(r.reoWndSteps, 1, "back to one step after 16 recoveries");
});
