import { test } from "node:test";
import assert from "node:assert/strict";
import {
  foldChecksum,
  internetChecksum,
  onesComplementSum,
  pseudoHeaderSum,
  tcpChecksum,
} from "../../src/wire/checksum.js";

function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7919 + 13) & 255;
  return b;
}

// Plain reference: 16-bit big-endian words, end-around carry after every addition.
function referenceChecksum(b: Uint8Array, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i += 2) {
    s += (b[i]! << 8) | (i + 1 < end ? b[i + 1]! : 0);
    s = (s & 0xffff) + (s >>> 16);
  }
  return ~s & 0xffff;
}

test("RFC 1071 §3 worked example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2", () => {
  const b = Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7);
  assert.equal(onesComplementSum(b, 0, b.length), 0xddf2);
  assert.equal(internetChecksum(b, 0, b.length), 0x220d);
});

test("the textbook IPv4 header (192.168.0.1 -> 192.168.0.199, UDP) has checksum 0xb861", () => {
  const header = Uint8Array.of(
    0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
    0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
  ); // prettier-ignore
  assert.equal(internetChecksum(header, 0, 20), 0xb861);
  header[10] = 0xb8;
  header[11] = 0x61;
  assert.equal(internetChecksum(header, 0, 20), 0, "a header with its checksum in place sums to zero");
});

// Expected values computed independently with python3:
//   def csum(b): b += b'\0' * (len(b) % 2); s = sum((b[i] << 8) | b[i+1] for i in range(0, len(b), 2))
//                while s >> 16: s = (s & 0xffff) + (s >> 16)
//                return ~s & 0xffff
//   for n in (97, 1500, 1501, 65535): print(n, hex(csum(bytes(((i*7919+13)&255) for i in range(n)))))
const KNOWN: Array<[number, number]> = [
  [97, 0x9a76],
  [1500, 0x29f5],
  [1501, 0xb8f4],
  [65535, 0x3fde],
];

test("known answers over patterned buffers (short, MTU-sized, odd, 64 KiB)", () => {
  for (const [n, expected] of KNOWN) {
    assert.equal(internetChecksum(pattern(n), 0, n), expected, `n=${n}`);
  }
});

test("the word-at-a-time path agrees with the reference at every alignment and length", () => {
  const backing = pattern(4200);
  for (let shift = 0; shift < 8; shift++) {
    const bytes = backing.subarray(shift);
    for (const start of [0, 1, 2, 3, 4, 5]) {
      for (const len of [0, 1, 2, 3, 63, 64, 65, 66, 67, 1499, 1500, 4000]) {
        const end = start + len;
        assert.equal(
          internetChecksum(bytes, start, end),
          referenceChecksum(bytes, start, end),
          `shift=${shift} start=${start} len=${len}`,
        );
      }
    }
  }
});

test("a minimal SYN's TCP checksum matches the python3-computed value", () => {
  // python3: struct.pack('!HHIIBBHHH', 40000, 80, 1, 0, 0x50, 0x02, 65535, 0, 0) with pseudo-header
  // 10.0.0.1 -> 10.0.0.2, proto 6, length 20 -> csum == 0xff4e
  const tcp = Uint8Array.of(0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0);
  const src = 0x0a000001;
  const dst = 0x0a000002;
  assert.equal(tcpChecksum(tcp, 0, 20, src, dst), 0xff4e);
  assert.equal(internetChecksum(tcp, 0, 20, pseudoHeaderSum(src, dst, 6, 20)), 0xff4e);
});

test("foldChecksum carries sums far beyond 32 bits correctly", () => {
  assert.equal(foldChecksum(0), 0);
  assert.equal(foldChecksum(0xffff), 0xffff);
  assert.equal(foldChecksum(0x10000), 1);
  assert.equal(foldChecksum(0x1fffe), 0xffff);
  // Folding is reduction modulo 0xffff (2^16 ≡ 1), so 2^40 ≡ 2^8 and 2^40 - 1 ≡ 0xff.
  assert.equal(foldChecksum(2 ** 40), 0x100);
  assert.equal(foldChecksum(2 ** 40 - 1), 0xff);
  assert.equal(foldChecksum(2 ** 48 + 5), 6);
});
