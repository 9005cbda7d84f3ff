// Snapshot(s) → Analysis: the numbers first, then the findings that interpret them.
import type { Snapshot } from "../model.js";
import { resolveSettings } from "../platform-settings.js";
import { closeWaitSummary } from "./close-wait.js";
import { buildFindings } from "./findings.js";
import { finWait2Summary } from "./fin-wait2.js";
import { listenerSummaries, listeningPorts, remoteSummaries, stateHistogram } from "./histogram.js";
import { computeRates, newTimeWait } from "./rates.js";
import type { SocketRecord } from "../model.js";
import { isClientSide, timeWaitSummary } from "./time-wait.js";
import type { Analysis } from "./types.js";

export interface AnalyzeOptions {
  /** An earlier sample of the same host, for rates and persistence. */
  earlier?: Snapshot | null;
  intervalSeconds?: number | null;
  /** Settings given on the command line (--setting key=value); they override the snapshot's. */
  settingOverrides?: Record<string, string>;
  /**
   * The whole socket table when `snap` holds a filtered part of it (--state, --dport...): listening
   * ports are learnt from it, so a TIME_WAIT on a server port stays server-side when the listener is
   * filtered out.
   */
  allSockets?: readonly SocketRecord[];
}

export function analyze(snap: Snapshot, opts: AnalyzeOptions = {}): Analysis {
  const settings = resolveSettings(snap.platform, { ...snap.settings, ...(opts.settingOverrides ?? {}) });
  const sockets = snap.sockets;
  const listening = listeningPorts(opts.allSockets ?? sockets);
  const linux = snap.platform === "linux";
  const earlier = opts.earlier ?? null;
  const counters = snap.counters;
  const counter = (k: string) => (counters && counters[k] !== undefined ? counters[k]! : null);
  const rates =
    earlier && opts.intervalSeconds !== null && opts.intervalSeconds !== undefined
      ? computeRates(earlier, snap, opts.intervalSeconds)
      : null;
  const facts: Omit<Analysis, "findings"> = {
    schemaVersion: 1,
    source: {
      platform: snap.platform,
      format: snap.format,
      name: snap.source,
      takenAt: snap.takenAtMs !== null ? new Date(snap.takenAtMs).toISOString() : null,
      ownersKnown: snap.ownersKnown,
    },
    settings,
    totalSockets: sockets.length,
    states: stateHistogram(sockets),
    linux: {
      newSynRecv: sockets.filter((s) => s.minisock === "request").length,
      finWait2Orphans: sockets.filter((s) => s.state === "FIN_WAIT_2" && s.minisock === "timewait").length,
    },
    listeners: listenerSummaries(sockets),
    remotes: remoteSummaries(sockets, (s) => !isClientSide(s, listening, settings)),
    timeWait: withMeasuredRates(timeWaitSummary(sockets, listening, settings), earlier, sockets, opts),
    closeWait: closeWaitSummary(sockets, linux, earlier?.sockets ?? null),
    finWait2: finWait2Summary(sockets),
    handshake: {
      synReceived: sockets.filter((s) => s.state === "SYN_RECEIVED").length,
      maxSynBacklog: settings.maxSynBacklog,
      listenOverflows: counter("TcpExt.ListenOverflows"),
      listenDrops: counter("TcpExt.ListenDrops"),
      syncookiesSent: counter("TcpExt.SyncookiesSent"),
    },
    kernel: {
      sockstatTimeWait: snap.sockstat?.tw ?? null,
      maxTwBuckets: settings.maxTwBuckets,
      timeWaitOverflow: counter("TcpExt.TCPTimeWaitOverflow"),
      orphans: snap.sockstat?.orphan ?? null,
      maxOrphans: settings.maxOrphans,
      abortOnMemory: counter("TcpExt.TCPAbortOnMemory"),
    },
    rates,
  };
  return { ...facts, findings: buildFindings(facts) };
}

/**
 * With two samples, each destination's rate is measured as the summary's is (new TIME_WAIT 4-tuples per
 * second of the interval), so the budget table and the rates section say the same thing.
 */
function withMeasuredRates(
  tw: Analysis["timeWait"],
  earlier: Snapshot | null,
  later: readonly SocketRecord[],
  opts: AnalyzeOptions,
): Analysis["timeWait"] {
  const seconds = opts.intervalSeconds;
  if (!earlier || seconds === null || seconds === undefined || seconds <= 0) return tw;
  const counts = new Map<string, number>();
  for (const s of newTimeWait(earlier.sockets, later)) {
    const key = `${s.local.address}|${s.remote.address}|${s.remote.port}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return {
    ...tw,
    budgets: tw.budgets.map((b) => ({
      ...b,
      measuredRatePerSecond:
        (counts.get(`${b.localAddress}|${b.remoteAddress}|${b.remotePort}`) ?? 0) / seconds,
    })),
  };
}
