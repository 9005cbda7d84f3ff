// SEGMENT ARRIVES for a connection (RFC 9293 §3.10.7.3 SYN-SENT, §3.10.7.4 SYN_RECEIVED and the
// synchronized states), in the RFC's order: first the sequence number (with PAWS and RFC 5961's answers,
// ./acceptability.ts), second RST, fourth SYN, fifth ACK (./ack-step.ts), sixth URG, seventh text and
// eighth FIN (./text-step.ts). Each Figure 5 edge taken comes from ./transitions.ts. CLOSED, LISTEN and
// TIME_WAIT are the engine's (./engine.ts, ./listen.ts, ./time-wait-table.ts).
import {
  entirelyOld,
  firstCheck,
  resetCheck,
  synReceivedAckAcceptable,
  synSentAckUnacceptable,
} from "./acceptability.js";
import { processAck, takeTimestamp, updateWindow } from "./ack-step.js";
import type { Connection } from "./connection.js";
import { finishArrival } from "./delivery.js";
import {
  challengeAck,
  emitRst,
  noteOldDuplicate,
  rateLimitedAck,
  receiverSack,
  sendAck,
  sendSyn,
} from "./emit.js";
import { TcpError } from "./errors.js";
import { completeHandshake, synAcknowledged } from "./handshake.js";
import { applyPeerSynOptions } from "./negotiation.js";
import { armRetransmit } from "./retransmit.js";
import { seqAdd, seqGt } from "./seq.js";
import { processTextAndFin } from "./text-step.js";
import { T_RTX } from "./timers.js";
import { SYN_RECEIVED_ESTABLISHED, synSentGetsSyn } from "./transitions.js";
import { ACK, FIN, RST, type Segment, segmentLength, SYN, URG } from "../wire/segment.js";

/** §3.10.7.3 SYN-SENT STATE. */
export function synSentArrives(c: Connection, seg: Segment): void {
  const snd = c.snd;
  const hasAck = (seg.flags & ACK) !== 0;
  // First, check the ACK bit.
  if (synSentAckUnacceptable(snd, seg)) {
    // Linux tcp_rcv_synsent_state_process: "Previous FIN/ACK or RST/ACK might be ignored" — before the
    // first retransmission it re-arms the SYN timer to TCP_TIMEOUT_MIN, so the SYN goes again at once.
    const rearm = c.env.profile.synSentBadAckRearm;
    if (rearm > 0 && snd.backoffs === 0) c.timers.set(T_RTX, c.now + rearm);
    if (seg.flags & RST) {
      c.env.dropped(seg, "syn-sent-bad-ack", c, "RST with an unacceptable ACK");
      return;
    }
    c.env.dropped(seg, "syn-sent-bad-ack", c);
    emitRst(c, seg.ack, 0, "rst-bad-ack", false);
    return;
  }
  // Second, check the RST bit. RFC 5961 §3.2: only an RST that acknowledges our SYN is believed.
  if (seg.flags & RST) {
    if (hasAck) {
      c.env.counters.attemptFails++;
      c.terminate("rcv RST,ACK", new TcpError("ECONNREFUSED", "connect"));
    } else {
      c.env.dropped(seg, "syn-sent-rst-no-ack", c);
    }
    return;
  }
  // A 4-tuple reused from TIME_WAIT inherited TS.Recent (RFC 6191): the old incarnation's SYNs fail PAWS
  // here already. Only segments without ACK: Linux tcp_rcv_synsent_state_process checks PAWS after its
  // ACK branch, where a SYN,ACK must acknowledge our new ISS instead (and its TSval becomes TS.Recent).
  const tsopt = seg.options.timestamp;
  if (tsopt && !hasAck && c.ts.pawsReject(tsopt.val, c.now)) {
    c.env.counters.pawsRejected++;
    c.env.dropped(seg, "paws", c, `TSval ${tsopt.val} < inherited TS.Recent ${c.ts.recent}`);
    return;
  }
  // Fourth, check the SYN bit.
  if (!(seg.flags & SYN)) {
    c.env.dropped(seg, "syn-sent-no-syn", c);
    return;
  }
  c.rcv.init(seg.seq);
  applyPeerSynOptions(c, seg, c.now);
  if (hasAck) synAcknowledged(c, seg);
  const edge = synSentGetsSyn(seqGt(snd.sndUna, snd.iss));
  if (edge.to === "ESTABLISHED") {
    // Our SYN has been ACKed: ESTABLISHED, send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
    completeHandshake(c, seg, edge, true);
    // Data or FIN in the SYN,ACK continue at the sixth step (§3.10.7.3).
    if (seg.payload.length > 0 || seg.flags & FIN) processTextAndFin(c, seg, seqAdd(seg.seq, 1));
    finishArrival(c);
  } else {
    // Simultaneous open (MUST-10): SYN_RECEIVED, send <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
    updateWindow(c, seg);
    c.follow(edge);
    sendSyn(c, true);
    armRetransmit(c);
  }
}

/** §3.10.7.4: SYN_RECEIVED and the synchronized states (TIME_WAIT lives in the host's compact records). */
export function synchronizedArrives(c: Connection, arrived: Segment): void {
  let seg = arrived;
  const rcv = c.rcv;
  const snd = c.snd;

  // A duplicate of the SYN that created us (passive SYN_RECEIVED): repeat the SYN,ACK rather than an ACK
  // the peer's SYN_SENT would discard (Linux's request sock, tcp_check_req → inet_rtx_syn_ack). A
  // simultaneous open's SYN_RECEIVED is a full socket on Linux: the repeated SYN falls to the fourth
  // check below and draws a challenge ACK (tcp_validate_incoming, RFC 5961 §4.2).
  if (
    c.current === "SYN_RECEIVED" &&
    c.passive &&
    seg.flags & SYN &&
    !(seg.flags & ACK) &&
    seg.seq === rcv.irs
  ) {
    sendSyn(c, true);
    return;
  }
  // Simultaneous open, Figure 8 line 4 (MUST-10): the peer's SYN,ACK repeats the SYN we already took.
  // Trim that old SYN (§3.10.7.4: "only the new parts are processed") so its ACK completes the handshake;
  // Linux then ACKs the SYN,ACK, as linux-profile.md records.
  let simultaneousSynAck = false;
  if (
    c.current === "SYN_RECEIVED" &&
    !c.passive &&
    (seg.flags & (SYN | ACK)) === (SYN | ACK) &&
    seg.seq === rcv.irs
  ) {
    seg = { ...seg, seq: seqAdd(seg.seq, 1), flags: seg.flags & ~SYN };
    simultaneousSynAck = true;
  }

  // First, check sequence number (PAWS before it, RFC 5961's answers folded in: ./acceptability.ts).
  const segLen = segmentLength(seg);
  switch (firstCheck(rcv, c.ts, seg, c.now)) {
    case "acceptable":
      break;
    case "paws": {
      const tsval = seg.options.timestamp!.val;
      c.env.counters.pawsRejected++;
      c.env.dropped(seg, "paws", c, `TSval ${tsval} < TS.Recent ${c.ts.recent}`);
      if (!(seg.flags & SYN)) noteOldDuplicate(c, seg); // a SYN goes to Linux's syn_challenge instead
      if (segLen > 0) sendAck(c, "dup-ack-paws");
      else rateLimitedAck(c, "dup-ack-paws");
      return;
    }
    case "rst-out-of-window":
      c.env.dropped(seg, "rst-out-of-window", c); // RFC 5961 §3.2: silently
      return;
    case "syn-challenged":
      c.env.dropped(seg, "syn-challenged", c);
      challengeAck(c);
      return;
    case "unacceptable": {
      // §3.10.7.4: a zero window still lets valid ACKs through ("special allowance").
      if (rcv.window === 0 && seg.flags & ACK && seg.seq === rcv.rcvNxt) {
        processAck(c, seg, true);
      }
      const old = entirelyOld(seg, rcv.rcvNxt);
      noteOldDuplicate(c, seg);
      c.env.dropped(seg, old ? "duplicate" : "out-of-window", c);
      // Linux rate-limits dup-ACKs only for pure ACKs (no data): data never loops.
      if (segLen > 0) sendAck(c, old ? "dup-ack" : "ack-out-of-window");
      else rateLimitedAck(c, "ack-out-of-window");
      return;
    }
  }

  // Second, check the RST bit (RFC 5961 §3.2 as adopted in §3.10.7.4).
  if (seg.flags & RST) {
    if (resetCheck(seg, rcv.rcvNxt) === "rst-challenged") {
      c.env.dropped(seg, "rst-challenged", c);
      challengeAck(c);
      return;
    }
    resetArrives(c, seg);
    return;
  }

  // Fourth, check the SYN bit (RFC 5961 §4): challenge ACK in every synchronized state.
  if (seg.flags & SYN) {
    if (c.current === "SYN_RECEIVED" && c.passive) {
      // §3.10.7.4: a passive SYN_RECEIVED returns to LISTEN.
      c.env.dropped(seg, "syn-challenged", c, "SYN in passive SYN_RECEIVED");
      c.terminate("rcv SYN in SYN_RECEIVED", null);
      return;
    }
    c.env.dropped(seg, "syn-challenged", c);
    challengeAck(c);
    return;
  }

  // Fifth, check the ACK field.
  if (!(seg.flags & ACK)) {
    c.env.dropped(seg, "no-ack-flag", c);
    return;
  }
  if (c.current === "SYN_RECEIVED") {
    if (synReceivedAckAcceptable(snd, seg.ack)) {
      if (c.passive && !c.env.acceptQueueHasRoom(c)) {
        // Linux (tcp_v4_syn_recv_sock): with the accept queue full the final ACK is dropped and the child
        // stays in SYN_RECEIVED; a retransmission completes it once the application accepts.
        c.env.dropped(seg, "accept-queue-full", c);
        return;
      }
      takeTimestamp(c, seg);
      synAcknowledged(c, seg);
      // Linux makes the child socket at this ACK (tcp_create_openreq_child): the largest window it has
      // seen is this ACK's, not the SYN's — which decides what a silly small segment is (SWS avoidance).
      if (c.passive && c.env.profile.maxWindowFromFinalAck) snd.maxSndWnd = 0;
      // Linux ACKs the crossing SYN,ACK of a simultaneous open (linux-profile.md). Its SYN lies below
      // RCV.NXT, a duplicate: the ACK reports it with a D-SACK block (RFC 2883 §4; Linux tcp_data_queue:
      // end_seq not after rcv_nxt → tcp_dsack_set, immediate ACK).
      if (simultaneousSynAck && c.sackOk) receiverSack(c).noteDuplicate(rcv.irs, seqAdd(rcv.irs, 1));
      completeHandshake(c, seg, SYN_RECEIVED_ESTABLISHED, simultaneousSynAck);
    } else {
      // <SEQ=SEG.ACK><CTL=RST>
      c.env.dropped(seg, "out-of-window", c, "unacceptable ACK in SYN_RECEIVED");
      emitRst(c, seg.ack, 0, "rst-bad-ack", false);
      return;
    }
  } else if (!processAck(c, seg, false)) {
    return;
  }
  if (c.isClosed()) return;

  // LAST_ACK: the only thing that can arrive is the ACK of our FIN (handled in processAck).
  // Sixth, check the URG bit.
  if (
    seg.flags & URG &&
    (c.current === "ESTABLISHED" || c.current === "FIN_WAIT_1" || c.current === "FIN_WAIT_2")
  ) {
    rcv.noteUrgent(seg.seq, seg.urgent);
  }

  // Seventh and eighth: segment text and FIN.
  if (seg.payload.length > 0 || seg.flags & FIN) processTextAndFin(c, seg, seg.seq);
  finishArrival(c);
}

/** §3.10.7.4 second check, exact match: the connection is reset. */
export function resetArrives(c: Connection, _seg: Segment): void {
  switch (c.state) {
    case "SYN_RECEIVED":
      if (c.passive) {
        // Return to LISTEN: for us, the half-open child disappears and the listener stays.
        c.terminate("rcv RST", null);
      } else {
        c.env.counters.attemptFails++;
        c.terminate("rcv RST", new TcpError("ECONNREFUSED", "connect"));
      }
      return;
    case "ESTABLISHED":
    case "FIN_WAIT_1":
    case "FIN_WAIT_2":
    case "CLOSE_WAIT": {
      c.env.counters.estabResets++;
      // Linux tcp_reset reports EPIPE in CLOSE_WAIT (the peer had already finished sending); RFC 9293
      // §3.10.7.4 says "reset" (ECONNRESET) for every state of this group.
      const code = c.current === "CLOSE_WAIT" ? c.env.profile.rstInCloseWaitError : "ECONNRESET";
      c.terminate("rcv RST", new TcpError(code, "read"));
      return;
    }
    default: {
      // CLOSING, LAST_ACK: the RFC just enters CLOSED (§3.10.7.4); Linux and FreeBSD leave ECONNRESET for
      // an application still holding the socket (profile.rstInLastAckError).
      const code = c.env.profile.rstInLastAckError;
      c.terminate("rcv RST", c.orphaned || code === null ? null : new TcpError(code, "close"));
    }
  }
}
