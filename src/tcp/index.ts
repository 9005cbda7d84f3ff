// The engine's public surface (what tcplab/engine and tcplab export of src/tcp): one list, here.
// The host, one connection's TCB and state machine, listeners, errors, counters, profiles, the event vocabulary.
export {
  Connection,
  type ConnectionEnv,
  type ConnectionHandlers,
  type ConnectionOptions,
} from "./connection.js";
export { Listener, type ListenerHandlers } from "./listen.js";
export { TcpError, type TcpErrorCode } from "./errors.js";
export { ArgumentError, type ArgumentErrorCode } from "./arg-error.js";
export { Counters } from "./counters.js";
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
} from "./profile.js";
export { ALL_STATES, isSynchronized, type TcpState } from "./state.js";
export { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, seqInRange } from "./seq.js";
// A host: demultiplexing, listeners, ports, TIME_WAIT, timers; what a driver feeds, and what it sees of it.
export { Host, type HostOptions, type ConnectOptions, type ListenOptions } from "./engine.js";
export { AppTimer } from "./app-timers.js";
export type { Endpoint, Transmit } from "./endpoint.js";
// The trace every view reads.
export * from "./events.js";
