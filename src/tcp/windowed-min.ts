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

/** `v` of a slot before any sample (RTT samples are ≥ 0): exposed as Infinity by `value`. */
const NONE = -1;

/**
 * The three kept samples are six plain number fields rather than three {t, v} objects: a connection
 * holds one filter for its whole life, and the fields start as small integers so V8 keeps them unboxed
 * (an Infinity start would box every field as a heap number) — about 160 bytes less per connection.
 * Samples are never changed in place, so copying a sample's two numbers is the same as sharing it.
 */
export class WindowedMin {
  private bestT: number;
  private bestV = NONE;
  private secondT: number;
  private secondV = NONE;
  private thirdT: number;
  private thirdV = NONE;

  /** `window` µs (Infinity: the minimum of the whole life); no sample yet reads as Infinity. */
  constructor(
    private readonly window: number,
    now = 0,
  ) {
    this.bestT = now;
    this.secondT = now;
    this.thirdT = now;
  }

  /** The minimum over the window as of the last sample (Linux reads it without ageing, too). */
  get value(): number {
    return this.bestV === NONE ? Infinity : this.bestV;
  }

  /** A sample `v` taken at `now`; returns the updated minimum. */
  update(now: number, v: number): number {
    const w = this.window;
    // The first sample, a new minimum, or every kept sample older than the window: start over from this one.
    if (this.bestV === NONE || v <= this.bestV || now - this.thirdT > w) return this.reset(now, v);
    if (v <= this.secondV) {
      this.secondT = this.thirdT = now;
      this.secondV = this.thirdV = v;
    } else if (v <= this.thirdV) {
      this.thirdT = now;
      this.thirdV = v;
    }
    const age = now - this.bestT;
    if (age > w) {
      // The best has left the window: the later choices move up, this sample becomes the third (twice
      // if the second choice, now best, is itself already outside).
      this.bestT = this.secondT;
      this.bestV = this.secondV;
      this.secondT = this.thirdT;
      this.secondV = this.thirdV;
      this.thirdT = now;
      this.thirdV = v;
      if (now - this.bestT > w) {
        this.bestT = this.secondT;
        this.bestV = this.secondV;
        this.secondT = this.thirdT;
        this.secondV = this.thirdV;
      }
    } else if (this.secondT === this.bestT && age > w / 4) {
      // A quarter window without a second choice: take one from the second quarter.
      this.secondT = this.thirdT = now;
      this.secondV = this.thirdV = v;
    } else if (this.thirdT === this.secondT && age > w / 2) {
      // Half a window without a third choice: take one from the second half.
      this.thirdT = now;
      this.thirdV = v;
    }
    return this.bestV;
  }

  private reset(now: number, v: number): number {
    this.bestT = this.secondT = this.thirdT = now;
    this.bestV = this.secondV = this.thirdV = v;
    return v;
  }
}
