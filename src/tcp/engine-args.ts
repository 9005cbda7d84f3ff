// Argument checks at the Host's public calls, for callers in plain JavaScript: a wrong type is a TypeError
// with an ERR_TCPLAB_* code naming the argument, not a crash deep inside the engine or a silent NaN.
import { ArgumentError, describe, expectOptional, expectType } from "./arg-error.js";

/** new Host(options): name and address are required; the rest optional and typed. */
export function checkHostOptions(options: unknown): void {
  if (typeof options !== "object" || options === null) {
    throw new ArgumentError(
      "ERR_TCPLAB_INVALID_ARG_TYPE",
      `new Host(options) takes an object such as { name: "client", address: "10.0.0.1" }, got ${describe(options)}`,
    );
  }
  const o = options as Record<string, unknown>;
  if (o.name === undefined) {
    throw new ArgumentError(
      "ERR_TCPLAB_MISSING_ARG",
      'new Host(options): options.name is required (e.g. "client")',
    );
  }
  expectType(o.name, "string", "Host options.name");
  if (o.address === undefined) {
    throw new ArgumentError(
      "ERR_TCPLAB_MISSING_ARG",
      'new Host(options): options.address is required (an IPv4 address such as "10.0.0.1")',
    );
  }
  if (typeof o.address !== "string" && typeof o.address !== "number") {
    throw new ArgumentError(
      "ERR_TCPLAB_INVALID_ARG_TYPE",
      `Host options.address must be a dotted IPv4 string or a uint32, got ${describe(o.address)}`,
    );
  }
  expectOptional(o.mtu, "number", "Host options.mtu");
  expectOptional(o.seed, "number", "Host options.seed");
  expectOptional(o.overrides, "object", "Host options.overrides");
  expectOptional(o.trace, "object", "Host options.trace");
  if (o.profile !== undefined && typeof o.profile !== "string" && typeof o.profile !== "object") {
    throw new ArgumentError(
      "ERR_TCPLAB_INVALID_ARG_TYPE",
      `Host options.profile must be a profile name ("linux", "bsd", "windows", "rfc") or a Profile, got ${describe(o.profile)}`,
    );
  }
}

/** host.connect(options, handlers) */
export function checkConnectArgs(options: unknown, handlers: unknown): void {
  expectType(options, "object", "Host.connect(options): options");
  const o = options as Record<string, unknown>;
  if (typeof o.address !== "string" && typeof o.address !== "number") {
    throw new ArgumentError(
      "ERR_TCPLAB_INVALID_ARG_TYPE",
      `Host.connect(options): options.address must be a dotted IPv4 string or a uint32, got ${describe(o.address)}`,
    );
  }
  expectType(o.port, "number", "Host.connect(options): options.port");
  expectOptional(o.localPort, "number", "Host.connect(options): options.localPort");
  expectType(handlers, "object", "Host.connect(options, handlers): handlers");
}

/** host.listen(port, options, handlers) */
export function checkListenArgs(port: unknown, options: unknown, handlers: unknown): void {
  expectType(port, "number", "Host.listen(port): port");
  expectType(options, "object", "Host.listen(port, options): options");
  expectType(handlers, "object", "Host.listen(port, options, handlers): handlers");
  expectType(
    (handlers as { onConnection?: unknown }).onConnection,
    "function",
    "Host.listen(port, options, handlers): handlers.onConnection",
  );
}
