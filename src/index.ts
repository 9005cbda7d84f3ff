// tcplab's public API: the engine, the host and its Node-style sockets, the simulator, the trace and the wire codec.
export * from "./tcp/index.js";
export { Host, type HostOptions, type ConnectOptions, type ListenOptions } from "./stack/host.js";
export type { Endpoint, Transmit } from "./stack/endpoint.js";
export {
  Socket,
  Server,
  createConnection,
  createServer,
  type SocketOptions,
  type SocketConnectOptions,
  type ServerOptions,
} from "./stack/socket.js";
export * from "./sim/index.js";
export * from "./wire/index.js";
export * from "./trace/events.js";
