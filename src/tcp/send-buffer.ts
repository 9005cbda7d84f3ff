// The bytes the application wrote that are not yet acknowledged, kept as a queue of immutable chunks so a
// segment's payload is a view into them rather than a copy.
//
// Each write is copied once (the application may reuse its buffer) and appended to the connection's current
// block; after that, those bytes never change. Blocks grow by doubling up to the buffer size (at most
// 1 MiB), so an idle connection holds no block and a short exchange a few hundred bytes, while a bulk sender
// allocates one block per megabyte. Consecutive writes into one block form one chunk, so a segment is a
// single view unless it straddles two blocks; only then is it copied (into a shared slab).
//
// The views stay valid for as long as anyone holds them (a peer's receive queue, a packet in flight, a
// retransmission): nothing is ever written over, and memory is freed by the GC when the last view goes.

/** First block of a connection; later blocks double up to MAX_BLOCK. */
const FIRST_BLOCK = 256;
const MAX_BLOCK = 1 << 20;
const EMPTY = new Uint8Array(0);

// Payloads that straddle chunks are carved from shared slabs: one ArrayBuffer per segment costs more than
// the copy. A slab is never reused, for the same reason chunks are not.
const SLAB_SIZE = 256 * 1024;
let slab = new Uint8Array(SLAB_SIZE);
let slabOffset = 0;

function allocPayload(len: number): Uint8Array {
  if (len > SLAB_SIZE / 4) return new Uint8Array(len);
  if (slabOffset + len > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabOffset = 0;
  }
  const out = slab.subarray(slabOffset, slabOffset + len);
  slabOffset += (len + 7) & ~7; // keep views 8-byte aligned
  return out;
}

export class SendBuffer {
  // Unacknowledged bytes in order, as chunks [starts[i], ends[i]) of bufs[i], from index `first`; `skip`
  // bytes of that one are acknowledged. Parallel arrays rather than views: extending a chunk is a store.
  private readonly bufs: Uint8Array[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private first = 0;
  private skip = 0;
  /** Where small writes are appended; bytes below `blockUsed` are never written again. */
  private block: Uint8Array | null = null;
  private blockUsed = 0;
  private nextBlock = FIRST_BLOCK;
  /** Read cursor: a chunk index and the offset (from the first unacknowledged byte) where it starts. */
  private cursor = 0;
  private cursorStart = 0;
  /** Bytes held (unacknowledged, sent or not). */
  length = 0;

  /** Blocks grow to the buffer size (rounded up to a power of two), at most MAX_BLOCK. */
  private readonly maxBlock: number;

  constructor(readonly limit: number) {
    let max = FIRST_BLOCK;
    while (max < limit && max < MAX_BLOCK) max *= 2;
    this.maxBlock = max;
  }

  get free(): number {
    return this.limit - this.length;
  }

  /** Copies up to `free` bytes of `data`; returns how many were taken. */
  write(data: Uint8Array): number {
    const n = Math.min(data.length, this.free);
    if (n === 0) return 0;
    let done = 0;
    while (done < n) {
      let block = this.block;
      if (block === null || this.blockUsed === block.length) {
        block = new Uint8Array(Math.max(this.nextBlock, Math.min(n - done, this.maxBlock)));
        this.nextBlock = Math.min(this.nextBlock * 2, this.maxBlock);
        this.block = block;
        this.blockUsed = 0;
      }
      const at = this.blockUsed;
      const take = Math.min(n - done, block.length - at);
      block.set(take === data.length ? data : data.subarray(done, done + take), at);
      this.blockUsed = at + take;
      done += take;
      const last = this.bufs.length - 1;
      if (last >= this.first && this.bufs[last] === block && this.ends[last] === at) {
        this.ends[last] = at + take;
      } else {
        this.bufs.push(block);
        this.starts.push(at);
        this.ends.push(at + take);
      }
    }
    this.length += n;
    return n;
  }

  /**
   * `len` bytes starting `offset` bytes after the first unacknowledged one. The result is never written
   * over later, so it may be held (and sent again) for as long as needed; it must not be modified.
   */
  read(offset: number, len: number): Uint8Array {
    if (len <= 0) return EMPTY;
    const starts = this.starts;
    const ends = this.ends;
    if (offset < this.cursorStart) {
      this.cursor = this.first;
      this.cursorStart = -this.skip;
    }
    let i = this.cursor;
    let start = this.cursorStart;
    let size = (ends[i] as number) - (starts[i] as number);
    while (offset >= start + size) {
      start += size;
      i++;
      size = (ends[i] as number) - (starts[i] as number);
    }
    this.cursor = i;
    this.cursorStart = start;
    const from = (starts[i] as number) + offset - start;
    const buf = this.bufs[i] as Uint8Array;
    if (from + len <= (ends[i] as number)) return buf.subarray(from, from + len);
    // Straddles chunks: gather a copy.
    const out = allocPayload(len);
    out.set(buf.subarray(from, ends[i]), 0);
    let copied = (ends[i] as number) - from;
    while (copied < len) {
      i++;
      const s = starts[i] as number;
      const take = Math.min((ends[i] as number) - s, len - copied);
      out.set((this.bufs[i] as Uint8Array).subarray(s, s + take), copied);
      copied += take;
    }
    return out;
  }

  /** Drops `n` acknowledged bytes from the front. */
  consume(n: number): void {
    if (n <= 0) return;
    if (n >= this.length) {
      this.clear();
      return;
    }
    this.length -= n;
    this.cursorStart -= n;
    const { bufs, starts, ends } = this;
    let skip = this.skip + n;
    let first = this.first;
    while (skip >= (ends[first] as number) - (starts[first] as number)) {
      skip -= (ends[first] as number) - (starts[first] as number);
      bufs[first] = EMPTY; // let the GC have it
      first++;
    }
    if (first > 64 && first * 2 > bufs.length) {
      // Compact now and then: the arrays would otherwise keep a slot for every chunk ever written.
      bufs.splice(0, first);
      starts.splice(0, first);
      ends.splice(0, first);
      this.cursor -= first;
      first = 0;
    }
    this.first = first;
    this.skip = skip;
    if (this.cursor < first) {
      this.cursor = first;
      this.cursorStart = -skip;
    }
  }

  /** Everything acknowledged: let the chunks and the block go, so an idle connection holds nothing. */
  private clear(): void {
    this.bufs.length = 0;
    this.starts.length = 0;
    this.ends.length = 0;
    this.first = 0;
    this.skip = 0;
    this.cursor = 0;
    this.cursorStart = 0;
    this.length = 0;
    this.block = null;
    this.blockUsed = 0;
    this.nextBlock = FIRST_BLOCK;
  }
}
