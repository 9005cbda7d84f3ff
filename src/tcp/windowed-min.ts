// A running minimum over a sliding time window, as Linux keeps min_rtt (tcp_update_rtt_min feeding
// lib/win_minmax.c's minmax_running_min, window net.ipv4.tcp_min_rtt_wlen, 300 s by default).
//
// Why a window: a path's propagation delay can grow (a route change); a lifelong minimum would then keep
// RACK's reordering window, min_rtt/4, far too small forever. Why not a list of every sample in the
// window: three samples suffice for an estimate that is exact while the minimum is fresh and at most
// a quarter or half window stale otherwise (Kathleen Nichols' algorithm, the one win_minmax.c implements):
// `best` is the window's minimum, `second` the smallest seen since a quarter window after `best`, `third`
// the smallest since half a window after it. When `best` ages out of the window, `second` takes its place.
//
// Times and values are µs here; Linux counts time in jiffies, so its window edges are a jiffy coarser.

/** One kept sample: when it was taken and its value. */
interface Sample {
  t: number;
  v: number;
}

export class WindowedMin {
  private best: Sample;
  private second: Sample;
  private third: Sample;

  /** `window` µs (Infinity: the minimum of the whole life); no sample yet reads as Infinity. */
  constructor(
    private readonly window: number,
    now = 0,
  ) {
    this.best = { t: now, v: Infinity };
    this.second = { t: now, v: Infinity };
    this.third = { t: now, v: Infinity };
  }

  /** The minimum over the window as of the last sample (Linux reads it without ageing, too). */
  get value(): number {
    return this.best.v;
  }

  /** A sample `v` taken at `now`; returns the updated minimum. */
  update(now: number, v: number): number {
    const w = this.window;
    // A new minimum, or every kept sample older than the window: start over from this one.
    if (v <= this.best.v || now - this.third.t > w) return this.reset(now, v);
    if (v <= this.second.v) {
      this.second = { t: now, v };
      this.third = this.second;
    } else if (v <= this.third.v) {
      this.third = { t: now, v };
    }
    const age = now - this.best.t;
    if (age > w) {
      // The best has left the window: the later choices move up, this sample becomes the third (twice
      // if the second choice, now best, is itself already outside).
      this.best = this.second;
      this.second = this.third;
      this.third = { t: now, v };
      if (now - this.best.t > w) {
        this.best = this.second;
        this.second = this.third;
      }
    } else if (this.second.t === this.best.t && age > w / 4) {
      // A quarter window without a second choice: take one from the second quarter.
      this.second = { t: now, v };
      this.third = this.second;
    } else if (this.third.t === this.second.t && age > w / 2) {
      // Half a window without a third choice: take one from the second half.
      this.third = { t: now, v };
    }
    return this.best.v;
  }

  private reset(now: number, v: number): number {
    this.best = { t: now, v };
    this.second = this.best;
    this.third = this.best;
    return v;
  }
}
