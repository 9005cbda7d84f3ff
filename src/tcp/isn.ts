// Initial sequence numbers per RFC 9293 §3.4.1: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
// M a 4-microsecond clock, F a keyed hash, so ISNs of one 4-tuple keep increasing across incarnations
// while being unpredictable from outside. In the simulator the key comes from the seed (deterministic runs).
// An IPv6 address enters as a keyed digest of its 128 bits (`addressDigest`), never as its interned id.
import { addressTable, IPV6_ID_BASE } from "../wire/address-table.js";

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

/** The half of an ARX round both phases share: v0 += v1 and v2 += v3 with their rotations. */
function halfRound(v: Int32Array): void {
  v[0] = v[0]! + v[1]!;
  v[1] = rotl(v[1]!, 5) ^ v[0]!;
  v[0] = rotl(v[0]!, 16);
  v[2] = v[2]! + v[3]!;
  v[3] = rotl(v[3]!, 8) ^ v[2]!;
}

/** Absorbs one message word into the state (two rounds). */
function absorb(v: Int32Array, m: number): void {
  v[3] = v[3]! ^ m;
  for (let r = 0; r < 2; r++) {
    halfRound(v);
    v[0] = v[0]! + v[3]!;
    v[3] = rotl(v[3]!, 7) ^ v[0]!;
    v[2] = v[2]! + v[1]!;
    v[1] = rotl(v[1]!, 13) ^ v[2]!;
    v[2] = rotl(v[2]!, 16);
  }
  v[0] = v[0]! ^ m;
}

/** The hash state, reused: two hashes per connection must not allocate (lifecycles are a hot path). */
const state = new Int32Array(4);

/** A small keyed 32-bit hash over four 32-bit words (a SipHash-like ARX mix). */
export function keyedHash(key: Uint32Array, a: number, b: number, c: number, d: number): number {
  const v = state;
  v[0] = (key[0] ?? 0) ^ 0x736f6d65;
  v[1] = (key[1] ?? 0) ^ 0x646f7261;
  v[2] = (key[2] ?? 0) ^ 0x6c796765;
  v[3] = (key[3] ?? 0) ^ 0x74656462;
  absorb(v, a | 0);
  absorb(v, b | 0);
  absorb(v, c | 0);
  absorb(v, d | 0);
  v[2] = v[2]! ^ 0xff;
  for (let r = 0; r < 4; r++) halfRound(v);
  return (v[0]! ^ v[1]! ^ v[2]! ^ v[3]!) >>> 0;
}

/**
 * The 32 bits an address contributes to a keyed hash: an IPv4 address itself, an IPv6 address (an id of
 * the address table, ../wire/address-table.ts) a keyed hash of its four words — so ISNs, timestamp offsets,
 * SYN cookies and port offsets depend on the 128-bit address (as Linux's secure_tcpv6_seq hashes it) and
 * not on the order in which a process happened to intern addresses.
 */
export function addressDigest(key: Uint32Array, addr: number): number {
  if (addr < IPV6_ID_BASE) return addr;
  const t = addressTable;
  return keyedHash(key, t.word(addr, 0), t.word(addr, 1), t.word(addr, 2), t.word(addr, 3) ^ 0x3636);
}

/** A salt for keyFromSeed from a host address of either family (stable across processes). */
export function addressSalt(addr: number): number {
  if (addr < IPV6_ID_BASE) return addr;
  const t = addressTable;
  return (t.word(addr, 0) ^ t.word(addr, 1) ^ t.word(addr, 2) ^ t.word(addr, 3) ^ 0x60000000) >>> 0;
}

/** Expand a numeric seed into a 128-bit key (splitmix32 steps). */
export function keyFromSeed(seed: number, salt = 0): Uint32Array {
  const key = new Uint32Array(4);
  let x = (seed ^ Math.imul(salt + 1, 0x9e3779b9)) >>> 0;
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    key[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return key;
}

export class IsnGenerator {
  constructor(private readonly key: Uint32Array) {}

  /**
   * The random per-4-tuple offset of the 1 ms timestamp clock (Linux secure_tcp_ts_off): stable for a
   * 4-tuple, so a later incarnation's TSvals are larger than an earlier one's (RFC 6191 relies on it).
   */
  tsOffset(localAddr: number, localPort: number, remoteAddr: number, remotePort: number): number {
    const k = this.key;
    return keyedHash(
      k,
      addressDigest(k, remoteAddr),
      addressDigest(k, localAddr),
      (remotePort << 16) | localPort,
      0x7473,
    );
  }

  /** `now` in µs; M ticks every 4 µs (RFC 9293 §3.4.1). */
  isn(localAddr: number, localPort: number, remoteAddr: number, remotePort: number, now: number): number {
    const m = Math.floor(now / 4) >>> 0;
    const k = this.key;
    const f = keyedHash(
      k,
      addressDigest(k, localAddr),
      addressDigest(k, remoteAddr),
      (localPort << 16) | remotePort,
      0,
    );
    return (m + f) >>> 0;
  }
}
