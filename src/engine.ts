/**
 * tcplab/engine — also what `import … from "tcplab"` gives a bundler targeting browsers: the sans-I/O TCP
 * engine, the Host, the deterministic simulator, the trace, the views and pcap, with no Node built-in.
 * The Node-style Socket/Server and the HTTP agent are in tcplab/node (the main entry adds them in Node).
 * @module tcplab/engine
 */
// The engine: one connection's TCB and state machine, listeners, errors, counters, profiles.
export {
  Connection,
  type ConnectionEnv,
  type ConnectionHandlers,
  type ConnectionOptions,
} from "./tcp/connection.js";
export { Listener, type ListenerHandlers } from "./tcp/listen.js";
export { TcpError, type TcpErrorCode } from "./tcp/errors.js";
export { ArgumentError, type ArgumentErrorCode } from "./tcp/arg-error.js";
export { Counters } from "./tcp/counters.js";
export {
  PROFILES,
  makeProfile,
  ProfileError,
  MS,
  SECOND,
  type Profile,
  type ProfileName,
  type SynCookiePolicy,
  type TimeWaitReusePolicy,
} from "./tcp/profile.js";
export { ALL_STATES, isSynchronized, type TcpState } from "./tcp/state.js";
export { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, seqInRange } from "./tcp/seq.js";
// A host: demultiplexing, listeners, ports, TIME_WAIT, timers; what a driver feeds.
export { Host, type HostOptions, type ConnectOptions, type ListenOptions } from "./tcp/engine.js";
export { AppTimer } from "./tcp/app-timers.js";
export type { Endpoint, Transmit } from "./tcp/endpoint.js";
// The simulated network.
export {
  Simulator,
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
export { encodeSegment, decodePacket, type DecodeResult, type IPv4Params } from "./wire/codec.js";
export type { DecodeReason } from "./wire/decode-error.js";
export { WireEncodeError, type EncodeErrorCode } from "./wire/encode-error.js";
// The trace every view reads, and the views.
export * from "./trace/events.js";
export * from "./views.js";
export * from "./pcap.js";
