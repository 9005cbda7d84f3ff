// What the simulator does to a packet's bytes and objects while it is in flight.
import { encodePacket } from "../wire/codec-any.js";
import type { Segment } from "../wire/segment.js";
import type { Rng } from "./random.js";

/**
 * The in-flight copy rule: the segment object and its payload are copied at transmit time, because a
 * host may hand out views into a send buffer it later reuses; options are shared (never mutated).
 */
export function copySegment(seg: Segment): Segment {
  return {
    srcAddr: seg.srcAddr,
    dstAddr: seg.dstAddr,
    srcPort: seg.srcPort,
    dstPort: seg.dstPort,
    seq: seg.seq,
    ack: seg.ack,
    flags: seg.flags,
    window: seg.window,
    urgent: seg.urgent,
    options: seg.options,
    payload: seg.payload.length === 0 ? seg.payload : seg.payload.slice(),
  };
}

/** Encode and flip one bit chosen by `rng`; the receiver's IPv4 or TCP checksum then rejects it. */
export function corruptedPacket(seg: Segment, rng: Rng): Uint8Array {
  const bytes = encodePacket(seg);
  const bit = rng.below(bytes.length * 8);
  bytes[bit >>> 3] = (bytes[bit >>> 3] as number) ^ (1 << (bit & 7));
  return bytes;
}
