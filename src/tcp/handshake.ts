// The handshake's end, said once: the ACK of our SYN (SND.UNA past ISS, the handshake RTT sample, RFC
// 6298 §5.7's fallback RTO) and the completion every path shares — SYN_SENT → ESTABLISHED (§3.10.7.3),
// SYN_RECEIVED → ESTABLISHED (§3.10.7.4 fifth check), a SYN cookie (RFC 4987 §3.6): the peer's window,
// the initial cwnd (RFC 5681 §3.1), the Figure 5 edge, a CLOSE queued before it (§3.10.4), the ACK.
import { updateWindow } from "./ack-step.js";
import type { Connection } from "./connection.js";
import { reportEstablished } from "./delivery.js";
import { sendAck } from "./emit.js";
import { handshakeRtoFallback, sampleRtt } from "./rto.js";
import { T_KEEPALIVE, T_RTX } from "./timers.js";
import { queuedClose, type Transition } from "./transitions.js";
import type { Segment } from "../wire/segment.js";

/** An acceptable ACK of our SYN (§3.10.7.3, §3.10.7.4): SND.UNA moves, the handshake RTT is sampled. */
export function synAcknowledged(c: Connection, seg: Segment): void {
  const snd = c.snd;
  handshakeRtoFallback(snd);
  snd.acknowledge(seg.ack);
  sampleRtt(c.snd, c.ts, true, c.now, seg); // the handshake RTT (./rto.ts)
  snd.backoffs = 0;
  c.timers.set(T_RTX, Infinity);
}

/**
 * The handshake completed (SYN_SENT or SYN_RECEIVED → ESTABLISHED, or a SYN cookie): the peer's window,
 * the initial congestion window, the state, a close() queued before (§3.10.4), the ACK if one is due.
 */
export function completeHandshake(c: Connection, seg: Segment, edge: Transition, ack: boolean): void {
  const completedFrom = c.state as "SYN_SENT" | "SYN_RECEIVED";
  updateWindow(c, seg);
  c.snd.cc.init(c.snd.mss, c.now);
  c.follow(edge);
  if (c.passive) c.env.counters.passiveOpens++;
  if (c.snd.finQueued) c.follow(queuedClose(completedFrom));
  if (ack) sendAck(c, "ack");
  established(c);
}

function established(c: Connection): void {
  c.rcv.established(c.env.profile.quickAcks, c.localMss, c.snd.mss, c.ts.ok);
  if (c.keepAlive) c.timers.set(T_KEEPALIVE, c.now + c.keepAliveIdle);
  reportEstablished(c);
}
