// Out-of-order segments held until the gap before them fills (RFC 9293 §3.10.7.4, seventh step:
// "segments with higher beginning sequence numbers may be held for later processing").
// Kept sorted and non-overlapping: overlapping and duplicate bytes are trimmed on insert.
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from "./seq.js";

export interface HeldSegment {
  seq: number;
  data: Uint8Array;
  /** The peer's FIN follows the last byte of `data`. */
  fin: boolean;
}

/**
 * The empty list every Reassembly starts with, shared and never written: most connections never hold a
 * segment out of order, and an array of their own cost each of them 32 bytes. `insert` swaps in its own.
 */
const NONE_HELD: HeldSegment[] = [];

export class Reassembly {
  private held: HeldSegment[] = NONE_HELD;
  /** Bytes held out of order (they occupy receive buffer space). */
  bytes = 0;

  get isEmpty(): boolean {
    return this.held.length === 0;
  }

  /** The memory the held segments are charged, each at `cost(its length)` (Linux charges each skb its truesize). */
  heldCost(cost: (length: number) => number): number {
    let sum = 0;
    for (const h of this.held) sum += cost(h.data.length);
    return sum;
  }

  /** The SACK-able ranges [left, right) currently held, lowest first. */
  ranges(): Array<[number, number]> {
    return this.held.map((h) => [h.seq, seqAdd(h.seq, h.data.length + (h.fin ? 1 : 0))]);
  }

  insert(seq: number, data: Uint8Array, fin: boolean): void {
    if (this.held === NONE_HELD) this.held = [];
    let start = seq;
    let payload = data;
    const end = seqAdd(seq, data.length);
    // Trim against every held range; the held list is small in practice (a few holes per window).
    let i = 0;
    while (i < this.held.length) {
      const h = this.held[i]!;
      const hEnd = seqAdd(h.seq, h.data.length);
      if (seqLe(hEnd, start)) {
        i++;
        continue;
      }
      if (seqGe(h.seq, seqAdd(start, payload.length))) break;
      // Overlap: keep the held bytes, take only what is new before and after them.
      if (seqLt(start, h.seq)) {
        const before = payload.subarray(0, seqDiff(h.seq, start));
        this.held.splice(i, 0, { seq: start, data: before, fin: false });
        this.bytes += before.length;
        i++;
      }
      const skip = seqDiff(hEnd, start);
      if (skip >= payload.length) {
        if (fin && seqLe(end, hEnd)) h.fin = h.fin || seqDiff(end, hEnd) === 0;
        return;
      }
      payload = payload.subarray(skip);
      start = hEnd;
      i++;
    }
    if (payload.length === 0 && !fin) return;
    this.held.splice(i, 0, { seq: start, data: payload, fin });
    this.bytes += payload.length;
  }

  /** Removes and returns the held segment starting at or before `rcvNxt`, trimmed to start there. */
  takeInOrder(rcvNxt: number): HeldSegment | null {
    while (this.held.length > 0) {
      const h = this.held[0]!;
      if (seqGt(h.seq, rcvNxt)) return null;
      this.held.shift();
      this.bytes -= h.data.length;
      const skip = seqDiff(rcvNxt, h.seq);
      if (skip < h.data.length) return { seq: rcvNxt, data: h.data.subarray(skip), fin: h.fin };
      if (skip === h.data.length && h.fin) return { seq: rcvNxt, data: h.data.subarray(skip), fin: true };
    }
    return null;
  }

  clear(): void {
    this.held = NONE_HELD;
    this.bytes = 0;
  }
}
