// Packets on one link direction whose arrival times never decrease — every packet of a link without jitter,
// reordering or fault delays — wait here in order, and only the first of them sits in the simulator's event
// heap. Each keeps the sequence number it would have had in the heap, so events run in exactly the same
// order as if all were there (the heap's minimum of (time, sequence) is always some lane's head), while the
// heap stays as small as the number of links: a window of thousands of segments in flight costs O(1) per
// packet instead of O(log n).

/** The simulator's event kind for a lane (beside its wake-ups, flights and actions). */
export const LANE = 3;

export class Lane<T> {
  readonly kind = LANE;
  private items: Array<T | undefined> = new Array<T | undefined>(16).fill(undefined);
  private times: number[] = new Array<number>(16).fill(0);
  private seqs: number[] = new Array<number>(16).fill(0);
  private mask = 15;
  private head = 0;
  size = 0;
  /** Arrival time of the newest entry (meaningful while size > 0). */
  private lastTime = 0;

  /** Whether an arrival at `time` keeps the lane in order. */
  accepts(time: number): boolean {
    return this.size === 0 || time >= this.lastTime;
  }

  get headTime(): number {
    return this.times[this.head] as number;
  }

  get headSeq(): number {
    return this.seqs[this.head] as number;
  }

  push(time: number, seq: number, item: T): void {
    if (this.size > this.mask) this.grow();
    const i = (this.head + this.size) & this.mask;
    this.items[i] = item;
    this.times[i] = time;
    this.seqs[i] = seq;
    this.size++;
    this.lastTime = time;
  }

  /** Removes and returns the first entry (the lane must not be empty). */
  shift(): T {
    const i = this.head;
    const item = this.items[i] as T;
    this.items[i] = undefined;
    this.head = (i + 1) & this.mask;
    this.size--;
    return item;
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const items = new Array<T | undefined>(cap).fill(undefined);
    const times = new Array<number>(cap).fill(0);
    const seqs = new Array<number>(cap).fill(0);
    for (let k = 0; k < this.size; k++) {
      const j = (this.head + k) & this.mask;
      items[k] = this.items[j];
      times[k] = this.times[j] as number;
      seqs[k] = this.seqs[j] as number;
    }
    this.items = items;
    this.times = times;
    this.seqs = seqs;
    this.mask = cap - 1;
    this.head = 0;
  }
}
