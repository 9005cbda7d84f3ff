/**
 * tcplab/node — the Node-style layer: net.Socket/net.Server over a tcplab Host (Duplex streams, Node's
 * error codes), an http.Agent that dials through a Host, and the trap that makes any kernel socket
 * opened by mistake throw. Needs Node (node:stream, node:http); nothing here imports node:net except
 * the trap, which only wraps it.
 * @module tcplab/node
 */
export {
  Socket,
  Server,
  createConnection,
  createServer,
  type SocketOptions,
  type SocketConnectOptions,
  type ServerOptions,
  type ServerListenOptions,
} from "./stack/socket.js";
export { TcplabAgent, type TcplabAgentOptions } from "./node/agent.js";
export {
  trapKernelSockets,
  KernelSocketError,
  type KernelSocketTrap,
  type KernelSocketTrapOptions,
} from "./node/kernel-trap.js";
export { writePcapFile } from "./trace/pcap-file.js";
