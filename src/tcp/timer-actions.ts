// What a connection's timers do when they fire (RFC 9293 §3.8.1 retransmission via ./retransmit.ts,
// §3.8.6.1 the persist timer's zero-window probes, §3.8.4 keep-alives, §3.8.6.3 the delayed ACK, and
// Linux's orphaned FIN_WAIT_2 timeout). ./timers.ts holds the slots and their firing order; this file the
// bodies. One ConnectionTimerActions serves every connection (its methods take the connection): neither
// closures nor an object per connection, which cost the lifecycle benchmark and idle memory (docs/benchmarks.md).
import type { Connection } from "./connection.js";
import { isSynchronized } from "./state.js";
import { TcpError } from "./errors.js";
import { checkRetransmissionTimeout } from "./invariants.js";
import { T_FIN_WAIT_2, T_KEEPALIVE, T_PERSIST, type TimerActions } from "./timers.js";
import { retransmitTimeout } from "./retransmit.js";
import { finHeldBack, output } from "./output.js";
import { emit, emitRst, sendAck } from "./emit.js";
import { seqAdd } from "./seq.js";
import { ACK, EMPTY_PAYLOAD, NO_OPTIONS } from "../wire/segment.js";

/** The timer bodies ./timers.ts dispatches, each given the connection whose timer fired. */
export class ConnectionTimerActions implements TimerActions {
  finWait2Expired(c: Connection): void {
    c.env.counters.finWait2Timeouts++;
    // Linux sends nothing when an orphaned FIN_WAIT_2 expires; a later segment from the peer draws a RST.
    c.terminate("FIN_WAIT_2 timeout", null);
  }
  lossProbeExpired(c: Connection): void {
    c.loss.onProbeTimer();
  }
  retransmissionExpired(c: Connection): void {
    const sentBefore = c.env.counters.outSegs;
    this.retransmitTimeout(c);
    if (c.env.invariants !== null) checkRetransmissionTimeout(c, c.env.invariants, sentBefore);
  }
  /** The RTO's work (./retransmit.ts), a method of its own: a test stands a broken engine in for it. */
  retransmitTimeout(c: Connection): void {
    retransmitTimeout(c);
  }
  reorderExpired(c: Connection): void {
    c.loss.onReorderTimer();
  }
  persistExpired(c: Connection): void {
    zeroWindowProbe(c);
  }
  keepAliveExpired(c: Connection): void {
    keepAliveTimeout(c);
  }
  delayedAckExpired(c: Connection): void {
    if (isSynchronized(c.state) && c.lastAckSent !== c.rcv.rcvNxt) {
      c.pingPong = false; // "Delayed ACK missed: leave pingpong mode" (tcp_delack_timer_handler)
      c.env.counters.delayedAcks++;
      sendAck(c, "delayed-ack");
    }
  }
}

/** The one instance every connection's timers dispatch to. */
export const connectionTimerActions = new ConnectionTimerActions();

/** The persist timer fired (§3.8.6.1): probe the zero window, or force out what SWS avoidance held back. */
export function zeroWindowProbe(c: Connection): void {
  const snd = c.snd;
  if (snd.unsent <= 0 && !finHeldBack(c)) return;
  if (snd.sndWnd > 0) {
    c.swsOverride = true;
    output(c);
    c.swsOverride = false;
    return;
  }
  // §3.8.6.1 (MUST-37) keeps a zero window open only while the peer answers the probes; unanswered
  // ones count toward the retry limit, as Linux's tcp_probe_timer does.
  const p = c.env.profile;
  // An orphan has no application to wait for: Linux's tcp_probe_timer aborts it once the probe backoff
  // has reached TCP_RTO_MAX ("not alive") and counts tcp_orphan_retries backoffs, answered or not —
  // else a peer that keeps its window shut pins the orphan, and its send buffer, forever (F5).
  if (c.orphaned && snd.rto.backedOff(snd.backoffs) >= p.rtoMax && snd.backoffs >= p.orphanRetries) {
    c.env.counters.abortOnTimeout++;
    c.terminate("orphan: zero-window probes past the backoff limit", null);
    return;
  }
  if (c.probesOut >= (c.orphaned ? p.orphanRetries : p.dataRetries)) {
    c.terminate("zero-window probes unanswered", c.orphaned ? null : new TcpError("ETIMEDOUT", "write"));
    return;
  }
  c.probesOut++;
  c.env.counters.zeroWindowProbes++;
  // Linux's probe: an ACK carrying SND.UNA − 1, which the receiver answers with its current window.
  emit(c, seqAdd(snd.sndUna, -1), c.rcv.rcvNxt, ACK, EMPTY_PAYLOAD, NO_OPTIONS, "zero-window-probe", false);
  snd.backoffs = Math.min(snd.backoffs + 1, 30);
  c.timers.set(T_PERSIST, c.now + snd.rto.backedOff(snd.backoffs));
}

/** The keep-alive timer fired (§3.8.4): probe an idle peer, or give up on a silent one. */
export function keepAliveTimeout(c: Connection): void {
  const p = c.env.profile;
  if (!c.keepAlive || !isSynchronized(c.state)) return;
  if (c.snd.sndUna !== c.snd.sndMax || c.snd.unsent > 0) {
    // MUST-26: no keep-alive while sent data is outstanding; the retransmission limit decides instead.
    c.keepAliveProbes = 0;
    c.timers.set(T_KEEPALIVE, c.now + c.keepAliveIdle);
    return;
  }
  if (c.keepAliveProbes >= c.keepAliveCount) {
    c.env.counters.keepAliveTimeouts++;
    // Linux tcp_keepalive_timer resets the dead connection (tcp_send_active_reset: <SEQ=SND.NXT><ACK=
    // RCV.NXT><CTL=RST,ACK>); FreeBSD's tcp_drop sends RST from CLOSED too. RFC 9293 §3.8.4 is silent.
    if (p.keepAliveTimeoutRst) emitRst(c, c.snd.sndNxt, c.rcv.rcvNxt, "rst-keepalive-timeout");
    c.terminate("keepalive timeout", new TcpError("ETIMEDOUT", "read"));
    return;
  }
  c.keepAliveProbes++;
  // RFC 9293 §3.8.4: a probe with SEG.SEQ = SND.NXT − 1 elicits an ACK from a live peer.
  emit(c, seqAdd(c.snd.sndNxt, -1), c.rcv.rcvNxt, ACK, EMPTY_PAYLOAD, NO_OPTIONS, "keepalive", false);
  c.timers.set(T_KEEPALIVE, c.now + c.keepAliveInterval);
}

/** An orphaned FIN_WAIT_2 lasts finWait2Timeout (TCP_LINGER2; Linux tcp_fin_timeout). */
export function armFinWait2(c: Connection): void {
  c.timers.set(T_FIN_WAIT_2, c.now + c.finWait2Timeout);
}
