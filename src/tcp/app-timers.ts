// Timers on a host's clock for the application layer (a socket's idle timeout, net.Socket.setTimeout):
// they fire from the host's advance() like TCP's own timers, so under the simulator they run in virtual
// time and on a TUN device in real time, and no layer above the host sets a wall-clock timer.
import { DeadlineHeap } from "./deadline-heap.js";

/** A timer set with {@link Host.setTimer}; cancel() stops it (a no-op once it has fired). */
export class AppTimer {
  /** True once cancelled or fired: the callback will not run (again). */
  done = false;

  constructor(
    /** When it fires, host time in µs. */
    readonly at: number,
    /** Called with the host's time when it fires. */
    readonly fn: (now: number) => void,
  ) {}

  /** Stop the timer: its callback will not run. */
  cancel(): void {
    this.done = true;
  }
}

/** A host's application timers, earliest first; cancelled ones are dropped lazily. */
export class AppTimers {
  private readonly heap = new DeadlineHeap<AppTimer>();

  add(timer: AppTimer): void {
    this.heap.push(timer.at, timer);
  }

  /** The earliest live timer's time, or Infinity. */
  next(): number {
    while (this.heap.size > 0 && this.heap.peekItem()!.done) this.heap.pop();
    return this.heap.peekTime();
  }

  /** Fire every live timer due at or before `now`, in time order (one set while firing waits its turn). */
  runDue(now: number): void {
    while (this.next() <= now) {
      const timer = this.heap.pop()!;
      timer.done = true;
      timer.fn(now);
    }
  }
}
