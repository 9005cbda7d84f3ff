import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decodePacket,
  decodeTcp,
  encodeSegment,
  encodeSegmentInto,
  encodedLength,
  type DecodeResult,
} from "../../src/wire/codec.js";
import { internetChecksum } from "../../src/wire/checksum.js";
import { WireEncodeError } from "../../src/wire/encode-error.js";
import {
  ACK,
  CWR,
  ECE,
  FIN,
  PSH,
  RST,
  SYN,
  URG,
  type Segment,
  type TcpOptions,
} from "../../src/wire/segment.js";
import { CLIENT, SERVER, makeSegment, withOptions } from "./helpers.js";

function decoded(result: DecodeResult): Segment {
  if (!result.ok) assert.fail(`decode failed: ${result.reason}: ${result.detail}`);
  return result.segment;
}

const OPTION_SETS: TcpOptions[] = [
  {},
  { mss: 1460 },
  { mss: 0 },
  { mss: 65535 },
  { wscale: 0 },
  { wscale: 14 },
  { wscale: 255 }, // sent as-is; clamping is the receiver's business (RFC 7323 §2.3)
  { sackPermitted: true },
  { timestamp: { val: 0, ecr: 0 } },
  { timestamp: { val: 0xffffffff, ecr: 0x80000000 } },
  { sack: [[0, 1]] },
  { sack: [[0xffffff00, 0x00000100]] }, // wraps around 2^32
  {
    sack: [
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ],
  },
  { mss: 1460, sackPermitted: true, timestamp: { val: 7, ecr: 0 }, wscale: 7 },
  { mss: 1460, sackPermitted: true, wscale: 7 },
  { mss: 1460, wscale: 7 },
  { mss: 1460, sackPermitted: true },
  { mss: 1460, timestamp: { val: 1, ecr: 2 } },
  { sackPermitted: true, timestamp: { val: 1, ecr: 2 } },
  {
    timestamp: { val: 1, ecr: 2 },
    sack: [
      [10, 20],
      [30, 40],
      [50, 60],
    ],
  },
  {
    mss: 1400,
    wscale: 2,
    sack: [
      [10, 20],
      [30, 40],
    ],
  },
];

const PAYLOADS = [0, 1, 2, 3, 512, 1460, 8961];

test("round trip over many option combinations, flags and payload sizes", () => {
  let n = 0;
  for (const options of OPTION_SETS) {
    for (const size of PAYLOADS) {
      const payload = new Uint8Array(size);
      for (let i = 0; i < size; i++) payload[i] = (i * 31 + size) & 255;
      for (const flags of [
        SYN,
        SYN | ACK,
        ACK,
        ACK | PSH,
        FIN | ACK,
        RST,
        RST | ACK,
        URG | ACK | ECE | CWR,
        0xff,
        0,
      ]) {
        const seg = withOptions(options, {
          flags,
          payload,
          seq: (0xfffffff0 + n) >>> 0,
          ack: (n * 7919) >>> 0,
          urgent: n & 0xffff,
        });
        const packet = encodeSegment(seg);
        assert.equal(packet.length, encodedLength(seg));
        assert.deepEqual(decoded(decodePacket(packet)), seg);
        n++;
      }
    }
  }
});

test("the IPv4 header: version 4, IHL 5, DF, TTL 64 unless given, id, protocol 6, valid checksum", () => {
  const seg = makeSegment({ payload: Uint8Array.of(1, 2, 3) });
  const p = encodeSegment(seg);
  assert.equal(p[0], 0x45);
  assert.equal((p[2]! << 8) | p[3]!, 43);
  assert.equal(p[6], 0x40, "DF set, MF clear");
  assert.equal(p[7], 0);
  assert.equal(p[8], 64);
  assert.equal(p[9], 6);
  assert.deepEqual([...p.subarray(12, 20)], [10, 0, 0, 1, 10, 0, 0, 2]);
  assert.equal(internetChecksum(p, 0, 20), 0);

  const q = encodeSegment(seg, { ttl: 1, id: 0xbeef });
  assert.equal(q[8], 1);
  assert.equal((q[4]! << 8) | q[5]!, 0xbeef);
  assert.equal(internetChecksum(q, 0, 20), 0);
  assert.deepEqual(decoded(decodePacket(q)), seg);
});

test("encodeSegmentInto writes at any offset of a reused buffer and reports the bytes written", () => {
  const buffer = new Uint8Array(4096).fill(0xee);
  const seg = withOptions({ timestamp: { val: 9, ecr: 8 } }, { payload: new Uint8Array(333).fill(5) });
  for (const offset of [0, 1, 2, 3, 7, 100]) {
    const written = encodeSegmentInto(seg, buffer, offset);
    assert.equal(written, encodedLength(seg));
    assert.equal(buffer[offset - 1] ?? 0xee, 0xee, "nothing written before the offset");
    assert.equal(buffer[offset + written], 0xee, "nothing written after the packet");
    assert.deepEqual(decoded(decodePacket(buffer.slice(offset, offset + written))), seg);
    // Same bytes as a fresh encode.
    assert.deepEqual(buffer.subarray(offset, offset + written), encodeSegment(seg));
    buffer.fill(0xee);
  }
});

test("the decoded payload is a view into the packet (documented: callers must not reuse the buffer)", () => {
  const packet = encodeSegment(makeSegment({ payload: Uint8Array.of(9, 8, 7) }));
  const seg = decoded(decodePacket(packet));
  assert.equal(seg.payload.buffer, packet.buffer);
  assert.deepEqual([...seg.payload], [9, 8, 7]);
});

test("bytes beyond the IPv4 total length (Ethernet padding) are ignored", () => {
  const seg = makeSegment();
  const packet = encodeSegment(seg);
  const padded = new Uint8Array(60).fill(0xab);
  padded.set(packet);
  assert.deepEqual(decoded(decodePacket(padded)), seg);
});

test("an IPv4 header with options (IHL 6) is accepted and skipped", () => {
  const seg = makeSegment({ payload: Uint8Array.of(1, 2) });
  const plain = encodeSegment(seg);
  const p = new Uint8Array(plain.length + 4);
  p.set(plain.subarray(0, 20));
  p.set(Uint8Array.of(1, 1, 1, 0), 20); // NOP NOP NOP EOL
  p.set(plain.subarray(20), 24);
  p[0] = 0x46;
  p[3] = p[3]! + 4;
  p[10] = 0;
  p[11] = 0;
  const c = internetChecksum(p, 0, 24);
  p[10] = c >>> 8;
  p[11] = c & 0xff;
  assert.deepEqual(decoded(decodePacket(p)), seg);
});

test("decodeTcp decodes a bare TCP segment given the addresses", () => {
  const seg = withOptions({ mss: 1200 }, { flags: SYN, payload: Uint8Array.of(4) });
  const tcp = encodeSegment(seg).subarray(20);
  assert.deepEqual(decoded(decodeTcp(tcp, CLIENT, SERVER)), seg);
  const wrongAddresses = decodeTcp(tcp, CLIENT, CLIENT);
  assert.equal(wrongAddresses.ok, false);
  assert.equal(
    !wrongAddresses.ok && wrongAddresses.reason,
    "bad-tcp-checksum",
    "the pseudo-header covers addresses",
  );
});

test("encoding rejects out-of-range fields with a coded WireEncodeError instead of wrapping them", () => {
  const bad: Array<[string, Segment]> = [
    ["srcPort", makeSegment({ srcPort: 65536 })],
    ["dstPort", makeSegment({ dstPort: -1 })],
    ["seq", makeSegment({ seq: 2 ** 32 })],
    ["ack", makeSegment({ ack: 1.5 })],
    ["window", makeSegment({ window: 70000 })],
    ["flags", makeSegment({ flags: 256 })],
    ["urgent", makeSegment({ urgent: NaN })],
    ["srcAddr", makeSegment({ srcAddr: -5 })],
    ["options.mss", withOptions({ mss: 65536 })],
    ["options.wscale", withOptions({ wscale: 256 })],
    ["options.timestamp", withOptions({ timestamp: { val: -1, ecr: 0 } })],
    ["options.sack", withOptions({ sack: [[0, 2 ** 32]] })],
  ];
  for (const [field, seg] of bad) {
    assert.throws(
      () => encodeSegment(seg),
      (e: unknown) => e instanceof WireEncodeError && e.code === "bad-field" && e.message.includes(field),
      field,
    );
  }
  assert.throws(
    () => encodeSegment(makeSegment(), { ttl: 300 }),
    (e: unknown) => e instanceof WireEncodeError && e.code === "bad-field",
  );
  assert.throws(
    () => encodeSegment(makeSegment({ payload: new Uint8Array(65535 - 40 + 1) })),
    (e: unknown) => e instanceof WireEncodeError && e.code === "segment-too-large",
  );
  assert.equal(encodeSegment(makeSegment({ payload: new Uint8Array(65535 - 40) })).length, 65535);
  assert.throws(
    () => encodeSegmentInto(makeSegment(), new Uint8Array(39), 0),
    (e: unknown) => e instanceof WireEncodeError && e.code === "buffer-too-small",
  );
  assert.throws(
    () => encodeSegmentInto(makeSegment(), new Uint8Array(60), 21),
    (e: unknown) => e instanceof WireEncodeError && e.code === "buffer-too-small",
  );
});
