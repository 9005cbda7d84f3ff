// The simulator's only source of randomness: one seed, split into named streams.
//
// Each stream is an sfc32 generator (Chris Doty-Humphrey's "small fast counting" PRNG, public domain)
// whose 128-bit state is a hash of (seed, stream name). A stream therefore depends on nothing but the
// seed and its own name: adding a link, a fault or a host that draws from a new stream cannot shift
// the numbers any existing stream produces. That is what keeps a scenario's trace stable when an
// unrelated part of it changes.
import { SimError } from "./sim-error.js";

const TWO_POW_32 = 4294967296;

/** One deterministic stream of pseudo-random numbers. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    // The first outputs of sfc32 from a structured state are poorly mixed; discard them.
    for (let i = 0; i < 15; i++) this.uint32();
  }

  /** A uniform unsigned 32-bit integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1) with 32 bits of resolution. */
  float(): number {
    return this.uint32() / TWO_POW_32;
  }

  /** True with probability p (one draw, whatever p is, so the stream's position does not depend on p). */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** A uniform integer in [0, n) for 1 ≤ n ≤ 2^32, without modulo bias (rejection sampling). */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new SimError("ERR_SIM_BAD_OPTION", `Rng.below needs an integer in [1, 2^32], got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.uint32();
      if (x < limit) return x % n;
    }
  }

  /** A uniform integer in [lo, hi], both inclusive. */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }
}

/** The seed and the streams derived from it. `stream(name)` returns the same object for the same name. */
export class RandomStreams {
  readonly seed: number;
  private readonly seedLo: number;
  private readonly seedHi: number;
  private readonly streams = new Map<string, Rng>();

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new SimError("ERR_SIM_BAD_SEED", `the seed must be a safe integer, got ${String(seed)}`);
    }
    this.seed = seed;
    this.seedLo = seed >>> 0;
    this.seedHi = Math.floor(seed / TWO_POW_32) >>> 0;
  }

  stream(name: string): Rng {
    let rng = this.streams.get(name);
    if (rng === undefined) {
      rng = this.derive(name);
      this.streams.set(name, rng);
    }
    return rng;
  }

  /** A fresh generator for (seed, name), independent of any generator handed out before. */
  derive(name: string): Rng {
    // Four 32-bit lanes seeded from the two halves of the seed, then every UTF-16 code unit of the
    // name mixed into all of them with different multipliers (murmur3-style), then finalised.
    let h1 = mix32(this.seedLo ^ 0x9e3779b9);
    let h2 = mix32(this.seedHi ^ 0x85ebca6b);
    let h3 = mix32(this.seedLo ^ 0xc2b2ae35 ^ name.length);
    let h4 = mix32(this.seedHi ^ 0x27d4eb2f);
    for (let i = 0; i < name.length; i++) {
      const k = name.charCodeAt(i);
      h1 = Math.imul(h1 ^ k, 0x85ebca6b);
      h2 = Math.imul(h2 ^ k, 0xc2b2ae35);
      h3 = Math.imul(h3 ^ k, 0x27d4eb2f);
      h4 = Math.imul(h4 ^ k, 0x165667b1);
      h1 = (h1 << 13) | (h1 >>> 19);
      h2 = (h2 << 15) | (h2 >>> 17);
      h3 = (h3 << 17) | (h3 >>> 15);
      h4 = (h4 << 19) | (h4 >>> 13);
    }
    // Cross the lanes so every output word depends on every lane.
    h1 = mix32(h1 + h2 + h3 + h4);
    h2 = mix32(h2 ^ h1);
    h3 = mix32(h3 + h1);
    h4 = mix32(h4 ^ h2);
    return new Rng(h1, h2, h3, h4);
  }
}

/** The 32-bit finaliser of MurmurHash3: every input bit affects every output bit. */
function mix32(x: number): number {
  x |= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}
