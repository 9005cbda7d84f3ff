// Linux's receive-buffer accounting: how a socket's receive buffer (sk_rcvbuf) becomes the window it
// advertises (the `linux` profile's receiveWindowRule). Read from Linux 6.18: include/net/tcp.h
// (tcp_win_from_space, tcp_space, tcp_full_space), net/ipv4/tcp_output.c (tcp_select_initial_window,
// __tcp_select_window), net/ipv4/tcp_input.c (tcp_init_buffer_space, tcp_measure_rcv_mss,
// tcp_grow_window, tcp_incr_quickack) and net/ipv4/tcp.c (__tcp_cleanup_rbuf). What is not modelled:
// receive-buffer autotuning (tcp_rcv_space_adjust growing sk_rcvbuf) and the small-segment branch of
// tcp_measure_rcv_mss. Pruning and collapsing the queue past the buffer, and coalescing a segment into
// the room left in the previous one, are in receive-memory.ts.

/** TCP_RMEM_TO_WIN_SCALE: the scaling ratio is a fraction of 256. */
const RMEM_TO_WIN_SCALE = 8;
/** TCP_DEFAULT_SCALING_RATIO: until a segment is measured, half of the buffer is taken to be payload. */
export const DEFAULT_SCALING_RATIO = 1 << (RMEM_TO_WIN_SCALE - 1);
/** TCP_MSS_DEFAULT and TCP_MIN_MSS, the bounds of the first receive-MSS estimate (tcp_initialize_rcv_mss). */
const MSS_DEFAULT = 536;
const MIN_MSS = 88;

/** __tcp_win_from_space: the payload bytes `space` bytes of buffer hold at `ratio`/256. */
export function winFromSpace(space: number, ratio: number): number {
  return Math.floor((space * ratio) / (1 << RMEM_TO_WIN_SCALE));
}

// The memory a received segment is charged (skb->truesize). A simulated link has no NIC driver, so the
// model is the one packetdrill's TUN device gives on x86-64 (tun_get_user → alloc_skb): a linear head
// holding NET_SKB_PAD (64) of headroom and the whole IP packet, 64-byte aligned, plus the shared info
// (320), taken from the small-head cache or the next power-of-two kmalloc bucket; truesize adds the
// sk_buff itself (256). A 1460-byte segment costs 2304, as on most Ethernet drivers. The small-head cache
// is SKB_HEAD_ALIGN(MAX_TCP_HEADER), plus a cache line when that is a power of two: 576 bytes on the
// kernel under test (MAX_TCP_HEADER 192), so a segment of up to about 150 bytes costs 832 — measured by
// `window/small-segments-collapse.pkt`, where the queue passes the buffer exactly at the 14th such segment.
const NET_SKB_PAD = 64;
export const SHARED_INFO = 320;
export const SKB_STRUCT = 256;
const SMALL_HEAD = 576;

/** The kmalloc object behind alloc_skb(`size`) (kmalloc_reserve): small-head cache or a power of two. */
export function headObject(size: number): number {
  const need = Math.ceil(size / 64) * 64 + SHARED_INFO;
  // The next power of two by counting leading zeros: Math.log2 on every received segment was a hot spot.
  return need <= SMALL_HEAD ? SMALL_HEAD : 1 << (32 - Math.clz32(need - 1));
}

/** The truesize of a segment of `frame` bytes (IP and TCP headers and payload). */
export function segmentTruesize(frame: number): number {
  return headObject(NET_SKB_PAD + frame) + SKB_STRUCT;
}

/**
 * skb_tailroom of that segment's buffer: what a later small segment may be copied into (tcp_try_coalesce).
 * `truesize`: the segment's, when the caller has it already (this runs for every received segment).
 */
export function segmentTailroom(frame: number, truesize = segmentTruesize(frame)): number {
  return truesize - SKB_STRUCT - SHARED_INFO - (NET_SKB_PAD + frame);
}

/**
 * The receive-side numbers Linux keeps per socket: the buffer, the measured payload/truesize ratio, the
 * window clamp, the slowly growing rcv_ssthresh, the receive-MSS estimate and the memory charged.
 */
export class LinuxReceiveSpace {
  /** tp->scaling_ratio, payload bytes per 256 bytes of buffer. */
  ratio = DEFAULT_SCALING_RATIO;
  /** tp->window_clamp: the largest window ever advertised. */
  windowClamp = 0;
  /** tp->rcv_ssthresh: the current ceiling of the window, raised by tcp_grow_window. */
  rcvSsthresh = 0;
  /** tp->rcv_wnd: the window last advertised (bytes). */
  rcvWnd = 0;
  /** icsk_ack.rcv_mss: the estimate of the peer's segment size. */
  rcvMss = MSS_DEFAULT;
  /** tp->advmss. */
  advmss: number;
  /** The most quick ACKs at a time (Linux TCP_MAX_QUICKACKS, the profile's quickAcks). */
  maxQuickAcks = 16;
  /** tcp_init_buffer_space has run (ESTABLISHED). */
  ready = false;
  /** No data segment has arrived yet (Linux: icsk_ack.ato is still 0). */
  firstData = true;

  constructor(
    /** sk_rcvbuf (already doubled by SO_RCVBUF); tcp_clamp_window may raise it when not locked. */
    public rcvbuf: number,
    /** SO_RCVBUF was set (SOCK_RCVBUF_LOCK): the window is clamped to this buffer. */
    readonly locked: boolean,
    /** tcp_rmem[2], which __tcp_grow_window measures against. */
    readonly rmemMax: number,
    mss: number,
  ) {
    this.advmss = mss;
  }

  /** tcp_full_space: the window the whole buffer would hold. */
  fullSpace(): number {
    return winFromSpace(this.rcvbuf, this.ratio);
  }

  /** tcp_space: the window the buffer's free memory holds (`rmem`: sk_rmem_alloc, may exceed the buffer). */
  space(rmem: number): number {
    return winFromSpace(this.rcvbuf - rmem, this.ratio);
  }

  /**
   * tcp_select_initial_window, with the clamp tcp_openreq_init_rwin / tcp_connect_init set for a locked
   * buffer: the full space, rounded down to a multiple of the MSS (a SYN's field, never scaled, shows at
   * most 65535 of it). `mss` is the MSS less the timestamp option when the SYN,ACK confirms timestamps.
   */
  initialWindow(mss: number, wscale: number): number {
    const full = this.fullSpace();
    const clamp = this.locked ? full : 65535 * 2 ** 14;
    let space = Math.min(clamp, full);
    if (space > mss) space = Math.floor(space / mss) * mss;
    // Not capped at 65535 (tcp_workaround_signed_windows=0): the SYN's field says at most 65535, but the
    // first ACK may already offer the rest, and rcv_ssthresh starts there.
    this.rcvWnd = space;
    this.windowClamp = Math.min(65535 * 2 ** wscale, clamp);
    this.rcvSsthresh = this.rcvWnd;
    return this.rcvWnd;
  }

  /**
   * At ESTABLISHED: tcp_init_buffer_space (the clamp at most the full space, less one segment of room:
   * "Force reservation of one segment", tcp_app_win = 31) and tcp_initialize_rcv_mss. `wscale` is the
   * negotiated shift (0 without scaling: the clamp is then 65535, tcp_rcv_synsent_state_process).
   */
  established(advmss: number, sndMss: number, wscale: number): void {
    this.ready = true;
    this.advmss = advmss;
    this.windowClamp = Math.min(this.windowClamp, 65535 * 2 ** wscale);
    const maxwin = this.fullSpace();
    if (this.windowClamp >= maxwin) this.windowClamp = maxwin;
    if (this.windowClamp > 2 * advmss && this.windowClamp + advmss > maxwin) {
      this.windowClamp = Math.max(2 * advmss, maxwin - advmss);
    }
    this.rcvSsthresh = Math.min(this.rcvSsthresh, this.windowClamp);
    const hint = Math.min(advmss, sndMss, Math.floor(this.rcvWnd / 2), MSS_DEFAULT);
    this.rcvMss = Math.max(hint, MIN_MSS);
  }

  /**
   * An in-order segment of `len` payload bytes and `truesize` was queued, `rmem` now charged in all
   * (tcp_event_data_recv). Returns the quick-ACK count to use: the first segment sets the budget
   * (tcp_incr_quickack: window / (2 · rcv_mss), at least 2, at most 16), and a segment that raises
   * rcv_ssthresh asks for at least one quick ACK (tcp_grow_window: "icsk_ack.quick |= 1").
   */
  segmentQueued(len: number, truesize: number, rmem: number, quick: number): number {
    this.measureRcvMss(len, truesize);
    if (this.firstData) {
      this.firstData = false;
      const budget = Math.floor(this.rcvWnd / (2 * this.rcvMss)) || 2;
      quick = Math.max(quick, Math.min(budget, this.maxQuickAcks));
    }
    if (len >= 128 && this.growWindow(len, truesize, rmem)) quick |= 1;
    return quick;
  }

  /** tcp_measure_rcv_mss: a larger segment re-measures the payload/truesize ratio, and the clamp follows. */
  private measureRcvMss(len: number, truesize: number): void {
    if (len < this.rcvMss) return;
    if (len !== this.rcvMss) {
      const ratio = Math.floor((len << RMEM_TO_WIN_SCALE) / truesize) || 1;
      if (ratio !== this.ratio) {
        this.ratio = ratio;
        this.windowClamp = this.fullSpace();
      }
    }
    this.rcvMss = Math.min(len, this.advmss);
  }

  /** tcp_grow_window: raise rcv_ssthresh by two segments while the buffer can take them at this truesize. */
  private growWindow(len: number, truesize: number, rmem: number): boolean {
    const room = Math.min(this.windowClamp, this.space(rmem)) - this.rcvSsthresh;
    if (room <= 0) return false;
    let incr: number;
    if (winFromSpace(truesize, this.ratio) <= len) {
      incr = 2 * this.advmss;
    } else {
      // __tcp_grow_window: a segment with more overhead grows the window only while it is small.
      let cost = winFromSpace(truesize, this.ratio) >> 1;
      let window = winFromSpace(this.rmemMax, this.ratio) >> 1;
      incr = 0;
      while (this.rcvSsthresh <= window) {
        if (cost <= len) {
          incr = 2 * this.rcvMss;
          break;
        }
        cost >>= 1;
        window >>= 1;
      }
    }
    if (incr === 0) return false;
    this.rcvSsthresh += Math.min(room, Math.max(incr, 2 * len));
    return true;
  }

  /** Set by select: the window fell below half the full space, which ends quick-ACK mode. */
  clearsQuick = false;

  /**
   * __tcp_select_window: the window to offer with `rmem` charged. Below half the full space the window
   * falls to 0 once less than an MSS (or 1/16 of the space) is free, and quick-ACK mode ends
   * (`clearsQuick` is set); otherwise it is the free space capped by rcv_ssthresh — without scaling
   * rounded down to a multiple of the receive MSS (or kept when within one MSS), with scaling rounded up
   * to the unit. It runs for every ACK sent, so it answers a number, not a fresh object.
   */
  select(rmem: number, wscale: number): number {
    let mss = this.rcvMss;
    let free = this.space(rmem);
    const allowed = this.fullSpace();
    const full = Math.min(this.windowClamp, allowed);
    this.clearsQuick = false;
    if (mss > full) {
      mss = full;
      if (mss <= 0) return 0;
    }
    const unit = 1 << wscale;
    if (free < full >> 1) {
      this.clearsQuick = true;
      free = Math.floor(free / unit) * unit;
      if (free < allowed >> 4 || free < mss) return 0;
    }
    if (free > this.rcvSsthresh) free = this.rcvSsthresh;
    if (wscale > 0) return Math.ceil(free / unit) * unit;
    let window = this.rcvWnd;
    if (window <= free - mss || window > free) window = Math.floor(free / mss) * mss;
    else if (mss === full && free > window + (full >> 1)) window = free;
    return window;
  }
}
