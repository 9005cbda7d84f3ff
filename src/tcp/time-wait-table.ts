// The host's TIME_WAIT records as struct-of-arrays: one slot per record in typed-array columns, an
// open-addressing index keyed by (local port, remote address, remote port) — the host has one local
// address — and an intrusive list of live slots in expiry order. Linux spends a 256-byte tw_sock on each
// (host-inspection-facts §1.12); a busy client holds tens of thousands, a load generator a million, so a
// record here is ~50 bytes of columns plus its index cell, and no object at all.
import type { TimeWaitView } from "./timewait.js";
import { IPV6_ID_BASE } from "../wire/address-table.js";

/** What a connection leaves behind when it enters TIME_WAIT. */
export interface TimeWaitInit {
  localPort: number;
  remoteAddr: number;
  remotePort: number;
  sndNxt: number;
  rcvNxt: number;
  rcvWnd: number;
  rcvWscale: number;
  tsOk: boolean;
  tsRecent: number;
  /** µs; -1 when never set. */
  tsRecentAt: number;
  /** When it entered TIME_WAIT (µs): the reuse delay counts from here, restarts do not move it. */
  enteredAt: number;
  expiresAt: number;
}

// Flag bits beside the 4-bit window shift.
const WSCALE_MASK = 0x0f;
const F_TS_OK = 0x10;
const F_TS_SEEN = 0x20;
/** The record has answered an invalid segment (its oowAcks stamp is valid). */
const F_OOW_SEEN = 0x40;
/** oowAcks counts 4 ms ticks in 16 bits: it wraps after 262 s, longer than any TIME_WAIT lasts unrestarted. */
const OOW_TICK = 4000;
const F_LIVE = 0x80;

const NONE = -1;
const EMPTY = -1;
const SECOND = 1_000_000;
/** The unit of a record's age (enteredAges), µs. */
const AGE_TICK = 4000;

/** expiresAt − enteredAt as stored: whole ticks, rounded down, within 16 bits. */
function ageTicks(us: number): number {
  return Math.min(0xffff, Math.max(0, Math.floor(us / AGE_TICK)));
}

/** The reused object `view()` fills: read it before the next call. */
class View implements TimeWaitView {
  localPort = 0;
  remoteAddr = 0;
  remotePort = 0;
  sndNxt = 0;
  rcvNxt = 0;
  rcvWnd = 0;
  rcvWscale = 0;
  tsOk = false;
  tsRecent = 0;
  tsRecentAt = -1;
}

function hash(seed: number, localPort: number, remoteAddr: number, remotePort: number): number {
  // A keyed multiply-xorshift mix: remote ends choose their ports and addresses, so the probe sequence
  // must not be predictable from outside (Linux keys its established hash with a random secret too).
  let h = Math.imul(remoteAddr ^ seed, 0x9e3779b1);
  h ^= ((localPort << 16) | remotePort) ^ (h >>> 15);
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae3d);
  return (h ^ (h >>> 16)) >>> 0;
}

export class TimeWaitTable {
  /** Live records. */
  size = 0;
  private cap = 0;
  private localPorts = new Uint16Array(0);
  private remotePorts = new Uint16Array(0);
  private remoteAddrs = new Uint32Array(0);
  private sndNxts = new Uint32Array(0);
  private rcvNxts = new Uint32Array(0);
  private rcvWnds = new Uint32Array(0);
  /** Window shift in the low 4 bits, F_* flags above. */
  private flags = new Uint8Array(0);
  private expires = new Float64Array(0);
  private tsRecents = new Uint32Array(0);
  /** Whole seconds, as Linux's tw_ts_recent_stamp. */
  private tsRecentSecs = new Uint32Array(0);
  /**
   * expiresAt − enteredAt in 4 ms ticks, rounded down and saturating at 2¹⁶−1 (262 s, more than the
   * longest TIME_WAIT of any profile, 240 s): two bytes, where µs took four. Both errors read the entry
   * as later than it was, so a connect reuses the record at most one tick after its delay (Linux counts
   * tcp_tw_reuse_delay in ms), never before — and after a restart past 262 s, later still.
   */
  private enteredAges = new Uint16Array(0);
  /**
   * When the record last answered an invalid segment with an ACK, in 4 ms ticks mod 2¹⁶ (Linux's
   * tw_last_oow_ack_time is a u32 of jiffies; two bytes keep a record at ~62 bytes), valid once
   * F_OOW_SEEN is set: for the 500 ms rate limit (`oowAckAllowed`).
   */
  private oowAcks = new Uint16Array(0);
  /**
   * Bumped each time a slot's record is removed, so that a Connection holding (slot, generation) can tell
   * its own record from a later one in the same slot (`holds`). One byte (a record stays within 64): it
   * wraps after 256 records in one slot, so the engine also compares the 4-tuple — a stale ticket is
   * mistaken only if the 256th record after its own in that very slot is the same 4-tuple's.
   */
  private generations = new Uint8Array(0);
  /** Expiry-ordered doubly linked list of live slots; `next` also chains the free slots. */
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private head = NONE;
  private tail = NONE;
  private free = NONE;
  /** Open addressing, linear probing, load ≤ 1/2; cells hold slot numbers or EMPTY. */
  private index = new Int32Array(16).fill(EMPTY);
  /** Records per local port (bind checks); allocated on first use, 256 KiB. */
  private perPort: Uint32Array | null = null;
  private readonly flyweight = new View();
  /**
   * One bit per slot: its remote address is IPv6. An IPv6 address is an id ≥ 2^32 of the address table
   * (../wire/address-table.ts) whose low 32 bits go in `remoteAddrs` like an IPv4 address; this bit is the
   * 33rd. Allocated with the first IPv6 record, so a host that only ever holds IPv4 records pays nothing;
   * afterwards an eighth of a byte per slot (a Set of slots cost ~25 bytes per IPv6 record instead).
   */
  private v6Bits: Uint8Array | null = null;
  /** Live IPv6 records. */
  private v6Count = 0;

  constructor(private readonly seed = 0) {
    this.grow(8);
  }

  /** The slot holding this 4-tuple, or -1. */
  find(localPort: number, remoteAddr: number, remotePort: number): number {
    const index = this.index;
    const mask = index.length - 1;
    for (let i = hash(this.seed, localPort, remoteAddr, remotePort) & mask; ; i = (i + 1) & mask) {
      const s = index[i]!;
      if (s === EMPTY) return NONE;
      if (
        this.remoteAddrs[s] === remoteAddr >>> 0 &&
        this.remotePorts[s] === remotePort &&
        this.localPorts[s] === localPort &&
        (this.v6Count === 0 || this.isV6Slot(s) === remoteAddr >= IPV6_ID_BASE)
      )
        return s;
    }
  }

  /** Adds a record (the 4-tuple must not be present) at the tail of the expiry list; returns its slot. */
  insert(r: TimeWaitInit): number {
    if (this.free === NONE) this.grow(this.cap * 2);
    if ((this.size + 1) * 2 > this.index.length) this.rehash(this.index.length * 2);
    const s = this.free;
    this.free = this.next[s]!;
    this.localPorts[s] = r.localPort;
    this.remotePorts[s] = r.remotePort;
    this.remoteAddrs[s] = r.remoteAddr;
    if (r.remoteAddr >= IPV6_ID_BASE) {
      const bits = (this.v6Bits ??= new Uint8Array(this.cap >>> 3));
      bits[s >>> 3]! |= 1 << (s & 7);
      this.v6Count++;
    }
    this.sndNxts[s] = r.sndNxt;
    this.rcvNxts[s] = r.rcvNxt;
    this.rcvWnds[s] = r.rcvWnd;
    let f = F_LIVE | (r.rcvWscale & WSCALE_MASK);
    if (r.tsOk) f |= F_TS_OK;
    if (r.tsRecentAt >= 0) f |= F_TS_SEEN;
    this.flags[s] = f;
    this.tsRecents[s] = r.tsRecent;
    this.tsRecentSecs[s] = r.tsRecentAt >= 0 ? Math.floor(r.tsRecentAt / SECOND) : 0;
    this.expires[s] = r.expiresAt;
    this.enteredAges[s] = ageTicks(r.expiresAt - r.enteredAt);
    this.append(s);
    this.placeInIndex(s);
    this.size++;
    (this.perPort ??= new Uint32Array(65536))[r.localPort]!++;
    return s;
  }

  /** Removes a live record; its slot may be handed out again by the next insert. */
  remove(s: number): void {
    this.unlink(s);
    this.removeFromIndex(s);
    this.perPort![this.localPorts[s]!]!--;
    this.flags[s] = 0;
    if (this.v6Count > 0 && this.isV6Slot(s)) {
      this.v6Bits![s >>> 3]! &= ~(1 << (s & 7));
      this.v6Count--;
    }
    this.generations[s] = (this.generations[s]! + 1) & 0xff;
    this.next[s] = this.free;
    this.free = s;
    this.size--;
  }

  /** A new expiry for a live record: later than every other (one TIME_WAIT length per host), so it goes last. */
  restart(s: number, expiresAt: number): void {
    const entered = this.enteredAt(s);
    this.expires[s] = expiresAt;
    this.enteredAges[s] = ageTicks(expiresAt - entered);
    this.unlink(s);
    this.append(s);
  }

  /** The record that expires first, or -1. */
  oldest(): number {
    return this.head;
  }

  isLive(s: number): boolean {
    return s >= 0 && s < this.cap && (this.flags[s]! & F_LIVE) !== 0;
  }

  /** The generation of slot `s` (with the slot, a ticket for the record now in it). */
  generation(s: number): number {
    return this.generations[s]!;
  }

  /** Is the record of ticket (s, generation) still in the table? */
  holds(s: number, generation: number): boolean {
    return this.isLive(s) && this.generations[s] === generation;
  }

  expiresAt(s: number): number {
    return this.expires[s]!;
  }

  enteredAt(s: number): number {
    return this.expires[s]! - this.enteredAges[s]! * AGE_TICK;
  }

  localPort(s: number): number {
    return this.localPorts[s]!;
  }

  remoteAddr(s: number): number {
    return this.v6Count > 0 && this.isV6Slot(s) ? IPV6_ID_BASE + this.remoteAddrs[s]! : this.remoteAddrs[s]!;
  }

  /** Records whose remote address is IPv6. */
  get ipv6Records(): number {
    return this.v6Count;
  }

  private isV6Slot(s: number): boolean {
    const bits = this.v6Bits;
    return bits !== null && (bits[s >>> 3]! & (1 << (s & 7))) !== 0;
  }

  remotePort(s: number): number {
    return this.remotePorts[s]!;
  }

  sndNxt(s: number): number {
    return this.sndNxts[s]!;
  }

  rcvNxt(s: number): number {
    return this.rcvNxts[s]!;
  }

  /** TS.Recent was recorded (the old connection used timestamps): what reuse by connect requires. */
  hasTsRecent(s: number): boolean {
    return (this.flags[s]! & (F_TS_OK | F_TS_SEEN)) === (F_TS_OK | F_TS_SEEN);
  }

  tsRecent(s: number): number {
    return this.tsRecents[s]!;
  }

  /** When TS.Recent was set, in µs at whole-second resolution; -1 when never. */
  tsRecentAt(s: number): number {
    return this.flags[s]! & F_TS_SEEN ? this.tsRecentSecs[s]! * SECOND : -1;
  }

  setTsRecent(s: number, tsval: number, now: number): void {
    this.tsRecents[s] = tsval;
    this.tsRecentSecs[s] = Math.floor(now / SECOND);
    this.flags[s]! |= F_TS_SEEN;
  }

  /**
   * May the record answer an out-of-window segment now? Linux's __tcp_oow_rate_limited as
   * tcp_timewait_check_oow_rate_limit uses it: no if it answered one less than `interval` µs ago
   * (tcp_invalid_ratelimit); yes otherwise, and that answer is then the one remembered.
   */
  oowAckAllowed(s: number, now: number, interval: number): boolean {
    const stamp = Math.floor(now / OOW_TICK) & 0xffff;
    if (this.flags[s]! & F_OOW_SEEN && ((stamp - this.oowAcks[s]!) & 0xffff) * OOW_TICK < interval) {
      return false;
    }
    this.oowAcks[s] = stamp;
    this.flags[s]! |= F_OOW_SEEN;
    return true;
  }

  /** TIME_WAIT records on a local port (a plain bind of the port conflicts with them). */
  onPort(port: number): number {
    return this.perPort ? this.perPort[port]! : 0;
  }

  /** A read-only view of a record for the verdict; the same object every call. */
  view(s: number): TimeWaitView {
    const v = this.flyweight;
    v.localPort = this.localPorts[s]!;
    v.remoteAddr = this.remoteAddr(s);
    v.remotePort = this.remotePorts[s]!;
    v.sndNxt = this.sndNxts[s]!;
    v.rcvNxt = this.rcvNxts[s]!;
    v.rcvWnd = this.rcvWnds[s]!;
    const f = this.flags[s]!;
    v.rcvWscale = f & WSCALE_MASK;
    v.tsOk = (f & F_TS_OK) !== 0;
    v.tsRecent = this.tsRecents[s]!;
    v.tsRecentAt = this.tsRecentAt(s);
    return v;
  }

  /** Bytes held by the table's arrays: what a million records cost, without counting objects. */
  bytes(): number {
    const cols = [
      this.localPorts,
      this.remotePorts,
      this.remoteAddrs,
      this.sndNxts,
      this.rcvNxts,
      this.rcvWnds,
      this.flags,
      this.expires,
      this.tsRecents,
      this.tsRecentSecs,
      this.enteredAges,
      this.oowAcks,
      this.generations,
      this.prev,
      this.next,
      this.index,
    ];
    let n = (this.perPort ? this.perPort.byteLength : 0) + (this.v6Bits ? this.v6Bits.byteLength : 0);
    for (const c of cols) n += c.byteLength;
    return n;
  }

  /** Slots allocated (records the columns can hold before they double). */
  get capacity(): number {
    return this.cap;
  }

  // ---------------------------------------------------------------- internals

  private append(s: number): void {
    this.prev[s] = this.tail;
    this.next[s] = NONE;
    if (this.tail === NONE) this.head = s;
    else this.next[this.tail] = s;
    this.tail = s;
  }

  private unlink(s: number): void {
    const p = this.prev[s]!;
    const n = this.next[s]!;
    if (p === NONE) this.head = n;
    else this.next[p] = n;
    if (n === NONE) this.tail = p;
    else this.prev[n] = p;
  }

  private placeInIndex(s: number): void {
    const index = this.index;
    const mask = index.length - 1;
    let i = hash(this.seed, this.localPorts[s]!, this.remoteAddrs[s]!, this.remotePorts[s]!) & mask;
    while (index[i] !== EMPTY) i = (i + 1) & mask;
    index[i] = s;
  }

  /** Linear probing's backward-shift deletion: no tombstones, so lookups stay short after churn. */
  private removeFromIndex(s: number): void {
    const index = this.index;
    const mask = index.length - 1;
    let i = hash(this.seed, this.localPorts[s]!, this.remoteAddrs[s]!, this.remotePorts[s]!) & mask;
    while (index[i] !== s) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const t = index[j]!;
      if (t === EMPTY) break;
      const home = hash(this.seed, this.localPorts[t]!, this.remoteAddrs[t]!, this.remotePorts[t]!) & mask;
      // t may move into the hole at i unless its home lies cyclically in (i, j].
      if (((j - home) & mask) >= ((j - i) & mask)) {
        index[i] = t;
        i = j;
      }
    }
    index[i] = EMPTY;
  }

  private rehash(cells: number): void {
    this.index = new Int32Array(cells).fill(EMPTY);
    for (let s = this.head; s !== NONE; s = this.next[s]!) this.placeInIndex(s);
  }

  private grow(cap: number): void {
    const old = this.cap;
    const widen = <T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.localPorts = widen(this.localPorts, (n) => new Uint16Array(n));
    this.remotePorts = widen(this.remotePorts, (n) => new Uint16Array(n));
    this.remoteAddrs = widen(this.remoteAddrs, (n) => new Uint32Array(n));
    this.sndNxts = widen(this.sndNxts, (n) => new Uint32Array(n));
    this.rcvNxts = widen(this.rcvNxts, (n) => new Uint32Array(n));
    this.rcvWnds = widen(this.rcvWnds, (n) => new Uint32Array(n));
    this.flags = widen(this.flags, (n) => new Uint8Array(n));
    this.expires = widen(this.expires, (n) => new Float64Array(n));
    this.tsRecents = widen(this.tsRecents, (n) => new Uint32Array(n));
    this.tsRecentSecs = widen(this.tsRecentSecs, (n) => new Uint32Array(n));
    this.enteredAges = widen(this.enteredAges, (n) => new Uint16Array(n));
    this.oowAcks = widen(this.oowAcks, (n) => new Uint16Array(n));
    if (this.v6Bits) {
      const bits = new Uint8Array(cap >>> 3);
      bits.set(this.v6Bits);
      this.v6Bits = bits;
    }
    this.generations = widen(this.generations, (n) => new Uint8Array(n));
    this.prev = widen(this.prev, (n) => new Int32Array(n));
    this.next = widen(this.next, (n) => new Int32Array(n));
    // The new slots join the free list in order, ahead of nothing (the list was empty: we grow when it is).
    for (let s = cap - 1; s >= old; s--) {
      this.next[s] = this.free;
      this.free = s;
    }
    this.cap = cap;
  }
}
