// A TCP segment that travelled over IPv6. The engine's Segment (./segment.ts) keeps its IPv4
// addresses as numbers; this type has the same TCP fields and 128-bit addresses (./address6.ts).
//
// Why a type of its own rather than an optional family on Segment: the engine demultiplexes on
// `srcAddr: number` today. An IPv6 segment under the Segment type would reach it with some number
// standing for its address and be keyed, answered and counted as IPv4. As a separate type, the
// compiler refuses to hand an IPv6 segment to the IPv4-only engine; the engine opts in when it
// learns both families (docs/architecture.md, "Wire layer: IPv6").
import type { Segment } from "./segment.js";
import type { IPv6Address } from "./address6.js";

/** Everything of a segment but its addresses: what the TCP header carries. */
export type TcpFields = Omit<Segment, "srcAddr" | "dstAddr">;

export interface Segment6 extends TcpFields {
  srcAddr: IPv6Address;
  dstAddr: IPv6Address;
}
