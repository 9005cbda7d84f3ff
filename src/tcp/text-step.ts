// RFC 9293 §3.10.7.4 seventh and eighth steps: the segment text (trimmed to the window, reassembled,
// queued for the application; out-of-order data gets an immediate duplicate ACK, RFC 5681 §4.2) and the
// FIN (its Figure 5 edge from ./transitions.ts). The delayed-ACK decision (§3.8.6.3, RFC 5681 §4.2,
// Linux's quick-ACK and ping-pong modes) is made here too, since only arriving data owes an ACK.
import type { Connection } from "./connection.js";
import { deliver } from "./delivery.js";
import { emitRst, receiverSack, sendAck } from "./emit.js";
import { overlongAction } from "./overlong-segment.js";
import { quickAckRenewed } from "./quick-ack-renewal.js";
import { seqAdd, seqDiff, seqGt } from "./seq.js";
import { T_DELACK, T_FIN_WAIT_2 } from "./timers.js";
import { finArrives as finArrivesEdge } from "./transitions.js";
import { EMPTY_PAYLOAD, FIN, PSH, type Segment } from "../wire/segment.js";

/** §3.10.7.4 seventh (segment text) and eighth (FIN) steps; `dataSeq` is the sequence number of payload[0]. */
export function processTextAndFin(c: Connection, seg: Segment, dataSeq: number): void {
  const rcv = c.rcv;
  const canReceive = c.current === "ESTABLISHED" || c.current === "FIN_WAIT_1" || c.current === "FIN_WAIT_2";
  let payload = seg.payload;
  let fin = (seg.flags & FIN) !== 0;
  if (!canReceive) {
    // CLOSE_WAIT, CLOSING, LAST_ACK: the peer's FIN came already, so text is ignored (§3.10.7.4 seventh
    // step) — but recorded, never lost silently — and a retransmitted FIN is re-ACKed.
    if (payload.length > 0) c.env.dropped(seg, "data-after-fin", c);
    if (payload.length > 0 || fin) sendAck(c, "dup-ack");
    return;
  }
  if (payload.length > 0 && c.orphaned && c.current !== "ESTABLISHED") {
    // Linux: new data for a socket the application has closed cannot be delivered: reset (RFC 2525 §2.17).
    if (seqGt(seqAdd(dataSeq, payload.length), rcv.rcvNxt)) {
      c.env.counters.abortOnData++;
      c.env.dropped(seg, "data-after-close", c);
      // The RST answers the segment, as for a connection that no longer exists (§3.5.2 group 1): its
      // sequence number is SEG.ACK and it carries no ACK (Linux tcp_rcv_state_process returns 1 and
      // tcp_v4_do_rcv replies with tcp_v4_send_reset; FreeBSD tcp_dropwithreset does the same).
      emitRst(c, seg.ack, 0, "rst-data-after-close", false);
      c.terminate("rcv data after close", null);
      return;
    }
  }
  // Trim what lies left of RCV.NXT (already received) and right of the window.
  let seq = dataSeq;
  const skip = seqDiff(rcv.rcvNxt, seq);
  if (skip > 0 && c.sackOk && payload.length > 0) {
    // RFC 2883: report the part we already had as a D-SACK block.
    receiverSack(c).noteDuplicate(seq, seqAdd(seq, Math.min(skip, payload.length)));
  }
  if (skip > 0) {
    if (skip >= payload.length) {
      fin = fin && skip === payload.length; // past the FIN too: it was consumed before
      payload = EMPTY_PAYLOAD;
    } else {
      payload = payload.subarray(skip);
    }
    seq = rcv.rcvNxt;
  }
  const room = seqDiff(seqAdd(rcv.rcvNxt, rcv.window), seq);
  const overlong = payload.length > room ? overlongAction(rcv.linux !== null, room, rcv.hasUnread) : "trim";
  if (overlong === "drop") {
    c.env.dropped(seg, "receive-window-full", c, "segment past the window while data is queued");
    sendAck(c, "dup-ack");
    return;
  }
  if (payload.length > room && overlong === "trim") {
    payload = payload.subarray(0, Math.max(0, room));
    fin = false; // the FIN lies beyond the window
    c.env.dropped(seg, "receive-window-full", c, "data beyond the window trimmed");
  }

  if (seq !== rcv.rcvNxt) {
    // Out of order: hold it and send an immediate duplicate ACK (RFC 5681 §4.2) so the sender learns of the hole.
    rcv.reassembly.insert(seq, payload, fin);
    if (c.sackOk) {
      receiverSack(c).noteReceived(seq, seqAdd(seq, payload.length + (fin ? 1 : 0)));
    }
    sendAck(c, "dup-ack-ooo");
    return;
  }
  let delivered = false;
  // RFC 5681 §4.2: a segment that fills all or part of a gap is ACKed at once.
  const filledGap = !rcv.reassembly.isEmpty;
  if (payload.length > 0) {
    rcv.enqueue(payload, (seg.flags & PSH) !== 0);
    rcv.rcvNxt = seqAdd(rcv.rcvNxt, payload.length);
    c.unackedBytes += payload.length;
    if (quickAckRenewed(rcv.linux !== null, c.lastDataReceivedAt, c.now, c.snd.rto.rto)) rcv.renewQuickAcks();
    c.lastDataReceivedAt = c.now;
    if (payload.length > c.rcvMss) c.rcvMss = payload.length;
    delivered = true;
  }
  // Pull whatever the new data made contiguous.
  let held = rcv.reassembly.takeInOrder(rcv.rcvNxt);
  while (held && !fin) {
    if (held.data.length > 0) {
      rcv.enqueue(held.data);
      rcv.rcvNxt = seqAdd(rcv.rcvNxt, held.data.length);
      delivered = true;
    }
    if (held.fin) fin = true;
    held = fin ? null : rcv.reassembly.takeInOrder(rcv.rcvNxt);
  }
  // The application reads before the ACK goes out, so the ACK advertises the space its reading freed:
  // when it is notified, the ACK is decided after it ran (finishArrival, afterApplication).
  rcv.markRead();
  if (delivered) deliver(c);
  if (fin) {
    rcv.reassembly.clear();
    finArrives(c);
  } else if (delivered && c.lastAckSent !== rcv.rcvNxt) {
    if (c.appNotified) c.ackOwed = filledGap || c.ackOwed === 2 ? 2 : 1;
    else ackReceivedData(c, filledGap);
  }
  deliver(c); // the EOF, and a close that waited for it
}

/**
 * Delayed ACK (RFC 9293 §3.8.6.3, RFC 5681 §4.2): an ACK may wait for more data or a reply, but at most
 * the profile's delay (40 ms on Linux, < 0.5 s by the RFC) and never past a second full-sized segment.
 * Linux starts in quick-ACK mode so slow start is not slowed by the delay (TCP_MAX_QUICKACKS).
 */
export function ackReceivedData(c: Connection, immediate: boolean, copied = 0): void {
  const p = c.env.profile;
  if (immediate || p.delayedAckTimeout === 0 || c.unackedBytes >= 2 * c.rcvMss) {
    sendAck(c, "ack");
  } else if (c.rcv.quick > 0 && !c.pingPong) {
    c.rcv.quick--;
    sendAck(c, "ack");
  } else if (copied > 0 && c.rcv.ackDueAfterRead(copied, c.pingPong, c.unackedBytes)) {
    sendAck(c, "ack"); // the application read it at once: Linux's read sends the delayed ACK now
  } else if (!c.timers.armed(T_DELACK)) {
    c.timers.set(T_DELACK, c.now + p.delayedAckTimeout);
  }
}

/** §3.10.7.4 eighth step, for a FIN that is now in sequence. */
export function finArrives(c: Connection): void {
  const rcv = c.rcv;
  rcv.rcvNxt = seqAdd(rcv.rcvNxt, 1);
  rcv.finReceived = true;
  const edge = finArrivesEdge(c.current, c.snd.finAcked);
  if (edge?.to === "TIME_WAIT") {
    // The ACK of the FIN goes before TIME_WAIT is entered: there the host replaces us with a record.
    c.timers.set(T_FIN_WAIT_2, Infinity);
    sendAck(c, "ack-fin");
    c.follow(edge);
    return;
  }
  if (edge !== null) c.follow(edge); // CLOSE_WAIT, or CLOSING when both FINs crossed (S5)
  if (edge?.to === "CLOSE_WAIT" && c.env.profile.pingPong) {
    // Linux tcp_fin enters ping-pong mode, so the FIN's ACK is delayed like data's, in the hope that our
    // own FIN carries it. Before any data arrived Linux's ATO is still 0: it is ACKed at once.
    c.pingPong = true;
    if (c.lastDataReceivedAt >= 0) {
      ackReceivedData(c, false);
      return;
    }
  }
  sendAck(c, "ack-fin");
}
