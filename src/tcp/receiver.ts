// Receive-side state of one connection (RFC 9293 §3.3.1 "Receive Sequence Variables"): RCV.NXT, the
// window we advertise, data waiting for the application, and segments held out of order.
import { Reassembly } from "./reassembly.js";
import type { Profile } from "./profile.js";
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

export class Receiver {
  irs = 0;
  rcvNxt = 0;
  /** The right edge of the window last advertised (RCV.NXT + RCV.WND at that time); it never moves left. */
  private advertisedEdge = 0;
  readonly reassembly = new Reassembly();
  /** In-order data the application has not read yet (flow control: it fills the window). */
  private readonly queue: Uint8Array[] = [];
  queuedBytes = 0;
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

  constructor(readonly bufferSize: number) {}

  init(irs: number): void {
    this.irs = irs;
    this.rcvNxt = seqAdd(irs, 1);
    this.rcvUp = this.rcvNxt;
    this.advertisedEdge = seqAdd(this.rcvNxt, this.freeSpace());
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

  /** Would advertising now open the window enough to be worth a window update? */
  windowUpdateDue(mss: number): boolean {
    const candidate = seqAdd(this.rcvNxt, this.freeSpace());
    return seqDiff(candidate, this.advertisedEdge) >= Math.min(Math.floor(this.bufferSize / 2), mss);
  }

  enqueue(data: Uint8Array): void {
    if (data.length === 0) return;
    this.queue.push(data);
    this.queuedBytes += data.length;
  }

  /** The next chunk of in-order data for an application that reads, or null (paused, or nothing queued). */
  take(): Uint8Array | null {
    if (this.paused || this.queue.length === 0) return null;
    const chunk = this.queue.shift()!;
    this.queuedBytes -= chunk.length;
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
      if (k === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(k);
    }
    this.queuedBytes -= n;
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
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.reassembly.clear();
  }
}
