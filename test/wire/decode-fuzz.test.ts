// 100,000 random and mutated packets through decodePacket: nothing throws, every rejection names a
// DecodeReason, and every accepted segment survives a re-encode. Seeded, so a failure reproduces.
import { test } from "node:test";
import { decodePacket, encodeSegment } from "../../src/wire/codec.js";
import { ACK, FIN, PSH, SYN } from "../../src/wire/segment.js";
import { IPV6_ONLY_REASONS, fixIpChecksum, fixTcpChecksum, makeSegment, withOptions } from "./helpers.js";
import { runDecodeFuzz } from "./fuzz.js";

const SEED = 0x2b1d_f00d;
const ITERATIONS = 100_000;

const CORPUS: Uint8Array[] = [
  encodeSegment(
    makeSegment({
      flags: SYN,
      options: { mss: 1460, sackPermitted: true, timestamp: { val: 1, ecr: 0 }, wscale: 7 },
    }),
  ),
  encodeSegment(makeSegment({ flags: SYN | ACK, options: { mss: 1460, sackPermitted: true, wscale: 7 } })),
  encodeSegment(makeSegment({ flags: ACK, options: { timestamp: { val: 5, ecr: 6 } } })),
  encodeSegment(
    withOptions({
      timestamp: { val: 5, ecr: 6 },
      sack: [
        [100, 200],
        [300, 400],
        [500, 600],
      ],
    }),
  ),
  encodeSegment(makeSegment({ flags: ACK | PSH, payload: new Uint8Array(37).fill(0x5a) })),
  encodeSegment(makeSegment({ flags: FIN | ACK })),
];

function randomInt(rnd: () => number, n: number): number {
  return Math.floor(rnd() * n);
}

function randomBytes(rnd: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = randomInt(rnd, 256);
  return b;
}

/** A packet with a random option area (biased towards real kinds and plausible lengths), checksums fixed. */
function randomOptionsPacket(rnd: () => number): Uint8Array {
  const area = 4 * randomInt(rnd, 11);
  const opts: number[] = [];
  while (opts.length < area) {
    const pick = rnd();
    if (pick < 0.2) opts.push(1);
    else if (pick < 0.25) opts.push(0);
    else if (pick < 0.85) {
      const kind = [2, 3, 4, 5, 8, 30, 254][randomInt(rnd, 7)]!;
      const len =
        rnd() < 0.7
          ? (({ 2: 4, 3: 3, 4: 2, 5: 2 + 8 * (1 + randomInt(rnd, 4)), 8: 10 } as Record<number, number>)[
              kind
            ] ?? 2 + randomInt(rnd, 8))
          : randomInt(rnd, 16);
      opts.push(kind, len);
      for (let i = 2; i < len; i++) opts.push(randomInt(rnd, 256));
    } else opts.push(randomInt(rnd, 256));
  }
  opts.length = area;
  const payload = randomBytes(rnd, randomInt(rnd, 20));
  const base = encodeSegment(makeSegment({ payload }));
  const p = new Uint8Array(base.length + area);
  p.set(base.subarray(0, 40));
  p.set(opts, 40);
  p.set(payload, 40 + area);
  p[2] = p.length >>> 8;
  p[3] = p.length & 0xff;
  p[32] = ((20 + area) / 4) << 4;
  return fixTcpChecksum(fixIpChecksum(p));
}

function mutate(rnd: () => number): Uint8Array {
  const strategy = randomInt(rnd, 6);
  const base = CORPUS[randomInt(rnd, CORPUS.length)]!.slice();
  switch (strategy) {
    case 0: {
      // Pure noise, half of it dressed as IPv4 with IHL 5 so it gets past the first check.
      const b = randomBytes(rnd, randomInt(rnd, 100));
      if (b.length > 0 && rnd() < 0.5) b[0] = 0x45;
      return b;
    }
    case 1: {
      // A few bit flips anywhere.
      const flips = 1 + randomInt(rnd, 4);
      for (let i = 0; i < flips; i++) {
        const at = randomInt(rnd, base.length);
        base[at] = base[at]! ^ (1 << randomInt(rnd, 8));
      }
      return base;
    }
    case 2: {
      // Truncation, sometimes with the total length and checksums made consistent so deeper checks run.
      const cut = base.subarray(0, randomInt(rnd, base.length + 1));
      if (cut.length >= 20 && rnd() < 0.7) {
        cut[2] = cut.length >>> 8;
        cut[3] = cut.length & 0xff;
        fixIpChecksum(cut);
        if (cut.length >= 40 && rnd() < 0.5) fixTcpChecksum(cut);
      }
      return cut;
    }
    case 3:
      return randomOptionsPacket(rnd);
    case 4: {
      // A random IP header byte, checksum repaired: exercises version, IHL, length, fragment, protocol.
      base[randomInt(rnd, 20)] = randomInt(rnd, 256);
      if (rnd() < 0.8) fixIpChecksum(base);
      return base;
    }
    default: {
      // A random TCP header byte (data offset, flags, options...), TCP checksum usually repaired.
      base[20 + randomInt(rnd, base.length - 20)] = randomInt(rnd, 256);
      if (rnd() < 0.8) fixTcpChecksum(base);
      return base;
    }
  }
}

test(`fuzz: ${ITERATIONS} random and mutated packets (seed 0x${SEED.toString(16)})`, () => {
  // Whatever decodes must be encodable again and come back the same (our option layout may drop
  // SACK blocks a peer packed more tightly than we do). IPv6-only reasons: decode-fuzz6.
  runDecodeFuzz({
    seed: SEED,
    iterations: ITERATIONS,
    mutate,
    decode: decodePacket,
    encode: (seg) => encodeSegment(seg),
    unreachable: IPV6_ONLY_REASONS,
  });
});
