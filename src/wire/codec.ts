// Segment <-> IPv4 packet bytes. The engine works on Segment objects; drivers move these bytes.
//
// Encoding throws WireEncodeError (with a code) on fields outside their wire range: input comes
// from our own engine, so that is a bug to surface, never a value to wrap silently.
// Decoding never throws, whatever the bytes: every rejection is a DecodeReason with a detail.
import type { Segment } from "./segment.js";
import { IPPROTO_TCP, pseudoHeaderSum } from "./checksum.js";
import {
  DEFAULT_TTL,
  IPV4_HEADER_LENGTH,
  IPV4_MAX_TOTAL_LENGTH,
  emptyIPv4Header,
  readIPv4Header,
  writeIPv4Header,
} from "./ipv4.js";
import { WireEncodeError } from "./encode-error.js";
import {
  badField,
  checkRoom,
  checkTcpFields,
  decodeTcpWith,
  fail,
  isU16,
  isU32,
  isU8,
  tcpEncodedLength,
  writeTcpSegment,
  type DecodeFailure,
} from "./tcp-codec.js";

export { TCP_HEADER_LENGTH, type DecodeFailure } from "./tcp-codec.js";

/** decodePacket's answer: the segment, or why the bytes are not one. */
export type DecodeResult = { ok: true; segment: Segment } | DecodeFailure;

/** IPv4 header fields the sender may choose per packet. */
export interface IPv4Params {
  ttl?: number;
  id?: number;
}

function checkSegment(seg: Segment, ttl: number, id: number): void {
  if (!isU32(seg.srcAddr)) throw badField("srcAddr", seg.srcAddr);
  if (!isU32(seg.dstAddr)) throw badField("dstAddr", seg.dstAddr);
  if (!isU8(ttl)) throw badField("ttl", ttl);
  if (!isU16(id)) throw badField("id", id);
  checkTcpFields(seg);
}

/** Bytes encodeSegment will produce: IPv4 header + TCP header + options + payload. */
export function encodedLength(seg: Segment): number {
  return IPV4_HEADER_LENGTH + tcpEncodedLength(seg);
}

/**
 * Encode seg as an IPv4 packet into out[offset..] and return the bytes written. Lets a hot path
 * reuse one buffer. Option layout follows Linux (see ./options.ts); SACK blocks that do not fit
 * in the 40-byte option space are left off, the first ones kept.
 */
export function encodeSegmentInto(seg: Segment, out: Uint8Array, offset: number, ip?: IPv4Params): number {
  const ttl = ip?.ttl ?? DEFAULT_TTL;
  const id = ip?.id ?? 0;
  checkSegment(seg, ttl, id);
  const tcpLength = tcpEncodedLength(seg);
  const total = IPV4_HEADER_LENGTH + tcpLength;
  if (total > IPV4_MAX_TOTAL_LENGTH) {
    throw new WireEncodeError(
      "segment-too-large",
      `IPv4 packet of ${total} bytes exceeds ${IPV4_MAX_TOTAL_LENGTH}`,
    );
  }
  checkRoom(out, offset, total);
  writeIPv4Header(out, offset, seg.srcAddr, seg.dstAddr, IPPROTO_TCP, total, ttl, id);
  writeTcpSegment(
    seg,
    out,
    offset + IPV4_HEADER_LENGTH,
    pseudoHeaderSum(seg.srcAddr, seg.dstAddr, IPPROTO_TCP, tcpLength),
  );
  return total;
}

/** Encode seg as a fresh IPv4 packet: 20-byte header, DF set, TTL 64 unless given. */
export function encodeSegment(seg: Segment, ip?: IPv4Params): Uint8Array {
  const out = new Uint8Array(encodedLength(seg));
  encodeSegmentInto(seg, out, 0, ip);
  return out;
}

/**
 * Decode the TCP segment in bytes[start, end) that travelled from srcAddr to dstAddr.
 * The payload is a view into `bytes` (no copy, for speed): the caller must not overwrite that
 * buffer while the segment is in use, or must copy the payload first.
 */
export function decodeTcpAt(
  bytes: Uint8Array,
  start: number,
  end: number,
  srcAddr: number,
  dstAddr: number,
): DecodeResult {
  return decodeTcpWith(
    bytes,
    start,
    end,
    srcAddr,
    dstAddr,
    pseudoHeaderSum(srcAddr, dstAddr, IPPROTO_TCP, end - start),
  );
}

/** Decode a bare TCP segment (no IP header), for a driver that has already parsed the IP layer. Never throws. */
export function decodeTcp(bytes: Uint8Array, srcAddr: number, dstAddr: number): DecodeResult {
  return decodeTcpAt(bytes, 0, bytes.length, srcAddr >>> 0, dstAddr >>> 0);
}

// Reused across calls: decodePacket is synchronous, so one scratch header suffices.
const scratchHeader = emptyIPv4Header();

/**
 * Decode an IPv4 packet carrying TCP. Never throws: malformed input yields { ok: false, reason, detail }.
 * Checks, in order: IP version, IHL, total length (trailing bytes beyond it are ignored), header
 * checksum, fragmentation, protocol 6, TCP header length, data offset, TCP checksum, options.
 * The payload is a view into `bytes`, not a copy (see decodeTcpAt): do not reuse the buffer while
 * the segment is alive.
 */
export function decodePacket(bytes: Uint8Array): DecodeResult {
  const fault = readIPv4Header(bytes, scratchHeader);
  if (fault !== null) return fail(fault.reason, fault.detail);
  if (scratchHeader.protocol !== IPPROTO_TCP) {
    return fail("not-tcp", `IP protocol ${scratchHeader.protocol}, expected ${IPPROTO_TCP}`);
  }
  return decodeTcpAt(
    bytes,
    scratchHeader.headerLength,
    scratchHeader.totalLength,
    scratchHeader.srcAddr,
    scratchHeader.dstAddr,
  );
}
