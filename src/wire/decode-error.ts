// Why an incoming packet could not be decoded. Every rejection names one of these; none throws.
/** Why bytes did not decode as an IPv4/TCP packet. */
export type DecodeReason =
  | "short-packet" // fewer bytes than an IPv4 header, or than the header says
  | "bad-ip-version" // version field is not 4
  | "bad-ip-header-length" // IHL < 5 or beyond the buffer
  | "bad-ip-total-length" // total length smaller than the header or larger than the buffer
  | "bad-ip-checksum"
  | "ip-fragment" // a fragment: we do not reassemble IP
  | "not-tcp" // protocol field is not 6
  | "short-tcp-header" // fewer than 20 bytes of TCP header
  | "bad-data-offset" // data offset < 5 or beyond the segment
  | "bad-option-length" // an option with length < 2 or running past the header
  | "bad-option-value" // a known option with the wrong length for its kind
  | "bad-tcp-checksum"
  // IPv6 (./ipv6.ts). Version, short header, payload length past the bytes, fragments and a chain
  // ending in another protocol reuse the reasons above (bad-ip-version, short-packet,
  // bad-ip-total-length, ip-fragment, not-tcp); these are the faults IPv4 cannot have.
  | "bad-ipv6-extension-header" // an extension header runs past the payload, its options overrun it, or hop-by-hop is not first
  | "ipv6-ipsec-header" // ESP or AH: IPsec, and we hold no security association to check it (RFC 4301)
  | "ipv6-routing-segments-left" // a Routing header with segments left: we are not the final destination
  | "ipv6-unknown-option" // an unrecognized option whose type says discard (RFC 8200 §4.2)
  | "ipv6-jumbogram"; // RFC 2675 jumbo payload: not supported

export const DECODE_REASONS: readonly DecodeReason[] = [
  "short-packet",
  "bad-ip-version",
  "bad-ip-header-length",
  "bad-ip-total-length",
  "bad-ip-checksum",
  "ip-fragment",
  "not-tcp",
  "short-tcp-header",
  "bad-data-offset",
  "bad-option-length",
  "bad-option-value",
  "bad-tcp-checksum",
  "bad-ipv6-extension-header",
  "ipv6-ipsec-header",
  "ipv6-routing-segments-left",
  "ipv6-unknown-option",
  "ipv6-jumbogram",
];

/** A rejected header or option: the reason and a detail naming the field and its value. Never thrown. */
export class DecodeFault {
  constructor(
    readonly reason: DecodeReason,
    readonly detail: string,
  ) {}
}
