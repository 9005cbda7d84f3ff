// The Internet checksum (RFC 1071) and the TCP pseudo-header sums (RFC 9293 §3.1, RFC 8200 §8.1).
//
// Speed matters here: every segment is summed twice (once when encoded, once when decoded).
// Large aligned spans are summed as native 32-bit words through a Uint32Array view, which
// V8 turns into a tight loop. RFC 1071 §2(A,B) makes this legal: the one's complement sum
// may be taken over wider words and folded afterwards, and summing in the other byte order
// only byte-swaps the folded result. Short or unaligned spans use 16-bit big-endian words
// assembled from bytes; that path allocates nothing.
import type { IPv6Address } from "./address6.js";

/** True on little-endian hosts (all common ones); decides whether the 32-bit fast path must swap. */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Below this many bytes the typed-array view costs more than it saves (measured: ~64 bytes). */
const WORD_PATH_MIN_BYTES = 64;

/** Fold a non-negative sum (any size below 2^53) to 16 bits with end-around carry. */
export function foldChecksum(sum: number): number {
  // Division instead of shifts: the sum can exceed 2^32, where JS bit operators would truncate.
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * One's complement sum of bytes[start, end) as big-endian 16-bit words, folded to 16 bits
 * (not complemented). An odd final byte is padded with a zero byte (RFC 1071 §4.1).
 * `initial` is a partial sum to continue from, e.g. a pseudo-header sum.
 */
export function onesComplementSum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = 0;
  let i = start;
  const absolute = bytes.byteOffset + start;
  if (end - start >= WORD_PATH_MIN_BYTES && (absolute & 3) === 0) {
    const words = (end - start) >>> 2;
    const view = new Uint32Array(bytes.buffer, absolute, words);
    for (let k = 0; k < words; k++) sum += view[k]!;
    sum = foldChecksum(sum);
    if (HOST_LITTLE_ENDIAN) sum = ((sum & 0xff) << 8) | (sum >>> 8);
    i = start + words * 4;
  }
  sum += initial;
  const last = end - 1;
  for (; i < last; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return foldChecksum(sum);
}

/**
 * The Internet checksum of bytes[start, end): the one's complement of the one's complement sum.
 * Over a span that already holds a correct checksum field the result is 0, which is how
 * receivers verify (RFC 1071 §1).
 */
export function internetChecksum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  return ~onesComplementSum(bytes, start, end, initial) & 0xffff;
}

/**
 * Partial sum of the IPv4 pseudo-header (RFC 9293 §3.1): source and destination address,
 * zero + protocol, and the TCP length (header plus data, pseudo-header excluded).
 * Pass it as `initial` to onesComplementSum / internetChecksum over the TCP bytes.
 */
export function pseudoHeaderSum(srcAddr: number, dstAddr: number, protocol: number, length: number): number {
  return (
    (srcAddr >>> 16) + (srcAddr & 0xffff) + (dstAddr >>> 16) + (dstAddr & 0xffff) + (protocol & 0xff) + length
  );
}

/**
 * Partial sum of the IPv6 pseudo-header (RFC 8200 §8.1): source and destination address (the
 * final destination: a Routing header with segments left is refused before this is used, see
 * ./ipv6.ts), the 32-bit upper-layer packet length, three zero bytes and the next header value
 * of the upper layer (6 for TCP, whatever extension headers came before it).
 */
export function pseudoHeaderSum6(
  src: IPv6Address,
  dst: IPv6Address,
  nextHeader: number,
  length: number,
): number {
  return (
    (src.w0 >>> 16) +
    (src.w0 & 0xffff) +
    (src.w1 >>> 16) +
    (src.w1 & 0xffff) +
    (src.w2 >>> 16) +
    (src.w2 & 0xffff) +
    (src.w3 >>> 16) +
    (src.w3 & 0xffff) +
    (dst.w0 >>> 16) +
    (dst.w0 & 0xffff) +
    (dst.w1 >>> 16) +
    (dst.w1 & 0xffff) +
    (dst.w2 >>> 16) +
    (dst.w2 & 0xffff) +
    (dst.w3 >>> 16) +
    (dst.w3 & 0xffff) +
    Math.floor(length / 0x10000) +
    (length & 0xffff) +
    (nextHeader & 0xff)
  );
}

export const IPPROTO_TCP = 6;

/** TCP checksum of a TCP header + data span travelling from srcAddr to dstAddr. */
export function tcpChecksum(
  bytes: Uint8Array,
  start: number,
  end: number,
  srcAddr: number,
  dstAddr: number,
): number {
  return internetChecksum(bytes, start, end, pseudoHeaderSum(srcAddr, dstAddr, IPPROTO_TCP, end - start));
}

/** TCP checksum of a TCP header + data span travelling over IPv6 from src to dst. */
export function tcpChecksum6(
  bytes: Uint8Array,
  start: number,
  end: number,
  src: IPv6Address,
  dst: IPv6Address,
): number {
  return internetChecksum(bytes, start, end, pseudoHeaderSum6(src, dst, IPPROTO_TCP, end - start));
}
