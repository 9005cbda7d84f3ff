// Test-only switches that put fixed liveness bugs (issue 10: F1, F2, F3) back into the engine, so a test
// can show that `tcplab explore` or the engine invariants (./invariants.ts) catch each of them. All off
// in every product path; nothing but tests may turn one on. One property read where each fix lives.

export interface Regressions {
  /**
   * F1: sender-side silly window avoidance holds back a retransmission (RFC 9293 §3.8.6.2.1 is for new
   * data), and an RTO whose output() sent nothing does not fall back to retransmitting the head.
   */
  swsHoldsRetransmission: boolean;
  /** F2: an ACK that advances SND.UNA but has SEG.SEQ < SND.WL1 leaves SND.WND stale (Linux tcp_may_update_window). */
  staleSendWindow: boolean;
  /** F3: a fast retransmission of the head sends bytes never sent before, beyond SND.MAX. */
  headBeyondSndMax: boolean;
}

export const regressions: Regressions = {
  swsHoldsRetransmission: false,
  staleSendWindow: false,
  headBeyondSndMax: false,
};

/** Turns every switch off again (tests call it in a finally block). */
export function clearRegressions(): void {
  regressions.swsHoldsRetransmission = false;
  regressions.staleSendWindow = false;
  regressions.headBeyondSndMax = false;
}
