// Linux's receive-queue memory beyond the per-segment charge (the `linux` profile's receiveWindowRule):
// the socket's forward allocation, which lets the header-prediction fast path queue a segment without
// looking at the buffer; the check the slow path makes (tcp_try_rmem_schedule → tcp_can_ingest); and what
// Linux does when the queue is charged past the buffer — tcp_prune_queue clamps the window
// (tcp_clamp_window) and copies the queued payload into compact buffers (tcp_collapse), after which small
// segments are copied into the room left in the last buffer (tcp_try_coalesce) and cost nothing more.
// Read from Linux 6.18: net/core/sock.c (__sk_mem_schedule, sk_mem_reclaim), net/ipv4/tcp_input.c
// (tcp_rcv_established, tcp_try_rmem_schedule, tcp_can_ingest, tcp_prune_queue, tcp_clamp_window,
// tcp_collapse, tcp_try_coalesce), include/linux/skbuff.h (SKB_MAX_ORDER, SKB_TRUESIZE).
// Measured on the kernel under test: `window/small-segments-collapse.pkt` (the window reopens at the
// 15th 100-byte segment into an 8 KB buffer, exactly when the forward allocation runs out with the queue
// past the buffer). Not modelled: collapsing the out-of-order queue and dropping it (tcp_prune_ofo_queue),
// dropping the segment when even collapsing cannot make room (the segment is queued anyway, as
// sk_forced_mem_schedule does for an empty queue), and Linux's starting point for tcp_collapse (the first
// "bloated" buffer: the whole queue is collapsed here).
import { headObject, SHARED_INFO, SKB_STRUCT } from "./receive-window.js";

/** PAGE_SIZE: sk_forward_alloc grows and is reclaimed in whole pages (sk_mem_pages, __sk_mem_reclaim). */
const PAGE = 4096;
/** SKB_MAX_ORDER(0, 0): the payload one tcp_collapse buffer holds (a page less the shared info). */
const COLLAPSE_CHUNK = PAGE - SHARED_INFO;

/** One compact buffer tcp_collapse makes: what it holds and its truesize (alloc_skb(copy)). */
export interface CollapsedBuffer {
  bytes: number;
  truesize: number;
  /** skb_tailroom: what later small segments may be copied into. */
  tailroom: number;
}

/** tcp_collapse's buffers for `total` queued bytes: alloc_skb of at most a page each. */
export function collapseBuffers(total: number): CollapsedBuffer[] {
  const out: CollapsedBuffer[] = [];
  for (let left = total; left > 0;) {
    const bytes = Math.min(COLLAPSE_CHUNK, left);
    const head = headObject(bytes);
    out.push({ bytes, truesize: head + SKB_STRUCT, tailroom: head - SHARED_INFO - bytes });
    left -= bytes;
  }
  return out;
}

/** sk_forward_alloc and header prediction for one socket. */
export class ReceiveMemory {
  /** sk_forward_alloc: memory already reserved from the protocol's pool and not yet charged. */
  private forward = 0;
  /** tp->pred_flags is set: in-order data may take the header-prediction fast path. */
  private predicted = false;
  /** skb_tailroom of the last buffer in the receive queue (0 when it cannot take more). */
  tailroom = 0;

  /**
   * Does a segment of `truesize` go through the fast path (tcp_rcv_established: header prediction is on and
   * the forward allocation covers it)? The fast path queues it without checking the buffer.
   */
  fastPath(truesize: number, outOfOrderHeld: boolean): boolean {
    return this.predicted && !outOfOrderHeld && truesize <= this.forward;
  }

  /** sk_rmem_schedule: reserve whole pages until `truesize` is covered. */
  schedule(truesize: number): void {
    const need = truesize - this.forward;
    if (need > 0) this.forward += Math.ceil(need / PAGE) * PAGE;
  }

  /** sk_mem_charge: a buffer joined the queue. */
  charge(cost: number): void {
    this.forward -= cost;
  }

  /** sk_mem_uncharge: a buffer was freed; sk_mem_reclaim gives whole pages back. */
  uncharge(cost: number): void {
    this.forward += cost;
    if (this.forward >= PAGE) this.forward %= PAGE;
  }

  /** tcp_fast_path_check after a slow-path segment: prediction on while the queue is under the buffer. */
  afterSlowPath(rmem: number, rcvbuf: number, outOfOrderHeld: boolean): void {
    if (!outOfOrderHeld && rmem < rcvbuf) this.predicted = true;
  }

  /** An out-of-order segment was held, or a zero window advertised: header prediction off. */
  stopPrediction(): void {
    this.predicted = false;
  }
}

/**
 * tcp_can_ingest: the queue's charge plus the segment's payload stays within the buffer. Of its 2025 forms
 * (adding the segment's truesize, its length, or nothing), the scripts' prune points rule out the truesize
 * one and agree with the other two; the length form is taken.
 */
export function canIngest(rmem: number, len: number, rcvbuf: number): boolean {
  return rmem + len <= rcvbuf;
}
