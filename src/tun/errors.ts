// Errors of the TUN features. Each has a `code` callers can switch on; none of them is thrown by
// anything outside src/tun, so the rest of tcplab works where TUN devices cannot.

/** Why TUN features cannot run on this machine. */
export type TunUnavailableReason =
  | "not-linux" // TUN devices and network namespaces are Linux features
  | "addon-missing" // build/Release/tcplab_tun.node was not built (see scripts/build-native.mjs)
  | "addon-load-failed" // it exists but could not be loaded (built for another Node, corrupt)
  | "no-tun-device" // /dev/net/tun is absent (no tun module, or a container without the device)
  | "not-permitted"; // creating namespaces and TUN devices needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN)

/** TUN features cannot run on this machine (code ERR_TCPLAB_TUN_UNAVAILABLE); `reason` says why. */
export class TunUnavailableError extends Error {
  readonly code = "ERR_TCPLAB_TUN_UNAVAILABLE";
  readonly reason: TunUnavailableReason;

  constructor(reason: TunUnavailableReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TunUnavailableError";
    this.reason = reason;
  }
}

/** The codes of NetnsError. */
export type NetnsErrorCode =
  | "ERR_TCPLAB_NETNS_CLOSED" // the namespace was already closed
  | "ERR_TCPLAB_NETNS_TOOL_MISSING" // nsenter or ip is not installed
  | "ERR_TCPLAB_NETNS_COMMAND"; // a setup command inside the namespace failed

/** A network-namespace operation failed. */
export class NetnsError extends Error {
  readonly code: NetnsErrorCode;

  constructor(code: NetnsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NetnsError";
    this.code = code;
  }
}

export type TunDriverErrorCode =
  | "ERR_TCPLAB_TUN_DRIVER_STARTED" // start() on a running driver
  | "ERR_TCPLAB_TUN_DEADLINE_STUCK" // advance(now) left a deadline at or before now, again and again
  | "ERR_TCPLAB_TUN_WRITE"; // the device refused a packet for a reason other than a full queue

export class TunDriverError extends Error {
  readonly code: TunDriverErrorCode;

  constructor(code: TunDriverErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TunDriverError";
    this.code = code;
  }
}
