/**
 * tcplab/tun — the engine on a Linux TUN device against the kernel's own TCP, inside a private network
 * namespace (docs/tun.md): StackSession sets it all up in one call. Linux, root and /dev/net/tun only.
 * @module tcplab/tun
 */
export { StackSession, type StackSessionOptions } from "./tun/stack-session.js";
export { NetworkNamespace, type RunResult, type RunOptions, type TunConfig } from "./tun/netns.js";
export { tunAvailability, type TunAvailability } from "./tun/addon.js";
export {
  TunUnavailableError,
  NetnsError,
  type TunUnavailableReason,
  type NetnsErrorCode,
} from "./tun/errors.js";
