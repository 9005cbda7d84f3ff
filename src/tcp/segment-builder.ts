// The one place a Segment object is made by the engine: a connection's segments, the RSTs a host sends
// for a port with no connection (§3.10.7.1) and its SYN-cookie SYN,ACKs, and TIME_WAIT's ACKs. Every
// field in one order (one object shape for V8, whichever path built it).
import {
  ACK,
  EMPTY_PAYLOAD,
  NO_OPTIONS,
  RST,
  segmentLength,
  type Segment,
  type TcpOptions,
} from "../wire/segment.js";
import { seqAdd } from "./seq.js";

/** A segment from (srcAddr, srcPort) to (dstAddr, dstPort), urgent pointer 0. */
export function buildSegment(
  srcAddr: number,
  srcPort: number,
  dstAddr: number,
  dstPort: number,
  seq: number,
  ack: number,
  flags: number,
  window: number,
  options: TcpOptions,
  payload: Uint8Array,
): Segment {
  return {
    srcAddr,
    dstAddr,
    srcPort,
    dstPort,
    seq,
    ack,
    flags,
    window,
    urgent: 0,
    options,
    payload,
  };
}

/** A segment without data or options back to the sender of `seg`, from our address `from`, window 0. */
export function replyTo(seg: Segment, from: number, seq: number, ack: number, flags: number): Segment {
  return buildSegment(
    from,
    seg.dstPort,
    seg.srcAddr,
    seg.srcPort,
    seq,
    ack,
    flags,
    0,
    NO_OPTIONS,
    EMPTY_PAYLOAD,
  );
}

/**
 * The RST that answers a segment no connection takes (§3.10.7.1, Linux's formats):
 * an ACK-bearing segment gets <SEQ=SEG.ACK><CTL=RST>, any other <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
 */
export function resetFor(seg: Segment, from: number): Segment {
  return seg.flags & ACK
    ? replyTo(seg, from, seg.ack, 0, RST)
    : replyTo(seg, from, 0, seqAdd(seg.seq, segmentLength(seg)), RST | ACK);
}
