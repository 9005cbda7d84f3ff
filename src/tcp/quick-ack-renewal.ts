// Linux renews the quick-ACK budget when data arrives after a silence longer than the RTO
// (tcp_event_data_recv: "Too long gap. Apparently sender failed to restart window, so that we send ACKs
// quickly" → tcp_incr_quickack), so the first segments after an idle period are ACKed at once instead of
// after the delayed-ACK timer. Script: `ack/quick-ack-renewed-after-idle.pkt`. The first data segment
// sets the budget on its own (receive-window.ts, segmentQueued); this is only the renewal.

/**
 * Does data arriving `now` renew the budget? `lastData`: when data last arrived (−1 before any: the first
 * segment is handled by the budget's initialisation); `rto`: the current retransmission timeout (µs).
 */
export function quickAckRenewed(linuxRule: boolean, lastData: number, now: number, rto: number): boolean {
  return linuxRule && lastData >= 0 && now - lastData > rto;
}
