// Receive-side state of one connection (RFC 9293 §3.3.1 "Receive Sequence Variables"): RCV.NXT, the
// window we advertise, data waiting for the application, and segments held out of order.
import { Reassembly } from "./reassembly.js";
import { seqAdd, seqDiff, seqGt, seqLt } from "./seq.js";

/** Without window scaling (RFC 7323) the window field tops out here. */
const MAX_UNSCALED_WINDOW = 65535;

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
    return Math.max(0, Math.min(this.bufferSize - this.queuedBytes, MAX_UNSCALED_WINDOW));
  }

  /** RCV.WND as currently offered: the last advertised edge minus RCV.NXT. */
  get window(): number {
    return Math.max(0, seqDiff(this.advertisedEdge, this.rcvNxt));
  }

  /**
   * The window to put in an outgoing segment. Receiver-side silly window avoidance (RFC 9293 §3.8.6.2.2):
   * the edge moves right only by at least min(buffer/2, MSS), and never moves left (§3.8.6: shrinking the
   * window is strongly discouraged).
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
    return Math.min(this.window, MAX_UNSCALED_WINDOW);
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

  /** Hands queued data to `deliver` while the application reads; returns bytes delivered. */
  drain(deliver: (data: Uint8Array) => void): number {
    let n = 0;
    while (!this.paused && this.queue.length > 0) {
      const chunk = this.queue.shift()!;
      this.queuedBytes -= chunk.length;
      n += chunk.length;
      deliver(chunk);
    }
    return n;
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
