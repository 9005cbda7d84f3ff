// TCP over IPv6: a hand-worked packet, the pseudo-header checksum against an independent reference,
// extension headers walked, the family dispatcher, and encode-side errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeAnyPacket,
  decodePacket6,
  decodeTcp6,
  encodeSegment6,
  encodeSegment6Into,
  encodedLength6,
} from "../../src/wire/codec6.js";
import { encodeSegment } from "../../src/wire/codec.js";
import { tcpChecksum6 } from "../../src/wire/checksum.js";
import { ipv6, parseIPv6, writeIPv6Address, type IPv6Address } from "../../src/wire/address6.js";
import { WireEncodeError } from "../../src/wire/encode-error.js";
import { emptyIPv6Header, readIPv6Header } from "../../src/wire/ipv6.js";
import { ACK, SYN } from "../../src/wire/segment.js";
import type { Segment6 } from "../../src/wire/segment6.js";
import {
  hex,
  insertExtensions,
  makeSegment,
  makeSegment6,
  optionsHeader,
  tcpFieldsArb,
  u32Arb,
  expectedAfterWire,
  type Extension,
} from "./helpers.js";

test("a SYN from [2001:db8::1]:40000 to [2001:db8::2]:80, byte for byte with a hand-worked checksum", () => {
  const seg = makeSegment6({ seq: 0, ack: 0, flags: SYN, window: 0xffff });
  // Checksum by hand (RFC 8200 §8.1 pseudo-header, then the TCP header with checksum 0):
  //   source 2001+0db8+0001 = 2dba, destination 2001+0db8+0002 = 2dbb, length 0014, next header 0006
  //   TCP: 9c40 + 0050 + 5002 (offset 5, SYN) + ffff (window) = 1ec91 -> ec92
  //   2dba + 2dbb + 0014 + 0006 + ec92 = 14821 -> 4822, complemented: b7dd
  const expected = [
    "60 00 00 00 00 14 06 40", // version 6, payload length 20, next header TCP, hop limit 64
    "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01",
    "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02",
    "9c 40 00 50 00 00 00 00 00 00 00 00 50 02 ff ff b7 dd 00 00",
  ].join(" ");
  const packet = encodeSegment6(seg);
  assert.equal(hex(packet), expected);
  const bare = packet.slice(40);
  bare[16] = 0;
  bare[17] = 0;
  assert.equal(tcpChecksum6(bare, 0, 20, seg.srcAddr, seg.dstAddr), 0xb7dd);
  const decoded = decodePacket6(packet);
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.segment, seg);
});

/** RFC 8200 §8.1 spelled out: the pseudo-header as bytes, then plain 16-bit sums. Shares no code with src. */
function referenceChecksum(src: IPv6Address, dst: IPv6Address, tcp: Uint8Array): number {
  const pseudo = new Uint8Array(40);
  writeIPv6Address(pseudo, 0, src);
  writeIPv6Address(pseudo, 16, dst);
  new DataView(pseudo.buffer).setUint32(32, tcp.length); // upper-layer packet length
  pseudo[39] = 6; // three zero bytes, then next header
  const all = new Uint8Array(40 + tcp.length + (tcp.length % 2));
  all.set(pseudo);
  all.set(tcp, 40);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += all[i]! * 256 + all[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return ~sum & 0xffff;
}

const address = fc.tuple(u32Arb, u32Arb, u32Arb, u32Arb).map(([a, b, c, d]) => ipv6(a, b, c, d));
const segment6Arb: fc.Arbitrary<Segment6> = fc.record(
  { srcAddr: address, dstAddr: address, ...tcpFieldsArb },
  { noNullPrototype: true },
);

test("property: the encoded checksum equals the RFC 8200 §8.1 reference at every buffer alignment", () => {
  const scratch = new Uint8Array(4096);
  fc.assert(
    fc.property(segment6Arb, fc.integer({ min: 0, max: 7 }), (seg, offset) => {
      const n = encodeSegment6Into(seg, scratch, offset);
      const tcp = scratch.slice(offset + 40, offset + n);
      const stored = (tcp[16]! << 8) | tcp[17]!;
      tcp[16] = 0;
      tcp[17] = 0;
      assert.equal(stored, referenceChecksum(seg.srcAddr, seg.dstAddr, tcp));
    }),
    { numRuns: 1000, seed: 0x8200 },
  );
});

test("property: decodePacket6(encodeSegment6(seg)) is seg, less the SACK blocks that cannot fit", () => {
  fc.assert(
    fc.property(segment6Arb, (seg) => {
      const r = decodePacket6(encodeSegment6(seg));
      if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
      assert.deepEqual(r.segment, expectedAfterWire(seg));
      const any = decodeAnyPacket(encodeSegment6(seg));
      assert.ok(any.ok && any.family === 6);
      assert.deepEqual(any.segment, r.segment);
    }),
    { numRuns: 2000, seed: 0x6 },
  );
});

test("the checksum covers the addresses: another source or destination fails it", () => {
  const packet = encodeSegment6(makeSegment6({ payload: Uint8Array.of(1, 2, 3) }));
  for (const at of [8, 23, 24, 39]) {
    const p = packet.slice();
    p[at] = p[at]! ^ 0x01;
    const r = decodePacket6(p);
    assert.ok(!r.ok && r.reason === "bad-tcp-checksum", `address byte ${at}`);
  }
});

const EXTENSIONS: Record<string, Extension> = {
  "hop-by-hop with PadN": optionsHeader(0, [1, 4, 0, 0, 0, 0]),
  "hop-by-hop with router alert": optionsHeader(0, [5, 2, 0, 0]),
  "destination options, unknown type with skip action": optionsHeader(60, [0x1e, 2, 0xab, 0xcd]),
  "routing type 0 (deprecated), segments left 0, one address": {
    nh: 43,
    rest: [2, 0, 0, 0, 0, 0, 0, ...new Array<number>(16).fill(7)],
  },
  "atomic fragment (RFC 6946)": { nh: 44, rest: [0, 0, 0, 0x12, 0x34, 0x56, 0x78] },
  "destination options, 24 bytes": optionsHeader(60, [1, 20, ...new Array<number>(20).fill(0)]),
};

test("extension headers are walked by their length, alone and chained", () => {
  const seg = makeSegment6({ flags: ACK, payload: new Uint8Array(33).fill(0x42), options: { mss: 1440 } });
  const base = encodeSegment6(seg);
  for (const [name, ext] of Object.entries(EXTENSIONS)) {
    const r = decodePacket6(insertExtensions(base, [ext]));
    assert.ok(r.ok, `${name}: ${r.ok ? "" : `${r.reason}: ${r.detail}`}`);
    assert.deepEqual(r.segment, seg, name);
  }
  const [hbh, , dst, routing, fragment, dst24] = Object.values(EXTENSIONS);
  const chain = [hbh!, dst!, routing!, fragment!, dst24!, dst!];
  const r = decodePacket6(insertExtensions(base, chain));
  assert.ok(r.ok, r.ok ? "" : r.detail);
  assert.deepEqual(r.segment, seg);
});

test("bytes beyond the payload length (link padding) are ignored", () => {
  const seg = makeSegment6({ payload: Uint8Array.of(9, 8, 7) });
  const padded = new Uint8Array(encodedLength6(seg) + 5).fill(0xff);
  encodeSegment6Into(seg, padded, 0);
  const r = decodePacket6(padded);
  assert.ok(r.ok);
  assert.deepEqual(r.segment, seg);
});

test("hop limit is the parameter, 64 by default (Linux)", () => {
  assert.equal(encodeSegment6(makeSegment6())[7], 64);
  assert.equal(encodeSegment6(makeSegment6(), { hopLimit: 1 })[7], 1);
});

test("decodeTcp6 decodes a bare TCP segment given the addresses", () => {
  const seg = makeSegment6({ payload: Uint8Array.of(1) });
  const r = decodeTcp6(encodeSegment6(seg).subarray(40), seg.srcAddr, seg.dstAddr);
  assert.ok(r.ok);
  assert.deepEqual(r.segment, seg);
  const wrong = decodeTcp6(encodeSegment6(seg).subarray(40), seg.dstAddr, seg.srcAddr);
  assert.ok(wrong.ok); // swapping addresses keeps the one's complement sum: it is commutative
  const other = decodeTcp6(encodeSegment6(seg).subarray(40), parseIPv6("2001:db8::3"), seg.dstAddr);
  assert.ok(!other.ok && other.reason === "bad-tcp-checksum");
});

test("decodeAnyPacket dispatches on the version nibble", () => {
  const v4 = makeSegment();
  const v6 = makeSegment6();
  const a = decodeAnyPacket(encodeSegment(v4));
  assert.ok(a.ok && a.family === 4);
  assert.deepEqual(a.segment, v4);
  const b = decodeAnyPacket(encodeSegment6(v6));
  assert.ok(b.ok && b.family === 6);
  assert.deepEqual(b.segment, v6);
  for (const [bytes, reason] of [
    [new Uint8Array(0), "short-packet"],
    [Uint8Array.of(0x50, 0, 0), "bad-ip-version"],
    [Uint8Array.of(0x60), "short-packet"],
    [Uint8Array.of(0x45), "short-packet"],
  ] as const) {
    const r = decodeAnyPacket(bytes);
    assert.ok(!r.ok && r.reason === reason, `${hex(bytes)}: ${r.ok ? "ok" : r.reason}`);
  }
});

test("encoding refuses out-of-range fields with coded errors", () => {
  const bad = (seg: Segment6, code: string, hopLimit?: number) =>
    assert.throws(
      () => encodeSegment6(seg, hopLimit === undefined ? undefined : { hopLimit }),
      (e: unknown) => e instanceof WireEncodeError && e.code === code,
    );
  bad(makeSegment6({ srcAddr: { w0: -1, w1: 0, w2: 0, w3: 0 } }), "bad-field");
  bad(makeSegment6({ dstAddr: { w0: 0, w1: 0, w2: 2 ** 32, w3: 0 } }), "bad-field");
  bad(makeSegment6({ dstAddr: { w0: 0, w1: 0, w2: 0, w3: 1.5 } }), "bad-field");
  bad(makeSegment6({ srcPort: 65536 }), "bad-field");
  bad(makeSegment6(), "bad-field", 256);
  bad(makeSegment6({ payload: new Uint8Array(0xffff - 20 + 1) }), "segment-too-large");
  encodeSegment6(makeSegment6({ payload: new Uint8Array(0xffff - 20) })); // exactly the maximum
  assert.throws(
    () => encodeSegment6Into(makeSegment6(), new Uint8Array(59), 0),
    (e: unknown) => e instanceof WireEncodeError && e.code === "buffer-too-small",
  );
});

test("readIPv6Header reports the fixed header's fields and where the upper layer starts", () => {
  const p = insertExtensions(
    encodeSegment6(makeSegment6({ payload: Uint8Array.of(1, 2) }), { hopLimit: 7 }),
    [optionsHeader(0), { nh: 44, rest: [0, 0, 0, 0, 0, 0, 1] }],
  );
  p.set([0x6f, 0xfa, 0xbc, 0xde], 0); // traffic class 0xff, flow label 0xabcde
  const h = emptyIPv6Header();
  assert.equal(readIPv6Header(p, h), null);
  assert.deepEqual(h, {
    trafficClass: 0xff,
    flowLabel: 0xabcde,
    payloadLength: 8 + 8 + 20 + 2,
    hopLimit: 7,
    srcAddr: parseIPv6("2001:db8::1"),
    dstAddr: parseIPv6("2001:db8::2"),
    protocol: 6,
    upperStart: 56,
    end: 78,
    extensionHeaders: 2,
  });
});
