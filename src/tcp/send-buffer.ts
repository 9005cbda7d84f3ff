// The bytes the application wrote that are not yet acknowledged, kept as a queue of immutable chunks so a
// segment's payload is a view into them rather than a copy.
//
// Each write is copied once (the application may reuse its buffer) and appended to the connection's current
// block, or for a small write to a slab all connections share; after that, those bytes never change. Blocks
// grow by doubling up to the buffer size (at most 1 MiB), so an idle connection holds nothing, and a bulk
// sender allocates one block per megabyte. Consecutive writes into one block form one chunk, so a segment
// is a single view unless it straddles two chunks; only then is it copied (into the shared slab).
//
// The views stay valid for as long as anyone holds them (a peer's receive queue, a packet in flight, a
// retransmission): nothing is ever written over, and memory is freed by the GC when the last view goes.

/** First block of a connection; later blocks double up to MAX_BLOCK. */
const FIRST_BLOCK = 256;
const MAX_BLOCK = 1 << 20;
const EMPTY = new Uint8Array(0);

/** Writes up to this size go to the shared slab while the connection has no block with room for them. */
const SMALL_WRITE = 1024;

// One slab shared by every connection, carved append-only: for small writes (a request, a reply — one
// ArrayBuffer per connection would cost more than the copy) and for payloads that straddle chunks. It is
// never reused, for the same reason blocks are not.
const SLAB_SIZE = 256 * 1024;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

/** Makes room for `len` bytes in the current slab (a fresh one when full); returns where they go. */
function carve(len: number): number {
  if (slabUsed + len > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const at = slabUsed;
  slabUsed += len;
  return at;
}

function allocPayload(len: number): Uint8Array {
  if (len > SLAB_SIZE / 4) return new Uint8Array(len);
  const at = carve(len);
  slabUsed = (slabUsed + 7) & ~7; // keep payload views 8-byte aligned
  return slab.subarray(at, at + len);
}

export class SendBuffer {
  // Unacknowledged bytes in order: chunk i is bytes [bounds[2i], bounds[2i+1]) of bufs[i], from index
  // `first`, of which `skip` bytes are acknowledged. Parallel arrays rather than views, so extending a
  // chunk is a store; null while empty, so an idle connection holds no arrays.
  private bufs: Uint8Array[] | null = null;
  private bounds: number[] | null = null;
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

  constructor(readonly limit: number) {}

  /** Blocks grow to the buffer size (rounded up to a power of two), at most MAX_BLOCK. */
  private get maxBlock(): number {
    let max = FIRST_BLOCK;
    while (max < this.limit && max < MAX_BLOCK) max *= 2;
    return max;
  }

  get free(): number {
    return this.limit - this.length;
  }

  /** Copies up to `free` bytes of `data`; returns how many were taken. */
  write(data: Uint8Array): number {
    const n = Math.min(data.length, this.free);
    if (n === 0) return 0;
    if (n <= SMALL_WRITE && (this.block === null || this.block.length - this.blockUsed < n)) {
      const at = carve(n);
      slab.set(n === data.length ? data : data.subarray(0, n), at);
      this.addChunk(slab, at, at + n);
      this.length += n;
      return n;
    }
    let done = 0;
    while (done < n) {
      let block = this.block;
      if (block === null || this.blockUsed === block.length) {
        const max = this.maxBlock;
        block = new Uint8Array(Math.max(this.nextBlock, Math.min(n - done, max)));
        this.nextBlock = Math.min(this.nextBlock * 2, max);
        this.block = block;
        this.blockUsed = 0;
      }
      const at = this.blockUsed;
      const take = Math.min(n - done, block.length - at);
      block.set(take === data.length ? data : data.subarray(done, done + take), at);
      this.blockUsed = at + take;
      done += take;
      this.addChunk(block, at, at + take);
    }
    this.length += n;
    return n;
  }

  /** Queues bytes [start, end) of `buf`, extending the last chunk when they follow it in the same buffer. */
  private addChunk(buf: Uint8Array, start: number, end: number): void {
    const bufs = this.bufs;
    const bounds = this.bounds;
    if (bufs === null || bounds === null) {
      this.bufs = [buf];
      this.bounds = [start, end];
      return;
    }
    const last = bufs.length - 1;
    if (last >= this.first && bufs[last] === buf && bounds[2 * last + 1] === start) {
      bounds[2 * last + 1] = end;
    } else {
      bufs.push(buf);
      bounds.push(start, end);
    }
  }

  /**
   * `len` bytes starting `offset` bytes after the first unacknowledged one. The result is never written
   * over later, so it may be held (and sent again) for as long as needed; it must not be modified.
   */
  read(offset: number, len: number): Uint8Array {
    if (len <= 0) return EMPTY;
    if (offset < 0 || offset + len > this.length) {
      // A caller's bug: say so rather than send other bytes (or none) under these sequence numbers.
      throw new RangeError(`send buffer read of [${offset}, ${offset + len}) outside [0, ${this.length})`);
    }
    const bufs = this.bufs as Uint8Array[];
    const bounds = this.bounds as number[];
    if (offset < this.cursorStart) {
      this.cursor = this.first;
      this.cursorStart = -this.skip;
    }
    let i = this.cursor;
    let start = this.cursorStart;
    let size = (bounds[2 * i + 1] as number) - (bounds[2 * i] as number);
    while (offset >= start + size) {
      start += size;
      i++;
      size = (bounds[2 * i + 1] as number) - (bounds[2 * i] as number);
    }
    this.cursor = i;
    this.cursorStart = start;
    const from = (bounds[2 * i] as number) + offset - start;
    let end = bounds[2 * i + 1] as number;
    const buf = bufs[i] as Uint8Array;
    if (from + len <= end) return buf.subarray(from, from + len);
    // Straddles chunks: gather a copy.
    const out = allocPayload(len);
    out.set(buf.subarray(from, end), 0);
    let copied = end - from;
    while (copied < len) {
      i++;
      const s = bounds[2 * i] as number;
      end = bounds[2 * i + 1] as number;
      const take = Math.min(end - s, len - copied);
      out.set((bufs[i] as Uint8Array).subarray(s, s + take), copied);
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
    const bufs = this.bufs as Uint8Array[];
    const bounds = this.bounds as number[];
    let skip = this.skip + n;
    let first = this.first;
    for (;;) {
      const size = (bounds[2 * first + 1] as number) - (bounds[2 * first] as number);
      if (skip < size) break;
      skip -= size;
      bufs[first] = EMPTY; // let the GC have it
      first++;
    }
    if (first > 64 && first * 2 > bufs.length) {
      // Compact now and then: the arrays would otherwise keep a slot for every chunk ever written.
      bufs.splice(0, first);
      bounds.splice(0, 2 * first);
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
    this.bufs = null;
    this.bounds = null;
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
