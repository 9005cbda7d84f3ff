// Why a segment could not be encoded. Encoding input comes from our own engine, so these signal
// a bug upstream; they are thrown (with a code) rather than silently wrapping or truncating a field.

/** The codes of WireEncodeError. */
export type EncodeErrorCode =
  | "bad-field" // a header or option field is not an integer in its wire range
  | "segment-too-large" // IPv4 total length would exceed 65535
  | "buffer-too-small"; // encodeSegmentInto was given too little room

/** A segment that cannot be encoded (a field out of range, options too long). */
export class WireEncodeError extends Error {
  readonly code: EncodeErrorCode;

  constructor(code: EncodeErrorCode, message: string) {
    super(message);
    this.name = "WireEncodeError";
    this.code = code;
  }
}
