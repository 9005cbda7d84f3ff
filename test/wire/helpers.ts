// Shared builders for the wire tests.
import { ACK, EMPTY_PAYLOAD, NO_OPTIONS, type Segment, type TcpOptions } from "../../src/wire/segment.js";
import { parseIPv4 } from "../../src/wire/address.js";
import { internetChecksum, tcpChecksum, tcpChecksum6 } from "../../src/wire/checksum.js";
import { parseIPv6, readIPv6Address } from "../../src/wire/address6.js";
import type { Segment6, TcpFields } from "../../src/wire/segment6.js";
import { sackBlocksThatFit } from "../../src/wire/options.js";
import fc from "fast-check";
import type { DecodeReason } from "../../src/wire/decode-error.js";

/** Reasons only the IPv6 decoder gives: the IPv4 reason and fuzz tests do not expect to reach them. */
export const IPV6_ONLY_REASONS: ReadonlySet<DecodeReason> = new Set<DecodeReason>([
  "bad-ipv6-extension-header",
  "ipv6-ipsec-header",
  "ipv6-routing-segments-left",
  "ipv6-unknown-option",
  "ipv6-jumbogram",
]);

/** Reasons only the IPv4 decoder gives (IPv6 has no header length field and no header checksum). */
export const IPV4_ONLY_REASONS: ReadonlySet<DecodeReason> = new Set<DecodeReason>([
  "bad-ip-header-length",
  "bad-ip-checksum",
]);

export const CLIENT = parseIPv4("10.0.0.1");
export const SERVER = parseIPv4("10.0.0.2");

export function makeSegment(overrides: Partial<Segment> = {}): Segment {
  return {
    srcAddr: CLIENT,
    dstAddr: SERVER,
    srcPort: 40000,
    dstPort: 80,
    seq: 1000,
    ack: 2000,
    flags: ACK,
    window: 65535,
    urgent: 0,
    options: NO_OPTIONS,
    payload: EMPTY_PAYLOAD,
    ...overrides,
  };
}

export function withOptions(options: TcpOptions, overrides: Partial<Segment> = {}): Segment {
  return makeSegment({ ...overrides, options });
}

/** Recompute the IPv4 header checksum after a test edited the header on purpose. */
export function fixIpChecksum(packet: Uint8Array): Uint8Array {
  const ihl = (packet[0]! & 0x0f) * 4;
  packet[10] = 0;
  packet[11] = 0;
  const c = internetChecksum(packet, 0, ihl);
  packet[10] = c >>> 8;
  packet[11] = c & 0xff;
  return packet;
}

/** Recompute the TCP checksum of a packet with a valid IPv4 header after a test edited the TCP part. */
export function fixTcpChecksum(packet: Uint8Array): Uint8Array {
  const ihl = (packet[0]! & 0x0f) * 4;
  const total = (packet[2]! << 8) | packet[3]!;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const src = view.getUint32(12);
  const dst = view.getUint32(16);
  packet[ihl + 16] = 0;
  packet[ihl + 17] = 0;
  const c = tcpChecksum(packet, ihl, total, src, dst);
  packet[ihl + 16] = c >>> 8;
  packet[ihl + 17] = c & 0xff;
  return packet;
}

/** Hex string of bytes, for readable byte-for-byte assertions. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** Small deterministic PRNG (mulberry32) so fuzz runs are reproducible from their seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// --- IPv6 builders.

export const CLIENT6 = parseIPv6("2001:db8::1");
export const SERVER6 = parseIPv6("2001:db8::2");

export function makeSegment6(overrides: Partial<Segment6> = {}): Segment6 {
  const { srcAddr: _s, dstAddr: _d, ...tcp } = makeSegment();
  return { ...tcp, srcAddr: CLIENT6, dstAddr: SERVER6, ...overrides };
}

/**
 * An extension header for insertExtensions: its number and its bytes after the next-header byte
 * (that byte is filled in from the chain). A correct header is a multiple of 8 bytes long.
 */
export interface Extension {
  nh: number;
  rest: number[];
}

/** A hop-by-hop or destination options header with these option bytes, padded with Pad1 to 8k bytes. */
export function optionsHeader(nh: number, options: number[] = []): Extension {
  const body = [...options];
  while ((body.length + 2) % 8 !== 0) body.push(0);
  return { nh, rest: [(body.length + 2) / 8 - 1, ...body] };
}

/**
 * Put extension headers between the fixed IPv6 header and the TCP header of an encoded packet,
 * chaining next-header values and fixing the payload length. The TCP checksum stays valid: the
 * pseudo-header has the upper-layer length and next header 6, which extension headers do not change.
 */
export function insertExtensions(packet: Uint8Array, extensions: Extension[], upper = 6): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < extensions.length; i++) {
    bytes.push(i + 1 < extensions.length ? extensions[i + 1]!.nh : upper, ...extensions[i]!.rest);
  }
  const out = new Uint8Array(packet.length + bytes.length);
  out.set(packet.subarray(0, 40));
  out.set(bytes, 40);
  out.set(packet.subarray(40), 40 + bytes.length);
  if (extensions.length > 0) out[6] = extensions[0]!.nh;
  const payloadLength = out.length - 40;
  out[4] = payloadLength >>> 8;
  out[5] = payloadLength & 0xff;
  return out;
}

/** Recompute the TCP checksum of an IPv6 packet without extension headers after a test edited the TCP part. */
export function fixTcpChecksum6(packet: Uint8Array): Uint8Array {
  const src = readIPv6Address(packet, 8);
  const dst = readIPv6Address(packet, 24);
  const end = 40 + ((packet[4]! << 8) | packet[5]!);
  packet[56] = 0;
  packet[57] = 0;
  const c = tcpChecksum6(packet, 40, end, src, dst);
  packet[56] = c >>> 8;
  packet[57] = c & 0xff;
  return packet;
}

/**
 * What the receiver should see of a segment we encode: SACK blocks beyond the option space are
 * not sent (the first ones are kept). Either family.
 */
export function expectedAfterWire<S extends TcpFields>(seg: S): S {
  const fit = sackBlocksThatFit(seg.options);
  const options: TcpOptions = { ...seg.options };
  if (fit === 0) delete options.sack;
  else options.sack = seg.options.sack!.slice(0, fit);
  return { ...seg, options };
}

// --- fast-check arbitraries shared by the property tests.

export const u8Arb = fc.integer({ min: 0, max: 0xff });
export const u16Arb = fc.integer({ min: 0, max: 0xffff });
export const u32Arb = fc.integer({ min: 0, max: 0xffffffff });

export const optionsArb: fc.Arbitrary<TcpOptions> = fc.record(
  {
    mss: u16Arb,
    wscale: u8Arb,
    sackPermitted: fc.constant(true),
    timestamp: fc.record({ val: u32Arb, ecr: u32Arb }, { noNullPrototype: true }),
    sack: fc.array(fc.tuple(u32Arb, u32Arb), { minLength: 1, maxLength: 6 }),
  },
  { requiredKeys: [], noNullPrototype: true },
);

/** Every TCP field but the addresses, in its whole wire range. */
export const tcpFieldsArb = {
  srcPort: u16Arb,
  dstPort: u16Arb,
  seq: u32Arb,
  ack: u32Arb,
  flags: u8Arb,
  window: u16Arb,
  urgent: u16Arb,
  options: optionsArb,
  payload: fc.uint8Array({ maxLength: 3000 }),
};
