// Which SACK blocks the receiver puts in its next ACK (RFC 2018 §4), with D-SACK (RFC 2883 §4).
// The blocks describe the reassembly queue as it is when the ACK is built; this object only remembers
// the order in which its parts were last reported, and a pending duplicate.
import { seqGt, seqLe, seqLt, seqMax } from "./seq.js";

/** How many recently received segments are remembered to order the blocks (RFC 2018 §4, third rule). */
const HISTORY = 8;

export interface SackBlocksOptions {
  /** Report duplicates with RFC 2883 D-SACK blocks (the profile's `dsack`); default true. */
  dsack?: boolean;
}

/**
 * The receiver's side of SACK. What the caller does:
 *
 * - after inserting an out-of-order segment [seq, seq + len) into the reassembly queue (even if some
 *   of it was held already): `noteReceived(seq, seq + len)`; data that advances RCV.NXT is not noted
 *   (RFC 2018 §4: the first block names the segment that triggered the ACK "unless that segment
 *   advanced the Acknowledgment Number").
 * - when a segment brought duplicate data, either below RCV.NXT or already held out of order:
 *   `noteDuplicate(left, right)` with the duplicate part (one contiguous range; when several segments
 *   arrive before an ACK, the latest one wins: RFC 2883 §4 reports the most recent packet).
 * - when building any ACK, if SACK was negotiated and (`pendingDuplicate` or the reassembly queue is
 *   not empty): `options.sack = blocks(RCV.NXT, reassembly.ranges(), limit)`, limit 4, or 3 with
 *   timestamps. Skipping the call when both are false keeps the common ACK free of allocation.
 * - `clear()` when the reassembly queue is emptied otherwise than by delivery (e.g. connection reset).
 */
export class SackBlocks {
  private readonly dsack: boolean;
  /** Recently received segments, most recent first. */
  private readonly recentL: number[] = [];
  private readonly recentR: number[] = [];
  private recentN = 0;
  private dupPending = false;
  private dupL = 0;
  private dupR = 0;
  /** blocks()'s contiguous view of the queue above RCV.NXT, and per range 1 = reported, 2 = in recent. */
  private readonly mergedL: number[] = [];
  private readonly mergedR: number[] = [];
  private readonly marks: number[] = [];

  constructor(opts: SackBlocksOptions = {}) {
    this.dsack = opts.dsack ?? true;
  }

  /** Whether the next ACK will carry a D-SACK block. */
  get pendingDuplicate(): boolean {
    return this.dupPending;
  }

  noteReceived(left: number, right: number): void {
    if (!seqLt(left, right)) return;
    // Earlier segments that overlap or touch this one are now part of its block: one entry is enough.
    let w = 0;
    for (let k = 0; k < this.recentN; k++) {
      const l = this.recentL[k]!;
      const r = this.recentR[k]!;
      if (seqLe(l, right) && seqLe(left, r)) continue;
      this.recentL[w] = l;
      this.recentR[w] = r;
      w++;
    }
    const n = Math.min(w, HISTORY - 1);
    for (let k = n; k > 0; k--) {
      this.recentL[k] = this.recentL[k - 1]!;
      this.recentR[k] = this.recentR[k - 1]!;
    }
    this.recentL[0] = left;
    this.recentR[0] = right;
    this.recentN = n + 1;
  }

  noteDuplicate(left: number, right: number): void {
    if (!this.dsack || !seqLt(left, right)) return;
    this.dupPending = true;
    this.dupL = left;
    this.dupR = right;
  }

  /**
   * The SACK option for the next ACK, at most `maxBlocks` blocks, or undefined when there is nothing to
   * report. Consumes a pending D-SACK: RFC 2883 §4 reports each duplicate in one ACK only.
   *
   * Order: the D-SACK block, then the block that contains it if it was held out of order (RFC 2883 §4),
   * then the blocks of the most recently received segments, most recent first (RFC 2018 §4: the first
   * block holds the segment that triggered the ACK, then "the most recently reported SACK blocks"), then
   * any other held ranges, lowest first (RFC 2018 §4: "as many distinct SACK blocks as possible").
   * Every block but the D-SACK one is a contiguous range of `ranges` above `rcvNxt`, so blocks whose
   * data has since been delivered vanish, and ones that have grown or merged are reported as they are now.
   */
  blocks(
    rcvNxt: number,
    ranges: ReadonlyArray<readonly [number, number]>,
    maxBlocks: number,
  ): Array<[number, number]> | undefined {
    const m = this.merge(rcvNxt, ranges);
    const dup = this.dupPending;
    this.dupPending = false;
    if (m === 0) this.recentN = 0;
    if ((m === 0 && !dup) || maxBlocks <= 0) return undefined;
    const { mergedL, mergedR, marks } = this;
    for (let i = 0; i < m; i++) marks[i] = 0;
    const out: Array<[number, number]> = [];
    if (dup) {
      out.push([this.dupL, this.dupR]);
      const i = this.rangeOverlapping(m, this.dupL, this.dupR);
      if (i >= 0 && out.length < maxBlocks) {
        out.push([mergedL[i]!, mergedR[i]!]);
        marks[i] = 1;
      }
    }
    // Walk the history: drop entries whose data was delivered or whose block an earlier entry holds.
    let w = 0;
    for (let k = 0; k < this.recentN; k++) {
      const l = this.recentL[k]!;
      const r = this.recentR[k]!;
      const i = this.rangeOverlapping(m, l, r);
      if (i < 0 || (marks[i]! & 2) !== 0) continue;
      marks[i] = marks[i]! | 2;
      this.recentL[w] = l;
      this.recentR[w] = r;
      w++;
      if ((marks[i]! & 1) === 0 && out.length < maxBlocks) {
        out.push([mergedL[i]!, mergedR[i]!]);
        marks[i] = marks[i]! | 1;
      }
    }
    this.recentN = w;
    for (let i = 0; i < m && out.length < maxBlocks; i++) {
      if ((marks[i]! & 1) === 0) out.push([mergedL[i]!, mergedR[i]!]);
    }
    return out;
  }

  clear(): void {
    this.recentN = 0;
    this.dupPending = false;
  }

  /** Joins touching ranges (the queue may hold adjacent pieces) and cuts them at rcvNxt; returns the count. */
  private merge(rcvNxt: number, ranges: ReadonlyArray<readonly [number, number]>): number {
    const { mergedL, mergedR } = this;
    let m = 0;
    for (let k = 0; k < ranges.length; k++) {
      const r = ranges[k]![1];
      if (seqLe(r, rcvNxt)) continue;
      const l = seqMax(ranges[k]![0], rcvNxt);
      if (m > 0 && seqLe(l, mergedR[m - 1]!)) {
        if (seqGt(r, mergedR[m - 1]!)) mergedR[m - 1] = r;
        continue;
      }
      mergedL[m] = l;
      mergedR[m] = r;
      m++;
    }
    return m;
  }

  /** Index of the first merged range sharing an octet with the non-empty [l, r), or -1. */
  private rangeOverlapping(m: number, l: number, r: number): number {
    for (let i = 0; i < m; i++) {
      if (seqLe(r, this.mergedL[i]!)) return -1;
      if (seqLt(l, this.mergedR[i]!)) return i;
    }
    return -1;
  }
}
