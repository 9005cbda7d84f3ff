// Two samples → rates: new TIME_WAIT per second and counter deltas. TIME_WAIT lasts tens of seconds, so
// a 4-tuple in TIME_WAIT in the second sample but not the first entered it during the interval.
import type { Snapshot, SocketRecord } from "../model.js";
import type { Rates } from "./types.js";

const tupleKey = (s: SocketRecord) =>
  `${s.local.address}|${s.local.port}|${s.remote.address}|${s.remote.port}`;

/** TIME_WAIT entries of the later sample whose 4-tuple was not in TIME_WAIT in the earlier one. */
export function newTimeWait(
  earlier: readonly SocketRecord[],
  later: readonly SocketRecord[],
): SocketRecord[] {
  const before = new Set(earlier.filter((s) => s.state === "TIME_WAIT").map(tupleKey));
  return later.filter((s) => s.state === "TIME_WAIT" && !before.has(tupleKey(s)));
}

export function computeRates(earlier: Snapshot, later: Snapshot, intervalSeconds: number): Rates {
  const fresh = newTimeWait(earlier.sockets, later.sockets).length;
  const counterDeltas: Record<string, number> = {};
  if (earlier.counters && later.counters) {
    for (const [k, v] of Object.entries(later.counters)) {
      const old = earlier.counters[k];
      // Gauges such as Tcp.CurrEstab and Tcp.MaxConn are differences too; the report names them as such.
      if (old !== undefined && v !== old) counterDeltas[k] = v - old;
    }
  }
  return {
    intervalSeconds,
    newTimeWaitPerSecond: intervalSeconds > 0 ? fresh / intervalSeconds : 0,
    counterDeltas,
  };
}
