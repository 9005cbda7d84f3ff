// A decoded TCP segment with the IPv4 addresses it travelled between.
// The engine works on these objects; the codec (./codec.ts) turns them into bytes and back.
// Addresses are IPv4 as unsigned 32-bit numbers (fast to hash and compare); see ./address.ts.

import { FIN, SYN } from "./flags.js";

// The control bits and their names live in ./flags.ts (one table); re-exported for Segment users.
export { FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, flagNames } from "./flags.js";

/** Options carried by a segment. Absent fields were not present on the wire. */
export interface TcpOptions {
  mss?: number;
  /** Window scale shift count as sent (RFC 7323 §2.2); receivers clamp values above 14. */
  wscale?: number;
  sackPermitted?: boolean;
  /** RFC 7323 §3 timestamps. */
  timestamp?: { val: number; ecr: number };
  /** RFC 2018 SACK blocks as [left, right) sequence number pairs. */
  sack?: Array<[number, number]>;
}

/** A TCP segment with its IPv4 addresses, decoded: what hosts send, receive and trace. */
export interface Segment {
  srcAddr: number;
  dstAddr: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** Bit set of FIN | SYN | RST | PSH | ACK | URG | ECE | CWR. */
  flags: number;
  /** The raw 16-bit window field (not yet scaled). */
  window: number;
  urgent: number;
  options: TcpOptions;
  payload: Uint8Array;
}

/** SEG.LEN of RFC 9293 §3.4: payload octets plus one for SYN and one for FIN. */
export function segmentLength(seg: Segment): number {
  return seg.payload.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
}

/** The payload of a segment without data (shared, never written). */
export const EMPTY_PAYLOAD: Uint8Array = new Uint8Array(0);
/** The options of a segment without options (frozen, shared). */
export const NO_OPTIONS: TcpOptions = Object.freeze({}) as TcpOptions;
