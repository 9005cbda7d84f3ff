// The codec boundary of the engine for both families. The engine's Segment carries addresses as numbers
// (an IPv4 uint32, or an IPv6 id of the address table, ./address-table.ts); here a Segment becomes IPv4
// or IPv6 bytes by the family of its addresses, and a packet of either family becomes a Segment whose
// IPv6 addresses are interned for as long as the caller processes it.
import { addressTable, ipv6Of, IPV6_ID_BASE } from "./address-table.js";
import { encodeSegment, type DecodeResult, type IPv4Params } from "./codec.js";
import { decodeAnyPacket, encodeSegment6, type IPv6Params } from "./codec6.js";
import { WireEncodeError } from "./encode-error.js";
import type { Segment } from "./segment.js";
import type { Segment6 } from "./segment6.js";

/** The Segment6 a Segment with IPv6 ids stands for (its payload and options shared, not copied). */
export function toSegment6(seg: Segment): Segment6 {
  return { ...seg, srcAddr: ipv6Of(seg.srcAddr), dstAddr: ipv6Of(seg.dstAddr) };
}

/**
 * Encode a segment as an IPv4 or IPv6 packet by the family of its addresses. Both addresses must be of
 * one family (WireEncodeError "bad-field" otherwise: the engine never mixes them).
 */
export function encodePacket(seg: Segment, ip?: IPv4Params & IPv6Params): Uint8Array {
  const v6 = seg.srcAddr >= IPV6_ID_BASE;
  if (v6 !== seg.dstAddr >= IPV6_ID_BASE) {
    throw new WireEncodeError(
      "bad-field",
      `segment mixes an IPv4 and an IPv6 address (${seg.srcAddr} > ${seg.dstAddr})`,
    );
  }
  if (!v6) return encodeSegment(seg, ip);
  return encodeSegment6(toSegment6(seg), ip?.hopLimit !== undefined ? { hopLimit: ip.hopLimit } : undefined);
}

/**
 * Decode a packet of either family. An IPv6 packet's two addresses are interned with one reference each,
 * which the caller gives back with releaseSegmentAddresses once nothing of the packet's processing
 * needs them (whoever keeps an address — a connection — acquires its own reference). Never throws.
 */
export function decodeAnyInterned(bytes: Uint8Array): DecodeResult {
  const r = decodeAnyPacket(bytes);
  if (!r.ok) return r;
  if (r.family === 4) return { ok: true, segment: r.segment };
  const s = r.segment;
  return {
    ok: true,
    segment: {
      ...s,
      srcAddr: addressTable.internAddress(s.srcAddr),
      dstAddr: addressTable.internAddress(s.dstAddr),
    },
  };
}

/** Give back the references decodeAnyInterned took (no-op for IPv4). */
export function releaseSegmentAddresses(seg: Segment): void {
  addressTable.release(seg.srcAddr);
  addressTable.release(seg.dstAddr);
}
