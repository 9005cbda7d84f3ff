// A binary min-heap of timed events, ordered by (time, insertion sequence).
//
// The sequence number is the stable tie-break: two events at the same virtual microsecond run in the
// order they were scheduled, never in an order that depends on heap layout. Keys and values live in
// parallel arrays so pushing and popping allocate nothing per event (the bulk benchmark moves
// millions of segments through this queue).

export class EventQueue<T> {
  private readonly times: number[] = [];
  private readonly seqs: number[] = [];
  private readonly values: T[] = [];
  private readonly args: number[] = [];
  private nextSeq = 0;

  /** Time of the event most recently returned by pop(). */
  poppedTime = 0;
  /** The numeric argument stored with that event. */
  poppedArg = 0;

  get size(): number {
    return this.values.length;
  }

  /** Time of the earliest event, or Infinity when empty. */
  peekTime(): number {
    return this.values.length === 0 ? Infinity : (this.times[0] as number);
  }

  /** The earliest event's value (undefined when empty) and its arg. */
  peekValue(): T | undefined {
    return this.values[0];
  }

  peekArg(): number {
    return this.args.length === 0 ? 0 : (this.args[0] as number);
  }

  /** Schedule `value` at `time`; `arg` is a number kept alongside it (e.g. a generation token). */
  push(time: number, value: T, arg = 0): void {
    this.pushWithSeq(time, this.nextSeq++, value, arg);
  }

  /**
   * Take the sequence number the next push would get, for an event kept outside the heap for now (a
   * lane of in-order arrivals) and pushed later with pushWithSeq: it then runs exactly where it would have.
   */
  reserveSeq(): number {
    return this.nextSeq++;
  }

  /** Schedule with a sequence number from reserveSeq(). */
  pushWithSeq(time: number, seq: number, value: T, arg = 0): void {
    let i = this.values.length;
    this.times.push(time);
    this.seqs.push(seq);
    this.values.push(value);
    this.args.push(arg);
    // Sift up: move parents down into the hole until the new key fits.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = this.times[parent] as number;
      if (pt < time || (pt === time && (this.seqs[parent] as number) < seq)) break;
      this.move(parent, i);
      i = parent;
    }
    this.times[i] = time;
    this.seqs[i] = seq;
    this.values[i] = value;
    this.args[i] = arg;
  }

  /** Remove and return the earliest event (its time and arg in poppedTime / poppedArg). */
  pop(): T | undefined {
    const n = this.values.length;
    if (n === 0) return undefined;
    const top = this.values[0] as T;
    this.poppedTime = this.times[0] as number;
    this.poppedArg = this.args[0] as number;
    const lastTime = this.times.pop() as number;
    const lastSeq = this.seqs.pop() as number;
    const lastValue = this.values.pop() as T;
    const lastArg = this.args.pop() as number;
    const size = n - 1;
    if (size > 0) {
      // Sift the former last element down from the root.
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= size) break;
        const right = left + 1;
        let child = left;
        if (right < size && this.before(right, left)) child = right;
        const ct = this.times[child] as number;
        if (lastTime < ct || (lastTime === ct && lastSeq < (this.seqs[child] as number))) break;
        this.move(child, i);
        i = child;
      }
      this.times[i] = lastTime;
      this.seqs[i] = lastSeq;
      this.values[i] = lastValue;
      this.args[i] = lastArg;
    }
    return top;
  }

  /**
   * pop() followed by pushWithSeq(), in one sift: for an event source that puts its next event in the
   * queue as its current one leaves.
   */
  replaceTop(time: number, seq: number, value: T, arg = 0): T | undefined {
    const n = this.values.length;
    if (n === 0) {
      this.pushWithSeq(time, seq, value, arg);
      return undefined;
    }
    const top = this.values[0] as T;
    this.poppedTime = this.times[0] as number;
    this.poppedArg = this.args[0] as number;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && this.before(right, left)) child = right;
      const ct = this.times[child] as number;
      if (time < ct || (time === ct && seq < (this.seqs[child] as number))) break;
      this.move(child, i);
      i = child;
    }
    this.times[i] = time;
    this.seqs[i] = seq;
    this.values[i] = value;
    this.args[i] = arg;
    return top;
  }

  /** Drop every event. */
  clear(): void {
    this.times.length = 0;
    this.seqs.length = 0;
    this.values.length = 0;
    this.args.length = 0;
  }

  private before(i: number, j: number): boolean {
    const ti = this.times[i] as number;
    const tj = this.times[j] as number;
    return ti < tj || (ti === tj && (this.seqs[i] as number) < (this.seqs[j] as number));
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from] as number;
    this.seqs[to] = this.seqs[from] as number;
    this.values[to] = this.values[from] as T;
    this.args[to] = this.args[from] as number;
  }
}
