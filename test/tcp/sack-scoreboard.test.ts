// The sender's SACK scoreboard (RFC 6675 §3, §4): merging blocks, IsLost, SetPipe, NextSeg, and a
// per-octet model that the range arithmetic must agree with, across the 2^32 wrap.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { propertyRuns } from "../e2e/property-runs.js";
import { SackScoreboard } from "../../src/tcp/sack-scoreboard.js";
import { seqLt } from "../../src/tcp/seq.js";

const u32 = (x: number): number => x >>> 0;
const MSS = 100;

/** A scoreboard whose sequence space starts at `base`: offsets in, offsets out. */
function board(base: number, opts = {}) {
  const sb = new SackScoreboard(opts);
  const at = (off: number): number => u32(base + off);
  const rel = (seq: number): number => (seq - base) | 0;
  return {
    sb,
    at,
    update: (una: number, blocks: Array<[number, number]>, max: number): number =>
      sb.update(
        at(una),
        blocks.map(([l, r]) => [at(l), at(r)]),
        at(max),
      ),
    ranges: (): Array<[number, number]> => sb.ranges().map(([l, r]) => [rel(l), rel(r)]),
    rel,
  };
}

test("blocks merge into sorted disjoint ranges; update returns only the newly SACKed octets", () => {
  const b = board(1000);
  assert.equal(b.update(0, [[300, 400]], 1000), 100);
  assert.equal(b.update(0, [[100, 200]], 1000), 100);
  assert.deepEqual(b.ranges(), [
    [100, 200],
    [300, 400],
  ]);
  // Touching and overlapping blocks join; only the hole they fill is new.
  assert.equal(b.update(0, [[150, 350]], 1000), 100);
  assert.deepEqual(b.ranges(), [[100, 400]]);
  assert.equal(b.update(0, [[100, 400]], 1000), 0, "a repeated block SACKs nothing new");
  assert.equal(b.sb.sackedBytes, 300);
  assert.equal(b.sb.highSacked, b.at(400));
  // SND.UNA moving into a range keeps only its part above.
  b.update(250, [], 1000);
  assert.deepEqual(b.ranges(), [[250, 400]]);
  assert.equal(b.sb.sackedBytes, 150);
  b.update(400, [], 1000);
  assert.equal(b.sb.count, 0);
  assert.equal(b.sb.highSacked, b.at(400), "highSacked is SND.UNA when nothing is SACKed");
});

test("ranges across the 2^32 wrap", () => {
  const b = board(0xffffff00);
  assert.equal(b.update(0, [[0x80, 0x180]], 0x400), 0x100); // 0xffffff80 .. 0x00000080
  assert.equal(b.update(0, [[0x200, 0x280]], 0x400), 0x80);
  assert.deepEqual(b.sb.ranges(), [
    [0xffffff80, 0x80],
    [0x100, 0x180],
  ]);
  assert.ok(b.sb.isSacked(0xffffffff));
  assert.ok(b.sb.isSacked(0));
  assert.ok(!b.sb.isSacked(0x80));
  assert.equal(b.sb.highSacked, 0x180);
  b.update(0xc0, [], 0x400); // SND.UNA = 0xffffffc0
  assert.deepEqual(b.sb.ranges(), [
    [0xffffffc0, 0x80],
    [0x100, 0x180],
  ]);
  assert.equal(b.sb.sackedBytes, 0xc0 + 0x80);
});

test("hostile blocks are ignored: inverted, empty, beyond SND.MAX, below SND.UNA, half the space", () => {
  const b = board(0xfffffff0);
  const blocks: Array<[number, number]> = [
    [500, 400], // inverted
    [450, 450], // empty
    [900, 1100], // ends beyond SND.MAX
    [-300, -100], // below SND.UNA (not first, so not a D-SACK)
    [10, 10 + 2 ** 31], // 2^31 octets, ending far beyond SND.MAX
    [20, 10 - 2 ** 31], // its ends cannot be ordered
  ];
  assert.equal(b.update(0, [[600, 700], ...blocks], 1000), 100);
  assert.deepEqual(b.ranges(), [[600, 700]]);
  // A block straddling SND.UNA keeps its part above it.
  assert.equal(
    b.update(
      0,
      [
        [600, 700],
        [-50, 50],
      ],
      1000,
    ),
    50,
  );
  assert.deepEqual(b.ranges(), [
    [0, 50],
    [600, 700],
  ]);
});

test("a D-SACK first block is not merged (RFC 2883 §4): below the ACK, or inside the second block", () => {
  const b = board(5000);
  assert.equal(b.update(100, [[0, 100]], 1000), 0);
  assert.ok(b.sb.lastDsack);
  assert.equal(b.sb.count, 0);
  // Below the ACK, followed by a normal block.
  assert.equal(
    b.update(
      100,
      [
        [50, 100],
        [300, 400],
      ],
      1000,
    ),
    100,
  );
  assert.ok(b.sb.lastDsack);
  // Inside the second block: a duplicate of data the receiver holds out of order.
  assert.equal(
    b.update(
      100,
      [
        [600, 650],
        [500, 700],
      ],
      1000,
    ),
    200,
  );
  assert.ok(b.sb.lastDsack);
  assert.deepEqual(b.ranges(), [
    [300, 400],
    [500, 700],
  ]);
  // An ordinary first block is not a D-SACK.
  assert.equal(
    b.update(
      100,
      [
        [800, 900],
        [500, 700],
      ],
      1000,
    ),
    100,
  );
  assert.ok(!b.sb.lastDsack);
});

test("the scoreboard is bounded: past maxRanges the highest ranges are forgotten", () => {
  const b = board(0xffff0000, { maxRanges: 64 });
  const blocks: Array<[number, number]> = [];
  for (let i = 0; i < 250; i++) blocks.push([4 * i + 1, 4 * i + 2]); // one octet in four
  const added = b.update(0, blocks, 1000);
  assert.equal(b.sb.count, 64);
  assert.equal(added, 64);
  assert.equal(b.sb.sackedBytes, 64);
  assert.deepEqual(b.ranges()[63], [253, 254]);
  // The forgotten top comes back in later ACKs: nothing is counted as newly SACKed for it.
  assert.equal(b.update(0, [[997, 998]], 1000), 0);
  // A lower range still fits, at the expense of the highest.
  assert.equal(
    b.update(
      0,
      [
        [997, 998],
        [3, 4],
      ],
      1000,
    ),
    1,
  );
  assert.equal(b.sb.count, 64);
  assert.deepEqual(b.ranges().slice(0, 3), [
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  assert.deepEqual(b.ranges().at(-1), [249, 250]);
  assert.equal(b.sb.sackedBytes, 64);
  const small = board(0, { maxRanges: 2 });
  small.update(
    0,
    [
      [10, 20],
      [30, 40],
      [50, 60],
    ],
    100,
  );
  assert.deepEqual(small.ranges(), [
    [10, 20],
    [30, 40],
  ]);
});

test("IsLost (RFC 6675 §4): DupThresh discontiguous ranges above, or more than (DupThresh−1)·SMSS octets", () => {
  const b = board(0xffffff00);
  b.update(0, [[100, 200]], 2000);
  assert.ok(!b.sb.isLost(b.at(0), MSS));
  b.update(0, [[300, 400]], 2000); // two ranges, exactly 2·SMSS octets: not yet
  assert.ok(!b.sb.isLost(b.at(0), MSS));
  b.update(0, [[500, 501]], 2000); // a third discontiguous range
  assert.ok(b.sb.isLost(b.at(0), MSS));
  assert.ok(b.sb.isLost(b.at(99), MSS));
  assert.ok(!b.sb.isLost(b.at(200), MSS), "only two ranges and 101 octets above the second hole");

  const bytes = board(0xffffffc0);
  bytes.update(0, [[100, 300]], 2000); // one range of exactly 2·SMSS
  assert.ok(!bytes.sb.isLost(bytes.at(50), MSS));
  bytes.update(0, [[300, 301]], 2000); // 2·SMSS + 1 octets
  assert.ok(bytes.sb.isLost(bytes.at(50), MSS));
  assert.ok(!bytes.sb.isLost(bytes.at(100), MSS), "inside the range: only 200 octets above");
  assert.ok(bytes.sb.isLost(bytes.at(99), MSS), "just below: all 201 are above");
  const dupThresh2 = board(0, { dupThresh: 2 });
  dupThresh2.update(
    0,
    [
      [100, 150],
      [200, 250],
    ],
    1000,
  );
  assert.ok(dupThresh2.sb.isLost(50, MSS));
});

test("SetPipe without retransmissions: lost holes are not in flight, SACKed octets never are", () => {
  const b = board(0xfffffe00);
  // Holes [0,100) [200,300) [400,500) [600,700) [800,1000); three ranges above the first hole.
  b.update(
    0,
    [
      [100, 200],
      [300, 400],
      [500, 600],
      [700, 800],
    ],
    1000,
  );
  // [0,100): 4 ranges above → lost; [200,300): 3 → lost; [400,500): 2 ranges, 200 octets → not lost;
  // [600,700): 1 range → not lost; [800,1000) above everything → in flight.
  assert.equal(b.sb.pipe(b.at(0), b.at(1000), MSS), 100 + 100 + 200);
  assert.equal(b.sb.pipe(b.at(0), b.at(0), MSS), 0);
  // highData inside a SACKed range: nothing above it counts.
  assert.equal(b.sb.pipe(b.at(0), b.at(750), MSS), 100 + 100);
  const empty = new SackScoreboard();
  assert.equal(empty.pipe(0xfffffff0, 0x10, MSS), 0x20, "no SACK: everything outstanding is in flight");
});

test("SetPipe with retransmissions: a retransmitted octet counts once more until it is SACKed or ACKed", () => {
  const b = board(0x7fffff00);
  b.update(
    0,
    [
      [100, 200],
      [300, 400],
      [500, 600],
      [700, 800],
    ],
    1000,
  );
  const before = b.sb.pipe(b.at(0), b.at(1000), MSS);
  b.sb.markRetransmitted(b.at(0), 100); // lost hole: 0 → 1 each
  assert.equal(b.sb.pipe(b.at(0), b.at(1000), MSS), before + 100);
  b.sb.markRetransmitted(b.at(400), 50); // not-lost hole (rule 3): 1 → 2 each
  assert.equal(b.sb.pipe(b.at(0), b.at(1000), MSS), before + 150);
  // The retransmission of [400,450) is SACKed: neither the original nor the copy is in flight.
  b.update(0, [[400, 450]], 1000);
  const sacked = b.sb.pipe(b.at(0), b.at(1000), MSS);
  // [0,100) lost but retransmitted; [200,300) lost; [450,500), [600,700) and [800,1000) in flight.
  assert.equal(sacked, 100 + 50 + 100 + 200);
  // The cumulative ACK passes the first retransmission.
  b.update(100, [], 1000);
  assert.equal(b.sb.pipe(b.at(100), b.at(1000), MSS), sacked - 100);
  b.sb.clear();
  assert.equal(b.sb.pipe(b.at(100), b.at(1000), MSS), 900, "clear() forgets SACKs and retransmissions");
});

test("NextSeg (RFC 6675 §4): rule 1 before rule 2 before rule 3; segments stop at SMSS and at SACKed data", () => {
  const b = board(0xffffff80);
  // Holes: [0,250) and [300,350) lost (4 and 3 ranges above); [400,500) not lost (2 ranges, 150 octets
  // above); [600,650) not lost; [700,1000) above every SACKed octet.
  b.update(
    0,
    [
      [250, 300],
      [350, 400],
      [500, 600],
      [650, 700],
    ],
    1000,
  );
  const next = (highRxt: number, canSendNew: boolean) => {
    const c = b.sb.nextSeg(b.at(0), b.at(1000), b.at(highRxt), MSS, canSendNew);
    return c === null ? null : { seq: b.rel(c.seq), len: c.len, rule: c.rule };
  };
  assert.deepEqual(next(0, true), { seq: 0, len: 100, rule: 1 });
  assert.deepEqual(next(200, true), { seq: 200, len: 50, rule: 1 }, "cut where SACKed data starts");
  assert.deepEqual(next(250, true), { seq: 300, len: 50, rule: 1 }, "SACKed octets are skipped");
  assert.deepEqual(next(350, true), { seq: 1000, len: MSS, rule: 2 }, "not lost: new data comes first");
  assert.deepEqual(next(350, false), { seq: 400, len: 100, rule: 3 });
  assert.deepEqual(next(450, false), { seq: 450, len: 50, rule: 3 });
  assert.deepEqual(next(500, false), { seq: 600, len: 50, rule: 3 });
  assert.equal(next(650, false), null, "nothing unSACKed below the highest SACKed octet");
  assert.deepEqual(next(650, true), { seq: 1000, len: MSS, rule: 2 });
  // A stale highRxt below SND.UNA starts at SND.UNA.
  assert.deepEqual(next(-5000, false), { seq: 0, len: 100, rule: 1 });
  const none = new SackScoreboard();
  assert.equal(none.nextSeg(0, 1000, 0, MSS, false), null, "no SACK information: rules 1 and 3 never apply");
});

test("the rescue retransmission (rule 4) ends with the highest unSACKed octet", () => {
  const b = board(0xfffffff0);
  b.update(
    0,
    [
      [100, 200],
      [250, 1000],
    ],
    1000,
  );
  const c = b.sb.rescueSeg(b.at(0), b.at(1000), MSS)!;
  assert.deepEqual([b.rel(c.seq), c.len, c.rule], [200, 50, 4]);
  const tail = board(0);
  tail.update(0, [[100, 200]], 1000);
  const t = tail.sb.rescueSeg(0, 1000, MSS)!;
  assert.deepEqual([t.seq, t.len], [900, 100]);
  const all = board(0);
  all.update(0, [[10, 1000]], 1000);
  assert.deepEqual([all.sb.rescueSeg(0, 1000, MSS)!.seq, all.sb.rescueSeg(0, 1000, MSS)!.len], [0, 10]);
  all.update(0, [[0, 1000]], 1000); // a first block starting at SND.UNA is taken as a D-SACK
  assert.equal(all.sb.rescueSeg(0, 1000, MSS)!.len, 10);
  all.update(
    0,
    [
      [20, 30],
      [0, 10],
    ],
    1000,
  ); // not first: kept
  assert.equal(all.sb.rescueSeg(0, 1000, MSS), null, "everything SACKed");
});

// ---- A per-octet model on a small sequence space, placed anywhere in the 32-bit space. ----

const SPACE = 40;

class Model {
  sacked = new Set<number>();
  retx = new Set<number>();
  una = 0;
  max = 0;

  update(una: number, blocks: Array<[number, number]>, max: number): number {
    this.una = una;
    this.max = max;
    for (const s of [...this.sacked]) if (s < una) this.sacked.delete(s);
    for (const s of [...this.retx]) if (s < una) this.retx.delete(s);
    const dsack =
      blocks.length > 0 &&
      blocks[0]![0] < blocks[0]![1] &&
      (blocks[0]![0] <= una ||
        (blocks.length > 1 &&
          blocks[1]![0] < blocks[1]![1] &&
          blocks[1]![0] <= blocks[0]![0] &&
          blocks[0]![1] <= blocks[1]![1]));
    let added = 0;
    blocks.forEach(([l, r], k) => {
      if ((k === 0 && dsack) || l >= r || r > max || r <= una) return;
      for (let s = Math.max(l, una); s < r; s++) {
        if (!this.sacked.has(s)) added++;
        this.sacked.add(s);
      }
    });
    return added;
  }

  runs(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const all = [...this.sacked].sort((a, b) => a - b);
    for (const s of all) {
      const last = out.at(-1);
      if (last !== undefined && last[1] === s) last[1] = s + 1;
      else out.push([s, s + 1]);
    }
    return out;
  }

  isLost(seq: number, mss: number): boolean {
    const above = this.runs().filter(([, r]) => r - 1 > seq);
    const bytes = [...this.sacked].filter((s) => s > seq).length;
    return above.length >= 3 || bytes > 2 * mss;
  }

  pipe(mss: number): number {
    let pipe = 0;
    for (let s = this.una; s < this.max; s++) {
      if (this.sacked.has(s)) continue;
      if (!this.isLost(s, mss)) pipe++;
      if (this.retx.has(s)) pipe++;
    }
    return pipe;
  }

  highSacked(): number {
    return this.sacked.size === 0 ? this.una : Math.max(...this.sacked) + 1;
  }

  nextSeg(
    highRxt: number,
    mss: number,
    canSendNew: boolean,
  ): { seq: number; len: number; rule: number } | null {
    const high = this.highSacked();
    for (let s = Math.max(highRxt, this.una); s < this.max && s < high; s++) {
      if (this.sacked.has(s)) continue;
      let len = 0;
      while (len < mss && s + len < this.max && !this.sacked.has(s + len)) len++;
      if (this.isLost(s, mss)) return { seq: s, len, rule: 1 };
      if (canSendNew) break;
      return { seq: s, len, rule: 3 };
    }
    return canSendNew ? { seq: this.max, len: mss, rule: 2 } : null;
  }

  rescue(mss: number): { seq: number; len: number } | null {
    for (let top = this.max - 1; top >= this.una; top--) {
      if (this.sacked.has(top)) continue;
      let start = top;
      while (start > this.una && start > top + 1 - mss && !this.sacked.has(start - 1)) start--;
      return { seq: start, len: top + 1 - start };
    }
    return null;
  }
}

const baseArb = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.integer({ min: 0xffffffff - 2 * SPACE, max: 0xffffffff }),
);
const blockArb = fc.tuple(fc.integer({ min: -6, max: SPACE + 6 }), fc.integer({ min: -6, max: SPACE + 6 }));
const opArb = fc.oneof(
  fc.record({
    kind: fc.constant("ack" as const),
    advance: fc.integer({ min: 0, max: 6 }),
    send: fc.integer({ min: 0, max: 12 }),
    blocks: fc.array(blockArb, { maxLength: 4 }),
  }),
  fc.record({
    kind: fc.constant("retx" as const),
    at: fc.integer({ min: 0, max: SPACE }),
    len: fc.integer({ min: 0, max: 8 }),
  }),
);

test("property: after random updates the scoreboard equals a per-octet model (ranges, IsLost, pipe, NextSeg)", () => {
  fc.assert(
    fc.property(
      baseArb,
      fc.array(opArb, { minLength: 1, maxLength: 25 }),
      fc.integer({ min: 1, max: 9 }),
      (base, ops, mss) => {
        const at = (off: number): number => u32(base + off);
        const rel = (seq: number): number => (seq - base) | 0;
        const sb = new SackScoreboard();
        const m = new Model();
        let una = 0;
        let max = 8;
        m.update(una, [], max);
        sb.update(at(una), [], at(max));
        for (const op of ops) {
          if (op.kind === "retx") {
            const l = Math.max(op.at, m.una);
            for (let s = l; s < op.at + op.len; s++) m.retx.add(s);
            sb.markRetransmitted(at(op.at), op.len);
          } else {
            max = Math.min(SPACE, max + op.send);
            una = Math.min(max, una + op.advance);
            const expected = m.update(una, op.blocks, max);
            const got = sb.update(
              at(una),
              op.blocks.map(([l, r]) => [at(l), at(r)]),
              at(max),
            );
            assert.equal(got, expected, "newly SACKed octets");
          }
          const ranges = sb.ranges();
          for (let i = 0; i < ranges.length; i++) {
            const [l, r] = ranges[i]!;
            assert.ok(seqLt(l, r), "non-empty");
            assert.ok(!seqLt(l, at(una)), "at or above SND.UNA");
            if (i > 0) assert.ok(seqLt(ranges[i - 1]![1], l), "sorted, disjoint and not touching");
          }
          assert.deepEqual(
            ranges.map(([l, r]) => [rel(l), rel(r)]),
            m.runs(),
          );
          assert.equal(sb.sackedBytes, m.sacked.size);
          assert.equal(rel(sb.highSacked), m.highSacked());
          for (let s = una - 2; s < max + 2; s++) {
            assert.equal(sb.isSacked(at(s)), m.sacked.has(s), `isSacked(${s})`);
            if (s >= una && s < max) assert.equal(sb.isLost(at(s), mss), m.isLost(s, mss), `isLost(${s})`);
          }
          assert.equal(sb.pipe(at(una), at(max), mss), m.pipe(mss), "pipe");
          for (const highRxt of [una - 3, una, una + 5, una + 13, max]) {
            for (const canSendNew of [false, true]) {
              const c = sb.nextSeg(at(una), at(max), at(highRxt), mss, canSendNew);
              assert.deepEqual(
                c === null ? null : { seq: rel(c.seq), len: c.len, rule: c.rule },
                m.nextSeg(highRxt, mss, canSendNew),
                `nextSeg(highRxt=${highRxt}, ${canSendNew})`,
              );
            }
          }
          const r = sb.rescueSeg(at(una), at(max), mss);
          assert.deepEqual(r === null ? null : { seq: rel(r.seq), len: r.len }, m.rescue(mss), "rescue");
        }
      },
    ),
    propertyRuns(300),
  );
});

test("property: with a small cap the scoreboard stays bounded, sorted, and claims nothing the peer did not SACK", () => {
  fc.assert(
    fc.property(baseArb, fc.array(fc.array(blockArb, { maxLength: 4 }), { maxLength: 20 }), (base, acks) => {
      const at = (off: number): number => u32(base + off);
      const sb = new SackScoreboard({ maxRanges: 3 });
      const m = new Model();
      for (const blocks of acks) {
        m.update(0, blocks, SPACE);
        sb.update(
          at(0),
          blocks.map(([l, r]) => [at(l), at(r)]),
          at(SPACE),
        );
        const ranges = sb.ranges();
        assert.ok(ranges.length <= 3);
        let bytes = 0;
        for (let i = 0; i < ranges.length; i++) {
          const [l, r] = ranges[i]!;
          if (i > 0) assert.ok(seqLt(ranges[i - 1]![1], l));
          for (let s = l; s !== r; s = u32(s + 1)) assert.ok(m.sacked.has((s - base) | 0));
          bytes += (r - l) | 0;
        }
        assert.equal(sb.sackedBytes, bytes);
      }
    }),
    propertyRuns(300),
  );
});
