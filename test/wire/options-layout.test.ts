// Linux's option byte layout (shared/spec/linux-profile.md "Option layout", tcp_options_write),
// asserted byte for byte on the encoded packet.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeSegment, decodePacket, TCP_HEADER_LENGTH } from "../../src/wire/codec.js";
import { IPV4_HEADER_LENGTH } from "../../src/wire/ipv4.js";
import { optionsLength, sackBlocksThatFit } from "../../src/wire/options.js";
import { ACK, SYN, type TcpOptions } from "../../src/wire/segment.js";
import { hex, withOptions } from "./helpers.js";

const TS = { val: 0x01020304, ecr: 0 };
const TS2 = { val: 0x0a0b0c0d, ecr: 0x11223344 };

/** Encode a segment with these options and return the option bytes and the data offset in bytes. */
function optionBytes(options: TcpOptions, flags = SYN): { bytes: string; headerLength: number } {
  const packet = encodeSegment(withOptions(options, { flags }));
  const headerLength = (packet[IPV4_HEADER_LENGTH + 12]! >>> 4) * 4;
  return {
    bytes: hex(packet.subarray(IPV4_HEADER_LENGTH + TCP_HEADER_LENGTH, IPV4_HEADER_LENGTH + headerLength)),
    headerLength,
  };
}

const CASES: Array<{ name: string; options: TcpOptions; flags?: number; expected: string }> = [
  {
    name: "SYN with everything: <mss,sackOK,TS,nop,wscale>",
    options: { mss: 1460, sackPermitted: true, timestamp: TS, wscale: 8 },
    expected: "02 04 05 b4 04 02 08 0a 01 02 03 04 00 00 00 00 01 03 03 08",
  },
  {
    name: "without timestamps: <mss,nop,nop,sackOK,nop,wscale>",
    options: { mss: 1460, sackPermitted: true, wscale: 8 },
    expected: "02 04 05 b4 01 01 04 02 01 03 03 08",
  },
  {
    name: "no SACK: <mss,nop,wscale>",
    options: { mss: 1460, wscale: 8 },
    expected: "02 04 05 b4 01 03 03 08",
  },
  {
    name: "no wscale: <mss,nop,nop,sackOK>",
    options: { mss: 1460, sackPermitted: true },
    expected: "02 04 05 b4 01 01 04 02",
  },
  {
    name: "peer offered nothing: <mss>",
    options: { mss: 1460 },
    expected: "02 04 05 b4",
  },
  {
    name: "timestamps without SACK on a SYN: <mss,nop,nop,TS,nop,wscale>",
    options: { mss: 536, timestamp: TS, wscale: 0 },
    expected: "02 04 02 18 01 01 08 0a 01 02 03 04 00 00 00 00 01 03 03 00",
  },
  {
    name: "established: <nop,nop,TS>",
    options: { timestamp: TS2 },
    flags: ACK,
    expected: "01 01 08 0a 0a 0b 0c 0d 11 22 33 44",
  },
  {
    name: "established with SACK: <nop,nop,TS,nop,nop,sack 1>",
    options: { timestamp: TS2, sack: [[0x1000, 0x2000]] },
    flags: ACK,
    expected: "01 01 08 0a 0a 0b 0c 0d 11 22 33 44 01 01 05 0a 00 00 10 00 00 00 20 00",
  },
  {
    name: "SACK without timestamps: <nop,nop,sack 2>",
    options: {
      sack: [
        [1, 2],
        [0xfffffff0, 0xffffffff],
      ],
    },
    flags: ACK,
    expected: "01 01 05 12 00 00 00 01 00 00 00 02 ff ff ff f0 ff ff ff ff",
  },
];

for (const c of CASES) {
  test(`Linux option layout, ${c.name}`, () => {
    const { bytes, headerLength } = optionBytes(c.options, c.flags);
    assert.equal(bytes, c.expected);
    assert.equal(headerLength % 4, 0);
    assert.equal(headerLength, TCP_HEADER_LENGTH + c.expected.split(" ").length);
  });
}

test("no options: a bare 20-byte TCP header", () => {
  const { bytes, headerLength } = optionBytes({}, ACK);
  assert.equal(bytes, "");
  assert.equal(headerLength, 20);
});

test("SACK blocks that do not fit the 40-byte option space are left off, first blocks kept", () => {
  const blocks: Array<[number, number]> = [
    [10, 20],
    [30, 40],
    [50, 60],
    [70, 80],
    [90, 100],
  ];
  // Without timestamps 4 blocks fit (4 + 32 = 36 bytes); with them 3 (12 + 4 + 24 = 40).
  assert.equal(sackBlocksThatFit({ sack: blocks }), 4);
  assert.equal(sackBlocksThatFit({ sack: blocks, timestamp: TS2 }), 3);
  assert.equal(optionsLength({ sack: blocks, timestamp: TS2 }), 40);

  const withTs = decodePacket(encodeSegment(withOptions({ sack: blocks, timestamp: TS2 })));
  assert.ok(withTs.ok);
  assert.deepEqual(withTs.segment.options.sack, blocks.slice(0, 3));
  const without = decodePacket(encodeSegment(withOptions({ sack: blocks })));
  assert.ok(without.ok);
  assert.deepEqual(without.segment.options.sack, blocks.slice(0, 4));

  // Everything a SYN can carry (20 bytes) leaves room for 2 blocks; the header stays at 60 bytes.
  const full = { mss: 1460, sackPermitted: true, timestamp: TS, wscale: 14, sack: blocks };
  assert.equal(sackBlocksThatFit(full), 2);
  assert.equal(optionBytes(full).headerLength, 60);
});

test("an empty SACK list sends no SACK option at all", () => {
  assert.equal(optionBytes({ sack: [] }, ACK).bytes, "");
  assert.equal(optionBytes({ sackPermitted: false }, ACK).bytes, "");
});
