// Counts per state, per listening port and per remote endpoint (host-inspection-facts §7 rule 1).
import { ALL_STATES } from "../../tcp/state.js";
import type { SocketRecord, SocketState } from "../model.js";
import type { ListenerSummary, RemoteSummary } from "./types.js";

export function stateHistogram(sockets: readonly SocketRecord[]): Record<SocketState, number> {
  const h = Object.fromEntries([...ALL_STATES, "BOUND"].map((s) => [s, 0])) as Record<SocketState, number>;
  for (const s of sockets) h[s.state]++;
  return h;
}

/** Local ports that have a LISTEN socket: connections on them are the server side. */
export function listeningPorts(sockets: readonly SocketRecord[]): Set<number> {
  return new Set(sockets.filter((s) => s.state === "LISTEN").map((s) => s.local.port));
}

export function listenerSummaries(sockets: readonly SocketRecord[]): ListenerSummary[] {
  const out: ListenerSummary[] = [];
  for (const l of sockets) {
    if (l.state !== "LISTEN") continue;
    const onPort = sockets.filter(
      (s) =>
        s.state !== "LISTEN" &&
        s.local.port === l.local.port &&
        (l.local.address === "*" ||
          l.local.address === "0.0.0.0" ||
          l.local.address === "::" ||
          s.local.address === l.local.address),
    );
    const count = (st: SocketState) => onPort.filter((s) => s.state === st).length;
    out.push({
      address: l.local.address,
      port: l.local.port,
      family: l.family,
      acceptQueue: l.recvQ,
      // Only ss shows the backlog as Send-Q; /proc's tx_queue of a listener is 0, not a backlog.
      backlog: l.sendQ !== null && l.sendQ > 0 ? l.sendQ : null,
      owners: l.owners,
      established: count("ESTABLISHED"),
      synReceived: count("SYN_RECEIVED"),
      timeWait: count("TIME_WAIT"),
      closeWait: count("CLOSE_WAIT"),
    });
  }
  return out.sort((a, b) => a.port - b.port || a.address.localeCompare(b.address));
}

/**
 * Outgoing connections group by the peer's address and port (the service we talk to); incoming ones by the
 * peer's address only (port 0 here), since their remote port is the client's ephemeral port.
 */
export function remoteSummaries(
  sockets: readonly SocketRecord[],
  isServerSide: (s: SocketRecord) => boolean,
  limit = 20,
): RemoteSummary[] {
  const by = new Map<string, RemoteSummary>();
  for (const s of sockets) {
    if (s.state === "LISTEN" || s.remote.port === 0) continue;
    const port = isServerSide(s) ? 0 : s.remote.port;
    const key = `${s.remote.address}|${port}`;
    const r = by.get(key) ?? { address: s.remote.address, port, total: 0, states: {} };
    r.total++;
    r.states[s.state] = (r.states[s.state] ?? 0) + 1;
    by.set(key, r);
  }
  return [...by.values()]
    .sort((a, b) => b.total - a.total || a.address.localeCompare(b.address) || a.port - b.port)
    .slice(0, limit);
}
