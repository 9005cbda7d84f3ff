// What the interactive TUN commands share: the live ladder wired to a trace, flushed
// periodically so a long transfer shows progress, and the wait for Ctrl-C (or SIGTERM/SIGHUP).
import { LiveLadder, LiveTrace } from "./live-ladder.js";

export interface LiveViewOptions {
  write: (line: string) => void;
  color: boolean;
  allSegments: boolean;
  /** Print nothing (the trace still exists, e.g. for the driver's drops). */
  quiet: boolean;
  /** How often counted segments are summed up, in milliseconds (default 1000). */
  summaryEveryMs?: number;
}

export interface LiveView {
  trace: LiveTrace;
  ladder: LiveLadder;
  /** Print what is still counted and stop the periodic summary. */
  end(): void;
}

export function startLiveView(options: LiveViewOptions): LiveView {
  const trace = new LiveTrace();
  const ladder = new LiveLadder({
    write: options.write,
    color: options.color,
    allSegments: options.allSegments,
  });
  if (options.quiet) return { trace, ladder, end: () => {} };
  const off = trace.subscribe((e) => ladder.event(e));
  const timer = setInterval(() => ladder.flush(), options.summaryEveryMs ?? 1000);
  // The summary must never be what keeps the process alive.
  timer.unref();
  return {
    trace,
    ladder,
    end: () => {
      clearInterval(timer);
      ladder.flush();
      off();
    },
  };
}

const STOP_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

export interface StopWait {
  /** Resolves with the signal that asked us to stop. */
  stopped: Promise<NodeJS.Signals>;
  /** Remove the handlers (once stopping for another reason). */
  release(): void;
}

/**
 * Handle Ctrl-C, SIGTERM and SIGHUP as "stop cleanly". While a handler of ours is installed, the
 * namespace harness's own handler only kills what runs inside the namespace and no longer
 * re-raises the signal, so the command gets to close its capture file and report.
 */
export function waitForStopSignal(): StopWait {
  let resolveStop: (s: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => (resolveStop = resolve));
  const handler = (signal: NodeJS.Signals): void => resolveStop(signal);
  for (const s of STOP_SIGNALS) process.on(s, handler);
  return {
    stopped,
    release: () => {
      for (const s of STOP_SIGNALS) process.off(s, handler);
    },
  };
}

/**
 * The frame every TUN command runs in: the live view, the stop-signal handlers installed first (a
 * Ctrl-C during setup must still end in a clean close), and the same endings.
 */
export class TunCommandRun {
  readonly view: LiveView;
  readonly stop: StopWait;
  private signal: NodeJS.Signals | undefined;

  constructor(
    private readonly out: (line: string) => void,
    view: LiveViewOptions,
  ) {
    this.view = startLiveView(view);
    this.stop = waitForStopSignal();
    void this.stop.stopped.then((s) => (this.signal = s));
  }

  /**
   * A setup step failed. A signal during setup kills what the namespace holds, so the next step fails:
   * that is reported as the stop it is (exit status 1), not as the failure it causes (rethrown).
   */
  setupFailed(err: unknown): number {
    if (this.signal === undefined) throw err;
    this.out(`stopped (${this.signal}) while setting up`);
    return 1;
  }

  /** Handlers off, the view flushed, the namespace removed. */
  async end(session: { close(): Promise<void>; ns: { label: string } } | undefined): Promise<void> {
    this.stop.release();
    this.view.end();
    if (session) {
      await session.close();
      this.out(`namespace ${session.ns.label} removed`);
    }
  }
}
