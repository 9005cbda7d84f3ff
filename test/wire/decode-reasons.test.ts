// Every DecodeReason, each produced by a packet crafted to fail exactly that check.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodePacket, encodeSegment } from "../../src/wire/codec.js";
import { DECODE_REASONS, type DecodeReason } from "../../src/wire/decode-error.js";
import type { TcpOptions } from "../../src/wire/segment.js";
import { IPV6_ONLY_REASONS, fixIpChecksum, fixTcpChecksum, makeSegment, withOptions } from "./helpers.js";

function valid(options: TcpOptions = {}, payloadLength = 4): Uint8Array {
  return encodeSegment(withOptions(options, { payload: new Uint8Array(payloadLength).fill(0x61) }));
}

/** A packet whose TCP header carries exactly these option bytes (padded with EOL to 4 bytes), checksums fixed. */
function withRawOptions(optionBytes: number[]): Uint8Array {
  const padded = [...optionBytes];
  while (padded.length % 4 !== 0) padded.push(0);
  const base = encodeSegment(makeSegment({ payload: Uint8Array.of(1, 2, 3) }));
  const p = new Uint8Array(base.length + padded.length);
  p.set(base.subarray(0, 40));
  p.set(padded, 40);
  p.set(base.subarray(40), 40 + padded.length);
  p[3] = p.length & 0xff;
  p[2] = p.length >>> 8;
  p[32] = ((20 + padded.length) / 4) << 4;
  return fixTcpChecksum(fixIpChecksum(p));
}

const CASES: Array<{ reason: DecodeReason; name: string; packet: () => Uint8Array }> = [
  { reason: "short-packet", name: "empty buffer", packet: () => new Uint8Array(0) },
  { reason: "short-packet", name: "19 bytes of an IPv4 header", packet: () => valid().subarray(0, 19) },
  {
    reason: "bad-ip-version",
    name: "IPv6 version nibble",
    packet: () => fixIpChecksum(setByte(valid(), 0, 0x65)),
  },
  { reason: "bad-ip-version", name: "version 0 on a 1-byte buffer", packet: () => Uint8Array.of(0x05) },
  { reason: "bad-ip-header-length", name: "IHL 4", packet: () => setByte(valid(), 0, 0x44) },
  {
    reason: "bad-ip-header-length",
    name: "IHL 15 beyond a 44-byte packet",
    packet: () => setByte(valid(), 0, 0x4f),
  },
  { reason: "bad-ip-total-length", name: "total length 19", packet: () => setU16(valid(), 2, 19) },
  {
    reason: "bad-ip-total-length",
    name: "total length past the buffer",
    packet: () => setU16(valid(), 2, 45),
  },
  { reason: "bad-ip-checksum", name: "flipped checksum bit", packet: () => flip(valid(), 11, 0x01) },
  {
    reason: "bad-ip-checksum",
    name: "TTL changed without fixing the checksum",
    packet: () => setByte(valid(), 8, 1),
  },
  { reason: "ip-fragment", name: "MF set", packet: () => fixIpChecksum(setU16(valid(), 6, 0x2000)) },
  {
    reason: "ip-fragment",
    name: "fragment offset 8",
    packet: () => fixIpChecksum(setU16(valid(), 6, 0x4001)),
  },
  { reason: "not-tcp", name: "protocol 17 (UDP)", packet: () => fixIpChecksum(setByte(valid(), 9, 17)) },
  {
    reason: "short-tcp-header",
    name: "19 bytes after the IPv4 header",
    packet: () => fixIpChecksum(setU16(valid({}, 0).subarray(0, 39), 2, 39)),
  },
  { reason: "bad-data-offset", name: "data offset 4", packet: () => setByte(valid(), 32, 0x40) },
  {
    reason: "bad-data-offset",
    name: "data offset 7 past 24 bytes of TCP",
    packet: () => setByte(valid(), 32, 0x70),
  },
  { reason: "bad-option-length", name: "option length 0", packet: () => withRawOptions([0x1e, 0]) },
  { reason: "bad-option-length", name: "option length 1", packet: () => withRawOptions([1, 1, 0x1e, 1]) },
  {
    reason: "bad-option-length",
    name: "option running past the header",
    packet: () => withRawOptions([2, 8, 5, 0xb4]),
  },
  {
    reason: "bad-option-length",
    name: "kind without a length byte",
    packet: () => withRawOptions([1, 1, 1, 2]),
  },
  { reason: "bad-option-value", name: "MSS with length 3", packet: () => withRawOptions([2, 3, 5, 1]) },
  {
    reason: "bad-option-value",
    name: "window scale with length 4",
    packet: () => withRawOptions([3, 4, 7, 1]),
  },
  {
    reason: "bad-option-value",
    name: "SACK-permitted with length 3",
    packet: () => withRawOptions([4, 3, 0, 1]),
  },
  { reason: "bad-option-value", name: "SACK with no block", packet: () => withRawOptions([1, 1, 5, 2]) },
  {
    reason: "bad-option-value",
    name: "SACK with half a block",
    packet: () => withRawOptions([5, 6, 0, 0, 0, 1]),
  },
  {
    reason: "bad-option-value",
    name: "timestamps with length 6",
    packet: () => withRawOptions([1, 1, 8, 6, 0, 0, 0, 1]),
  },
  { reason: "bad-tcp-checksum", name: "flipped payload bit", packet: () => flip(valid(), 42, 0x10) },
  {
    reason: "bad-tcp-checksum",
    name: "flipped option bit",
    packet: () => flip(valid({ mss: 1460 }), 43, 0x80),
  },
];

function setByte(p: Uint8Array, at: number, value: number): Uint8Array {
  p[at] = value;
  return p;
}
function setU16(p: Uint8Array, at: number, value: number): Uint8Array {
  p[at] = value >>> 8;
  p[at + 1] = value & 0xff;
  return p;
}
function flip(p: Uint8Array, at: number, mask: number): Uint8Array {
  p[at] = p[at]! ^ mask;
  return p;
}

for (const c of CASES) {
  test(`${c.reason}: ${c.name}`, () => {
    const result = decodePacket(c.packet());
    assert.equal(result.ok, false, "must be rejected");
    if (!result.ok) {
      assert.equal(result.reason, c.reason, result.detail);
      assert.ok(result.detail.length > 0);
    }
  });
}

test("every DecodeReason an IPv4 packet can get has at least one crafted case (IPv6: decode-reasons6)", () => {
  const covered = new Set(CASES.map((c) => c.reason));
  for (const reason of DECODE_REASONS) {
    if (!IPV6_ONLY_REASONS.has(reason)) assert.ok(covered.has(reason), `no case for ${reason}`);
  }
});

test("options that are legal but unusual are accepted", () => {
  // An unknown kind 30 of length 6 is skipped by its length (RFC 9293 MUST-68); MSS after it still counts.
  const unknown = decodePacket(withRawOptions([30, 6, 1, 2, 3, 4, 2, 4, 5, 0xb4]));
  assert.ok(unknown.ok);
  assert.deepEqual(unknown.segment.options, { mss: 1460 });

  // EOL ends the list: the malformed bytes after it are padding, not options.
  const eol = decodePacket(withRawOptions([2, 4, 2, 0, 0, 0xff, 0, 1]));
  assert.ok(eol.ok);
  assert.deepEqual(eol.segment.options, { mss: 512 });

  // Options packed without NOP padding, in a non-Linux order (as other stacks send them).
  const packed = decodePacket(
    withRawOptions([3, 3, 6, 4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0, 2, 4, 0x05, 0xdc]),
  );
  assert.ok(packed.ok);
  assert.deepEqual(packed.segment.options, {
    wscale: 6,
    sackPermitted: true,
    timestamp: { val: 9, ecr: 0 },
    mss: 1500,
  });

  // A repeated option: the last one wins.
  const repeated = decodePacket(withRawOptions([2, 4, 0, 100, 2, 4, 0, 200]));
  assert.ok(repeated.ok);
  assert.equal(repeated.segment.options.mss, 200);

  // An all-NOP option area decodes as no options.
  const nops = decodePacket(withRawOptions([1, 1, 1, 1]));
  assert.ok(nops.ok);
  assert.deepEqual(nops.segment.options, {});
});
