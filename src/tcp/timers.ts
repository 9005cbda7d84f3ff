// A connection's timers (RFC 9293 §3.8.1, §3.8.4, §3.10.8; Linux's FIN_WAIT_2 and delayed-ACK timers;
// RFC 8985's loss probe and reordering timer):
// one deadline slot each, arming and cancelling with their trace events, the connection's next deadline
// (the minimum), and the firing dispatch — which timer goes first when several are due. What a timer does
// when it fires is the connection's (./timer-actions.ts: retransmitTimeout of ./retransmit.ts, zeroWindowProbe, keepAliveTimeout).
// TIME_WAIT has no slot: a connection entering it is replaced by a compact record of the host's, whose
// 2·MSL deadline the host keeps (./timewait.ts).
import type { Connection } from "./connection.js";
import type { Profile } from "./profile.js";
import type { Sender } from "./sender.js";
import type { TcpState } from "./state.js";
import type { TimerAction, TimerName } from "./events.js";

/** Retransmission (§3.8.1, RFC 6298): SYN, SYN,ACK or data. */
export const T_RTX = 0;
/** Persist (§3.8.6.1 zero-window probes, §3.8.6.2.1's silly-window override). */
export const T_PERSIST = 1;
/** Keep-alive (§3.8.4). */
export const T_KEEPALIVE = 2;
/** An orphaned FIN_WAIT_2's lifetime (Linux tcp_fin_timeout). */
export const T_FIN_WAIT_2 = 3;
/** Delayed ACK (§3.8.6.3, RFC 5681 §4.2). */
export const T_DELACK = 4;
/** RFC 8985 §7 tail loss probe (./loss-detection.ts onProbeTimer). */
export const T_TLP = 5;
/** RFC 8985 §6.3 RACK reordering timer (./loss-detection.ts onReorderTimer). */
export const T_REO = 6;
const TIMER_COUNT = 7;
/** The array's last element: the earliest of the seven, kept as they change (nextDeadline runs per delivery). */
const EARLIEST = TIMER_COUNT;
const SLOT_NAMES: readonly TimerName[] = [
  "retransmit",
  "persist",
  "keepalive",
  "fin-wait-2",
  "delayed-ack",
  "loss-probe",
  "reorder",
];

/** What each timer does when it fires, given the connection (one object serves every connection). */
export interface TimerActions {
  finWait2Expired(c: Connection): void;
  lossProbeExpired(c: Connection): void;
  retransmissionExpired(c: Connection): void;
  reorderExpired(c: Connection): void;
  persistExpired(c: Connection): void;
  keepAliveExpired(c: Connection): void;
  delayedAckExpired(c: Connection): void;
}

export class Timers {
  /**
   * One deadline per slot (Infinity: not running). A plain array of doubles, not a Float64Array: a typed
   * array with its ArrayBuffer cost ~270 bytes of every connection and was slower to make (V8 clones this
   * literal from a boilerplate and keeps it unboxed, PACKED_DOUBLE_ELEMENTS).
   */
  private readonly deadlines: number[] = [
    Infinity,
    Infinity,
    Infinity,
    Infinity,
    Infinity,
    Infinity,
    Infinity,
    Infinity, // EARLIEST
  ];
  /** The name the running retransmission timer was armed with (syn, synack or retransmit). */
  private rtxName: TimerName = "retransmit";

  constructor(private readonly conn: Connection) {}

  /** Is the slot's timer running? */
  armed(slot: number): boolean {
    return this.deadlines[slot] !== Infinity;
  }

  /** When the slot's timer is due (Infinity: not running). */
  deadline(slot: number): number {
    return this.deadlines[slot]!;
  }

  /** The earliest time one of the timers is due, or Infinity. */
  nextDeadline(): number {
    return this.deadlines[EARLIEST]!;
  }

  /** A slot's deadline changes: the earliest follows (a rescan only when the earliest one moved later). */
  private put(slot: number, deadline: number): void {
    const t = this.deadlines;
    const old = t[slot]!;
    t[slot] = deadline;
    const earliest = t[EARLIEST]!;
    if (deadline < earliest) {
      t[EARLIEST] = deadline;
    } else if (old === earliest && deadline > old) {
      let min = t[0]!;
      for (let i = 1; i < TIMER_COUNT; i++) if (t[i]! < min) min = t[i]!;
      t[EARLIEST] = min;
    }
  }

  /** Arms (a finite deadline), restarts, or cancels (Infinity) a slot's timer; each change is an event. */
  set(slot: number, deadline: number): void {
    const old = this.deadlines[slot]!;
    if (old === deadline) return;
    this.put(slot, deadline);
    const conn = this.conn;
    if (conn.env.trace.enabled) {
      if (deadline === Infinity) {
        this.event(slot, "cancelled");
      } else if (old !== Infinity && slot === T_RTX && this.rtxName !== this.nameOf(slot)) {
        // The retransmission timer keeps the name it was armed with (a simultaneous open turns a SYN
        // into a SYN,ACK timer): the old one ends, the new one starts, so every name armed also ends.
        this.event(slot, "cancelled");
        this.rtxName = this.nameOf(slot);
        this.event(slot, "armed", deadline);
      } else {
        if (old === Infinity && slot === T_RTX) this.rtxName = this.nameOf(slot);
        this.event(slot, old === Infinity ? "armed" : "restarted", deadline);
      }
    }
    // No running timer is due before `scheduledAt` (an earlier one would have moved it), so a deadline
    // before it is the connection's earliest: the engine needs no scan of the slots. (Inside onTimer
    // `scheduledAt` is Infinity; the engine rescans once the timers have run.)
    if (deadline < conn.scheduledAt) conn.env.deadlineChanged(conn, deadline);
  }

  /** Cancels every running timer (CLOSED, TIME_WAIT). */
  clear(): void {
    for (let i = 0; i < TIMER_COUNT; i++) if (this.deadlines[i] !== Infinity) this.set(i, Infinity);
  }

  /**
   * Runs the timers due at `now`, in this order: an orphan's FIN_WAIT_2 end (nothing else matters then),
   * the loss probe, retransmission, RACK's reordering timer, persist, keep-alive, delayed ACK. A timer
   * that closes the connection stops the rest. The probe goes before the RTO: its timeout is capped at the
   * RTO's, and a probe sent re-arms the RTO (Linux's one timer slot holds either, so the probe never loses
   * a tie). `a`: what each timer does (one object serves every connection, so no connection keeps it).
   */
  dispatch(now: number, a: TimerActions): void {
    const t = this.deadlines;
    const c = this.conn;
    if (t[T_FIN_WAIT_2]! <= now) {
      this.fire(T_FIN_WAIT_2);
      a.finWait2Expired(c);
      return;
    }
    if (t[T_TLP]! <= now) {
      this.fire(T_TLP);
      a.lossProbeExpired(c);
    }
    if (t[T_RTX]! <= now) {
      this.fire(T_RTX);
      a.retransmissionExpired(c);
      if (c.isClosed()) return;
    }
    if (t[T_REO]! <= now) {
      this.fire(T_REO);
      a.reorderExpired(c);
    }
    if (t[T_PERSIST]! <= now) {
      this.fire(T_PERSIST);
      a.persistExpired(c);
    }
    if (t[T_KEEPALIVE]! <= now) {
      this.fire(T_KEEPALIVE);
      a.keepAliveExpired(c);
    }
    if (t[T_DELACK]! <= now) {
      this.fire(T_DELACK);
      a.delayedAckExpired(c);
    }
  }

  private fire(slot: number): void {
    if (this.conn.env.trace.enabled) this.event(slot, "fired");
    this.put(slot, Infinity);
  }

  private event(slot: number, action: TimerAction, deadline?: number): void {
    const conn = this.conn;
    conn.env.trace.emit({
      kind: "timer",
      t: conn.now,
      host: conn.env.hostName,
      conn: conn.label,
      timer: slot === T_RTX ? this.rtxName : this.nameOf(slot),
      action,
      ...(deadline === undefined ? {} : { deadline }),
    });
  }

  private nameOf(slot: number): TimerName {
    if (slot === T_RTX) {
      if (this.conn.state === "SYN_SENT") return "syn";
      if (this.conn.state === "SYN_RECEIVED") return "synack";
    }
    return SLOT_NAMES[slot]!;
  }
}

/**
 * The retransmission timeout to arm now: RFC 6298's backed-off RTO — except for a SYN under Linux ≥ 6.6
 * (tcp_syn_linear_timeouts), which keeps the initial RTO for the first retries and backs off after.
 */
export function currentRto(state: TcpState, snd: Sender, p: Profile): number {
  if (state === "SYN_SENT" && p.synLinearRetries > 0 && snd.backoffs <= p.synLinearRetries) {
    return p.rtoInitial;
  }
  if (state === "SYN_SENT" && p.synLinearRetries > 0) {
    return Math.min(p.rtoMax, p.rtoInitial * 2 ** (snd.backoffs - p.synLinearRetries));
  }
  return snd.rto.backedOff(snd.backoffs);
}

/**
 * SYN give-up. Linux ≥ 6.6 (tcp_syn_linear_timeouts) keeps the initial RTO for the first retries and
 * gives up after (2^(retries+1) − 1)·RTO_initial of wall time; the classic model counts retries.
 */
export function synGivesUp(snd: Sender, p: Profile, retries: number, now: number): boolean {
  if (p.synLinearRetries > 0) {
    const budget = (2 ** (retries + 1) - 1) * p.rtoInitial;
    return now - snd.firstSendTime >= budget;
  }
  return snd.backoffs >= retries;
}
