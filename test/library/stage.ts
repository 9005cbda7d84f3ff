// The library tests' stage: two hosts on the simulator, imported through the package's own entry points
// (src/index.ts), as a user of `tcplab` would write it.
import {
  Host,
  Simulator,
  SECOND,
  createConnection,
  createServer,
  type Socket,
  type Server,
} from "../../src/index.js";

export interface LibStage {
  sim: Simulator;
  client: Host;
  server: Host;
}

export function libStage(seed = 1, delay = 10_000): LibStage {
  const sim = new Simulator({ seed });
  const client = sim.addHost(new Host({ name: "client", address: "10.0.0.1", trace: sim.trace, seed }));
  const server = sim.addHost(new Host({ name: "server", address: "10.0.0.2", trace: sim.trace, seed }));
  sim.link("client", "server", { delay });
  return { sim, client, server };
}

/** Run the simulator (yielding to Node between events) until `done()` holds; fail after `limit` µs. */
export async function runUntil(sim: Simulator, done: () => boolean, limit = 600 * SECOND): Promise<void> {
  const outcome = await sim.runAsync({ stopWhen: done, until: sim.now + limit });
  if (!done()) throw new Error(`condition not reached (simulator: ${outcome} at ${sim.now} µs)`);
}

/** A connected pair: a server socket accepted on port 7 and the client socket that dialled it. */
export async function connectedPair(
  stage: LibStage,
  options: { allowHalfOpen?: boolean; serverAllowHalfOpen?: boolean } = {},
): Promise<{ client: Socket; accepted: Socket; server: Server }> {
  let accepted: Socket | null = null;
  const server = createServer(
    stage.server,
    options.serverAllowHalfOpen !== undefined ? { allowHalfOpen: options.serverAllowHalfOpen } : {},
    (s) => {
      accepted = s;
    },
  ).listen(7);
  const client = createConnection(stage.client, {
    host: "10.0.0.2",
    port: 7,
    ...(options.allowHalfOpen !== undefined ? { allowHalfOpen: options.allowHalfOpen } : {}),
  });
  let connected = false;
  client.once("connect", () => (connected = true));
  await runUntil(stage.sim, () => connected && accepted !== null);
  return { client, accepted: accepted!, server };
}
