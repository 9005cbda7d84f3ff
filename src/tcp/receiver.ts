// Receive-side state of one connection (RFC 9293 §3.3.1 "Receive Sequence Variables"): RCV.NXT, the
// window we advertise, data waiting for the application, and segments held out of order.
import { Reassembly } from "./reassembly.js";
import type { Profile } from "./profile.js";
import { LinuxReceiveSpace, segmentTailroom, segmentTruesize } from "./receive-window.js";
import { canIngest, collapseBuffers, ReceiveMemory } from "./receive-memory.js";
import { seqAdd, seqDiff, seqGt, seqLt } from "./seq.js";

/** The 16-bit window field's largest value; without window scaling (RFC 7323) also the largest window. */
const MAX_WINDOW_FIELD = 65535;
/** RFC 7323 §2.3: a shift of at most 14, so that windows stay below 2^30 (1 GiB). */
export const MAX_WSCALE = 14;

/**
 * The shift to offer in our SYN or SYN,ACK (RFC 7323 §2.3: the receiver chooses it, at most 14). It must
 * cover the largest window this socket may ever advertise: the largest buffer it may grow to
 * (profile.receiveBufferMax, and on Linux also rmem_max), or only its own buffer once the application
 * set SO_RCVBUF (`locked`; Linux tcp_connect_init / tcp_openreq_init_rwin clamp the window to the full
 * space then). Linux tcp_select_initial_window takes ilog2(space) − 15; FreeBSD raises the shift until
 * 65535 << shift covers the space.
 */
export function offeredWscale(profile: Profile, bufferSize: number, locked: boolean): number {
  let space = bufferSize;
  if (!locked) {
    space = Math.max(space, profile.receiveBufferMax);
    if (profile.windowScaleRule === "ilog2") space = Math.max(space, profile.rmemMax);
  }
  if (profile.windowScaleRule === "ilog2") {
    const ilog2 = space > 0 ? Math.floor(Math.log2(space)) : 0;
    return Math.min(MAX_WSCALE, Math.max(0, ilog2 - 15));
  }
  let shift = 0;
  while (shift < MAX_WSCALE && space > MAX_WINDOW_FIELD * 2 ** shift) shift++;
  return shift;
}

/** How a Receiver accounts its buffer: the profile's rule, and whether the application set SO_RCVBUF. */
export interface ReceiverOptions {
  profile: Profile;
  /** SO_RCVBUF was set (Linux SOCK_RCVBUF_LOCK). */
  locked: boolean;
  /** The MSS we announce (tp->advmss). */
  mss: number;
}

// The empty queue every Receiver starts with, shared and never written (enqueue swaps in arrays of its
// own): an idle connection that never receives data paid 64 bytes for two empty arrays.
const NO_CHUNKS: Uint8Array[] = [];
const NO_COSTS: number[] = [];

export class Receiver {
  irs = 0;
  rcvNxt = 0;
  /** The right edge of the window last advertised (RCV.NXT + RCV.WND at that time); it never moves left. */
  private advertisedEdge = 0;
  readonly reassembly = new Reassembly();
  /** In-order data the application has not read yet (flow control: it fills the window). */
  private queue: Uint8Array[] = NO_CHUNKS;
  /** Under the `linux` rule: the truesize charged for each queued chunk. */
  private costs: number[] = NO_COSTS;
  /** sk_rmem_alloc of the in-order queue (the out-of-order queue is charged as it is held). */
  private queueCost = 0;
  /** IP and TCP header bytes of a data segment from the peer (truesize counts the whole packet). */
  private headerBytes = 40;
  queuedBytes = 0;
  /**
   * Quick-ACK mode (Linux icsk_ack.quick): this many ACKs of new data go out at once instead of delayed.
   * Profiles without quick ACKs keep it 0.
   */
  quick = 0;
  /**
   * Linux icsk_ack.pending's ICSK_ACK_PUSHED (1) and ICSK_ACK_PUSHED2 (2): a pushed or small segment (two
   * of them) came since our last ACK, so a read that drains the queue ACKs at once (__tcp_cleanup_rbuf).
   */
  private pushed = 0;
  /** Bytes the application has taken in all, and at the last markRead (what a read since then copied). */
  private takenTotal = 0;
  private takenMark = 0;
  /** Linux's accounting (profile.receiveWindowRule "linux"), null for the free-space rule. */
  readonly linux: LinuxReceiveSpace | null;
  /**
   * Linux's forward allocation, header prediction and queue collapse (with `linux`), made when the first
   * data is charged: until then it would read all zero (nothing reserved, no prediction, no tailroom), and
   * an idle connection need not carry it.
   */
  private memory: ReceiveMemory | null = null;
  /** Linux's rule (tcp_data_queue): a bare FIN at RCV.NXT is taken even into a zero window. */
  get acceptsBareFinAtZeroWindow(): boolean {
    return this.linux !== null;
  }
  /** The peer's FIN has been received in sequence (RCV.NXT has passed it). */
  finReceived = false;
  /** The application has been told about the FIN (EOF). */
  eofDelivered = false;
  /** The application is not reading (Node's paused mode / backpressure). */
  paused = false;
  /** Our receive window shift (RFC 7323 §2.2), 0 unless both SYNs carried the option. */
  wscale = 0;
  /** RCV.UP, the urgent pointer (RFC 9293 §3.8.5); we process it but deliver no out-of-band data. */
  rcvUp = 0;

  constructor(
    readonly bufferSize: number,
    options?: ReceiverOptions,
  ) {
    const p = options?.profile;
    this.linux =
      p?.receiveWindowRule === "linux"
        ? new LinuxReceiveSpace(bufferSize, options!.locked, p.receiveBufferMax, options!.mss)
        : null;
    if (this.linux) this.linux.initialWindow(options!.mss, MAX_WSCALE); // until synWindow knows the shift
  }

  init(irs: number): void {
    this.irs = irs;
    this.rcvNxt = seqAdd(irs, 1);
    this.rcvUp = this.rcvNxt;
    this.advertisedEdge = seqAdd(this.rcvNxt, this.linux ? this.linux.rcvWnd : this.freeSpace());
  }

  /**
   * The window of our SYN or SYN,ACK (never scaled, RFC 7323 §2.2). Linux: tcp_select_initial_window's
   * window, from an MSS less the timestamp option when a SYN,ACK confirms timestamps
   * (tcp_openreq_init_rwin); that is also the first RCV.WND. Otherwise the buffer, at most 65535.
   */
  synWindow(mss: number, wscale: number, initialized: boolean): number {
    if (!this.linux) return Math.min(65535, this.bufferSize);
    const wnd = this.linux.initialWindow(mss, wscale);
    if (initialized) this.advertisedEdge = seqAdd(this.rcvNxt, wnd);
    return Math.min(wnd, MAX_WINDOW_FIELD);
  }

  /**
   * ESTABLISHED: the quick-ACK budget (Linux sets it at the first data segment instead) and, under the
   * `linux` rule, tcp_init_buffer_space with the send MSS and the options both sides agreed on.
   */
  established(quickAcks: number, localMss: number, sndMss: number, timestamps: boolean): void {
    this.headerBytes = 40 + (timestamps ? 12 : 0);
    if (!this.linux) {
      this.quick = quickAcks;
      return;
    }
    this.quick = 0;
    this.linux.maxQuickAcks = quickAcks;
    this.linux.established(localMss - (timestamps ? 12 : 0), sndMss, this.wscale);
  }

  /** sk_rmem_alloc: what the queued and held-out-of-order segments are charged. */
  private rmem(): number {
    if (this.reassembly.isEmpty) return this.queueCost;
    return this.queueCost + this.reassembly.heldCost((n) => segmentTruesize(this.headerBytes + n));
  }

  private freeSpace(): number {
    return Math.max(0, Math.min(this.bufferSize - this.queuedBytes, MAX_WINDOW_FIELD << this.wscale));
  }

  /** The right edge of the window last advertised (it never moves left). */
  get rightEdge(): number {
    return this.advertisedEdge;
  }

  /** RCV.WND as currently offered: the last advertised edge minus RCV.NXT. */
  get window(): number {
    return Math.max(0, seqDiff(this.advertisedEdge, this.rcvNxt));
  }

  /**
   * The window field to put in an outgoing segment (already shifted right by our scale). Receiver-side
   * silly window avoidance (RFC 9293 §3.8.6.2.2): the edge moves right only by at least min(buffer/2, MSS),
   * and never moves left (§3.8.6: shrinking the window is strongly discouraged). With a scale the field
   * is rounded up, so the edge the peer computes is never left of the one we keep (RFC 7323 §2.4).
   */
  windowToAdvertise(mss: number): number {
    if (this.linux) return this.linuxWindowToAdvertise();
    const candidate = seqAdd(this.rcvNxt, this.freeSpace());
    const growth = seqDiff(candidate, this.advertisedEdge);
    const threshold = Math.min(Math.floor(this.bufferSize / 2), mss);
    if (growth >= threshold || (growth > 0 && this.window === 0 && growth >= threshold)) {
      this.advertisedEdge = candidate;
    } else if (seqLt(this.advertisedEdge, this.rcvNxt)) {
      this.advertisedEdge = this.rcvNxt;
    }
    const wnd = this.window;
    if (this.wscale === 0) return Math.min(wnd, MAX_WINDOW_FIELD);
    const unit = 1 << this.wscale;
    const field = Math.min(MAX_WINDOW_FIELD, Math.ceil(wnd / unit));
    const edge = seqAdd(this.rcvNxt, field * unit);
    if (seqGt(edge, this.advertisedEdge)) this.advertisedEdge = edge;
    return field;
  }

  /**
   * Linux tcp_select_window: __tcp_select_window's window, but never less than what is left of the window
   * already offered (its right edge never moves left); the field is that window shifted by our scale.
   */
  private linuxWindowToAdvertise(): number {
    const linux = this.linux!;
    const unit = 1 << this.wscale;
    const current = this.window;
    // Before ESTABLISHED (an ACK from SYN_RECEIVED or SYN_SENT) Linux offers the initial window as it is;
    // tcp_select_window runs only once tcp_init_buffer_space has.
    if (!linux.ready) return Math.min(Math.ceil(current / unit), MAX_WINDOW_FIELD);
    this.pushed = 0; // an ACK goes out (tcp_event_ack_sent clears icsk_ack.pending)
    let wnd = linux.select(this.rmem(), this.wscale);
    if (linux.clearsQuick) this.quick = 0;
    if (wnd < current) wnd = Math.ceil(current / unit) * unit;
    if (wnd === 0) this.memory?.stopPrediction(); // tcp_select_window: a zero window disables the fast path
    linux.rcvWnd = wnd;
    this.advertisedEdge = seqAdd(this.rcvNxt, wnd);
    return Math.min(wnd, MAX_WINDOW_FIELD * unit) / unit;
  }

  /** Would advertising now open the window enough to be worth a window update? */
  windowUpdateDue(mss: number): boolean {
    if (this.linux) {
      // Linux __tcp_cleanup_rbuf after a read: only when the window can at least double, and never once
      // the peer's FIN came ("do not send window open ACK in states, where we will not receive more").
      if (this.finReceived) return false;
      const now = this.window;
      if (2 * now > this.linux.windowClamp) return false;
      const next = this.linux.select(this.rmem(), this.wscale);
      return next !== 0 && next >= 2 * now;
    }
    const candidate = seqAdd(this.rcvNxt, this.freeSpace());
    return seqDiff(candidate, this.advertisedEdge) >= Math.min(Math.floor(this.bufferSize / 2), mss);
  }

  enqueue(data: Uint8Array, push = false): void {
    if (data.length === 0) return;
    if (this.queue === NO_CHUNKS) {
      this.queue = [];
      this.costs = [];
    }
    if (this.linux) {
      this.notePushed(data.length, push);
      this.charge(data.length);
    } else {
      this.costs.push(0);
    }
    this.queue.push(data);
    this.queuedBytes += data.length;
  }

  /**
   * Linux tcp_queue_rcv charges each segment its truesize — or nothing when it is copied into the room left
   * in the last queued buffer (tcp_try_coalesce) — then tcp_event_data_recv measures it and may grow the
   * window. A segment the forward allocation does not cover takes the slow path, which first checks the
   * buffer and prunes the queue when it is past it (tcp_try_rmem_schedule); see receive-memory.ts.
   */
  private charge(len: number): void {
    const linux = this.linux!;
    const mem = (this.memory ??= new ReceiveMemory());
    const frame = this.headerBytes + len;
    const truesize = segmentTruesize(frame);
    const held = !this.reassembly.isEmpty;
    if (held) mem.stopPrediction(); // tcp_data_queue_ofo turned header prediction off
    const slow = !mem.fastPath(truesize, held);
    if (slow) {
      if (!canIngest(this.rmem(), len, linux.rcvbuf)) this.prune(len);
      mem.schedule(truesize);
    }
    let cost = truesize;
    if (this.queue.length > 0 && len <= mem.tailroom) {
      cost = 0;
      mem.tailroom -= len;
    } else {
      mem.tailroom = segmentTailroom(frame, truesize);
    }
    mem.charge(cost);
    this.costs.push(cost);
    this.queueCost += cost;
    this.quick = linux.segmentQueued(len, truesize, this.rmem(), this.quick);
    if (slow) mem.afterSlowPath(this.rmem(), linux.rcvbuf, held);
  }

  /**
   * tcp_prune_queue for an in-order segment of `len` bytes: tcp_clamp_window when the queue is charged up
   * to the buffer (quick ACKs end; an unlocked buffer grows to what is charged, up to tcp_rmem[2]; past the
   * buffer rcv_ssthresh falls to two segments), then, unless the segment now fits, tcp_collapse copies the
   * queue into compact buffers. Each buffer's charge stays with the chunk holding its last byte, freed when
   * that is read (Linux frees a buffer once fully copied).
   */
  private prune(len: number): void {
    const linux = this.linux!;
    const mem = this.memory!;
    const rmem = this.rmem();
    if (rmem >= linux.rcvbuf) {
      this.quick = 0;
      if (!linux.locked && linux.rcvbuf < linux.rmemMax) linux.rcvbuf = Math.min(rmem, linux.rmemMax);
      if (rmem > linux.rcvbuf) linux.rcvSsthresh = Math.min(linux.windowClamp, 2 * linux.advmss);
    }
    if (canIngest(rmem, len, linux.rcvbuf) || this.queue.length === 0) return;
    const buffers = collapseBuffers(this.queuedBytes);
    const old = this.costs.slice();
    this.costs.fill(0);
    let chunk = 0;
    let chunkEnd = this.queue[0]!.length;
    let at = 0;
    let total = 0;
    for (const b of buffers) {
      at += b.bytes;
      while (chunkEnd < at) chunkEnd += this.queue[++chunk]!.length;
      this.costs[chunk]! += b.truesize;
      total += b.truesize;
      mem.charge(b.truesize);
    }
    for (const c of old) if (c > 0) mem.uncharge(c);
    this.queueCost = total;
    mem.tailroom = buffers[buffers.length - 1]!.tailroom;
  }

  /** tcp_incr_quickack: quick ACKs for the window's worth of segments (at least 2, at most the profile's). */
  renewQuickAcks(): void {
    const linux = this.linux;
    if (!linux) return;
    const budget = Math.floor(linux.rcvWnd / (2 * linux.rcvMss)) || 2;
    this.quick = Math.max(this.quick, Math.min(budget, linux.maxQuickAcks));
  }

  /**
   * tcp_measure_rcv_mss's marks: a segment of at least the receive MSS marks PUSHED if it carries PSH; a
   * smaller one always does, and a second one PUSHED2. (Not modelled: its exception for a run of equal
   * small segments without PSH, which lowers rcv_mss instead.)
   */
  private notePushed(len: number, push: boolean): void {
    if (len >= this.linux!.rcvMss) {
      if (push) this.pushed |= 1;
    } else {
      if (this.pushed & 1) this.pushed |= 2;
      this.pushed |= 1;
    }
  }

  /**
   * Linux __tcp_cleanup_rbuf, the ACK a read sends while a delayed ACK is pending: when more than one
   * receive MSS came since the last ACK, or when the read (of `copied` bytes) emptied the queue after a
   * pushed segment — unless in ping-pong mode, where a reply is expected to carry the ACK (two pushed
   * segments override that). The free-space rule never does.
   */
  ackDueAfterRead(copied: number, pingPong: boolean, unackedBytes: number): boolean {
    if (!this.linux) return false;
    if (unackedBytes > this.linux.rcvMss) return true;
    const pushed = (this.pushed & 2) !== 0 || ((this.pushed & 1) !== 0 && !pingPong);
    return copied > 0 && pushed && this.rmem() === 0;
  }

  /** Remembers how much the application has read, for readSinceMark. */
  markRead(): void {
    this.takenMark = this.takenTotal;
  }

  /** Bytes the application read since markRead. */
  get readSinceMark(): number {
    return this.takenTotal - this.takenMark;
  }

  /** A queued chunk was read to its end: its memory is freed (Linux frees an skb once fully copied). */
  private consumed(): void {
    this.queue.shift();
    const cost = this.costs.shift() ?? 0;
    this.queueCost -= cost;
    if (this.memory) {
      this.memory.uncharge(cost);
      if (this.queue.length === 0) this.memory.tailroom = 0;
    }
  }

  /** The next chunk of in-order data for an application that reads, or null (paused, or nothing queued). */
  take(): Uint8Array | null {
    if (this.paused || this.queue.length === 0) return null;
    const chunk = this.queue[0]!;
    this.consumed();
    this.queuedBytes -= chunk.length;
    this.takenTotal += chunk.length;
    return chunk;
  }

  /**
   * At most `max` bytes of in-order data (recv(2) with a length), splitting a chunk when needed; an empty
   * array when nothing is queued. Pull-style reads ignore `paused`: the caller is the one reading.
   */
  takeUpTo(max: number): Uint8Array {
    if (this.queue.length === 0 || max <= 0) return new Uint8Array(0);
    const n = Math.min(max, this.queuedBytes);
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const head = this.queue[0]!;
      const k = Math.min(head.length, n - at);
      out.set(head.subarray(0, k), at);
      at += k;
      if (k === head.length) this.consumed();
      else this.queue[0] = head.subarray(k);
    }
    this.queuedBytes -= n;
    this.takenTotal += n;
    return out;
  }

  get hasUnread(): boolean {
    return this.queuedBytes > 0;
  }

  /** Advances RCV.UP (RFC 9293 §3.10.7.4, sixth step). */
  noteUrgent(seq: number, urgentPointer: number): void {
    const up = seqAdd(seq, urgentPointer);
    if (seqGt(up, this.rcvUp)) this.rcvUp = up;
  }

  clear(): void {
    this.queue = NO_CHUNKS;
    this.costs = NO_COSTS;
    this.queueCost = 0;
    this.queuedBytes = 0;
    this.reassembly.clear();
  }
}
