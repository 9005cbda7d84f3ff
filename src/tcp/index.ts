// The sans-I/O TCP engine's public surface.
export {
  Connection,
  type ConnectionEnv,
  type ConnectionHandlers,
  type ConnectionOptions,
} from "./connection.js";
export { Listener, type ListenerHandlers } from "./listen.js";
export { timeWaitVerdict, timeWaitPawsRejects, type TimeWaitVerdict, type TimeWaitView } from "./timewait.js";
export { TcpError, type TcpErrorCode } from "./errors.js";
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
export { RtoEstimator } from "./rto.js";
export { NewReno, initialWindow, type CongestionControl } from "./congestion.js";
export { Cubic } from "./cubic.js";
