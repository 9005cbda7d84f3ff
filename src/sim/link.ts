// One direction of a simulated link: its impairments, its rate-limited queue and its counters.
//
// Model, in the order a packet meets it: MTU check → random loss → the sender-side queue of a
// rate-limited link (serialisation at `rate` bits/s, bounded to `queueLimit` packets) → propagation
// `delay` plus uniform `jitter` plus, for a `reorder` fraction, an extra uniform `reorderDelay`.
// Duplication and corruption act on the packet after the queue (they model faults further along
// the path, so a duplicate does not occupy the bottleneck twice).
import type { NetworkDropReason } from "../tcp/events.js";
import type { Rng, RandomStreams } from "./random.js";
import { SimError } from "./sim-error.js";

/** Per-direction settings. Times are integer microseconds, probabilities in [0, 1]. */
export interface LinkDirectionOptions {
  /** One-way propagation delay. */
  delay?: number;
  /** Extra delay, uniform in [0, jitter]; drawn per packet, so jitter alone can reorder packets. */
  jitter?: number;
  loss?: number;
  /** Probability that a second copy of the packet is delivered too. */
  duplicate?: number;
  /** Fraction of packets held back by an extra uniform delay in [1, reorderDelay]. */
  reorder?: number;
  reorderDelay?: number;
  /** Probability that one random bit of the packet is flipped (the receiver's checksum drops it). */
  corrupt?: number;
  /** Bottleneck rate in bits per second; 0 means unlimited (no queue, no serialisation delay). */
  rate?: number;
  /** Packets the rate-limited queue holds, counting the one being serialised; more are dropped. */
  queueLimit?: number;
  /** Largest IPv4 packet (total length in bytes) the link carries; larger ones are dropped. */
  mtu?: number;
}

/** Settings for both directions, with per-direction overrides (forward = a→b, reverse = b→a). */
export interface LinkOptions extends LinkDirectionOptions {
  forward?: LinkDirectionOptions;
  reverse?: LinkDirectionOptions;
}

/** A LAN-like default, so an unconfigured link still has a nonzero round-trip time. */
export const DEFAULT_LINK_DELAY = 1000;
/** Linux's default txqueuelen. */
export const DEFAULT_QUEUE_LIMIT = 1000;
/** The largest IPv4 total length: without an explicit MTU nothing is too big. */
export const MAX_IPV4_PACKET = 65535;

export type ResolvedLinkOptions = Required<LinkDirectionOptions>;

export function resolveLinkOptions(base: LinkDirectionOptions, where: string): ResolvedLinkOptions {
  const o: ResolvedLinkOptions = {
    delay: base.delay ?? DEFAULT_LINK_DELAY,
    jitter: base.jitter ?? 0,
    loss: base.loss ?? 0,
    duplicate: base.duplicate ?? 0,
    reorder: base.reorder ?? 0,
    reorderDelay: base.reorderDelay ?? 0,
    corrupt: base.corrupt ?? 0,
    rate: base.rate ?? 0,
    queueLimit: base.queueLimit ?? DEFAULT_QUEUE_LIMIT,
    mtu: base.mtu ?? MAX_IPV4_PACKET,
  };
  for (const key of ["delay", "jitter", "reorderDelay"] as const) {
    const v = o[key];
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new SimError(
        "ERR_SIM_BAD_OPTION",
        `${where}: ${key} must be a non-negative integer (µs), got ${v}`,
      );
    }
  }
  for (const key of ["loss", "duplicate", "reorder", "corrupt"] as const) {
    const v = o[key];
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
      throw new SimError("ERR_SIM_BAD_OPTION", `${where}: ${key} must be a probability in [0, 1], got ${v}`);
    }
  }
  if (o.reorder > 0 && o.reorderDelay < 1) {
    throw new SimError("ERR_SIM_BAD_OPTION", `${where}: reorder needs reorderDelay ≥ 1 µs`);
  }
  if (typeof o.rate !== "number" || !(o.rate >= 0) || !Number.isFinite(o.rate)) {
    throw new SimError(
      "ERR_SIM_BAD_OPTION",
      `${where}: rate must be a finite number of bits/s ≥ 0, got ${o.rate}`,
    );
  }
  if (!Number.isSafeInteger(o.queueLimit) || o.queueLimit < 1) {
    throw new SimError(
      "ERR_SIM_BAD_OPTION",
      `${where}: queueLimit must be an integer ≥ 1, got ${o.queueLimit}`,
    );
  }
  if (!Number.isSafeInteger(o.mtu) || o.mtu < 41) {
    // 40 bytes of IPv4 + TCP header and at least one more: anything less carries nothing.
    throw new SimError("ERR_SIM_BAD_OPTION", `${where}: mtu must be an integer ≥ 41, got ${o.mtu}`);
  }
  return o;
}

/** What one direction of a link did with the packets it carried. */
export interface LinkCounters {
  /** Packets offered to the link by the sender (before any fault or impairment). */
  offered: number;
  delivered: number;
  duplicated: number;
  corrupted: number;
  delayed: number;
  dropped: Record<NetworkDropReason, number>;
}

function emptyCounters(): LinkCounters {
  return {
    offered: 0,
    delivered: 0,
    duplicated: 0,
    corrupted: 0,
    delayed: 0,
    dropped: { loss: 0, fault: 0, mtu: 0, "msl-expired": 0, "queue-full": 0, "no-route": 0 },
  };
}

/**
 * The runtime of one direction. `H` is the simulator's host record; the link only carries it.
 * Random draws come from per-purpose streams named after the link ("link:a->b:loss"...), and a
 * stream is consulted only when its probability is nonzero, so turning one impairment on does not
 * change the draws of another.
 */
export class LinkDirection<H> {
  readonly name: string;
  options: ResolvedLinkOptions;
  readonly counters: LinkCounters = emptyCounters();
  /** Index of the next packet offered to this direction (targeted faults count by it). */
  offeredIndex = 0;

  private readonly lossRng: Rng;
  private readonly duplicateRng: Rng;
  private readonly jitterRng: Rng;
  private readonly reorderRng: Rng;
  private readonly corruptRng: Rng;
  /** Finish times of the packets in the rate-limited queue, oldest first, from `queueHead` on. */
  private queue: number[] = [];
  private queueHead = 0;
  private busyUntil = 0;

  constructor(
    readonly from: H,
    readonly to: H,
    fromName: string,
    toName: string,
    options: ResolvedLinkOptions,
    random: RandomStreams,
  ) {
    this.name = `${fromName}->${toName}`;
    this.options = options;
    const prefix = `link:${this.name}:`;
    this.lossRng = random.stream(prefix + "loss");
    this.duplicateRng = random.stream(prefix + "duplicate");
    this.jitterRng = random.stream(prefix + "jitter");
    this.reorderRng = random.stream(prefix + "reorder");
    this.corruptRng = random.stream(prefix + "corrupt");
  }

  /** Stream used to pick which bit a corruption flips (the corrupt stream decides whether). */
  get corruptionRng(): Rng {
    return this.corruptRng;
  }

  /** Draw: is the next packet lost? */
  isLost(): boolean {
    const p = this.options.loss;
    return p > 0 && this.lossRng.chance(p);
  }

  /** Draw: is the next packet duplicated? */
  isDuplicated(): boolean {
    const p = this.options.duplicate;
    return p > 0 && this.duplicateRng.chance(p);
  }

  /** Draw: is the next packet corrupted? */
  isCorrupted(): boolean {
    const p = this.options.corrupt;
    return p > 0 && this.corruptRng.chance(p);
  }

  /**
   * Put a packet of `bytes` into the rate-limited queue at `now`. Returns the time its last bit
   * leaves the sender, or -1 when the queue is full. Unlimited links return `now`.
   */
  enqueue(now: number, bytes: number): number {
    const rate = this.options.rate;
    if (rate === 0) return now;
    const q = this.queue;
    while (this.queueHead < q.length && (q[this.queueHead] as number) <= now) this.queueHead++;
    if (this.queueHead > 1024 && this.queueHead * 2 > q.length) {
      // Compact now and then so the array does not grow without bound.
      this.queue = q.slice(this.queueHead);
      this.queueHead = 0;
    }
    if (this.queue.length - this.queueHead >= this.options.queueLimit) return -1;
    const start = this.busyUntil > now ? this.busyUntil : now;
    // Serialisation delay rounded up to a whole microsecond: a packet is never early.
    const finish = start + Math.ceil((bytes * 8 * 1_000_000) / rate);
    this.queue.push(finish);
    this.busyUntil = finish;
    return finish;
  }

  /** Reordering hold-back added by the last propagation() call (0 if none), for the trace. */
  lastHoldBack = 0;

  /** Propagation delay for one copy: delay + jitter, plus the reordering hold-back if drawn. */
  propagation(): number {
    const o = this.options;
    let d = o.delay;
    if (o.jitter > 0) d += this.jitterRng.below(o.jitter + 1);
    this.lastHoldBack = 0;
    if (o.reorder > 0 && this.reorderRng.chance(o.reorder)) {
      this.lastHoldBack = 1 + this.reorderRng.below(o.reorderDelay);
      d += this.lastHoldBack;
    }
    return d;
  }

  /** Packets now waiting in (or being serialised by) the queue. */
  queueLength(now: number): number {
    let n = 0;
    for (let i = this.queueHead; i < this.queue.length; i++) if ((this.queue[i] as number) > now) n++;
    return n;
  }
}
