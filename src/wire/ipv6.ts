// The IPv6 header (RFC 8200 §3) and the walk along its extension headers (RFC 8200 §4) to TCP.
// Like ./ipv4.ts: we never fragment or reassemble (an atomic fragment, RFC 6946, is walked past;
// any real fragment is refused), and every refusal is a DecodeFault with a reason, never a throw.
//
// Walked: hop-by-hop (0, only directly after the fixed header, RFC 8200 §4.1), routing (43, only
// with segments left 0, §4.4), fragment (44, only an atomic one) and destination options (60).
// ESP (50) and AH (51) are IPsec: without a security association a receiver discards them (RFC 4301
// §5.2, RFC 4302 §3.4.2; Linux's xfrm drops them as XfrmInNoStates), so they are refused, not walked.
// Any other next-header value is the upper layer, so it is not TCP.
// One difference from Linux left on purpose: Linux hands routing types 3 (RPL) and 4 (SRv6) to
// their own code, which refuses them unless enabled by sysctl; RFC 8200 §4.4 ignores any routing
// header with no segments left, and so do we.
import { DecodeFault } from "./decode-error.js";
import { readIPv6Address, writeIPv6Address, type IPv6Address } from "./address6.js";

export const IPV6_HEADER_LENGTH = 40;
/** Payload length is 16 bits (RFC 8200 §3); jumbograms (RFC 2675) are not supported. */
export const IPV6_MAX_PAYLOAD_LENGTH = 0xffff;
/** Linux net.ipv6.conf.all.hop_limit (IPV6_DEFAULT_HOPLIMIT, include/net/ipv6.h). */
export const DEFAULT_HOP_LIMIT = 64;

export const NH_HOP_BY_HOP = 0;
export const NH_TCP = 6;
export const NH_ROUTING = 43;
export const NH_FRAGMENT = 44;
export const NH_ESP = 50;
export const NH_AUTH = 51;
export const NH_NONE = 59;
export const NH_DESTINATION_OPTIONS = 60;

const HEADER_NAMES: Record<number, string> = {
  [NH_HOP_BY_HOP]: "hop-by-hop options",
  [NH_ROUTING]: "routing",
  [NH_FRAGMENT]: "fragment",
  [NH_ESP]: "ESP",
  [NH_AUTH]: "authentication",
  [NH_NONE]: "no next header",
  [NH_DESTINATION_OPTIONS]: "destination options",
  17: "UDP",
  58: "ICMPv6",
};

/** "UDP (17)", "no next header (59)", "next header 200": for details. */
export function describeNextHeader(nh: number): string {
  const name = HEADER_NAMES[nh];
  return name === undefined ? `next header ${nh}` : `${name} (${nh})`;
}

/**
 * Write a 40-byte IPv6 header at out[at..]. Fields must be validated. Traffic class and flow label
 * are zero: Linux leaves the flow label 0 unless auto_flowlabels picks one, and nothing here needs one.
 */
export function writeIPv6Header(
  out: Uint8Array,
  at: number,
  src: IPv6Address,
  dst: IPv6Address,
  nextHeader: number,
  payloadLength: number,
  hopLimit: number,
): void {
  out[at] = 0x60; // version 6, traffic class 0
  out[at + 1] = 0; // traffic class (low nibble) and flow label 0
  out[at + 2] = 0;
  out[at + 3] = 0;
  out[at + 4] = payloadLength >>> 8;
  out[at + 5] = payloadLength;
  out[at + 6] = nextHeader;
  out[at + 7] = hopLimit;
  writeIPv6Address(out, at + 8, src);
  writeIPv6Address(out, at + 24, dst);
}

/** A checked IPv6 header and where its upper layer is. Callers own one and pass it in. */
export interface IPv6Header {
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  hopLimit: number;
  srcAddr: IPv6Address;
  dstAddr: IPv6Address;
  /** Next-header value after the extension headers: the upper-layer protocol. */
  protocol: number;
  /** Offset of the upper-layer header (40 when there are no extension headers). */
  upperStart: number;
  /** End of the packet: 40 + payload length (bytes beyond it are link padding, ignored). */
  end: number;
  /** How many extension headers were walked past. */
  extensionHeaders: number;
}

export function emptyIPv6Header(): IPv6Header {
  const none: IPv6Address = { w0: 0, w1: 0, w2: 0, w3: 0 };
  return {
    trafficClass: 0,
    flowLabel: 0,
    payloadLength: 0,
    hopLimit: 0,
    srcAddr: none,
    dstAddr: none,
    protocol: 0,
    upperStart: 0,
    end: 0,
    extensionHeaders: 0,
  };
}

/** The extension headers this walk steps over (see the top of the file). */
function isWalked(nh: number): boolean {
  return nh === NH_HOP_BY_HOP || nh === NH_ROUTING || nh === NH_FRAGMENT || nh === NH_DESTINATION_OPTIONS;
}

const OPT_PAD1 = 0;
const OPT_PADN = 1;
const OPT_JUMBO = 0xc2;

/**
 * Check the options of a hop-by-hop or destination options header in bytes[from, to).
 * RFC 8200 §4.2: the two high bits of an unrecognized option's type say what to do; only 00 lets
 * the packet through. We recognize the paddings; the jumbo option means a jumbogram.
 */
function checkOptions(bytes: Uint8Array, from: number, to: number, where: string): DecodeFault | null {
  let i = from;
  while (i < to) {
    const type = bytes[i]!;
    if (type === OPT_PAD1) {
      i++;
      continue;
    }
    if (i + 2 > to || i + 2 + bytes[i + 1]! > to) {
      return new DecodeFault(
        "bad-ipv6-extension-header",
        `option 0x${type.toString(16)} at offset ${i} runs past the ${where} header`,
      );
    }
    if (type === OPT_JUMBO) {
      return new DecodeFault("ipv6-jumbogram", `jumbo payload option in the ${where} header (RFC 2675)`);
    }
    if (type !== OPT_PADN && type >>> 6 !== 0) {
      return new DecodeFault(
        "ipv6-unknown-option",
        `unrecognized option 0x${type.toString(16)} in the ${where} header, action ${type >>> 6} (discard)`,
      );
    }
    i += 2 + bytes[i + 1]!;
  }
  return null;
}

/**
 * Check the IPv6 header at the start of `bytes`, walk its extension headers and fill `into`.
 * Checks, in order: version, 40 bytes present, jumbogram, payload length within the bytes, then
 * each extension header in chain order. The upper-layer protocol is reported, not checked.
 */
export function readIPv6Header(bytes: Uint8Array, into: IPv6Header): DecodeFault | null {
  const available = bytes.length;
  if (available === 0) return new DecodeFault("short-packet", "empty packet");
  const version = bytes[0]! >>> 4;
  if (version !== 6) return new DecodeFault("bad-ip-version", `IP version ${version}, expected 6`);
  if (available < IPV6_HEADER_LENGTH) {
    return new DecodeFault("short-packet", `${available} bytes, an IPv6 header needs ${IPV6_HEADER_LENGTH}`);
  }
  const payloadLength = (bytes[4]! << 8) | bytes[5]!;
  let nh = bytes[6]!;
  if (payloadLength === 0 && nh === NH_HOP_BY_HOP) {
    // RFC 2675 §3: a jumbogram says payload length 0 and carries the real length in hop-by-hop.
    return new DecodeFault("ipv6-jumbogram", "payload length 0 with a hop-by-hop header (RFC 2675)");
  }
  const end = IPV6_HEADER_LENGTH + payloadLength;
  if (end > available) {
    return new DecodeFault(
      "bad-ip-total-length",
      `payload length ${payloadLength} but only ${available - IPV6_HEADER_LENGTH} bytes follow the header`,
    );
  }
  let at = IPV6_HEADER_LENGTH;
  let count = 0;
  while (isWalked(nh)) {
    // Every header walked here starts with next header and a length byte, and is at least 8 bytes.
    if (at + 8 > end) {
      return new DecodeFault(
        "bad-ipv6-extension-header",
        `${describeNextHeader(nh)} header at offset ${at} needs 8 bytes, ${end - at} left in the payload`,
      );
    }
    const length = nh === NH_FRAGMENT ? 8 : (bytes[at + 1]! + 1) * 8;
    if (at + length > end) {
      return new DecodeFault(
        "bad-ipv6-extension-header",
        `${describeNextHeader(nh)} header at offset ${at} is ${length} bytes, ${end - at} left in the payload`,
      );
    }
    if (nh === NH_HOP_BY_HOP || nh === NH_DESTINATION_OPTIONS) {
      if (nh === NH_HOP_BY_HOP && count > 0) {
        return new DecodeFault(
          "bad-ipv6-extension-header",
          `hop-by-hop header at offset ${at}: it may only follow the IPv6 header (RFC 8200 §4.1)`,
        );
      }
      const fault = checkOptions(bytes, at + 2, at + length, HEADER_NAMES[nh]!);
      if (fault !== null) return fault;
    } else if (nh === NH_ROUTING) {
      const segmentsLeft = bytes[at + 3]!;
      if (segmentsLeft !== 0) {
        // RFC 8200 §4.4: with segments left the packet is for another node; we are no router.
        return new DecodeFault(
          "ipv6-routing-segments-left",
          `routing header type ${bytes[at + 2]!} with ${segmentsLeft} segments left`,
        );
      }
    } else if (nh === NH_FRAGMENT) {
      const field = (bytes[at + 2]! << 8) | bytes[at + 3]!;
      const offset = (field >>> 3) * 8;
      const more = field & 1;
      if (offset !== 0 || more !== 0) {
        return new DecodeFault(
          "ip-fragment",
          offset !== 0
            ? `non-first fragment (offset ${offset}, M ${more})`
            : "first fragment of several (M 1): we do not reassemble",
        );
      }
      // An atomic fragment (offset 0, M 0) is a whole packet (RFC 6946 §4): walk past it.
    }
    nh = bytes[at]!;
    at += length;
    count++;
  }
  if (nh === NH_ESP || nh === NH_AUTH) {
    return new DecodeFault(
      "ipv6-ipsec-header",
      `${describeNextHeader(nh)} at offset ${at}: no IPsec security association to check it`,
    );
  }
  into.trafficClass = ((bytes[0]! & 0x0f) << 4) | (bytes[1]! >>> 4);
  into.flowLabel = ((bytes[1]! & 0x0f) << 16) | (bytes[2]! << 8) | bytes[3]!;
  into.payloadLength = payloadLength;
  into.hopLimit = bytes[7]!;
  into.srcAddr = readIPv6Address(bytes, 8);
  into.dstAddr = readIPv6Address(bytes, 24);
  into.protocol = nh;
  into.upperStart = at;
  into.end = end;
  into.extensionHeaders = count;
  return null;
}
