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
  | "bad-tcp-checksum";

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
];
