// Host-wide counters in the spirit of Linux's /proc/net/snmp and /proc/net/netstat (what `nstat` shows),
// plus one counter per drop reason (gVisor keeps a counter per drop; so do we).
import type { DropReason } from "./events.js";

/** A host's counters, in the spirit of Linux's nstat (segments in and out, resets, drops per reason...). */
export class Counters {
  // RFC 4022 / Linux Tcp: group
  activeOpens = 0;
  passiveOpens = 0;
  attemptFails = 0;
  estabResets = 0;
  inSegs = 0;
  outSegs = 0;
  retransSegs = 0;
  inErrs = 0;
  outRsts = 0;
  // TcpExt: group
  synCookiesSent = 0;
  synCookiesRecv = 0;
  synCookiesFailed = 0;
  listenOverflows = 0;
  listenDrops = 0;
  challengeAcks = 0;
  timeWaitRecycled = 0;
  timeWaitKilled = 0;
  timeWaitEntered = 0;
  /** An outgoing connect took over a TIME_WAIT 4-tuple (tcp_tw_reuse; Linux TcpExt.TWRecycled). */
  timeWaitReused = 0;
  timeouts = 0;
  keepAliveTimeouts = 0;
  finWait2Timeouts = 0;
  abortOnData = 0;
  abortOnClose = 0;
  delayedAcks = 0;
  fastRetransmits = 0;
  /** Tail loss probes sent (Linux TcpExt.TCPLossProbes). */
  lossProbes = 0;
  /** Loss episodes a tail loss probe repaired (TcpExt.TCPLossProbeRecovery). */
  lossProbeRecoveries = 0;
  zeroWindowProbes = 0;
  pawsRejected = 0;
  /** TIME_WAIT held back an ACK to an invalid segment by the rate limit (TcpExt.TCPACKSkippedTimeWait). */
  ackSkippedTimeWait = 0;
  /** Orphans aborted: probes of a zero window past the backoff limit, or too many orphans (TCPAbortOnMemory for the latter). */
  abortOnTimeout = 0;
  abortOnMemory = 0;

  readonly drops = new Map<DropReason, number>();

  /** Count one segment dropped for `reason`. */
  drop(reason: DropReason): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }

  /** Segments dropped so far for `reason`. */
  dropCount(reason: DropReason): number {
    return this.drops.get(reason) ?? 0;
  }

  /** A plain snapshot, `nstat`-style names included. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(this)) if (typeof v === "number") out[k] = v;
    for (const [reason, n] of this.drops) out[`drop:${reason}`] = n;
    return out;
  }
}
