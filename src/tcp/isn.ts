// Initial sequence numbers per RFC 9293 §3.4.1 / RFC 6528: ISN = M + F(localip, localport, remoteip,
// remoteport, secretkey), M a clock, F a keyed hash, so ISNs of one 4-tuple keep increasing across
// incarnations while being unpredictable from outside. How fast M ticks is the profile's (RFC 793's 4 µs,
// Linux's 64 ns, FreeBSD's 1 MiB/s; see isnClockRate in profile.ts). In the simulator the key comes from
// the seed (deterministic runs).
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

/** How a system's ISN clock M runs (the profile's isn* values; profile.ts gives each one's source). */
export interface IsnClock {
  /** Ticks of M per second. */
  rate: number;
  /**
   * Each ISN the clock hands out moves M on by at least stepMin + (a random number below stepRandom),
   * host-wide, so a port recycled within one clock tick never gets the same ISN (FreeBSD tcp_new_isn's
   * ISN_STATIC_INCREMENT / ISN_RANDOM_INCREMENT). 0 and 0: M is the clock alone (RFC 6528, Linux).
   */
  stepMin: number;
  stepRandom: number;
  /** "random": a passive open's ISS is a random number, not M + F (FreeBSD's syncache: arc4random()). */
  passive: "clock" | "random";
}

const TWO_32 = 4294967296;

/** M at `now` µs: floor(now · rate / 10^6), computed in two parts so it stays exact past 2^53. */
export function isnClockTicks(now: number, rate: number): number {
  const seconds = Math.floor(now / 1_000_000);
  const micros = now - seconds * 1_000_000;
  return seconds * rate + Math.floor((micros * rate) / 1_000_000);
}

export class IsnGenerator {
  /** The host-wide M last handed out (unwrapped), for a clock with a per-ISN step. */
  private lastM = -Infinity;
  /** Draws of the deterministic random source (random steps, random passive ISNs). */
  private draws = 0;

  constructor(
    private readonly key: Uint32Array,
    private readonly clock: IsnClock = { rate: 250_000, stepMin: 0, stepRandom: 0, passive: "clock" },
  ) {}

  /** A deterministic stand-in for the kernel's random source (arc4random), keyed like F. */
  private random(): number {
    return keyedHash(this.key, this.draws++, 0x72616e64, 0x6f6d, 0);
  }

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

  /** `now` in µs; M ticks at the profile's rate. `passive`: the ISS of a SYN,ACK. */
  isn(
    localAddr: number,
    localPort: number,
    remoteAddr: number,
    remotePort: number,
    now: number,
    passive = false,
  ): number {
    const c = this.clock;
    if (passive && c.passive === "random") return this.random();
    let m = isnClockTicks(now, c.rate);
    if (c.stepMin > 0 || c.stepRandom > 0) {
      const step = c.stepMin + (c.stepRandom > 0 ? this.random() % c.stepRandom : 0);
      m = Math.max(m, this.lastM + step);
      this.lastM = m;
    }
    const k = this.key;
    const f = keyedHash(
      k,
      addressDigest(k, localAddr),
      addressDigest(k, remoteAddr),
      (localPort << 16) | remotePort,
      0,
    );
    return ((m % TWO_32) + f) >>> 0;
  }
}
