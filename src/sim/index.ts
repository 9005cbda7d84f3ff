// The simulated network's public surface.
export {
  Simulator,
  ScheduledAction,
  DEFAULT_MSL,
  DEFAULT_MAX_EVENTS,
  type SimulatorOptions,
  type AddHostOptions,
  type RunOutcome,
  type RunLimits,
  type AsyncRunOptions,
  type InjectSpec,
  type Link,
} from "./simulator.js";
export { EventQueue } from "./event-queue.js";
export { copySegment, corruptedPacket } from "./in-flight.js";
export { Rng, RandomStreams } from "./random.js";
export {
  LinkDirection,
  DEFAULT_LINK_DELAY,
  DEFAULT_QUEUE_LIMIT,
  MAX_IPV4_PACKET,
  type LinkOptions,
  type LinkDirectionOptions,
  type LinkCounters,
} from "./link.js";
export {
  Fault,
  type FaultSpec,
  type FaultAction,
  type FaultContext,
  type SegmentPredicate,
} from "./faults.js";
export * as match from "./match.js";
export { pcapFromTrace, pcapRecordsFromTrace } from "./pcap-from-trace.js";
export { SimError, type SimErrorCode } from "./sim-error.js";
export { TraceStateTracker } from "./state-tracker.js";
