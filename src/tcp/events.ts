// The one typed event stream (docs/architecture.md, "Everything observable is an event").
// Tests, the text ladder, the state timeline, pcap and counters all read these.
// Times are integer microseconds. `host` is the name of the host that observed the event.
import type { Segment } from "../wire/segment.js";
import { DECODE_REASONS, type DecodeReason } from "../wire/decode-error.js";
import type { TcpState } from "./state.js";

/** Why the engine discarded a segment that decoded cleanly. Each has a counter. */
export type EngineDropReason =
  | "not-our-address"
  | "closed-port" // nothing listening and no connection: answered with RST (RFC 9293 §3.10.7.1)
  | "rst-to-closed-port" // an RST for nothing: dropped silently
  | "listen-rst" // RST in LISTEN is ignored (§3.10.7.2)
  | "listen-ack" // ACK in LISTEN: answered with RST (§3.10.7.2)
  | "listen-no-syn" // neither SYN, ACK nor RST in LISTEN
  | "syn-queue-full"
  | "accept-queue-full"
  | "bad-syn-cookie"
  | "syn-sent-bad-ack" // unacceptable ACK in SYN_SENT: answered with RST unless RST was set
  | "syn-sent-rst-no-ack" // RST without an acceptable ACK in SYN_SENT
  | "syn-sent-no-syn" // neither SYN nor RST in SYN_SENT
  | "out-of-window" // fails the §3.10.7.4 acceptability test: an ACK is sent unless RST was set
  | "rst-out-of-window" // RFC 5961 §3.2: dropped silently
  | "rst-challenged" // RFC 5961 §3.2: in window but not exact, challenge ACK sent
  | "syn-challenged" // RFC 5961 §4: SYN in a synchronized state, challenge ACK sent
  | "no-ack-flag" // §3.10.7.4 fifth check: segments without ACK are dropped
  | "ack-unsent-data" // SEG.ACK > SND.NXT: ACK sent and segment dropped
  | "ack-too-old" // RFC 5961 §5.2: SEG.ACK < SND.UNA − MAX.SND.WND, challenge ACK
  | "challenge-ack-rate-limited" // the challenge ACK was due but suppressed by the rate limit
  | "data-after-close" // data for an application that has closed: answered with RST
  | "data-after-fin" // payload beyond the peer's FIN
  | "duplicate" // entirely old data, re-ACKed
  | "receive-window-full" // no buffer space for in-window data beyond what fits
  | "time-wait" // TIME_WAIT verdict: dropped
  | "paws"; // RFC 7323 §5: timestamp older than TS.Recent

/** Why the simulated network did not deliver a packet. */
export type NetworkDropReason =
  | "loss" // random loss of the link
  | "fault" // a targeted fault chose this packet
  | "mtu" // larger than the link MTU and not fragmentable
  | "msl-expired" // older than the maximum segment lifetime: the network discards it
  | "queue-full" // the rate-limited link's queue overflowed
  | "no-route";

/** Why a host discarded a segment: a decode failure or an engine rule (counted per reason in Counters). */
export type DropReason = DecodeReason | EngineDropReason;

/** Every engine drop reason; the Record type keeps the list complete when a reason is added above. */
export const ENGINE_DROP_REASONS: Record<EngineDropReason, true> = {
  "not-our-address": true,
  "closed-port": true,
  "rst-to-closed-port": true,
  "listen-rst": true,
  "listen-ack": true,
  "listen-no-syn": true,
  "syn-queue-full": true,
  "accept-queue-full": true,
  "bad-syn-cookie": true,
  "syn-sent-bad-ack": true,
  "syn-sent-rst-no-ack": true,
  "syn-sent-no-syn": true,
  "out-of-window": true,
  "rst-out-of-window": true,
  "rst-challenged": true,
  "syn-challenged": true,
  "no-ack-flag": true,
  "ack-unsent-data": true,
  "ack-too-old": true,
  "challenge-ack-rate-limited": true,
  "data-after-close": true,
  "data-after-fin": true,
  duplicate: true,
  "receive-window-full": true,
  "time-wait": true,
  paws: true,
};

/** Is `x` a drop reason the codec or the engine can name? */
export function isDropReason(x: string): x is DropReason {
  return Object.hasOwn(ENGINE_DROP_REASONS, x) || (DECODE_REASONS as readonly string[]).includes(x);
}

/** The timers a connection (or a TIME_WAIT record) runs, as trace events name them. */
export type TimerName =
  | "retransmit" // RTO for data or FIN
  | "syn" // SYN retransmission in SYN_SENT
  | "synack" // SYN-ACK retransmission in SYN_RECEIVED
  | "persist" // zero-window probe
  | "delayed-ack"
  | "keepalive"
  | "fin-wait-2" // orphaned FIN_WAIT_2 timeout
  | "time-wait" // 2·MSL
  | "loss-probe" // RFC 8985 §7 tail loss probe (PTO)
  | "reorder"; // RFC 8985 §6.3 RACK reordering timer

/** What happened to a timer. */
export type TimerAction = "armed" | "restarted" | "fired" | "cancelled";

interface EventBase {
  /** Virtual (or real) time in microseconds. */
  t: number;
  host: string;
}

/** A host sent a segment (why, and whether it was a retransmission). */
export interface SegmentSentEvent extends EventBase {
  kind: "segment-sent";
  /** Packet id, unique in one trace; the network events refer to it. */
  id: number;
  seg: Segment;
  /** "local:port>remote:port" from the sending host's side, or null for a stateless reply. */
  conn: string | null;
  retransmission: boolean;
  /** Why the engine sent it, e.g. "syn", "data", "fin", "ack", "challenge-ack", "rst-closed-port". */
  why: string;
}

/** A segment arrived at a host (before the host decided what to do with it). */
export interface SegmentReceivedEvent extends EventBase {
  kind: "segment-received";
  /** The packet id given by the sender, or -1 when unknown (real wire, injected bytes). */
  id: number;
  seg: Segment;
  conn: string | null;
}

/** A host discarded a segment, with the reason (seg is null for a packet that did not decode). */
export interface SegmentDroppedEvent extends EventBase {
  kind: "segment-dropped";
  id: number;
  reason: DropReason;
  /** The decoded segment, absent when decoding failed. */
  seg: Segment | null;
  conn: string | null;
  detail?: string;
}

/** The simulated network's fate of a packet: delivered, lost, delayed, duplicated, corrupted, injected. */
export interface NetworkEvent extends EventBase {
  kind: "network";
  action: "deliver" | "drop" | "duplicate" | "corrupt" | "delay" | "inject";
  id: number;
  from: string;
  to: string;
  reason?: NetworkDropReason;
  /** The name of the targeted fault that acted, if any. */
  fault?: string;
}

/**
 * A socket changed TCP state, with the cause ("rcv FIN", "close", "2MSL timeout"...).
 *
 * Two kinds of socket have states (RFC 9293 §3.3.2 gives both the one diagram): a connection, and a
 * listening socket (a passive OPEN, §3.10.1, whose only states are LISTEN and CLOSED). They are told
 * apart by `listener`:
 * - a connection's event has no `listener` field; `conn` is its label "local:port>remote:port"
 *   ("10.0.0.2:80>10.0.0.1:40000"), as in segment and timer events;
 * - a listener's event has `listener: true`; `conn` is "local:port" ("10.0.0.2:80", "[fd00::2]:80"),
 *   the host's address of the listener's family and its port, with no remote part. It has exactly two
 *   transitions: CLOSED → LISTEN (cause "listen") when listen() succeeds, LISTEN → CLOSED (cause
 *   "close") when the listener is closed. A listen() that fails (EADDRINUSE...) emits nothing. The
 *   connections a listener spawns are connections: CLOSED → SYN_RECEIVED under their own label.
 *
 * A reader that follows connections (their transitions, their count) skips events with `listener`
 * set (`isListenerEvent`); a reader of a host's sockets (an `ss`-like view, a ladder column) keeps them.
 */
export interface StateChangeEvent extends EventBase {
  kind: "state";
  conn: string;
  from: TcpState;
  to: TcpState;
  /** What made it happen: "connect", "rcv SYN,ACK", "close", "2MSL timeout", "rcv RST", "listen"... */
  cause: string;
  /** true: the listening socket itself changed state (CLOSED → LISTEN or back); absent for a connection. */
  listener?: true;
}

/** Is `e` a listening socket's own state change (not a connection's)? */
export function isListenerEvent(e: TraceEvent): e is StateChangeEvent & { listener: true } {
  return e.kind === "state" && e.listener === true;
}

/** Is `e` a connection's state change (a listener's own are left out)? */
export function isConnectionStateEvent(e: TraceEvent): e is StateChangeEvent {
  return e.kind === "state" && e.listener !== true;
}

/** A timer was armed, restarted, fired or cancelled. */
export interface TimerEvent extends EventBase {
  kind: "timer";
  conn: string;
  timer: TimerName;
  action: TimerAction;
  /** When it will fire (armed/restarted). */
  deadline?: number;
}

/** An application call (connect, listen, close, end...) or what the application saw (an error). */
export interface AppEvent extends EventBase {
  kind: "app";
  conn: string | null;
  /** "connect", "listen", "accept", "write", "end", "close", "read", "destroy", "reset", "bind"... */
  call: string;
  detail?: string;
  /** A Node error code (ECONNRESET, ETIMEDOUT, ...) when the call or event failed. */
  error?: string;
}

/** Free-form annotation written by scenarios and drivers ("peer vanished"). */
export interface NoteEvent extends EventBase {
  kind: "note";
  text: string;
}

/** Everything a trace holds: one of the event kinds above, told apart by `kind`. */
export type TraceEvent =
  | SegmentSentEvent
  | SegmentReceivedEvent
  | SegmentDroppedEvent
  | NetworkEvent
  | StateChangeEvent
  | TimerEvent
  | AppEvent
  | NoteEvent;

/** Where events go. Hosts check `enabled` before building an event, so tracing costs nothing when off. */
export interface TraceSink {
  readonly enabled: boolean;
  /** Record one event. */
  emit(event: TraceEvent): void;
  /** A fresh packet id, unique within this sink. */
  nextPacketId(): number;
}

/**
 * Records every event in order and tells its subscribers. With `keep` false it records nothing and only
 * tells the subscribers (the TUN live ladder: a server may run for days).
 */
export class Trace implements TraceSink {
  /** Every event emitted, in order (always empty when the trace does not keep events). */
  readonly events: TraceEvent[] = [];
  enabled: boolean;
  private readonly keep: boolean;
  private packetIds = 0;
  private readonly listeners: Array<(e: TraceEvent) => void> = [];

  constructor(enabled = true, keep = true) {
    this.enabled = enabled;
    this.keep = keep;
  }

  /** Record one event (unless the trace keeps nothing) and tell the subscribers. */
  emit(event: TraceEvent): void {
    if (this.keep) this.events.push(event);
    for (const l of this.listeners) l(event);
  }

  nextPacketId(): number {
    return ++this.packetIds;
  }

  /** Live observers (the TUN driver's ladder printer). */
  subscribe(listener: (e: TraceEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}

/** A sink that records nothing but still hands out packet ids (benchmarks). */
export class NullTrace implements TraceSink {
  readonly enabled = false;
  private packetIds = 0;
  /** Discard the event. */
  emit(): void {}
  nextPacketId(): number {
    return ++this.packetIds;
  }
}
