// A binary min-heap of (deadline, item) pairs with lazy invalidation: an item whose deadline moves later
// keeps its old entry (it wakes early, finds nothing due and re-queues), so the common case — restarting
// the retransmission timer on every ACK — costs no heap operation at all.

export class DeadlineHeap<T> {
  private times: number[] = [];
  private items: T[] = [];
  /** The most entries held since the arrays were last replaced (their backing stores stay that big). */
  private highWater = 0;

  get size(): number {
    return this.times.length;
  }

  /** The earliest deadline, or Infinity. */
  peekTime(): number {
    return this.times.length > 0 ? this.times[0]! : Infinity;
  }

  /** The item with the earliest deadline, left in place (undefined when empty): a live head needs no pop. */
  peekItem(): T | undefined {
    return this.items[0];
  }

  push(time: number, item: T): void {
    const times = this.times;
    const items = this.items;
    let i = times.length;
    times.push(time);
    items.push(item);
    if (i >= this.highWater) this.highWater = i + 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent]! <= time) break;
      times[i] = times[parent]!;
      items[i] = items[parent]!;
      i = parent;
    }
    times[i] = time;
    items[i] = item;
  }

  /**
   * The earliest entry becomes (time, item), which sinks to its place: a pop and a push in one pass down
   * (an item found stale at the top is re-queued at its real deadline this way). Call only when not empty.
   */
  replaceTop(time: number, item: T): void {
    const times = this.times;
    const items = this.items;
    const size = times.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      const r = l + 1;
      const c = r < size && times[r]! < times[l]! ? r : l;
      if (times[c]! >= time) break;
      times[i] = times[c]!;
      items[i] = items[c]!;
      i = c;
    }
    times[i] = time;
    items[i] = item;
  }

  /** Removes the earliest entry; returns its item (read its time with peekTime() first). */
  pop(): T | undefined {
    const times = this.times;
    const items = this.items;
    const n = times.length;
    if (n === 0) return undefined;
    const top = items[0];
    const lastTime = times.pop()!;
    const lastItem = items.pop()!;
    if (n > 1) this.replaceTop(lastTime, lastItem); // the last entry fills the hole at the top
    // A burst (a million connections ending at once) leaves large arrays behind that popping does not
    // shrink: copy to fresh ones once they are mostly empty (amortised O(1) per pop).
    if (this.highWater > 4096 && n - 1 < this.highWater >> 2) {
      this.times = times.slice();
      this.items = items.slice();
      this.highWater = n - 1;
    }
    return top;
  }

  clear(): void {
    this.times = [];
    this.items = [];
  }
}
