// Segment6 <-> IPv6 packet bytes, and one decoder for packets of either family.
// The TCP part is the same code as IPv4's (./codec.ts); only the IP header and the pseudo-header
// differ. Encoding throws WireEncodeError on fields outside their wire range; decoding never throws.
import { decodePacket, type DecodeResult } from "./codec.js";
import {
  badField,
  checkRoom,
  checkTcpFields,
  decodeTcpWith,
  fail,
  isU8,
  tcpEncodedLength,
  writeTcpSegment,
  type DecodeFailure,
} from "./tcp-codec.js";
import { IPPROTO_TCP, pseudoHeaderSum6 } from "./checksum.js";
import { isIPv6Address, type IPv6Address } from "./address6.js";
import {
  DEFAULT_HOP_LIMIT,
  IPV6_HEADER_LENGTH,
  IPV6_MAX_PAYLOAD_LENGTH,
  describeNextHeader,
  emptyIPv6Header,
  readIPv6Header,
  writeIPv6Header,
} from "./ipv6.js";
import { WireEncodeError } from "./encode-error.js";
import type { Segment } from "./segment.js";
import type { Segment6 } from "./segment6.js";

export type DecodeResult6 = { ok: true; segment: Segment6 } | DecodeFailure;

/** IPv6 header fields the sender may choose per packet. */
export interface IPv6Params {
  hopLimit?: number;
}

function formatWords(a: IPv6Address): string {
  return `{${a.w0}, ${a.w1}, ${a.w2}, ${a.w3}}`;
}

/** Bytes encodeSegment6 will produce: IPv6 header + TCP header + options + payload. */
export function encodedLength6(seg: Segment6): number {
  return IPV6_HEADER_LENGTH + tcpEncodedLength(seg);
}

/**
 * Encode seg as an IPv6 packet (no extension headers, hop limit 64 unless given) into
 * out[offset..]; returns the bytes written. SACK blocks that do not fit are left off, as for IPv4.
 */
export function encodeSegment6Into(seg: Segment6, out: Uint8Array, offset: number, ip?: IPv6Params): number {
  const hopLimit = ip?.hopLimit ?? DEFAULT_HOP_LIMIT;
  if (!isIPv6Address(seg.srcAddr)) throw badField("srcAddr", formatWords(seg.srcAddr));
  if (!isIPv6Address(seg.dstAddr)) throw badField("dstAddr", formatWords(seg.dstAddr));
  if (!isU8(hopLimit)) throw badField("hopLimit", hopLimit);
  checkTcpFields(seg);
  const tcpLength = tcpEncodedLength(seg);
  if (tcpLength > IPV6_MAX_PAYLOAD_LENGTH) {
    throw new WireEncodeError(
      "segment-too-large",
      `IPv6 payload of ${tcpLength} bytes exceeds ${IPV6_MAX_PAYLOAD_LENGTH}`,
    );
  }
  const total = IPV6_HEADER_LENGTH + tcpLength;
  checkRoom(out, offset, total);
  writeIPv6Header(out, offset, seg.srcAddr, seg.dstAddr, IPPROTO_TCP, tcpLength, hopLimit);
  const pseudo = pseudoHeaderSum6(seg.srcAddr, seg.dstAddr, IPPROTO_TCP, tcpLength);
  writeTcpSegment(seg, out, offset + IPV6_HEADER_LENGTH, pseudo);
  return total;
}

/** Encode seg as a fresh IPv6 packet. */
export function encodeSegment6(seg: Segment6, ip?: IPv6Params): Uint8Array {
  const out = new Uint8Array(encodedLength6(seg));
  encodeSegment6Into(seg, out, 0, ip);
  return out;
}

/** Decode a bare TCP segment that travelled over IPv6 from src to dst. Never throws. */
export function decodeTcp6(bytes: Uint8Array, src: IPv6Address, dst: IPv6Address): DecodeResult6 {
  return decodeTcpWith(
    bytes,
    0,
    bytes.length,
    src,
    dst,
    pseudoHeaderSum6(src, dst, IPPROTO_TCP, bytes.length),
  );
}

// Reused across calls: decodePacket6 is synchronous, so one scratch header suffices.
const scratchHeader = emptyIPv6Header();

/**
 * Decode an IPv6 packet carrying TCP. Never throws. Checks, in order: version 6, 40 bytes,
 * jumbogram, payload length (trailing bytes beyond it are ignored), the extension headers in
 * chain order (./ipv6.ts), upper layer TCP, then the TCP checks of decodePacket. The payload is a
 * view into `bytes` (see decodeTcpAt).
 */
export function decodePacket6(bytes: Uint8Array): DecodeResult6 {
  const fault = readIPv6Header(bytes, scratchHeader);
  if (fault !== null) return fail(fault.reason, fault.detail);
  const h = scratchHeader;
  if (h.protocol !== IPPROTO_TCP) {
    return fail("not-tcp", `upper layer ${describeNextHeader(h.protocol)}, expected TCP (6)`);
  }
  const length = h.end - h.upperStart;
  return decodeTcpWith(
    bytes,
    h.upperStart,
    h.end,
    h.srcAddr,
    h.dstAddr,
    pseudoHeaderSum6(h.srcAddr, h.dstAddr, IPPROTO_TCP, length),
  );
}

export type DecodeAnyResult =
  { ok: true; family: 4; segment: Segment } | { ok: true; family: 6; segment: Segment6 } | DecodeFailure;

/**
 * Decode a packet of either family, dispatching on the version nibble (what LINKTYPE_RAW and a
 * TUN device without packet information carry). Anything but 4 or 6 is bad-ip-version.
 */
export function decodeAnyPacket(bytes: Uint8Array): DecodeAnyResult {
  if (bytes.length === 0) return fail("short-packet", "empty packet");
  const version = bytes[0]! >>> 4;
  if (version === 6) {
    const r = decodePacket6(bytes);
    return r.ok ? { ok: true, family: 6, segment: r.segment } : r;
  }
  if (version !== 4) return fail("bad-ip-version", `IP version ${version}, expected 4 or 6`);
  const r: DecodeResult = decodePacket(bytes);
  return r.ok ? { ok: true, family: 4, segment: r.segment } : r;
}
