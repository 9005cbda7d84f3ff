/**
 * tcplab/engine — also what `import … from "tcplab"` gives a bundler targeting browsers: the sans-I/O TCP
 * engine, the Host, the deterministic simulator, the trace, the views and pcap, with no Node built-in.
 * The Node-style Socket/Server and the HTTP agent are in tcplab/node (the main entry adds them in Node).
 * @module tcplab/engine
 */
// The engine (src/tcp): the host, connections, listeners, errors, counters, profiles, the event vocabulary.
export * from "./tcp/index.js";
// The simulated network; its runAsync yields to the event loop (src/driver).
export { Simulator, eventLoopTurn } from "./driver/simulator.js";
export {
  ScheduledAction,
  DEFAULT_MSL,
  type SimulatorOptions,
  type AddHostOptions,
  type RunOutcome,
  type RunLimits,
  type AsyncRunOptions,
  type InjectSpec,
  type Link,
} from "./sim/simulator.js";
export {
  LinkDirection,
  DEFAULT_LINK_DELAY,
  type LinkOptions,
  type LinkDirectionOptions,
  type LinkCounters,
} from "./sim/link.js";
export {
  Fault,
  type FaultSpec,
  type FaultAction,
  type FaultContext,
  type SegmentPredicate,
} from "./sim/faults.js";
/** Predicates that select segments for targeted faults: `match.all(match.hasFlags(FIN), match.fromState("LAST_ACK"))`. */
export * as match from "./sim/match.js";
export { SimError, type SimErrorCode } from "./sim/sim-error.js";
// Segments on the wire: the codec a driver needs to turn segments into IPv4 packets and back.
export {
  FIN,
  SYN,
  RST,
  PSH,
  ACK,
  URG,
  ECE,
  CWR,
  EMPTY_PAYLOAD,
  NO_OPTIONS,
  segmentLength,
  flagNames,
  type Segment,
  type TcpOptions,
} from "./wire/segment.js";
export { parseIPv4, formatIPv4 } from "./wire/address.js";
export { formatAddress, formatAddressPort, parseAddress, isIPv6Id } from "./wire/address-table.js";
export { encodePacket } from "./wire/codec-any.js";
export { encodeSegment, decodePacket, type DecodeResult, type IPv4Params } from "./wire/codec.js";
export type { DecodeReason } from "./wire/decode-error.js";
export { WireEncodeError, type EncodeErrorCode } from "./wire/encode-error.js";
// The views of a trace.
export * from "./views.js";
export * from "./pcap.js";
