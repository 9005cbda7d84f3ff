// The TCP part of a packet, the same for both families: field checks, the header, options and
// payload written with their checksum, and read back. ./codec.ts (IPv4) and ./codec6.ts (IPv6) put
// their IP header around it and pass their pseudo-header sum. Internal to the wire layer: not
// re-exported from ./index.ts.
import { EMPTY_PAYLOAD, NO_OPTIONS, type TcpOptions } from "./segment.js";
import type { DecodeReason } from "./decode-error.js";
import { onesComplementSum } from "./checksum.js";
import { OptionFault, optionsLength, parseOptions, writeOptions } from "./options.js";
import { WireEncodeError } from "./encode-error.js";
import type { TcpFields } from "./segment6.js";

export const TCP_HEADER_LENGTH = 20;

export type DecodeFailure = { ok: false; reason: DecodeReason; detail: string };

export function isU8(x: number): boolean {
  return (x & 0xff) === x;
}

export function isU16(x: number): boolean {
  return (x & 0xffff) === x;
}

export function isU32(x: number): boolean {
  return x >>> 0 === x;
}

export function badField(name: string, value: unknown): WireEncodeError {
  return new WireEncodeError(
    "bad-field",
    `segment field ${name} = ${String(value)} is outside its wire range`,
  );
}

function checkOptionFields(opts: TcpOptions): void {
  if (opts.mss !== undefined && !isU16(opts.mss)) throw badField("options.mss", opts.mss);
  if (opts.wscale !== undefined && !isU8(opts.wscale)) throw badField("options.wscale", opts.wscale);
  const ts = opts.timestamp;
  if (ts !== undefined && !(isU32(ts.val) && isU32(ts.ecr))) {
    throw badField("options.timestamp", `${ts.val}/${ts.ecr}`);
  }
  const sack = opts.sack;
  if (sack !== undefined) {
    for (const block of sack) {
      if (!(isU32(block[0]) && isU32(block[1]))) throw badField("options.sack", `${block[0]}-${block[1]}`);
    }
  }
}

/** Throw bad-field for any TCP header or option field outside its wire range (both families). */
export function checkTcpFields(seg: TcpFields): void {
  if (!isU16(seg.srcPort)) throw badField("srcPort", seg.srcPort);
  if (!isU16(seg.dstPort)) throw badField("dstPort", seg.dstPort);
  if (!isU32(seg.seq)) throw badField("seq", seg.seq);
  if (!isU32(seg.ack)) throw badField("ack", seg.ack);
  if (!isU8(seg.flags)) throw badField("flags", seg.flags);
  if (!isU16(seg.window)) throw badField("window", seg.window);
  if (!isU16(seg.urgent)) throw badField("urgent", seg.urgent);
  checkOptionFields(seg.options);
}

/** Bytes of the TCP part: header + options + payload. */
export function tcpEncodedLength(seg: TcpFields): number {
  return TCP_HEADER_LENGTH + optionsLength(seg.options) + seg.payload.length;
}

/** Throw buffer-too-small unless out[offset, offset + total) exists. */
export function checkRoom(out: Uint8Array, offset: number, total: number): void {
  if (!Number.isInteger(offset) || offset < 0 || out.length - offset < total) {
    throw new WireEncodeError(
      "buffer-too-small",
      `need ${total} bytes at offset ${offset}, buffer has ${out.length - offset}`,
    );
  }
}

/**
 * Write the TCP header, options and payload of seg at out[t..] and its checksum over them,
 * continuing from `pseudoSum` (the pseudo-header of either family, length included).
 * Fields must be checked (checkTcpFields) and the room too.
 */
export function writeTcpSegment(seg: TcpFields, out: Uint8Array, t: number, pseudoSum: number): void {
  const optLen = optionsLength(seg.options);
  const tcpHeaderLength = TCP_HEADER_LENGTH + optLen;
  const payload = seg.payload;
  const tcpLength = tcpHeaderLength + payload.length;
  out[t] = seg.srcPort >>> 8;
  out[t + 1] = seg.srcPort;
  out[t + 2] = seg.dstPort >>> 8;
  out[t + 3] = seg.dstPort;
  out[t + 4] = seg.seq >>> 24;
  out[t + 5] = seg.seq >>> 16;
  out[t + 6] = seg.seq >>> 8;
  out[t + 7] = seg.seq;
  out[t + 8] = seg.ack >>> 24;
  out[t + 9] = seg.ack >>> 16;
  out[t + 10] = seg.ack >>> 8;
  out[t + 11] = seg.ack;
  out[t + 12] = (tcpHeaderLength >>> 2) << 4; // data offset; reserved bits and AE zero
  out[t + 13] = seg.flags;
  out[t + 14] = seg.window >>> 8;
  out[t + 15] = seg.window;
  out[t + 16] = 0; // checksum, filled below
  out[t + 17] = 0;
  out[t + 18] = seg.urgent >>> 8;
  out[t + 19] = seg.urgent;
  if (optLen > 0) writeOptions(seg.options, out, t + TCP_HEADER_LENGTH);
  if (payload.length > 0) out.set(payload, t + tcpHeaderLength);
  const checksum = ~onesComplementSum(out, t, t + tcpLength, pseudoSum) & 0xffff;
  out[t + 16] = checksum >>> 8;
  out[t + 17] = checksum;
}

export function fail(reason: DecodeReason, detail: string): DecodeFailure {
  return { ok: false, reason, detail };
}

/**
 * decodeTcpAt for either family: the addresses are carried into the segment as they are, and
 * `pseudoSum` is their family's pseudo-header sum (length included) for the checksum.
 */
export function decodeTcpWith<A>(
  bytes: Uint8Array,
  start: number,
  end: number,
  srcAddr: A,
  dstAddr: A,
  pseudoSum: number,
): { ok: true; segment: TcpFields & { srcAddr: A; dstAddr: A } } | DecodeFailure {
  const length = end - start;
  if (length < TCP_HEADER_LENGTH) {
    return fail("short-tcp-header", `${length} bytes of TCP, a header needs ${TCP_HEADER_LENGTH}`);
  }
  const headerLength = (bytes[start + 12]! >>> 4) * 4;
  if (headerLength < TCP_HEADER_LENGTH) {
    return fail("bad-data-offset", `data offset ${headerLength / 4}, minimum 5`);
  }
  if (headerLength > length) {
    return fail(
      "bad-data-offset",
      `data offset ${headerLength / 4} needs ${headerLength} bytes, segment has ${length}`,
    );
  }
  // The checksum before the options, as Linux does: a packet damaged in transit is counted as
  // bad-tcp-checksum, whatever byte the damage hit, so drop counters say what really happened.
  const sum = onesComplementSum(bytes, start, end, pseudoSum);
  if (sum !== 0xffff) {
    const stored = (bytes[start + 16]! << 8) | bytes[start + 17]!;
    return fail("bad-tcp-checksum", `TCP checksum 0x${stored.toString(16).padStart(4, "0")} is wrong`);
  }
  let options: TcpOptions = NO_OPTIONS;
  if (headerLength > TCP_HEADER_LENGTH) {
    const parsed = parseOptions(bytes, start + TCP_HEADER_LENGTH, start + headerLength, NO_OPTIONS);
    if (parsed instanceof OptionFault) return fail(parsed.reason, parsed.detail);
    options = parsed;
  }
  const segment = {
    srcAddr,
    dstAddr,
    srcPort: (bytes[start]! << 8) | bytes[start + 1]!,
    dstPort: (bytes[start + 2]! << 8) | bytes[start + 3]!,
    seq:
      ((bytes[start + 4]! << 24) |
        (bytes[start + 5]! << 16) |
        (bytes[start + 6]! << 8) |
        bytes[start + 7]!) >>>
      0,
    ack:
      ((bytes[start + 8]! << 24) |
        (bytes[start + 9]! << 16) |
        (bytes[start + 10]! << 8) |
        bytes[start + 11]!) >>>
      0,
    flags: bytes[start + 13]!,
    window: (bytes[start + 14]! << 8) | bytes[start + 15]!,
    urgent: (bytes[start + 18]! << 8) | bytes[start + 19]!,
    options,
    payload: headerLength === length ? EMPTY_PAYLOAD : bytes.subarray(start + headerLength, end),
  };
  return { ok: true, segment };
}
