// The IPv4 header (RFC 791): written for every segment we send, checked for every packet we receive.
// We never fragment or reassemble: segments go out with DF set (as Linux does with PMTU discovery)
// and fragments coming in are rejected with a reason.
import { DecodeFault } from "./decode-error.js";
import { internetChecksum } from "./checksum.js";

export const IPV4_HEADER_LENGTH = 20;
export const IPV4_MAX_TOTAL_LENGTH = 0xffff;
export const DEFAULT_TTL = 64; // Linux net.ipv4.ip_default_ttl

const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const FRAGMENT_OFFSET_MASK = 0x1fff;

/** Write a 20-byte IPv4 header (no IP options, DF set) with its checksum at out[at..]. Fields must be validated. */
export function writeIPv4Header(
  out: Uint8Array,
  at: number,
  srcAddr: number,
  dstAddr: number,
  protocol: number,
  totalLength: number,
  ttl: number,
  id: number,
): void {
  out[at] = 0x45; // version 4, IHL 5
  out[at + 1] = 0; // DSCP/ECN
  out[at + 2] = totalLength >>> 8;
  out[at + 3] = totalLength;
  out[at + 4] = id >>> 8;
  out[at + 5] = id;
  out[at + 6] = FLAG_DF >>> 8;
  out[at + 7] = 0;
  out[at + 8] = ttl;
  out[at + 9] = protocol;
  out[at + 10] = 0;
  out[at + 11] = 0;
  out[at + 12] = srcAddr >>> 24;
  out[at + 13] = srcAddr >>> 16;
  out[at + 14] = srcAddr >>> 8;
  out[at + 15] = srcAddr;
  out[at + 16] = dstAddr >>> 24;
  out[at + 17] = dstAddr >>> 16;
  out[at + 18] = dstAddr >>> 8;
  out[at + 19] = dstAddr;
  const checksum = internetChecksum(out, at, at + IPV4_HEADER_LENGTH);
  out[at + 10] = checksum >>> 8;
  out[at + 11] = checksum;
}

/** The fields of a checked IPv4 header. Callers own one and pass it in, so checking allocates nothing. */
export interface IPv4Header {
  headerLength: number;
  totalLength: number;
  protocol: number;
  ttl: number;
  id: number;
  srcAddr: number;
  dstAddr: number;
}

export function emptyIPv4Header(): IPv4Header {
  return { headerLength: 0, totalLength: 0, protocol: 0, ttl: 0, id: 0, srcAddr: 0, dstAddr: 0 };
}

/** A rejected IPv4 header (the one fault class of the wire layer, under the name this file always used). */
export const IPv4Fault = DecodeFault;
export type IPv4Fault = DecodeFault;

/**
 * Check the IPv4 header at the start of `bytes` and fill `into`. The checks run in a fixed order
 * (version, header length, total length, header checksum, fragmentation) so that a given packet
 * always gets the same reason. The protocol is reported, not checked: that is the caller's business.
 * Bytes beyond the total length are ignored (an Ethernet frame pads short packets to 60 bytes).
 */
export function readIPv4Header(bytes: Uint8Array, into: IPv4Header): IPv4Fault | null {
  const available = bytes.length;
  if (available === 0) return new IPv4Fault("short-packet", "empty packet");
  const version = bytes[0]! >>> 4;
  if (version !== 4) return new IPv4Fault("bad-ip-version", `IP version ${version}, expected 4`);
  if (available < IPV4_HEADER_LENGTH) {
    return new IPv4Fault("short-packet", `${available} bytes, an IPv4 header needs ${IPV4_HEADER_LENGTH}`);
  }
  const headerLength = (bytes[0]! & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_LENGTH) {
    return new IPv4Fault("bad-ip-header-length", `IHL ${headerLength / 4}, minimum 5`);
  }
  if (headerLength > available) {
    return new IPv4Fault(
      "bad-ip-header-length",
      `IHL ${headerLength / 4} needs ${headerLength} bytes, packet has ${available}`,
    );
  }
  const totalLength = (bytes[2]! << 8) | bytes[3]!;
  if (totalLength < headerLength) {
    return new IPv4Fault(
      "bad-ip-total-length",
      `total length ${totalLength} below header length ${headerLength}`,
    );
  }
  if (totalLength > available) {
    return new IPv4Fault("bad-ip-total-length", `total length ${totalLength} but only ${available} bytes`);
  }
  if (internetChecksum(bytes, 0, headerLength) !== 0) {
    const stored = (bytes[10]! << 8) | bytes[11]!;
    return new IPv4Fault(
      "bad-ip-checksum",
      `IPv4 header checksum 0x${stored.toString(16).padStart(4, "0")} is wrong`,
    );
  }
  const fragment = (bytes[6]! << 8) | bytes[7]!;
  if (fragment & (FLAG_MF | FRAGMENT_OFFSET_MASK)) {
    return new IPv4Fault(
      "ip-fragment",
      `fragment (MF ${fragment & FLAG_MF ? 1 : 0}, offset ${(fragment & FRAGMENT_OFFSET_MASK) * 8})`,
    );
  }
  into.headerLength = headerLength;
  into.totalLength = totalLength;
  into.protocol = bytes[9]!;
  into.ttl = bytes[8]!;
  into.id = (bytes[4]! << 8) | bytes[5]!;
  into.srcAddr = ((bytes[12]! << 24) | (bytes[13]! << 16) | (bytes[14]! << 8) | bytes[15]!) >>> 0;
  into.dstAddr = ((bytes[16]! << 24) | (bytes[17]! << 16) | (bytes[18]! << 8) | bytes[19]!) >>> 0;
  return null;
}
