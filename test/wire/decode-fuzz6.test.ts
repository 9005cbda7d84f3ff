// 50,000 random and mutated IPv6 packets through decodePacket6 (and the dispatcher): nothing
// throws, every rejection names a DecodeReason, every accepted segment survives a re-encode, and
// every reason an IPv6 packet can get is reached. Seeded, so a failure reproduces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeAnyPacket, decodePacket6, encodeSegment6 } from "../../src/wire/codec6.js";
import { ACK, FIN, PSH, SYN } from "../../src/wire/segment.js";
import {
  IPV4_ONLY_REASONS,
  fixTcpChecksum6,
  insertExtensions,
  makeSegment6,
  type Extension,
} from "./helpers.js";
import { runDecodeFuzz } from "./fuzz.js";

const SEED = 0x6_f00d;
const ITERATIONS = 50_000;

const CORPUS: Uint8Array[] = [
  encodeSegment6(
    makeSegment6({
      flags: SYN,
      options: { mss: 1440, sackPermitted: true, timestamp: { val: 1, ecr: 0 }, wscale: 7 },
    }),
  ),
  encodeSegment6(makeSegment6({ flags: ACK, options: { timestamp: { val: 5, ecr: 6 } } })),
  encodeSegment6(makeSegment6({ flags: ACK | PSH, payload: new Uint8Array(37).fill(0x5a) })),
  encodeSegment6(makeSegment6({ flags: FIN | ACK })),
];

function randomInt(rnd: () => number, n: number): number {
  return Math.floor(rnd() * n);
}

function randomBytes(rnd: () => number, n: number): number[] {
  return Array.from({ length: n }, () => randomInt(rnd, 256));
}

/** Options for a hop-by-hop or destination header: mostly padding and known types, some junk. */
function randomOptions(rnd: () => number, length: number): number[] {
  const out: number[] = [];
  while (out.length < length) {
    const pick = rnd();
    if (pick < 0.3) out.push(0);
    else if (pick < 0.85) {
      const type = [1, 5, 0x1e, 0x7e, 0xde, 0xc2, 0x04][randomInt(rnd, 7)]!;
      const len = rnd() < 0.8 ? randomInt(rnd, 6) : randomInt(rnd, 256);
      out.push(type, len, ...randomBytes(rnd, Math.min(len, length)));
    } else out.push(randomInt(rnd, 256));
  }
  return out.slice(0, length);
}

/** One extension header, usually well formed, sometimes not. */
function randomExtension(rnd: () => number): Extension {
  const nh = [0, 60, 43, 44, 51, 60, 0][randomInt(rnd, 7)]!;
  const sane = rnd() < 0.85;
  if (nh === 44) {
    const field = sane && rnd() < 0.7 ? 0 : randomInt(rnd, 0x10000);
    return { nh, rest: [0, field >>> 8, field & 0xff, ...randomBytes(rnd, 4)] };
  }
  if (nh === 51) {
    const len = sane ? 1 + 2 * randomInt(rnd, 3) : randomInt(rnd, 256);
    return { nh, rest: [len, ...randomBytes(rnd, sane ? (len + 2) * 4 - 2 : randomInt(rnd, 30))] };
  }
  const units = randomInt(rnd, 3);
  const length = sane ? (units + 1) * 8 : randomInt(rnd, 40);
  if (nh === 43) {
    const segmentsLeft = rnd() < 0.7 ? 0 : randomInt(rnd, 4);
    return {
      nh,
      rest: [units, randomInt(rnd, 5), segmentsLeft, ...randomBytes(rnd, Math.max(0, length - 4))],
    };
  }
  return { nh, rest: [sane ? units : randomInt(rnd, 256), ...randomOptions(rnd, Math.max(0, length - 2))] };
}

function mutate(rnd: () => number): Uint8Array {
  const base = CORPUS[randomInt(rnd, CORPUS.length)]!.slice();
  switch (randomInt(rnd, 6)) {
    case 0: {
      // Noise dressed as IPv6, sometimes with a consistent payload length.
      const b = Uint8Array.from(randomBytes(rnd, randomInt(rnd, 120)));
      if (b.length > 0) b[0] = (6 << 4) | (b[0]! & 0x0f);
      if (b.length >= 40 && rnd() < 0.5) {
        b[4] = (b.length - 40) >>> 8;
        b[5] = (b.length - 40) & 0xff;
      }
      return b;
    }
    case 1: {
      const flips = 1 + randomInt(rnd, 4);
      for (let i = 0; i < flips; i++) {
        const at = randomInt(rnd, base.length);
        base[at] = base[at]! ^ (1 << randomInt(rnd, 8));
      }
      return base;
    }
    case 2: {
      const cut = base.subarray(0, randomInt(rnd, base.length + 1));
      if (cut.length >= 40 && rnd() < 0.7) {
        cut[4] = (cut.length - 40) >>> 8;
        cut[5] = (cut.length - 40) & 0xff;
        if (cut.length >= 60 && rnd() < 0.5) fixTcpChecksum6(cut);
      }
      return cut;
    }
    case 3: {
      // A chain of extension headers, sometimes ending in something that is not TCP.
      const chain = Array.from({ length: 1 + randomInt(rnd, 4) }, () => randomExtension(rnd));
      const upper = rnd() < 0.85 ? 6 : [17, 50, 58, 59, 135][randomInt(rnd, 5)]!;
      const p = insertExtensions(base, chain, upper);
      if (rnd() < 0.1) {
        p[4] = 0;
        p[5] = 0;
      }
      return p;
    }
    case 4: {
      // A random fixed-header byte: version, payload length, next header.
      base[[0, 4, 5, 6, 7][randomInt(rnd, 5)]!] = randomInt(rnd, 256);
      return base;
    }
    default: {
      base[40 + randomInt(rnd, base.length - 40)] = randomInt(rnd, 256);
      if (rnd() < 0.8) fixTcpChecksum6(base);
      return base;
    }
  }
}

test(`fuzz: ${ITERATIONS} random and mutated IPv6 packets (seed 0x${SEED.toString(16)})`, () => {
  runDecodeFuzz({
    seed: SEED,
    iterations: ITERATIONS,
    mutate,
    decode: (packet) => {
      const result = decodePacket6(packet);
      // The dispatcher must agree whenever the version nibble sends the packet to IPv6.
      if (packet.length > 0 && packet[0]! >>> 4 === 6) {
        const any = decodeAnyPacket(packet);
        assert.equal(any.ok ? "ok" : any.reason, result.ok ? "ok" : result.reason);
      }
      return result;
    },
    encode: (seg) => encodeSegment6(seg),
    unreachable: IPV4_ONLY_REASONS,
  });
});
