// Every segment a connection sends is built and handed to the engine here: the SYN and SYN,ACK, ACKs
// (RFC 9293 §3.10.7.4's <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, challenge ACKs of RFC 5961 §7), RSTs
// (§3.10.7.1, Linux's formats), and data through `emit` — with the options every established segment
// carries: the timestamp (RFC 7323 §3.2) and SACK blocks (RFC 2018 §4, D-SACK RFC 2883). Sending an ACK
// ends a pending delayed ACK. The wire layout itself is ./segment-builder.ts's.
import { ackRateAllows } from "./acceptability.js";
import type { Connection } from "./connection.js";
import { checkSent } from "./invariants.js";
import { synOptions, synWindow } from "./negotiation.js";
import { SackBlocks } from "./sack-blocks.js";
import { buildSegment } from "./segment-builder.js";
import { seqAdd, seqGt, seqLe, seqLt } from "./seq.js";
import { T_DELACK } from "./timers.js";
import {
  ACK,
  EMPTY_PAYLOAD,
  NO_OPTIONS,
  RST,
  type Segment,
  segmentLength,
  SYN,
  type TcpOptions,
} from "../wire/segment.js";

/** SYN (active open) or SYN,ACK (passive or simultaneous open), with our options (./negotiation.ts). */
export function sendSyn(c: Connection, retransmission: boolean): void {
  const withAck = c.current === "SYN_RECEIVED";
  const options = synOptions(c, withAck);
  const seg = makeSegment(
    c,
    c.snd.iss,
    withAck ? c.rcv.rcvNxt : 0,
    SYN | (withAck ? ACK : 0),
    EMPTY_PAYLOAD,
    options,
  );
  seg.window = synWindow(c, withAck, options);
  if (retransmission) c.env.counters.retransSegs++;
  put(c, seg, withAck ? "syn-ack" : "syn", retransmission);
}

/** <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
export function sendAck(c: Connection, why: string): void {
  // <SEQ=SND.MAX>, not SND.NXT: after a timeout SND.NXT goes back to SND.UNA, and an ACK carrying that
  // sequence number falls left of the peer's window and is dropped with its ACK field — if both sides
  // time out, neither hears the other (BSD's tcp_output sends pure ACKs at snd_max for this reason).
  // Not beyond the right edge of the peer's window, though: a peer that shrank its window, or dropped
  // data we sent past it, discards an ACK whose sequence number lies outside its window, and if it is
  // waiting for that ACK to free its own send queue both sides stall (Linux's tcp_acceptable_seq).
  const snd = c.snd;
  const edge = seqAdd(snd.sndUna, snd.sndWnd);
  const seq = seqLe(snd.sndMax, edge) ? snd.sndMax : seqGt(edge, snd.sndNxt) ? edge : snd.sndNxt;
  emit(c, seq, c.rcv.rcvNxt, ACK, EMPTY_PAYLOAD, NO_OPTIONS, why, false);
}

/** RFC 5961 §7: challenge ACKs are rate-limited per connection. */
export function challengeAck(c: Connection): void {
  if (!ackRateAllows(c.lastChallengeAck, c.now, c.env.profile.challengeAckInterval)) {
    c.env.counters.drop("challenge-ack-rate-limited");
    return;
  }
  c.lastChallengeAck = c.now;
  c.env.counters.challengeAcks++;
  sendAck(c, "challenge-ack");
}

/** A duplicate ACK for a segment without data, under the challenge-ACK rate limit (Linux tcp_oow_rate_limited). */
export function rateLimitedAck(c: Connection, why: string): void {
  if (!ackRateAllows(c.lastChallengeAck, c.now, c.env.profile.challengeAckInterval)) {
    c.env.counters.drop("challenge-ack-rate-limited");
    return;
  }
  c.lastChallengeAck = c.now;
  sendAck(c, why);
}

/** RST formats of §3.10.7.1 as Linux writes them (linux-profile.md "RST formats"). */
export function emitRst(c: Connection, seq: number, ack: number, why: string, withAck = true): void {
  c.env.counters.outRsts++;
  const seg = makeSegment(c, seq, withAck ? ack : 0, RST | (withAck ? ACK : 0), EMPTY_PAYLOAD, NO_OPTIONS);
  seg.window = 0;
  put(c, seg, why, false);
}

/** Builds a segment from the TCB (window, options) and sends it. */
export function emit(
  c: Connection,
  seq: number,
  ack: number,
  flags: number,
  payload: Uint8Array,
  options: TcpOptions,
  why: string,
  rtx: boolean,
): void {
  put(c, makeSegment(c, seq, ack, flags, payload, options), why, rtx);
}

function put(c: Connection, seg: Segment, why: string, retransmission: boolean): void {
  if (c.env.invariants !== null) checkSent(c, c.env.invariants, seg, why, retransmission);
  if (seg.flags & ACK) {
    c.lastAckSent = seg.ack;
    if (seg.ack === c.rcv.rcvNxt) {
      // Whatever carries the ACK (a reply, a window update) ends the delay.
      c.unackedBytes = 0;
      if (c.timers.armed(T_DELACK)) c.timers.set(T_DELACK, Infinity);
    }
  }
  c.env.counters.outSegs++;
  c.env.transmit(seg, c, why, retransmission);
}

function makeSegment(
  c: Connection,
  seq: number,
  ack: number,
  flags: number,
  payload: Uint8Array,
  options: TcpOptions,
): Segment {
  return buildSegment(
    c.localAddr,
    c.localPort,
    c.remoteAddr,
    c.remotePort,
    seq,
    ack,
    flags,
    flags & ACK ? c.rcv.windowToAdvertise(c.snd.mss) : 0,
    flags & SYN ? options : establishedOptions(c, options, flags),
    payload,
  );
}

/**
 * Options of a non-SYN segment: the timestamp on every one once negotiated (RFC 7323 §3.2), plus
 * whatever the caller passed (SACK blocks).
 */
function establishedOptions(c: Connection, options: TcpOptions, flags: number): TcpOptions {
  const blocks = c.sackBlocks;
  // RFC 2018 §4: SACK blocks in every ACK while out-of-order data is held (and once for a D-SACK).
  const sack =
    blocks && flags & ACK && !(flags & RST) && (blocks.pendingDuplicate || !c.rcv.reassembly.isEmpty)
      ? blocks.blocks(c.rcv.rcvNxt, c.rcv.reassembly.ranges(), c.ts.ok ? 3 : 4)
      : undefined;
  if (!c.ts.ok && !sack) return options;
  if (!sack && options === NO_OPTIONS) return timestampOnly(c);
  const out: TcpOptions = options === NO_OPTIONS ? {} : { ...options };
  if (c.ts.ok) out.timestamp = { val: c.ts.val(c.now), ecr: c.ts.recent };
  if (sack) out.sack = sack;
  return out;
}

/**
 * The options of most established segments: the timestamp alone. Segments never change their options
 * once built, so one object serves every segment until TSval (1 ms clock) or TS.Recent moves — not two
 * fresh objects per segment.
 */
function timestampOnly(c: Connection): TcpOptions {
  const val = c.ts.val(c.now);
  const cached = c.tsOptions;
  if (cached?.timestamp && cached.timestamp.val === val && cached.timestamp.ecr === c.ts.recent)
    return cached;
  return (c.tsOptions = { timestamp: { val, ecr: c.ts.recent } });
}

/**
 * A dropped segment that starts below RCV.NXT is reported in the duplicate ACK as a D-SACK block, up to
 * RCV.NXT — data, SYN or FIN alike (RFC 2883 §4.1.1; Linux tcp_send_dupack → tcp_dsack_set, for the
 * sequence-number check and PAWS alike). An old FIN from an earlier incarnation shows up this way (S11).
 */
export function noteOldDuplicate(c: Connection, seg: Segment): void {
  const len = segmentLength(seg);
  if (!c.sackOk || len === 0 || !seqLt(seg.seq, c.rcv.rcvNxt)) return;
  const end = seqAdd(seg.seq, len);
  receiverSack(c).noteDuplicate(seg.seq, seqLt(end, c.rcv.rcvNxt) ? end : c.rcv.rcvNxt);
}

/** The receiver's SACK block chooser, made when first needed (most connections never hold a hole). */
export function receiverSack(c: Connection): SackBlocks {
  return (c.sackBlocks ??= new SackBlocks({ dsack: c.env.profile.dsack }));
}

/**
 * Room the SACK option takes in a segment to the peer while we hold out-of-order data (RFC 2018 §3:
 * the option shares the segment with data, which must shrink so the whole fits the MSS).
 */
export function sackRoom(c: Connection): number {
  if (!c.sackBlocks || (c.rcv.reassembly.isEmpty && !c.sackBlocks.pendingDuplicate)) return 0;
  return 4 + 8 * (c.ts.ok ? 3 : 4);
}
