// tcplab/engine — also what `import ... from "tcplab"` gives a bundler targeting browsers: the sans-I/O TCP
// engine, the Host, the deterministic simulator, the trace, the views and pcap, with no Node built-in.
// The Node-style Socket/Server and the HTTP agent are in tcplab/node (the main entry adds them in Node).
export * from "./tcp/index.js";
export { ArgumentError, type ArgumentErrorCode } from "./tcp/arg-error.js";
export { Host, type HostOptions, type ConnectOptions, type ListenOptions } from "./stack/host.js";
export { AppTimer } from "./stack/app-timers.js";
export type { Endpoint, Transmit } from "./stack/endpoint.js";
export * from "./sim/index.js";
export * from "./wire/index.js";
export * from "./trace/events.js";
export * from "./views.js";
