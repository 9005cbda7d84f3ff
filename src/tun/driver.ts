// The TUN driver: runs one sans-I/O Endpoint (a Host) on a real TUN device.
//
// It owns the wire and the clock and nothing else. Packets read from the device go to
// endpoint.inputPacket; every segment the endpoint transmits is encoded and written as one packet;
// one real timer is kept armed for endpoint.nextDeadline(), re-checked after every input, every
// timer and every application call (the socket layer calls kick() after those).
import type { Endpoint } from "../tcp/endpoint.js";
import type { NetworkEvent, TraceSink } from "../tcp/events.js";
import { encodePacket } from "../wire/codec-any.js";
import type { Segment } from "../wire/segment.js";
import type { NativeTunDevice } from "./addon.js";
import type { PacketCapture } from "./capture.js";
import { monotonicClock, type DriverClock } from "./clock.js";
import { TunDriverError } from "./errors.js";

/**
 * Endpoints that can say "my deadline just moved earlier" (the Host does, from inside application
 * calls such as write or close). With it, application code need not call kick() itself.
 */
interface DeadlineNotifier {
  onDeadlineEarlier: (() => void) | null;
}

function notifiesDeadlines(endpoint: Endpoint): endpoint is Endpoint & DeadlineNotifier {
  return "onDeadlineEarlier" in endpoint;
}

/** What the driver needs of a device: a NativeTunDevice, or a stand-in in tests. */
export type PacketDevice = Pick<NativeTunDevice, "name" | "start" | "stop" | "write">;

export interface TunDriverOptions {
  device: PacketDevice;
  endpoint: Endpoint;
  /** Receives every packet in both directions (e.g. a PcapFileCapture). */
  capture?: PacketCapture;
  /**
   * Fault injection on our side of the wire: segments for which this returns true are not
   * written (a lost packet, as the kernel will see it). Example: drop our last ACK once.
   */
  dropOutgoing?: (seg: Segment) => boolean;
  /** Where the driver's own events (packets it dropped) go; usually the host's trace. */
  trace?: TraceSink;
  /** Name of the far side in those events (default "kernel"). */
  peerName?: string;
  clock?: DriverClock;
  /** Failures of the device or the engine while running (the driver has stopped); default: uncaught. */
  onError?: (err: Error) => void;
}

export interface TunDriverStats {
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
  /** Not written because dropOutgoing said so. */
  droppedByFilter: number;
  /** Not written because the device queue was full (EAGAIN/ENOBUFS): a loss TCP recovers from. */
  droppedQueueFull: number;
  /** Transmitted by the endpoint while the driver was stopped, and so never written. */
  droppedStopped: number;
  timerFires: number;
}

// After advance(now) the engine has nothing due at or before now; deadlines that come due while
// we loop (the clock moves on) are run too, but an engine that keeps a past deadline forever is a
// bug we report instead of spinning on it.
const MAX_ADVANCES_PER_CHECK = 64;
// setTimeout's upper bound (about 24.8 days); later deadlines are re-checked when it fires.
const MAX_TIMER_MS = 0x7fffffff;
// Write errors that mean "the queue is full right now", not "the device is broken".
const QUEUE_FULL = new Set(["EAGAIN", "EWOULDBLOCK", "ENOBUFS", "ENOMEM"]);

export class TunDriver {
  readonly endpoint: Endpoint;
  readonly device: PacketDevice;
  readonly clock: DriverClock;
  readonly stats: TunDriverStats = {
    packetsIn: 0,
    bytesIn: 0,
    packetsOut: 0,
    bytesOut: 0,
    droppedByFilter: 0,
    droppedQueueFull: 0,
    droppedStopped: 0,
    timerFires: 0,
  };
  private readonly capture: PacketCapture | undefined;
  private readonly dropOutgoing: ((seg: Segment) => boolean) | undefined;
  private readonly trace: TraceSink | undefined;
  private readonly peerName: string;
  private readonly onError: (err: Error) => void;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private kickQueued = false;
  private readonly queuedKick = (): void => {
    this.kickQueued = false;
    this.kick();
  };
  private readonly onDeadlineEarlier = (): void => {
    // Called from inside the engine: re-check once the current call has returned, never re-entering it.
    if (this.kickQueued || !this.running) return;
    this.kickQueued = true;
    queueMicrotask(this.queuedKick);
  };

  constructor(options: TunDriverOptions) {
    this.endpoint = options.endpoint;
    this.device = options.device;
    this.capture = options.capture;
    this.dropOutgoing = options.dropOutgoing;
    this.trace = options.trace;
    this.peerName = options.peerName ?? "kernel";
    this.clock = options.clock ?? monotonicClock();
    // Without a handler a failure becomes an uncaught exception, thrown on a later tick so that it
    // never unwinds through the engine.
    this.onError =
      options.onError ??
      ((err) =>
        process.nextTick(() => {
          throw err;
        }));
  }

  get started(): boolean {
    return this.running;
  }

  /** The driver's time in integer microseconds (what the endpoint is given). */
  now(): number {
    return this.clock.now();
  }

  /** Attach to the endpoint, start reading the device and arm the timer. */
  start(): void {
    if (this.running)
      throw new TunDriverError("ERR_TCPLAB_TUN_DRIVER_STARTED", "the driver is already running");
    this.endpoint.attach(
      (seg, packetId) => this.transmit(seg, packetId),
      () => this.clock.now(),
    );
    this.device.start(
      (packets) => this.receive(packets),
      (err) => this.fail(err),
    );
    this.running = true;
    if (notifiesDeadlines(this.endpoint)) this.endpoint.onDeadlineEarlier = this.onDeadlineEarlier;
    this.kick();
  }

  /**
   * Re-read the endpoint's next deadline and arm the timer for it, running whatever is already
   * due. Call it after every application call on an endpoint that has no onDeadlineEarlier hook
   * (the Host has one, and the driver installs itself there).
   */
  kick(): void {
    if (!this.running) return;
    try {
      this.checkDeadline();
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /** Stop reading and timing; the device stays open (its owner closes it). */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.device.stop();
    this.disarm();
    if (notifiesDeadlines(this.endpoint) && this.endpoint.onDeadlineEarlier === this.onDeadlineEarlier) {
      this.endpoint.onDeadlineEarlier = null;
    }
  }

  private receive(packets: Uint8Array[]): void {
    if (!this.running) return;
    try {
      const now = this.clock.now();
      for (const packet of packets) {
        this.stats.packetsIn++;
        this.stats.bytesIn += packet.length;
        this.capture?.packet("in", packet, this.clock.epochMicros + now);
        this.endpoint.inputPacket(packet, now);
        // An input may have stopped the driver (an application callback calling stop()).
        if (!this.running) return;
      }
      this.checkDeadline();
    } catch (err) {
      this.fail(err as Error);
    }
  }

  // Called from inside the engine: it must never throw into it (the engine would be left halfway
  // through an operation). A packet that cannot be written is a lost packet; a device that fails
  // for good stops the driver and is reported through onError.
  private transmit(seg: Segment, packetId: number): void {
    if (!this.running) {
      this.stats.droppedStopped++;
      return;
    }
    try {
      if (this.dropOutgoing?.(seg)) {
        this.stats.droppedByFilter++;
        this.traceDrop(packetId, "fault");
        return;
      }
      const bytes = encodePacket(seg);
      try {
        this.device.write(bytes);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== undefined && QUEUE_FULL.has(code)) {
          this.stats.droppedQueueFull++;
          this.traceDrop(packetId, "queue-full");
          return;
        }
        throw new TunDriverError(
          "ERR_TCPLAB_TUN_WRITE",
          `writing to ${this.device.name}: ${(err as Error).message}`,
          { cause: err },
        );
      }
      this.stats.packetsOut++;
      this.stats.bytesOut += bytes.length;
      this.capture?.packet("out", bytes, this.clock.epochMicros + this.clock.now());
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private traceDrop(packetId: number, reason: "fault" | "queue-full"): void {
    if (!this.trace?.enabled) return;
    const event: NetworkEvent = {
      kind: "network",
      t: this.clock.now(),
      host: "network",
      action: "drop",
      id: packetId,
      from: this.endpoint.name,
      to: this.peerName,
      reason,
      ...(reason === "fault" ? { fault: "dropOutgoing" } : {}),
    };
    this.trace.emit(event);
  }

  private checkDeadline(): void {
    for (let i = 0; i < MAX_ADVANCES_PER_CHECK; i++) {
      if (!this.running) return;
      const deadline = this.endpoint.nextDeadline();
      if (!Number.isFinite(deadline)) {
        this.disarm();
        return;
      }
      const now = this.clock.now();
      if (deadline > now) {
        this.arm(deadline, now);
        return;
      }
      this.endpoint.advance(now);
    }
    throw new TunDriverError(
      "ERR_TCPLAB_TUN_DEADLINE_STUCK",
      `endpoint ${this.endpoint.name} still has a deadline in the past after ${MAX_ADVANCES_PER_CHECK} advances`,
    );
  }

  private arm(deadline: number, now: number): void {
    if (this.timer !== undefined && this.armedFor === deadline) return;
    this.disarm();
    // Timers have millisecond resolution: round up, so that when it fires the deadline has passed. One
    // more millisecond covers libuv's loop time, cached when the loop iteration began: measured from it, a
    // timer can fire up to 1 ms before our clock reaches the deadline, and would wake for nothing.
    const delayMs = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil((deadline - now) / 1000) + 1));
    this.armedFor = deadline;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.armedFor = Infinity;
      this.stats.timerFires++;
      this.kick();
    }, delayMs);
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private fail(err: Error): void {
    this.stop();
    this.onError(err);
  }
}
