// The bytes the application wrote that are not yet acknowledged: a ring buffer that grows by doubling
// up to the profile's send buffer size, so an idle connection costs a few hundred bytes, not 256 KiB.

const INITIAL_CAPACITY = 256;

// Segment payloads are carved from shared slabs: a fresh ArrayBuffer per segment costs more than the
// copy itself. A slab is never reused, so every view stays valid while anyone (a receive queue, a packet
// in flight) holds it; the slab is freed by the GC once all its views are gone.
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
  private buf: Uint8Array = new Uint8Array(0);
  private head = 0;
  /** Bytes held (unacknowledged, sent or not). */
  length = 0;

  constructor(readonly limit: number) {}

  get free(): number {
    return this.limit - this.length;
  }

  /** Copies up to `free` bytes of `data`; returns how many were taken. */
  write(data: Uint8Array): number {
    const n = Math.min(data.length, this.free);
    if (n === 0) return 0;
    this.reserve(this.length + n);
    const cap = this.buf.length;
    const tail = (this.head + this.length) % cap;
    const first = Math.min(n, cap - tail);
    this.buf.set(data.subarray(0, first), tail);
    if (first < n) this.buf.set(data.subarray(first, n), 0);
    this.length += n;
    return n;
  }

  /** A copy (never overwritten later) of `len` bytes starting `offset` bytes after the first unacknowledged one. */
  read(offset: number, len: number): Uint8Array {
    const out = allocPayload(len);
    const cap = this.buf.length;
    const start = (this.head + offset) % cap;
    const first = Math.min(len, cap - start);
    out.set(this.buf.subarray(start, start + first), 0);
    if (first < len) out.set(this.buf.subarray(0, len - first), first);
    return out;
  }

  /** Drops `n` acknowledged bytes from the front. */
  consume(n: number): void {
    if (n <= 0) return;
    if (n >= this.length) {
      this.head = 0;
      this.length = 0;
      return;
    }
    this.head = (this.head + n) % this.buf.length;
    this.length -= n;
  }

  private reserve(needed: number): void {
    if (needed <= this.buf.length) return;
    let cap = Math.max(INITIAL_CAPACITY, this.buf.length);
    while (cap < needed) cap *= 2;
    cap = Math.min(cap, Math.max(this.limit, needed));
    const next = new Uint8Array(cap);
    if (this.length > 0) next.set(this.read(0, this.length), 0);
    this.buf = next;
    this.head = 0;
  }
}
