// The sender's SACK scoreboard (RFC 6675 §3) and the §4 routines built on it: IsLost, SetPipe, NextSeg.
// Pure bookkeeping: it never sends, times or changes cwnd; the connection drives it (see the class docs).
//
// Conventions. Every sequence number is 32-bit and compared with the helpers of ./seq.ts. Where RFC 6675
// names the last octet of something (HighACK, HighData, HighRxt), this file uses the exclusive bound the
// rest of the engine uses: sndUna = HighACK + 1, highData = SND.MAX = HighData + 1, highRxt = HighRxt + 1.
import { seqAdd, seqDiff, seqGt, seqLe, seqLt, seqMax } from "./seq.js";

/** RFC 6675 §2: DupThresh, "the number of duplicate acknowledgments required to trigger a fast retransmission". */
export const DUP_THRESH = 3;

/**
 * A hostile receiver could SACK every other octet. The scoreboard keeps at most this many ranges and
 * forgets the highest ones past it: forgetting SACK information only makes the sender more conservative
 * (the data counts as in flight and is never deemed lost because of it), whereas merging across a hole
 * would stop that hole from being repaired until the retransmission timer.
 */
export const DEFAULT_MAX_RANGES = 4096;

function seqMin(a: number, b: number): number {
  return seqLt(a, b) ? a : b;
}

/** Bytes of [a, b) ∩ [l, r), for spans shorter than 2^31. */
function overlap(a: number, b: number, l: number, r: number): number {
  const d = seqDiff(seqMin(b, r), seqMax(a, l));
  return d > 0 ? d : 0;
}

/**
 * Sorted, disjoint, non-adjacent [left, right) ranges in two parallel arrays that double as needed up to
 * `cap` (a slow-start overshoot can leave hundreds of holes in one window; a connection that never sees
 * them keeps 16 slots). `full` decides what happens when an insert needs one range more than `cap`.
 */
class RangeSet {
  lefts: Uint32Array;
  rights: Uint32Array;
  n = 0;
  bytes = 0;

  constructor(
    readonly cap: number,
    /** "drop": refuse a new highest range, else forget the highest one. "merge": join the new one to a neighbour. */
    private readonly full: "drop" | "merge",
  ) {
    this.lefts = new Uint32Array(Math.min(cap, 16) + 1);
    this.rights = new Uint32Array(Math.min(cap, 16) + 1);
  }

  private grow(): void {
    const size = Math.min(this.cap, (this.lefts.length - 1) * 2) + 1;
    const lefts = new Uint32Array(size);
    const rights = new Uint32Array(size);
    lefts.set(this.lefts);
    rights.set(this.rights);
    this.lefts = lefts;
    this.rights = rights;
  }

  clear(): void {
    this.n = 0;
    this.bytes = 0;
  }

  /** Adds [l, r) (non-empty); returns how many of its bytes were not covered before. */
  add(l: number, r: number): number {
    if (this.n + 1 >= this.lefts.length && this.lefts.length - 1 < this.cap) this.grow();
    const { lefts, rights } = this;
    let i = 0;
    while (i < this.n && seqLt(rights[i]!, l)) i++;
    let j = i;
    let covered = 0;
    while (j < this.n && seqLe(lefts[j]!, r)) {
      covered += overlap(lefts[j]!, rights[j]!, l, r);
      j++;
    }
    const added = seqDiff(r, l) - covered;
    if (j === i) {
      if (this.n === this.cap) {
        if (this.full === "merge") return this.joinNeighbour(i, l, r);
        if (i === this.n) return 0;
        this.n--;
        this.bytes -= seqDiff(rights[this.n]!, lefts[this.n]!);
      }
      lefts.copyWithin(i + 1, i, this.n);
      rights.copyWithin(i + 1, i, this.n);
      lefts[i] = l;
      rights[i] = r;
      this.n++;
      this.bytes += added;
      return added;
    }
    // [l, r) overlaps or touches ranges i..j-1: they become one.
    const newL = seqMin(l, lefts[i]!);
    const newR = seqMax(r, rights[j - 1]!);
    // Bytes of the gaps between the joined ranges that [l, r) filled are in `added` already.
    lefts[i] = newL;
    rights[i] = newR;
    lefts.copyWithin(i + 1, j, this.n);
    rights.copyWithin(i + 1, j, this.n);
    this.n -= j - i - 1;
    this.bytes += added;
    return added;
  }

  /** Full set, [l, r) lies in the gap before range i: stretch the nearer neighbour over the gap. */
  private joinNeighbour(i: number, l: number, r: number): number {
    const { lefts, rights } = this;
    const before = i > 0 ? seqDiff(l, rights[i - 1]!) : Infinity;
    const after = i < this.n ? seqDiff(lefts[i]!, r) : Infinity;
    const grown = before <= after ? seqDiff(r, rights[i - 1]!) : seqDiff(lefts[i]!, l);
    if (before <= after) rights[i - 1] = r;
    else lefts[i] = l;
    this.bytes += grown;
    return seqDiff(r, l);
  }

  /** Forgets everything below `x`. */
  trimBelow(x: number): void {
    const { lefts, rights } = this;
    let k = 0;
    while (k < this.n && seqLe(rights[k]!, x)) {
      this.bytes -= seqDiff(rights[k]!, lefts[k]!);
      k++;
    }
    if (k > 0) {
      lefts.copyWithin(0, k, this.n);
      rights.copyWithin(0, k, this.n);
      this.n -= k;
    }
    if (this.n > 0 && seqLt(lefts[0]!, x)) {
      this.bytes -= seqDiff(x, lefts[0]!);
      lefts[0] = x;
    }
  }

  /** Index of the range holding `seq`, or -1. */
  find(seq: number): number {
    for (let k = 0; k < this.n; k++) {
      if (seqLt(seq, this.lefts[k]!)) return -1;
      if (seqLt(seq, this.rights[k]!)) return k;
    }
    return -1;
  }
}

/** What NextSeg() chose (RFC 6675 §4). One object per scoreboard, overwritten by the next call. */
export interface NextSegment {
  /** First sequence number to send. */
  seq: number;
  /** Octets, at most SMSS; for rule 2 the caller still caps it by unsent data and the send window. */
  len: number;
  /**
   * 1: retransmit a lost segment; 2: send new data from highData; 3: retransmit a not-yet-lost hole;
   * 4: the rescue retransmission (rescueSeg only).
   */
  rule: 1 | 2 | 3 | 4;
}

export interface SackScoreboardOptions {
  /** RFC 6675 §2 DupThresh (default 3). */
  dupThresh?: number;
  /** Most SACKed ranges kept (default DEFAULT_MAX_RANGES, 4096); the highest are forgotten past it. */
  maxRanges?: number;
}

/**
 * RFC 6675 scoreboard. What the caller does:
 *
 * - on every ACK that passes the acceptability checks, after SND.UNA has moved:
 *   `newly = update(SND.UNA, seg.options.sack ?? [], SND.MAX)`. `newly > 0` is the "new data SACKed"
 *   part of the §2 DupAck definition; `lastDsack` tells whether the first block was a D-SACK.
 * - `isLost(SND.UNA, SMSS)` is the §5 test that may start loss recovery before DupThresh DupAcks.
 * - in recovery, each time the window may allow a segment: `pipe(SND.UNA, SND.MAX, SMSS)`, and while
 *   cwnd − pipe ≥ 1 SMSS, `nextSeg(SND.UNA, SND.MAX, highRxt, SMSS, canSendNew)`; see nextSeg.
 * - after every retransmission (rules 1, 3 and a rescue) `markRetransmitted(seq, len)`; after rules 1 and
 *   3, highRxt = seq + len (§4 NextSeg (1), (3); the rescue retransmission must not move it).
 * - `clear()` on a retransmission timeout (RFC 6675 §5.1, see clear) and when recovery state is reset.
 */
export class SackScoreboard {
  private readonly sacked: RangeSet;
  /** Octets retransmitted since the last clear(): SetPipe's part (b). Only intersected with holes. */
  private readonly retx: RangeSet;
  /** Octets deemed lost by time (RACK, ./rack.ts) rather than by IsLost's SACK count. */
  private readonly lost: RangeSet;
  private readonly dupThresh: number;
  private una = 0;
  private readonly choice: NextSegment = { seq: 0, len: 0, rule: 1 };
  /** Whether the last update()'s first block was a D-SACK (RFC 2883 §4), ignored for the scoreboard. */
  lastDsack = false;

  constructor(opts: SackScoreboardOptions = {}) {
    this.dupThresh = opts.dupThresh ?? DUP_THRESH;
    const cap = Math.max(1, opts.maxRanges ?? DEFAULT_MAX_RANGES);
    this.sacked = new RangeSet(cap, "drop");
    // Overstating what was retransmitted overstates pipe, which only slows the sender down.
    this.retx = new RangeSet(cap, "merge");
    // Overstating what is lost only retransmits early; the set holds whole segments RACK gave up on.
    this.lost = new RangeSet(cap, "merge");
  }

  /** RACK deemed [l, r) lost (RFC 8985 §6.2 step 5): IsLost holds for it, and SetPipe leaves it out. */
  markLost(l: number, r: number): void {
    const from = seqMax(l, this.una);
    if (seqLt(from, r)) this.lost.add(from, r);
  }

  /** Lost octets (marked by markLost) in [a, b). */
  private lostIn(a: number, b: number): number {
    const { lefts, rights } = this.lost;
    let sum = 0;
    for (let k = 0; k < this.lost.n && seqLt(lefts[k]!, b); k++) sum += overlap(a, b, lefts[k]!, rights[k]!);
    return sum;
  }

  /** Octets SACKed above SND.UNA. */
  get sackedBytes(): number {
    return this.sacked.bytes;
  }

  /** Highest SACKed sequence number + 1, or SND.UNA (as of the last update) when nothing is SACKed. */
  get highSacked(): number {
    const s = this.sacked;
    return s.n > 0 ? s.rights[s.n - 1]! : this.una;
  }

  /** Number of SACKed ranges; with left(i) / right(i), a way to walk them without allocating. */
  get count(): number {
    return this.sacked.n;
  }

  left(i: number): number {
    return this.sacked.lefts[i]!;
  }

  right(i: number): number {
    return this.sacked.rights[i]!;
  }

  /** The SACKed ranges, lowest first (allocates: for tests and diagnostics). */
  ranges(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.sacked.n; i++) out.push([this.sacked.lefts[i]!, this.sacked.rights[i]!]);
    return out;
  }

  isSacked(seq: number): boolean {
    return this.sacked.find(seq) >= 0;
  }

  /**
   * RFC 6675 §3 Update(): merge the blocks of an arriving ACK and forget what SND.UNA now covers.
   * Returns how many octets were SACKed for the first time.
   *
   * Ignored: a first block that is a D-SACK (RFC 2883 §4: it starts at or below the cumulative ACK, or
   * lies inside the second block) since it reports a duplicate, not data held above a hole; and, since
   * a block can only describe data that was sent and is not yet cumulatively acknowledged (RFC 2018 §3),
   * any block that is empty or inverted, ends beyond SND.MAX, or ends at or below SND.UNA. A later block straddling SND.UNA keeps its part above
   * (an ACK overtaken by a newer one still tells the truth about the octets above SND.UNA).
   */
  update(sndUna: number, blocks: ReadonlyArray<readonly [number, number]>, sndMax: number): number {
    this.una = sndUna;
    this.sacked.trimBelow(sndUna);
    this.retx.trimBelow(sndUna);
    this.lost.trimBelow(sndUna);
    this.lastDsack = blocks.length > 0 && this.isDsack(blocks, sndUna);
    let added = 0;
    for (let k = this.lastDsack ? 1 : 0; k < blocks.length; k++) {
      const b = blocks[k]!;
      let l = b[0] >>> 0;
      const r = b[1] >>> 0;
      // seqLt also refuses a block whose ends are more than 2^31 apart: they cannot be ordered.
      if (!seqLt(l, r) || seqGt(r, sndMax) || seqLe(r, sndUna)) continue;
      if (seqLt(l, sndUna)) l = sndUna;
      added += this.sacked.add(l, r);
    }
    return added;
  }

  private isDsack(blocks: ReadonlyArray<readonly [number, number]>, sndUna: number): boolean {
    const l0 = blocks[0]![0] >>> 0;
    const r0 = blocks[0]![1] >>> 0;
    if (!seqLt(l0, r0)) return false;
    if (seqLe(l0, sndUna)) return true;
    if (blocks.length < 2) return false;
    const l1 = blocks[1]![0] >>> 0;
    const r1 = blocks[1]![1] >>> 0;
    return seqLt(l1, r1) && seqLe(l1, l0) && seqLe(r0, r1);
  }

  /**
   * RFC 6675 §4 IsLost(SeqNum): DupThresh discontiguous SACKed ranges hold octets above `seq`, or more
   * than (DupThresh − 1)·SMSS SACKed octets lie above it.
   */
  isLost(seq: number, mss: number): boolean {
    const { lefts, rights } = this.sacked;
    const above = seqAdd(seq, 1);
    let ranges = 0;
    let bytes = 0;
    for (let k = this.sacked.n - 1; k >= 0; k--) {
      const r = rights[k]!;
      if (seqLe(r, above)) break;
      ranges++;
      bytes += seqDiff(r, seqMax(lefts[k]!, above));
    }
    return ranges >= this.dupThresh || bytes > (this.dupThresh - 1) * mss || this.lost.find(seq) >= 0;
  }

  /** Records a retransmission of [seq, seq + len) for SetPipe; forgotten by clear() and as SND.UNA passes. */
  markRetransmitted(seq: number, len: number): void {
    if (len <= 0) return;
    const r = seqAdd(seq, len);
    const l = seqMax(seq, this.una);
    if (seqLt(l, r)) this.retx.add(l, r);
  }

  /**
   * RFC 6675 §4 SetPipe(): over the unSACKed octets of [sndUna, highData), one for each that IsLost()
   * does not consider lost, plus one for each retransmitted since the last clear(). RFC 6675 counts
   * part (b) as "S1 <= HighRxt"; the retransmission marks are the same thing without counting twice
   * the not-lost octets that rule 1 skipped over.
   *
   * O(ranges): IsLost is constant over a hole, because every SACKed range above one octet of a hole is
   * above all of it, and nothing above the highest SACKed octet is lost.
   */
  pipe(sndUna: number, highData: number, mss: number): number {
    if (!seqLt(sndUna, highData)) return 0;
    const { lefts, rights } = this.sacked;
    const limit = (this.dupThresh - 1) * mss;
    let aboveRanges = this.sacked.n;
    let aboveBytes = this.sacked.bytes;
    let cur = sndUna;
    let pipe = 0;
    this.rxFrom = 0;
    for (let k = 0; k < this.sacked.n && seqLt(cur, highData); k++) {
      const l = lefts[k]!;
      const r = rights[k]!;
      const holeEnd = seqMin(l, highData);
      if (seqLt(cur, holeEnd)) {
        const lost = aboveRanges >= this.dupThresh || aboveBytes > limit;
        if (!lost) pipe += seqDiff(holeEnd, cur) - (this.lost.n > 0 ? this.lostIn(cur, holeEnd) : 0);
        pipe += this.retransmittedIn(cur, holeEnd);
      }
      aboveRanges--;
      aboveBytes -= seqDiff(r, l);
      cur = seqMax(cur, r);
    }
    if (seqLt(cur, highData))
      pipe +=
        seqDiff(highData, cur) -
        (this.lost.n > 0 ? this.lostIn(cur, highData) : 0) +
        this.retransmittedIn(cur, highData);
    return pipe;
  }

  /** Where pipe()'s walk over the retransmitted ranges resumes; holes are visited in ascending order. */
  private rxFrom = 0;

  /** Retransmitted octets in [a, b), for ascending, disjoint [a, b) within one pipe() call. */
  private retransmittedIn(a: number, b: number): number {
    const { lefts, rights } = this.retx;
    let k = this.rxFrom;
    while (k < this.retx.n && seqLe(rights[k]!, a)) k++;
    let sum = 0;
    while (k < this.retx.n && seqLt(lefts[k]!, b)) {
      sum += overlap(a, b, lefts[k]!, rights[k]!);
      if (seqGt(rights[k]!, b)) break;
      k++;
    }
    this.rxFrom = k;
    return sum;
  }

  /**
   * RFC 6675 §4 NextSeg(), rules 1–3. Returns null when none applies; the object returned is reused.
   *
   * - `highRxt`: one past the highest octet retransmitted by rule 1 or 3 in this recovery (sndUna at
   *   its start, or the end of the §5 step (4.3) retransmission).
   * - `canSendNew`: rule 2's own condition, decided by the caller: unsent data is available and the
   *   receiver's window allows a segment at highData.
   *
   * Rules 1 and 3 look at the same octet: the first unSACKed one at or above max(sndUna, highRxt) and
   * below the highest SACKed octet (1.a, 1.b). IsLost never becomes true again above an octet where it
   * is false, so if that octet is not lost, no later one is. Rule 1 takes it when it is lost; otherwise
   * rule 2 sends new data if it can; otherwise rule 3 takes it. The segment ends at SMSS octets, at the
   * next SACKed range, or at highData, whichever is first.
   *
   * Rule 4 (the rescue retransmission) is `rescueSeg`, for the caller to try when this returns null.
   */
  nextSeg(
    sndUna: number,
    highData: number,
    highRxt: number,
    mss: number,
    canSendNew: boolean,
  ): Readonly<NextSegment> | null {
    const { lefts, rights } = this.sacked;
    let s = seqLt(highRxt, sndUna) ? sndUna : highRxt;
    let aboveRanges = this.sacked.n;
    let aboveBytes = this.sacked.bytes;
    let k = 0;
    for (; k < this.sacked.n; k++) {
      const l = lefts[k]!;
      if (seqLt(s, l)) break;
      const r = rights[k]!;
      if (seqLt(s, r)) s = r;
      aboveRanges--;
      aboveBytes -= seqDiff(r, l);
    }
    const c = this.choice;
    if (k < this.sacked.n && seqLt(s, highData)) {
      let end = seqMin(seqMin(lefts[k]!, highData), seqAdd(s, mss));
      let lost = aboveRanges >= this.dupThresh || aboveBytes > (this.dupThresh - 1) * mss;
      const timeLost = lost ? -1 : this.lost.find(s);
      if (timeLost >= 0) {
        lost = true; // RACK's verdict, for this lost range only
        end = seqMin(end, this.lost.rights[timeLost]!);
      }
      if (lost || !canSendNew) {
        c.seq = s;
        c.len = seqDiff(end, s);
        c.rule = lost ? 1 : 3;
        return c;
      }
    }
    if (!canSendNew) return null;
    c.seq = highData;
    c.len = mss;
    c.rule = 2;
    return c;
  }

  /**
   * RFC 6675 §4 NextSeg() rule 4: one segment of up to SMSS octets ending with the highest outstanding
   * unSACKed octet, or null if every octet of [sndUna, highData) is SACKed. The caller applies the rule's
   * condition (once per recovery: HighACK > RescueRxt or RescueRxt undefined), then sets
   * RescueRxt = RecoveryPoint, marks it retransmitted and leaves highRxt alone.
   */
  rescueSeg(sndUna: number, highData: number, mss: number): Readonly<NextSegment> | null {
    const { lefts, rights } = this.sacked;
    let top = highData;
    let k = this.sacked.n - 1;
    for (; k >= 0; k--) {
      if (seqLt(rights[k]!, top)) break; // a hole lies between range k and top
      if (seqLt(lefts[k]!, top)) top = lefts[k]!; // range k reaches top: step below it
    }
    const floor = k >= 0 ? seqMax(rights[k]!, sndUna) : sndUna;
    if (!seqLt(floor, top)) return null;
    const start = seqDiff(top, floor) > mss ? seqAdd(top, -mss) : floor;
    const c = this.choice;
    c.seq = start;
    c.len = seqDiff(top, start);
    c.rule = 4;
    return c;
  }

  /**
   * Forget all SACK and retransmission information. RFC 6675 §5.1 leaves RFC 2018's rule in force on a
   * retransmission timeout: the sender SHOULD expunge what the receiver SACKed, because the timeout may
   * mean the receiver reneged (it may discard SACKed data), and MUST ignore prior SACK information in
   * choosing what to retransmit. Retaining it (as Linux does) is only safe with a robust reneging test,
   * which this engine does not have, so the caller clears on every RTO and keeps using the SACK blocks
   * that arrive afterwards (§5.1: "SHOULD utilize all SACK information made available during the loss
   * recovery following an RTO").
   */
  clear(): void {
    this.sacked.clear();
    this.retx.clear();
    this.lost.clear();
    this.lastDsack = false;
  }
}
