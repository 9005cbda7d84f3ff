// TIME_WAIT: which side it is on, and the ephemeral-port budget of each (local IP, remote IP, remote port).
// Facts (host-inspection-facts §1.2, §1.3, §1.6): only the side that closed first gets TIME_WAIT; on the
// server side it holds no ephemeral port (it is memory, ~256 B); on the client side it holds one local
// port *for that 4-tuple family only* — connect() may reuse a port for a different destination, so the
// budget is per (src IP, dst IP, dst port). tcp_tw_reuse lets an outgoing connect() take over a TIME_WAIT
// entry older than tcp_tw_reuse_delay if timestamps are on (1 = always, 2 = loopback only).
import { isLoopback } from "../address.js";
import type { SocketRecord } from "../model.js";
import type { HostSettings } from "../platform-settings.js";
import type { Level, PortBudget } from "./types.js";

const TW_SOCK_BYTES = 256;

export function inEphemeralRange(port: number, st: HostSettings): boolean {
  return port >= st.ephemeralFirst && port <= st.ephemeralLast;
}

/** Server side when the local port is a listening port, or outside the ephemeral range (rule 2, §7). */
export function isClientSide(s: SocketRecord, listening: Set<number>, st: HostSettings): boolean {
  return !listening.has(s.local.port) && inEphemeralRange(s.local.port, st);
}

/**
 * Whether Linux's tcp_tw_reuse lets an outgoing connect() between these addresses take over TIME_WAIT
 * entries at all: 1 = everywhere, 2 (the default) = when either address is loopback; timestamps on.
 */
export function reuseApplies(localAddress: string, remoteAddress: string, st: HostSettings): boolean {
  if (st.platform !== "linux" || st.timestamps === 0) return false;
  const loopback = isLoopback(localAddress) || isLoopback(remoteAddress);
  return st.twReuse === 1 || (st.twReuse === 2 && loopback);
}

/** Whether an outgoing connect() could take over this TIME_WAIT entry now (tcp_twsk_unique()). */
export function reusableNow(s: SocketRecord, st: HostSettings): boolean {
  if (s.state !== "TIME_WAIT") return false; // never a FIN_WAIT_2 minisock
  if (!reuseApplies(s.local.address, s.remote.address, st)) return false;
  if (!s.timer || s.timer.kind !== "timewait") return false; // age unknown without the timer
  const ageSeconds = st.timeWaitSeconds - s.timer.secondsLeft;
  return ageSeconds * 1000 > st.twReuseDelayMs;
}

export function usablePorts(st: HostSettings, listening: Set<number>): number {
  const size = st.ephemeralLast - st.ephemeralFirst + 1;
  const reserved = new Set(st.reservedPorts);
  // A port a listener (or any bound socket) holds is skipped by connect()'s search for every destination.
  for (const p of listening) if (inEphemeralRange(p, st)) reserved.add(p);
  return Math.max(0, size - reserved.size);
}

export function levelOf(ratio: number): Level {
  return ratio >= 0.8 ? "critical" : ratio >= 0.5 ? "warn" : "ok";
}

export function timeWaitSummary(sockets: readonly SocketRecord[], listening: Set<number>, st: HostSettings) {
  const tw = sockets.filter((s) => s.state === "TIME_WAIT");
  const clientSide = tw.filter((s) => isClientSide(s, listening, st)).length;
  const usable = usablePorts(st, listening);
  const groups = new Map<string, SocketRecord[]>();
  for (const s of sockets) {
    if (s.state === "LISTEN" || s.state === "CLOSED" || s.state === "BOUND") continue;
    if (!isClientSide(s, listening, st)) continue;
    const key = `${s.local.address}|${s.remote.address}|${s.remote.port}`;
    const g = groups.get(key) ?? [];
    g.push(s);
    groups.set(key, g);
  }
  const budgets: PortBudget[] = [];
  for (const g of groups.values()) {
    const first = g[0]!;
    const used = new Set(g.map((s) => s.local.port)).size;
    const timeWait = g.filter((s) => s.state === "TIME_WAIT").length;
    const reusable = g.filter((s) => reusableNow(s, st)).length;
    const effective = used - reusable;
    const ratio = usable > 0 ? used / usable : 1;
    budgets.push({
      localAddress: first.local.address,
      remoteAddress: first.remote.address,
      remotePort: first.remote.port,
      used,
      timeWait,
      usable,
      usedRatio: ratio,
      impliedRatePerSecond: timeWait / st.timeWaitSeconds,
      measuredRatePerSecond: null,
      // With reuse, a port is free again tcp_tw_reuse_delay after its TIME_WAIT began, not 60 s after.
      ...(reuseApplies(first.local.address, first.remote.address, st)
        ? {
            ceilingPerSecond: usable / (st.twReuseDelayMs / 1000),
            ceilingBasis: `usable ports ÷ tcp_tw_reuse_delay (${st.twReuseDelayMs} ms): tcp_tw_reuse=${st.twReuse} applies here`,
          }
        : {
            ceilingPerSecond: usable / st.timeWaitSeconds,
            ceilingBasis: `usable ports ÷ TIME_WAIT length (${st.timeWaitSeconds} s)`,
          }),
      reusableNow: reusable,
      exhausted: effective >= usable,
      // Entries connect() may take over right now do not count against the budget's pressure.
      level: levelOf(usable > 0 ? effective / usable : 1),
    });
  }
  budgets.sort((a, b) => b.usedRatio - a.usedRatio || b.used - a.used);
  return {
    total: tw.length,
    serverSide: tw.length - clientSide,
    clientSide,
    memoryBytesEstimate: tw.length * TW_SOCK_BYTES,
    budgets,
  };
}
