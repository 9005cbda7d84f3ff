// The engine keys connections, TIME_WAIT records and ports on addresses as plain numbers: an IPv4
// address is its uint32, an IPv6 address is a number ≥ 2^32 that this table hands out ("interns") for
// its 128 bits. So one demultiplexing key, one TIME_WAIT column and one Connection field serve both
// families, the family is read off the number (`isIPv6Id`), and only the boundaries — the codec where a
// host decodes and encodes packets, the simulator's pcap, the TUN driver, the ladder's text — map a
// number to its 16 bytes and back.
//
// Why interning with reference counts, not a BigInt or a 4-word key everywhere: the demultiplexing key
// `addr * 65536 + port` stays an exact double (ids stay below 2^37), comparisons stay one `===`, and
// an IPv4 record pays nothing. Entries are counted: a connection, a TIME_WAIT record, a packet being
// processed each hold one reference, and the entry goes when the last holder releases it, so a SYN flood
// from random IPv6 sources leaves no trace here once its packets are handled (a cookie SYN-ACK keeps no
// reference). Lookups hash the four words: no string is built on the hot path.
//
// One table per process (the engine has no other global state): the simulator carries segments between
// hosts as objects, so both ends must read the same number as the same address. Nothing observable
// depends on the numbers themselves — what is hashed (ISN, SYN cookies, port offsets) hashes the words.
import { formatIPv4, parseIPv4 } from "./address.js";
import { formatIPv6, ipv6, parseIPv6, v4FromMapped, type IPv6Address } from "./address6.js";

/** The first IPv6 id: every number below is an IPv4 address. */
export const IPV6_ID_BASE = 0x1_0000_0000;

/** True when `addr` names an IPv6 address of the table (not an IPv4 uint32). */
export function isIPv6Id(addr: number): boolean {
  return addr >= IPV6_ID_BASE;
}

const EMPTY = -1;

function mix(w0: number, w1: number, w2: number, w3: number): number {
  let h = Math.imul(w0 ^ 0x2545f491, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ w1, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 13) ^ w2, 0xc2b2ae3d);
  h = Math.imul(h ^ (h >>> 16) ^ w3, 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

export class AddressTable {
  /** Live entries. */
  size = 0;
  /** Four words per slot, most significant first. */
  private words = new Uint32Array(0);
  private refs = new Uint32Array(0);
  /** Slots below this have been used; free ones are chained through `nextFree`. */
  private highWater = 0;
  private nextFree = new Int32Array(0);
  private freeHead = EMPTY;
  /** Open addressing, linear probing, load ≤ 1/2; cells hold slot numbers or EMPTY. */
  private index = new Int32Array(16).fill(EMPTY);

  constructor() {
    this.grow(8);
  }

  /** The id of this address if some holder keeps it, or -1 (no entry is made). */
  find(w0: number, w1: number, w2: number, w3: number): number {
    const index = this.index;
    const mask = index.length - 1;
    const words = this.words;
    for (let i = mix(w0, w1, w2, w3) & mask; ; i = (i + 1) & mask) {
      const s = index[i]!;
      if (s === EMPTY) return -1;
      const b = s * 4;
      if (words[b] === w0 && words[b + 1] === w1 && words[b + 2] === w2 && words[b + 3] === w3)
        return IPV6_ID_BASE + s;
    }
  }

  /** The address's id with one more reference (a new entry when nobody held it). Words are uint32s. */
  intern(w0: number, w1: number, w2: number, w3: number): number {
    const found = this.find(w0, w1, w2, w3);
    if (found >= 0) {
      this.refs[found - IPV6_ID_BASE]!++;
      return found;
    }
    let s = this.freeHead;
    if (s !== EMPTY) this.freeHead = this.nextFree[s]!;
    else {
      if (this.highWater === this.refs.length) this.grow(this.refs.length * 2);
      s = this.highWater++;
    }
    const b = s * 4;
    this.words[b] = w0;
    this.words[b + 1] = w1;
    this.words[b + 2] = w2;
    this.words[b + 3] = w3;
    this.refs[s] = 1;
    this.size++;
    if (this.size * 2 > this.index.length) this.rehash(this.index.length * 2);
    else this.place(s);
    return IPV6_ID_BASE + s;
  }

  internAddress(a: IPv6Address): number {
    return this.intern(a.w0, a.w1, a.w2, a.w3);
  }

  /** One more reference to `addr` (no-op for IPv4 numbers). */
  acquire(addr: number): void {
    if (addr < IPV6_ID_BASE) return;
    const s = this.slotOf(addr);
    this.refs[s]!++;
  }

  /** One reference fewer; the entry goes with its last one (no-op for IPv4 numbers). */
  release(addr: number): void {
    if (addr < IPV6_ID_BASE) return;
    const s = this.slotOf(addr);
    if (--this.refs[s]! > 0) return;
    this.unplace(s);
    this.nextFree[s] = this.freeHead;
    this.freeHead = s;
    this.size--;
  }

  /** References held on `addr` (0 for a released id; tests and the memory report read it). */
  references(addr: number): number {
    if (addr < IPV6_ID_BASE) return 0;
    const s = addr - IPV6_ID_BASE;
    return s < this.highWater ? this.refs[s]! : 0;
  }

  /** Word i (0 = most significant) of an IPv6 id. */
  word(addr: number, i: number): number {
    return this.words[this.slotOf(addr) * 4 + i]!;
  }

  address(addr: number): IPv6Address {
    const b = this.slotOf(addr) * 4;
    const w = this.words;
    return ipv6(w[b]!, w[b + 1]!, w[b + 2]!, w[b + 3]!);
  }

  /** Bytes of the typed arrays (the table's whole cost). */
  bytes(): number {
    return this.words.byteLength + this.refs.byteLength + this.nextFree.byteLength + this.index.byteLength;
  }

  private slotOf(addr: number): number {
    const s = addr - IPV6_ID_BASE;
    if (!Number.isInteger(s) || s >= this.highWater || this.refs[s] === 0) {
      throw new RangeError(`address id ${addr} is not held in the IPv6 address table`);
    }
    return s;
  }

  private place(s: number): void {
    const index = this.index;
    const mask = index.length - 1;
    const b = s * 4;
    const w = this.words;
    let i = mix(w[b]!, w[b + 1]!, w[b + 2]!, w[b + 3]!) & mask;
    while (index[i] !== EMPTY) i = (i + 1) & mask;
    index[i] = s;
  }

  /** Backward-shift deletion: keeps every probe chain unbroken without tombstones. */
  private unplace(s: number): void {
    const index = this.index;
    const mask = index.length - 1;
    const w = this.words;
    const home = (slot: number) =>
      mix(w[slot * 4]!, w[slot * 4 + 1]!, w[slot * 4 + 2]!, w[slot * 4 + 3]!) & mask;
    let i = home(s);
    while (index[i] !== s) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const t = index[j]!;
      if (t === EMPTY) break;
      const k = home(t);
      // t may move into the hole at i if its home is not in (i, j] (cyclically).
      if (i <= j ? k <= i || k > j : k <= i && k > j) {
        index[i] = t;
        i = j;
      }
    }
    index[i] = EMPTY;
  }

  private rehash(cells: number): void {
    this.index = new Int32Array(cells).fill(EMPTY);
    for (let s = 0; s < this.highWater; s++) if (this.refs[s]! > 0) this.place(s);
  }

  private grow(slots: number): void {
    const words = new Uint32Array(slots * 4);
    words.set(this.words);
    this.words = words;
    const refs = new Uint32Array(slots);
    refs.set(this.refs);
    this.refs = refs;
    const nextFree = new Int32Array(slots);
    nextFree.set(this.nextFree);
    this.nextFree = nextFree;
  }
}

/** The process's table: every host, the simulator and the drivers read the same numbers. */
export const addressTable = new AddressTable();

/** The address a number stands for, in text: dotted quad, or RFC 5952 for an IPv6 id. */
export function formatAddress(addr: number): string {
  return addr >= IPV6_ID_BASE ? formatIPv6(addressTable.address(addr)) : formatIPv4(addr);
}

/** "10.0.0.1:80" or "[2001:db8::1]:80" (RFC 5952 §6). */
export function formatAddressPort(addr: number, port: number): string {
  return addr >= IPV6_ID_BASE
    ? `[${formatIPv6(addressTable.address(addr))}]:${port}`
    : `${formatIPv4(addr)}:${port}`;
}

/**
 * An address typed by a user (or a scenario): dotted IPv4, or any IPv6 text form. A v4-mapped address
 * ("::ffff:10.0.0.2") is the IPv4 address, as a dual-stack socket's connect() sends IPv4 to it. An IPv6
 * address is interned for good: user input is bounded, packets are not (those go through `intern`).
 * Throws the parsers' ERR_TCPLAB_BAD_* errors.
 */
export function parseAddress(text: string): number {
  if (!text.includes(":")) return parseIPv4(text);
  const a = parseIPv6(text);
  const v4 = v4FromMapped(a);
  return v4 ?? addressTable.internAddress(a);
}

/** The 128-bit address of an IPv6 id (the codec boundary). */
export function ipv6Of(addr: number): IPv6Address {
  return addressTable.address(addr);
}
