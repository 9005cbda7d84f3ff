// The receiver's SACK blocks (RFC 2018 §4) and D-SACK (RFC 2883 §4), driven through the real
// reassembly queue the way the connection drives them.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { propertyRuns } from "../e2e/property-runs.js";
import { Reassembly } from "../../src/tcp/reassembly.js";
import { SackBlocks } from "../../src/tcp/sack-blocks.js";
import { seqAdd, seqDiff, seqLe, seqLt } from "../../src/tcp/seq.js";

/** A receiver whose sequence space starts at `base`; every position is an offset from it. */
class Rx {
  rcvNxt: number;
  readonly q = new Reassembly();
  readonly sack: SackBlocks;

  constructor(
    readonly base: number,
    dsack = true,
  ) {
    this.rcvNxt = base;
    this.sack = new SackBlocks({ dsack });
  }

  /** A segment of `len` octets at offset `off` arrives. */
  arrive(off: number, len: number): void {
    let seq = seqAdd(this.base, off);
    const end = seqAdd(seq, len);
    if (seqLe(end, this.rcvNxt)) return this.sack.noteDuplicate(seq, end);
    if (seqLt(seq, this.rcvNxt)) {
      this.sack.noteDuplicate(seq, this.rcvNxt);
      seq = this.rcvNxt;
    } else {
      this.noteHeldDuplicate(seq, end);
    }
    this.q.insert(seq, new Uint8Array(seqDiff(end, seq)), false);
    if (seq !== this.rcvNxt) return this.sack.noteReceived(seq, end);
    for (let h = this.q.takeInOrder(this.rcvNxt); h !== null; h = this.q.takeInOrder(this.rcvNxt)) {
      this.rcvNxt = seqAdd(this.rcvNxt, h.data.length);
    }
  }

  /** The first stretch of [seq, end) already held, if any, is the duplicate to report. */
  private noteHeldDuplicate(seq: number, end: number): void {
    let dl: number | undefined;
    let dr = 0;
    for (const [l, r] of this.q.ranges()) {
      if (dl !== undefined && l !== dr) break;
      const from = seqLt(l, seq) ? seq : l;
      const to = seqLt(r, end) ? r : end;
      if (!seqLt(from, to)) continue;
      dl ??= from;
      dr = to;
    }
    if (dl !== undefined) this.sack.noteDuplicate(dl, dr);
  }

  /** The next ACK's blocks, as offsets. */
  ack(maxBlocks = 4): Array<[number, number]> | undefined {
    const b = this.sack.blocks(this.rcvNxt, this.q.ranges(), maxBlocks);
    return b?.map(([l, r]) => [seqDiff(l, this.base), seqDiff(r, this.base)]);
  }

  get nxt(): number {
    return seqDiff(this.rcvNxt, this.base);
  }
}

test("nothing held and no duplicate: no SACK option", () => {
  const rx = new Rx(1000);
  assert.equal(rx.ack(), undefined);
  rx.arrive(0, 100);
  assert.equal(rx.ack(), undefined);
  assert.equal(rx.sack.pendingDuplicate, false);
});

test("RFC 2018 §4: the most recently received block first, then the most recently reported ones", () => {
  const rx = new Rx(0xffffff00);
  rx.arrive(100, 100);
  assert.deepEqual(rx.ack(), [[100, 200]]);
  rx.arrive(500, 100);
  rx.arrive(300, 100);
  assert.deepEqual(rx.ack(), [
    [300, 400],
    [500, 600],
    [100, 200],
  ]);
  rx.arrive(600, 50); // grows an existing block: it is reported grown, and first
  assert.deepEqual(rx.ack(), [
    [500, 650],
    [300, 400],
    [100, 200],
  ]);
});

test("holes filled: merged blocks are reported whole, delivered ones vanish", () => {
  const rx = new Rx(0xfffffe80); // the space crosses 2^32 at offset 0x180
  rx.arrive(100, 100);
  rx.arrive(300, 100);
  rx.arrive(500, 100);
  rx.arrive(700, 100);
  rx.arrive(200, 100); // joins [100,200) and [300,400)
  assert.deepEqual(rx.ack(), [
    [100, 400],
    [700, 800],
    [500, 600],
  ]);
  rx.arrive(0, 100); // in order: delivers up to 400, triggers no block of its own
  assert.equal(rx.nxt, 400);
  assert.deepEqual(rx.ack(), [
    [700, 800],
    [500, 600],
  ]);
  rx.arrive(600, 100); // joins the two remaining blocks
  assert.deepEqual(rx.ack(), [[500, 800]]);
  rx.arrive(400, 100);
  assert.equal(rx.nxt, 800);
  assert.equal(rx.ack(), undefined);
});

test("the block count limit keeps the most recent blocks; older ones come back as holes fill", () => {
  const rx = new Rx(5000);
  for (const off of [100, 300, 500, 700, 900]) rx.arrive(off, 100);
  assert.deepEqual(rx.ack(3), [
    [900, 1000],
    [700, 800],
    [500, 600],
  ]);
  assert.deepEqual(rx.ack(4), [
    [900, 1000],
    [700, 800],
    [500, 600],
    [300, 400],
  ]);
  rx.arrive(800, 100); // [700,1000) now one block: room for [300,400)
  assert.deepEqual(rx.ack(3), [
    [700, 1000],
    [500, 600],
    [300, 400],
  ]);
  assert.equal(rx.ack(0), undefined);
});

test("held ranges the history does not know are still reported, lowest first", () => {
  const q = new Reassembly();
  for (const seq of [100, 300, 500, 700, 900, 1100]) q.insert(seq, new Uint8Array(50), false);
  const sb = new SackBlocks();
  sb.noteReceived(700, 750);
  assert.deepEqual(sb.blocks(0, q.ranges(), 4), [
    [700, 750],
    [100, 150],
    [300, 350],
    [500, 550],
  ]);
});

test("never a block below RCV.NXT; adjacent pieces of the queue are one block", () => {
  const sb = new SackBlocks();
  sb.noteReceived(450, 500);
  const ranges: Array<[number, number]> = [
    [300, 400],
    [450, 500],
    [500, 700],
  ];
  assert.deepEqual(sb.blocks(480, ranges, 4), [[480, 700]]);
  assert.deepEqual(sb.blocks(100, ranges, 4), [
    [450, 700],
    [300, 400],
  ]);
  assert.equal(sb.blocks(700, ranges, 4), undefined);
});

test("D-SACK for a duplicate below RCV.NXT (RFC 2883 §4): first block of the next ACK only", () => {
  const rx = new Rx(0xffffffc0);
  rx.arrive(0, 100);
  rx.arrive(300, 100);
  rx.arrive(0, 100); // a retransmission of data already delivered
  assert.ok(rx.sack.pendingDuplicate);
  assert.deepEqual(rx.ack(), [
    [0, 100],
    [300, 400],
  ]);
  assert.deepEqual(rx.ack(), [[300, 400]], "each duplicate is reported once");
  rx.arrive(50, 100); // half old, half new and in order
  assert.equal(rx.nxt, 150);
  assert.deepEqual(rx.ack(), [
    [50, 100],
    [300, 400],
  ]);
  rx.arrive(0, 150);
  rx.arrive(150, 150); // fills the hole: nothing held
  assert.deepEqual(rx.ack(), [[0, 150]], "a D-SACK alone when nothing is held");
  assert.equal(rx.ack(), undefined);
});

test("D-SACK for duplicate out-of-order data: then the block that holds it, then the usual blocks", () => {
  const rx = new Rx(0x7fffff00);
  rx.arrive(300, 50);
  rx.arrive(350, 50);
  rx.arrive(600, 100);
  rx.arrive(320, 20); // all held already
  assert.deepEqual(rx.ack(), [
    [320, 340],
    [300, 400],
    [600, 700],
  ]);
  rx.arrive(650, 100); // half a duplicate: D-SACK the old half, the block grows
  assert.deepEqual(rx.ack(2), [
    [650, 700],
    [600, 750],
  ]);
  assert.deepEqual(rx.ack(), [
    [600, 750],
    [300, 400],
  ]);
  rx.arrive(300, 10);
  assert.deepEqual(rx.ack(1), [[300, 310]], "the limit counts the D-SACK block");
});

test("a fully duplicate segment needs only noteDuplicate: its block still follows the D-SACK block", () => {
  const q = new Reassembly();
  q.insert(300, new Uint8Array(100), false);
  q.insert(600, new Uint8Array(100), false);
  const sb = new SackBlocks();
  sb.noteReceived(300, 400);
  sb.noteReceived(600, 700);
  sb.noteDuplicate(320, 340);
  assert.deepEqual(sb.blocks(0, q.ranges(), 4), [
    [320, 340],
    [300, 400],
    [600, 700],
  ]);
  sb.noteDuplicate(-50 >>> 0, 10); // below RCV.NXT = 10, across the wrap
  assert.deepEqual(sb.blocks(10, q.ranges(), 4), [
    [0xffffffce, 10],
    [600, 700],
    [300, 400],
  ]);
});

test("a burst that grows one block does not push the others out of the recency order", () => {
  const rx = new Rx(0xfffffff0);
  rx.arrive(100, 10);
  rx.arrive(300, 10);
  for (let i = 0; i < 12; i++) rx.arrive(500 + 10 * i, 10); // no ACK built in between
  assert.deepEqual(rx.ack(), [
    [500, 620],
    [300, 310],
    [100, 110],
  ]);
});

test("with D-SACK off, duplicates are not reported", () => {
  const rx = new Rx(0, false);
  rx.arrive(0, 100);
  rx.arrive(0, 100);
  assert.equal(rx.sack.pendingDuplicate, false);
  assert.equal(rx.ack(), undefined);
  rx.arrive(200, 100);
  rx.arrive(200, 100);
  assert.deepEqual(rx.ack(), [[200, 300]]);
});

test("clear() forgets the history and a pending D-SACK", () => {
  const rx = new Rx(0);
  rx.arrive(500, 100);
  rx.arrive(300, 100);
  rx.arrive(0, 10);
  rx.arrive(0, 10);
  rx.sack.clear();
  assert.deepEqual(rx.ack(), [
    [300, 400],
    [500, 600],
  ]);
});

// Property: with up to HISTORY out-of-order arrivals, the blocks are exactly the held ranges above
// RCV.NXT ordered by their most recent arrival (RFC 2018 §4), after the D-SACK pair (RFC 2883 §4).
const SPACE = 60;
const arrivalArb = fc.tuple(fc.integer({ min: 0, max: SPACE }), fc.integer({ min: 1, max: 12 }));

test("property: blocks are the current held ranges in order of most recent arrival, D-SACK first", () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constant(0xffffffe0)),
      fc.array(arrivalArb, { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: 4 }),
      (base, arrivals, maxBlocks) => {
        const rx = new Rx(base);
        /** For each octet (offset) held: the index of the latest arrival that carried it. */
        const lastSeen = new Map<number, number>();
        arrivals.forEach(([off, len], i) => {
          const before = rx.nxt;
          const ranges = rx.q.ranges().map(([l, r]) => [seqDiff(l, base), seqDiff(r, base)]);
          const heldBefore = (o: number): boolean => ranges.some(([l, r]) => l! <= o && o < r!);
          rx.arrive(off, len);
          if (off > before) for (let o = off; o < off + len; o++) lastSeen.set(o, i);
          for (const o of [...lastSeen.keys()]) if (o < rx.nxt) lastSeen.delete(o);
          // The duplicate this arrival reported, if any, as the Rx helper defines it.
          let dup: [number, number] | undefined;
          if (off < before) dup = [off, Math.min(off + len, before)];
          else {
            let o = off;
            while (o < off + len && !heldBefore(o)) o++;
            let e = o;
            while (e < off + len && heldBefore(e)) e++;
            if (o < e) dup = [o, e];
          }
          const held = rx.q
            .ranges()
            .map(([l, r]) => [seqDiff(l, base), seqDiff(r, base)] as [number, number]);
          const runs: Array<[number, number]> = [];
          for (const [l, r] of held) {
            const last = runs.at(-1);
            if (last !== undefined && last[1] === l) last[1] = r;
            else runs.push([l, r]);
          }
          const recency = (run: [number, number]): number => {
            let m = -1;
            for (let o = run[0]; o < run[1]; o++) m = Math.max(m, lastSeen.get(o) ?? -1);
            return m;
          };
          const expected: Array<[number, number]> = [];
          let rest = [...runs].sort((a, b) => recency(b) - recency(a));
          if (dup !== undefined) {
            expected.push(dup);
            const holder = runs.find(([l, r]) => l <= dup![0] && dup![1] <= r);
            if (holder !== undefined) {
              expected.push(holder);
              rest = rest.filter((r) => r !== holder);
            }
          }
          expected.push(...rest);
          const got = rx.ack(maxBlocks);
          assert.deepEqual(got, expected.length === 0 ? undefined : expected.slice(0, maxBlocks));
        });
      },
    ),
    propertyRuns(400),
  );
});
