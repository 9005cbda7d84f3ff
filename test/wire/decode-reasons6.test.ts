// Every DecodeReason an IPv6 packet can get, each from a packet crafted to fail exactly that check.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeAnyPacket, decodePacket6, encodeSegment6 } from "../../src/wire/codec6.js";
import { DECODE_REASONS, type DecodeReason } from "../../src/wire/decode-error.js";
import {
  IPV4_ONLY_REASONS,
  fixTcpChecksum6,
  insertExtensions,
  makeSegment6,
  optionsHeader,
  type Extension,
} from "./helpers.js";

function valid(payloadLength = 4): Uint8Array {
  return encodeSegment6(makeSegment6({ payload: new Uint8Array(payloadLength).fill(0x61) }));
}

function set(p: Uint8Array, at: number, ...values: number[]): Uint8Array {
  p.set(values, at);
  return p;
}

function withExt(...extensions: Extension[]): Uint8Array {
  return insertExtensions(valid(), extensions);
}

/** A TCP packet with option bytes in its TCP header (EOL-padded to 4 bytes), checksum fixed. */
function withTcpOptions(optionBytes: number[]): Uint8Array {
  const padded = [...optionBytes];
  while (padded.length % 4 !== 0) padded.push(0);
  const base = valid(3);
  const p = new Uint8Array(base.length + padded.length);
  p.set(base.subarray(0, 60));
  p.set(padded, 60);
  p.set(base.subarray(60), 60 + padded.length);
  set(p, 4, (p.length - 40) >>> 8, (p.length - 40) & 0xff);
  p[52] = ((20 + padded.length) / 4) << 4;
  return fixTcpChecksum6(p);
}

const FRAGMENT = 44;
const routing = (segmentsLeft: number): Extension => ({
  nh: 43,
  rest: [2, 4, segmentsLeft, 0, 0, 0, 0, ...new Array<number>(16).fill(1)],
});
const fragment = (offsetField: number): Extension => ({
  nh: FRAGMENT,
  rest: [0, offsetField >>> 8, offsetField & 0xff, 0, 0, 0, 1],
});

const CASES: Array<{ reason: DecodeReason; name: string; packet: () => Uint8Array }> = [
  { reason: "short-packet", name: "empty buffer", packet: () => new Uint8Array(0) },
  { reason: "short-packet", name: "39 bytes of an IPv6 header", packet: () => valid().subarray(0, 39) },
  { reason: "bad-ip-version", name: "version 4 given to decodePacket6", packet: () => set(valid(), 0, 0x45) },
  { reason: "bad-ip-version", name: "version 7", packet: () => set(valid(), 0, 0x70) },
  {
    reason: "bad-ip-total-length",
    name: "payload length one past the bytes",
    packet: () => set(valid(), 4, 0, 25),
  },
  {
    reason: "bad-ip-total-length",
    name: "payload length 65535 on a short packet",
    packet: () => set(valid(), 4, 0xff, 0xff),
  },
  {
    reason: "ipv6-jumbogram",
    name: "payload length 0 with hop-by-hop (RFC 2675)",
    packet: () => set(withExt(optionsHeader(0)), 4, 0, 0),
  },
  {
    reason: "ipv6-jumbogram",
    name: "jumbo payload option in hop-by-hop",
    packet: () => withExt(optionsHeader(0, [0xc2, 4, 0, 1, 0, 0])),
  },
  {
    reason: "bad-ipv6-extension-header",
    name: "extension header with fewer than 8 bytes left",
    packet: () => {
      const p = valid(0).subarray(0, 44);
      return set(p, 4, 0, 4, 60); // payload length 4, next header destination options
    },
  },
  {
    reason: "bad-ipv6-extension-header",
    name: "destination options header longer than the payload",
    packet: () => withExt({ nh: 60, rest: [0xff, 1, 4, 0, 0, 0, 0] }),
  },
  {
    reason: "bad-ipv6-extension-header",
    name: "routing header longer than the payload",
    packet: () => withExt({ nh: 43, rest: [0xff, 0, 0, 0, 0, 0, 0, ...new Array<number>(16).fill(0)] }),
  },
  {
    reason: "bad-ipv6-extension-header",
    name: "hop-by-hop after a destination options header (RFC 8200 §4.1)",
    packet: () => withExt(optionsHeader(60), optionsHeader(0)),
  },
  {
    reason: "bad-ipv6-extension-header",
    name: "PadN running past its header",
    packet: () => withExt(optionsHeader(60, [1, 9])),
  },
  {
    reason: "bad-ipv6-extension-header",
    name: "option type without a length byte at the end of its header",
    packet: () => withExt({ nh: 60, rest: [0, 0, 0, 0, 0, 0, 5] }),
  },
  {
    reason: "ipv6-unknown-option",
    name: "unknown option with action 01 (discard)",
    packet: () => withExt(optionsHeader(0, [0x7e, 0])),
  },
  {
    reason: "ipv6-unknown-option",
    name: "unknown option with action 11 in destination options",
    packet: () => withExt(optionsHeader(60, [1, 0, 0xde, 1, 0])),
  },
  {
    reason: "ipv6-routing-segments-left",
    name: "routing header with 1 segment left",
    packet: () => withExt(routing(1)),
  },
  { reason: "ip-fragment", name: "non-first fragment", packet: () => withExt(fragment(0x00b8)) },
  { reason: "ip-fragment", name: "first fragment of several (M 1)", packet: () => withExt(fragment(0x0001)) },
  {
    reason: "ipv6-ipsec-header",
    name: "ESP after a destination options header",
    packet: () => insertExtensions(valid(), [optionsHeader(60)], 50),
  },
  {
    reason: "ipv6-ipsec-header",
    name: "a well-formed authentication header (no security association)",
    packet: () =>
      withExt({ nh: 51, rest: [4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9, ...new Array<number>(12).fill(0xee)] }),
  },
  { reason: "not-tcp", name: "next header UDP (17)", packet: () => set(valid(), 6, 17) },
  { reason: "not-tcp", name: "no next header (59)", packet: () => set(valid(), 6, 59) },
  {
    reason: "not-tcp",
    name: "ICMPv6 behind a hop-by-hop header",
    packet: () => insertExtensions(valid(), [optionsHeader(0)], 58),
  },
  {
    reason: "short-tcp-header",
    name: "19 bytes of TCP",
    packet: () => set(valid(0).subarray(0, 59), 4, 0, 19),
  },
  {
    reason: "short-tcp-header",
    name: "19 bytes of TCP after a fragment header",
    packet: () => {
      const p = insertExtensions(valid(0), [fragment(0)]);
      return set(p.subarray(0, p.length - 1), 4, 0, p.length - 41);
    },
  },
  { reason: "bad-data-offset", name: "data offset 4", packet: () => set(valid(), 52, 0x40) },
  {
    reason: "bad-data-offset",
    name: "data offset 7 past 24 bytes of TCP",
    packet: () => set(valid(), 52, 0x70),
  },
  { reason: "bad-option-length", name: "option length 0", packet: () => withTcpOptions([0x1e, 0]) },
  { reason: "bad-option-value", name: "MSS with length 3", packet: () => withTcpOptions([2, 3, 5, 1]) },
  {
    reason: "bad-tcp-checksum",
    name: "flipped payload bit",
    packet: () => {
      const p = valid();
      p[62] = p[62]! ^ 0x10;
      return p;
    },
  },
  {
    reason: "bad-tcp-checksum",
    name: "flipped destination address bit (the pseudo-header)",
    packet: () => {
      const p = valid();
      p[39] = p[39]! ^ 0x02;
      return p;
    },
  },
];

for (const c of CASES) {
  test(`${c.reason}: ${c.name}`, () => {
    const result = decodePacket6(c.packet());
    assert.equal(result.ok, false, "must be rejected");
    if (!result.ok) {
      assert.equal(result.reason, c.reason, result.detail);
      assert.ok(result.detail.length > 0);
    }
    // The dispatcher gives the same answer unless the version nibble sends the packet to IPv4.
    const packet = c.packet();
    if (packet.length > 0 && packet[0]! >>> 4 === 6) {
      const any = decodeAnyPacket(packet);
      assert.ok(!any.ok && any.reason === c.reason);
    }
  });
}

test("every DecodeReason an IPv6 packet can get has at least one crafted case", () => {
  const covered = new Set(CASES.map((c) => c.reason));
  for (const reason of DECODE_REASONS) {
    if (!IPV4_ONLY_REASONS.has(reason)) assert.ok(covered.has(reason), `no case for ${reason}`);
  }
});

test("hop limit, traffic class and flow label are outside the checksum (RFC 8200 §8.1)", () => {
  const p = set(valid(), 7, 1);
  set(p, 0, 0x6f, 0xfa, 0xbc, 0xde);
  const r = decodePacket6(p);
  assert.ok(r.ok, r.ok ? "" : r.detail);
});

test("details name the header and the numbers", () => {
  const detail = (p: Uint8Array) => {
    const r = decodePacket6(p);
    assert.ok(!r.ok);
    return r.detail;
  };
  assert.match(detail(withExt(routing(3))), /3 segments left/);
  assert.match(detail(withExt(fragment(0x00b8))), /offset 184/);
  assert.match(detail(set(valid(), 6, 17)), /UDP \(17\)/);
  assert.match(detail(withExt(optionsHeader(0, [0x7e, 0]))), /0x7e.*hop-by-hop/);
  assert.match(detail(set(valid(), 4, 0, 25)), /payload length 25 but only 24 bytes/);
});

test("decoding never reads past the buffer it was given: a subarray view gives the same verdicts", () => {
  for (const c of CASES) {
    const p = c.packet();
    const big = new Uint8Array(p.length + 64).fill(0xff);
    big.set(p, 7);
    const view = big.subarray(7, 7 + p.length);
    const a = decodePacket6(p);
    const b = decodePacket6(view);
    assert.deepEqual(b, a, c.name);
  }
});
