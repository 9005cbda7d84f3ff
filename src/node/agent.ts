// node:http over tcplab: an http.Agent whose every connection is one of our sockets on a given Host. It
// never falls back to node:net — there is no code path here that could open a kernel socket. The trap
// this does NOT cover (http.request with `agent: false` builds Node's own agent) is in ./kernel-trap.ts.
import http from "node:http";
import type { Duplex } from "node:stream";
import { ArgumentError, describe } from "../tcp/arg-error.js";
import { Host } from "../tcp/engine.js";
import { createConnection, type Socket } from "../stack/socket.js";
import { isDottedIPv4 } from "../wire/address.js";

/** Options of a {@link TcplabAgent}: http.Agent's, plus names for addresses. */
export interface TcplabAgentOptions extends http.AgentOptions {
  /**
   * Names a request may use instead of an address, e.g. `{ "server.test": "10.0.0.2" }`: tcplab does no
   * DNS. "localhost" is 127.0.0.1 unless given here.
   */
  hosts?: Record<string, string>;
}

/**
 * An http.Agent that dials through a tcplab {@link Host}: `http.request({ agent, host: "10.0.0.2", ... })`
 * sends over our TCP (under the simulator, over TUN...). Keep-alive, maxSockets and the rest of
 * http.Agent work as usual. Names other than addresses must be listed in `options.hosts`.
 */
export class TcplabAgent extends http.Agent {
  /** The host every connection of this agent is made from. */
  readonly stack: Host;
  /** Sockets this agent created, in order (to inspect their TCP state afterwards). */
  readonly created: Socket[] = [];
  private readonly names: Map<string, string>;

  constructor(host: Host, options: TcplabAgentOptions = {}) {
    if (!(host instanceof Host)) {
      throw new ArgumentError(
        "ERR_TCPLAB_INVALID_ARG_TYPE",
        `new TcplabAgent(host): host must be a tcplab Host, got ${describe(host)}`,
      );
    }
    const { hosts = {}, ...agentOptions } = options;
    super(agentOptions);
    this.stack = host;
    this.names = new Map(Object.entries(hosts));
  }

  /** Called by http.Agent for each new connection: always one of our sockets, never a kernel one. */
  override createConnection(
    options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex {
    if (options.socketPath !== undefined) {
      throw new ArgumentError(
        "ERR_TCPLAB_INVALID_ARG_TYPE",
        `TcplabAgent: socketPath (${options.socketPath}) names a Unix socket; tcplab carries TCP only`,
      );
    }
    const name = options.host ?? options.hostname ?? "localhost";
    const address = this.names.get(name) ?? (name === "localhost" ? "127.0.0.1" : name);
    if (!isDottedIPv4(address)) {
      throw new ArgumentError(
        "ERR_TCPLAB_UNKNOWN_HOST",
        `TcplabAgent: ${JSON.stringify(name)} is not an IPv4 address and not in the agent's hosts map ` +
          `(new TcplabAgent(host, { hosts: { ${JSON.stringify(name)}: "10.0.0.2" } })); tcplab does no DNS`,
      );
    }
    const port = Number(options.port ?? options.defaultPort ?? 80);
    const socket = createConnection(this.stack, { host: address, port });
    this.created.push(socket);
    // http.Agent takes the returned socket; the callback form is for agents that connect asynchronously.
    void callback;
    return socket;
  }
}
