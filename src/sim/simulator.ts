// The deterministic simulated network: a virtual clock, an event queue, hosts joined by links,
// random impairments from one seed, targeted faults, a maximum segment lifetime, and application
// actions at exact times. See docs/simulator.md for the model and the determinism rule.
//
// Hot path (bulk transfer): transmit → one Map lookup for the route → impairment checks that draw
// only when enabled → a pooled Flight record appended to its link's lane (./lane.ts), whose head alone is
// in the event heap; delivery → one sift of that small heap → input → one nextDeadline() comparison.
// No closures or timers per segment.
import type { Endpoint } from "../tcp/endpoint.js";
import {
  Trace,
  type NetworkDropReason,
  type NetworkEvent,
  type TraceEvent,
  type TraceSink,
} from "../tcp/events.js";
import { encodedLength } from "../wire/codec.js";
import { formatAddress } from "../wire/address-table.js";
import type { Segment } from "../wire/segment.js";
import { EventQueue } from "./event-queue.js";
import { LANE, Lane } from "./lane.js";
import { Fault, type FaultSpec } from "./faults.js";
import { MutableFaultContext } from "./fault-context.js";
import { copySegment, corruptedPacket } from "./in-flight.js";
import { LinkDirection, resolveLinkOptions, type LinkDirectionOptions, type LinkOptions } from "./link.js";
import { RandomStreams } from "./random.js";
import { SimError } from "./sim-error.js";
import { ArgumentError, describe, expectOptional, expectType } from "../tcp/arg-error.js";
import { hostRecords } from "./capture.js";
import { PcapWriter } from "../wire/pcap.js";
import { TraceStateTracker } from "./state-tracker.js";

/** RFC 9293 §3.4.2 (from RFC 793): "the Maximum Segment Lifetime ... is arbitrarily defined to be 2 minutes". */
export const DEFAULT_MSL = 120_000_000;
/** Guard for runUntilIdle(): a run that never goes idle stops here instead of hanging a test. */
export const DEFAULT_MAX_EVENTS = 50_000_000;
/** Wake-ups of one host at one instant beyond which the host is declared stuck (a deadline bug). */
const MAX_WAKES_AT_ONE_INSTANT = 10_000;

/** Options of a Simulator. */
export interface SimulatorOptions {
  /** Seed of every random stream (default 1). Same seed, same scenario ⇒ identical trace. */
  seed?: number;
  /** Maximum segment lifetime in µs: a packet that would spend longer in the network is discarded. */
  msl?: number;
  /** Where events go (default: a new recording Trace). A NullTrace turns tracing off. */
  trace?: TraceSink;
  /**
   * Copy each transmitted segment (object and payload) before holding it in flight (default true).
   * Turn off only for an endpoint that never reuses a segment object or payload buffer it has
   * transmitted; `options` objects are never copied and must not be mutated after transmit.
   */
  copySegments?: boolean;
  /**
   * How runAsync yields to the event loop of the program driving the simulator, between virtual events.
   * The simulator itself has no timer (it is sans-I/O and runs in a browser as in Node), so the driver
   * supplies one: the `Simulator` of tcplab's entries (src/driver/simulator.ts) defaults it to
   * `eventLoopTurn` (setImmediate in Node, a zero timeout in a browser).
   */
  turn?: () => Promise<void>;
}

/** Options of Simulator.addHost. */
export interface AddHostOptions {
  /**
   * The sending connection's TCP state for a segment, for targeted faults that select by state
   * (FaultContext.stateOf). Called only while a fault's predicate runs. Without it, the state is
   * read off the trace (segment-sent and state events), which needs a recording Trace.
   */
  stateOf?: (seg: Segment) => string | undefined;
}

/** Why a run stopped: nothing left to do, the time or event limit, or stopWhen. */
export type RunOutcome = "idle" | "time-limit" | "event-limit" | "stopped";

/** Where a run stops. */
export interface RunLimits {
  /** Absolute virtual time (µs) at which to stop; the clock is advanced to it. */
  until?: number;
  /** Stop after this many events (default DEFAULT_MAX_EVENTS). */
  maxEvents?: number;
}

/** Options of Simulator.runAsync. */
export interface AsyncRunOptions extends RunLimits {
  /** Checked before every event and after every yield; stop when it returns true. */
  stopWhen?: () => boolean;
  /**
   * "event" (default): yield to the event loop (SimulatorOptions.turn) after every virtual event, so nextTick/promise
   * code reacting to it runs before virtual time moves on. "request": yield only after an event
   * during which someone called `requestYield()`.
   */
  yieldEvery?: "event" | "request";
}

/** A crafted packet to put on the wire at a given time (Simulator.inject). */
export interface InjectSpec {
  /** Appears as `fault` in the inject and deliver trace events. */
  name: string;
  /** Virtual time at which the packet is put on the wire. */
  at: number;
  /** A crafted segment (delivered with input) ... */
  seg?: Segment;
  /** ... or raw IPv4 bytes (delivered with inputPacket, so malformed packets can be injected). */
  bytes?: Uint8Array;
  /** Receiving host; defaults to the host owning seg.dstAddr. Required with `bytes`. */
  to?: string;
  /** Who the trace says sent it (default "injector"). */
  from?: string;
  /** Time on the wire before arrival (default 0). Subject to the MSL like any packet. */
  delay?: number;
}

const WAKE = 0;
const FLIGHT = 1;
const ACTION = 2;

/** A host given by name, or the Host itself (sim.link(client, server) reads naturally too). */
function hostName(x: unknown, what: string): string {
  if (typeof x === "string") return x;
  if (typeof x === "object" && x !== null && typeof (x as { name?: unknown }).name === "string") {
    return (x as { name: string }).name;
  }
  throw new ArgumentError(
    "ERR_TCPLAB_INVALID_ARG_TYPE",
    `${what} must be a host name or a Host, got ${describe(x)}`,
  );
}

/** A host as the simulator knows it. Doubles as its own wake-up event (kind WAKE). */
class SimHost {
  readonly kind = WAKE;
  readonly routes = new Map<number, SimLink>();
  readonly links = new Map<string, SimLink>();
  /** The host's deadline as last read (Infinity: none). */
  wakeAt = Infinity;
  /** Where its wake-up belongs in the queue: the time (clamped to the clock) and sequence number. */
  wakeKey = Infinity;
  wakeSeq = 0;
  /**
   * The wake-up entry actually in the queue (entryAt Infinity: none). A deadline that moves later leaves it
   * there: when it comes up it is moved to (wakeKey, wakeSeq), the place a fresh entry would have had, so
   * events run in the same order as if every change had been queued — without a queue entry per change
   * (the retransmission timer moves on every ACK).
   */
  entryAt = Infinity;
  entrySeq = 0;
  /** Generation of the queued entry; queue entries with another token are dead. */
  wakeToken = 0;
  transmitted = 0;
  lastWakeTime = -1;
  wakesAtLastTime = 0;

  constructor(
    readonly name: string,
    readonly endpoint: Endpoint,
    readonly stateOf: ((seg: Segment) => string | undefined) | undefined,
  ) {}
}

/** One direction of a link with the lane its in-order arrivals wait in. */
class SimLink extends LinkDirection<SimHost> {
  readonly lane = new Lane<Flight>();
  /** Segments a "reorder" fault holds until the next one on this direction leaves. */
  held: HeldSegment[] = [];
}

/** A segment held back by a "reorder" fault, with the action that releases it if nothing overtakes it. */
interface HeldSegment {
  seg: Segment;
  bytes: Uint8Array | null;
  id: number;
  from: string;
  sentAt: number;
  fault: string;
  fallback: ScheduledAction;
}

/** A packet in the network. Pooled: at most one queue entry refers to a Flight at a time. */
class Flight {
  readonly kind = FLIGHT;
  to: SimHost | null = null;
  link: SimLink | null = null;
  seg: Segment | null = null;
  bytes: Uint8Array | null = null;
  id = 0;
  from = "";
  /** true: this entry is the MSL discard, not an arrival. */
  expire = false;
  /** Name of the injection that created it, if any. */
  fault: string | undefined = undefined;
}

/** An application action (or an injection) at an exact time. */
export class ScheduledAction {
  readonly kind = ACTION;
  cancelled = false;

  constructor(
    /** When it runs (virtual µs). */
    readonly time: number,
    /** Called with the time when it runs. */
    readonly fn: (now: number) => void,
  ) {}

  /** The action will not run. */
  cancel(): void {
    this.cancelled = true;
  }
}

type SimEvent = SimHost | Flight | ScheduledAction | Lane<Flight>;

/** Both directions of a link. */
export interface Link {
  readonly forward: LinkDirection<unknown>;
  readonly reverse: LinkDirection<unknown>;
}

/** The deterministic simulated network: hosts, links, faults, a virtual clock in µs (docs/simulator.md). */
export class Simulator {
  readonly trace: TraceSink;
  readonly random: RandomStreams;
  readonly msl: number;
  readonly copySegments: boolean;
  private nowValue = 0;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly hostsByName = new Map<string, SimHost>();
  private readonly hostsByAddress = new Map<number, SimHost>();
  private readonly hostList: SimHost[] = [];
  private faults: Fault[] = [];
  private readonly flightPool: Flight[] = [];
  /** Flights waiting in lanes behind their lane's head (the heads are in the queue). */
  private laneHeld = 0;
  private running = false;
  private yieldRequested = false;
  private readonly turn: (() => Promise<void>) | undefined;
  private readonly faultCtx: MutableFaultContext;
  /** Events run so far (wake-ups, deliveries, discards, actions; stale wake-ups not counted). */
  eventsRun = 0;

  constructor(options: SimulatorOptions = {}) {
    expectType(options, "object", "new Simulator(options): options");
    this.random = new RandomStreams(options.seed ?? 1);
    const msl = options.msl ?? DEFAULT_MSL;
    if (!(msl === Infinity || (Number.isSafeInteger(msl) && msl >= 0))) {
      throw new SimError(
        "ERR_SIM_BAD_OPTION",
        `msl must be a non-negative integer (µs) or Infinity, got ${msl}`,
      );
    }
    this.msl = msl;
    this.trace = options.trace ?? new Trace();
    this.copySegments = options.copySegments ?? true;
    expectOptional(options.turn, "function", "new Simulator(options): options.turn");
    this.turn = options.turn;
    const tracker = this.trace instanceof Trace ? new TraceStateTracker(this.trace) : null;
    this.faultCtx = new MutableFaultContext(tracker);
  }

  /** Current virtual time, integer microseconds. */
  get now(): number {
    return this.nowValue;
  }

  /** Every event recorded so far (for the views and pcap helpers); throws ERR_SIM_NO_TRACE if tracing is off. */
  get events(): readonly TraceEvent[] {
    if (!(this.trace instanceof Trace)) {
      throw new SimError("ERR_SIM_NO_TRACE", "this simulator's trace sink does not record events");
    }
    return this.trace.events;
  }

  // ---- topology -------------------------------------------------------------------------------

  /** Join a host to the network. Its transmissions are routed by destination address. */
  addHost<E extends Endpoint>(endpoint: E, options: AddHostOptions = {}): E {
    const e = endpoint as Partial<Endpoint> | null;
    if (
      typeof e !== "object" ||
      e === null ||
      typeof e.attach !== "function" ||
      typeof e.input !== "function"
    ) {
      throw new ArgumentError(
        "ERR_TCPLAB_INVALID_ARG_TYPE",
        `Simulator.addHost(host): pass a Host (or another Endpoint), got ${describe(endpoint)}`,
      );
    }
    if (this.hostsByName.has(endpoint.name)) {
      throw new SimError(
        "ERR_SIM_DUPLICATE_HOST",
        `a host named ${JSON.stringify(endpoint.name)} already exists`,
      );
    }
    const addresses = endpoint.allAddresses ?? [endpoint.address];
    for (const address of addresses) {
      const clash = this.hostsByAddress.get(address);
      if (clash !== undefined) {
        throw new SimError(
          "ERR_SIM_DUPLICATE_HOST",
          `address ${formatAddress(address)} of ${endpoint.name} already belongs to ${clash.name}`,
        );
      }
    }
    const host = new SimHost(endpoint.name, endpoint, options.stateOf);
    this.hostsByName.set(host.name, host);
    for (const address of addresses) this.hostsByAddress.set(address, host);
    this.hostList.push(host);
    endpoint.attach(
      (seg, id) => this.transmit(host, seg, id),
      () => this.nowValue,
    );
    this.refresh(host);
    return endpoint;
  }

  /** The endpoint added under this name. */
  host(name: string): Endpoint {
    return this.hostRecord(name).endpoint;
  }

  /** The names of the hosts, in the order they were added. */
  get hostNames(): string[] {
    return this.hostList.map((h) => h.name);
  }

  /** Connect two hosts; `forward` settings apply a→b, `reverse` b→a, the rest to both. */
  link(hostA: string | Endpoint, hostB: string | Endpoint, options: LinkOptions = {}): Link {
    const a = hostName(hostA, "Simulator.link(a, b): a");
    const b = hostName(hostB, "Simulator.link(a, b): b");
    expectType(options, "object", "Simulator.link(a, b, options): options");
    const ha = this.hostRecord(a);
    const hb = this.hostRecord(b);
    if (ha === hb)
      throw new SimError("ERR_SIM_BAD_OPTION", `a link joins two different hosts, got ${a} twice`);
    if (ha.links.has(b) || hb.links.has(a)) {
      throw new SimError("ERR_SIM_DUPLICATE_LINK", `${a} and ${b} are already linked; use configureLink`);
    }
    const { forward, reverse, ...both } = options;
    const fwd = new SimLink(
      ha,
      hb,
      a,
      b,
      resolveLinkOptions({ ...both, ...forward }, `link ${a}->${b}`),
      this.random,
    );
    const rev = new SimLink(
      hb,
      ha,
      b,
      a,
      resolveLinkOptions({ ...both, ...reverse }, `link ${b}->${a}`),
      this.random,
    );
    ha.links.set(b, fwd);
    for (const address of hb.endpoint.allAddresses ?? [hb.endpoint.address]) ha.routes.set(address, fwd);
    hb.links.set(a, rev);
    for (const address of ha.endpoint.allAddresses ?? [ha.endpoint.address]) hb.routes.set(address, rev);
    return { forward: fwd, reverse: rev };
  }

  /** One direction of a link, for its counters and settings. */
  linkDirection(from: string, to: string): LinkDirection<unknown> {
    const dir = this.hostRecord(from).links.get(to);
    if (dir === undefined) throw new SimError("ERR_SIM_UNKNOWN_LINK", `no link from ${from} to ${to}`);
    return dir;
  }

  /** Change one direction's settings from now on (e.g. a partition: `{ loss: 1 }`). Queue state is kept. */
  configureLink(from: string, to: string, options: LinkDirectionOptions): void {
    const dir = this.hostRecord(from).links.get(to);
    if (dir === undefined) throw new SimError("ERR_SIM_UNKNOWN_LINK", `no link from ${from} to ${to}`);
    dir.options = resolveLinkOptions({ ...dir.options, ...options }, `link ${from}->${to}`);
  }

  // ---- faults, injections, actions -------------------------------------------------------------

  /** Register a targeted fault; it acts on segments transmitted from now on. */
  fault(spec: FaultSpec): Fault {
    if (spec.from !== undefined) this.hostRecord(spec.from);
    if (spec.to !== undefined) this.hostRecord(spec.to);
    const f = new Fault(spec);
    this.faults.push(f);
    return f;
  }

  /** Put a crafted segment (or raw bytes) on the wire at `spec.at`. */
  inject(spec: InjectSpec): ScheduledAction {
    if ((spec.seg === undefined) === (spec.bytes === undefined)) {
      throw new SimError("ERR_SIM_BAD_OPTION", `inject ${spec.name}: give exactly one of seg and bytes`);
    }
    let to: SimHost;
    if (spec.to !== undefined) to = this.hostRecord(spec.to);
    else if (spec.seg !== undefined) {
      const owner = this.hostsByAddress.get(spec.seg.dstAddr);
      if (owner === undefined) {
        throw new SimError(
          "ERR_SIM_UNKNOWN_HOST",
          `inject ${spec.name}: no host has address ${formatAddress(spec.seg.dstAddr)}`,
        );
      }
      to = owner;
    } else throw new SimError("ERR_SIM_BAD_OPTION", `inject ${spec.name}: raw bytes need a 'to' host`);
    const delay = spec.delay ?? 0;
    if (!Number.isSafeInteger(delay) || delay < 0) {
      throw new SimError(
        "ERR_SIM_BAD_OPTION",
        `inject ${spec.name}: delay must be a non-negative integer (µs)`,
      );
    }
    const seg = spec.seg === undefined ? null : copySegment(spec.seg);
    const bytes = spec.bytes === undefined ? null : spec.bytes.slice();
    const from = spec.from ?? "injector";
    return this.at(spec.at, (now) => {
      const id = this.trace.nextPacketId();
      if (this.trace.enabled) this.emitNetwork("inject", id, from, to.name, undefined, spec.name);
      this.launch(to, null, seg, bytes, id, from, now, now + delay, spec.name);
    });
  }

  /** Run `fn(now)` at virtual time t (≥ now). Actions at equal times run in scheduling order. */
  at(t: number, fn: (now: number) => void): ScheduledAction {
    if (!Number.isSafeInteger(t)) {
      throw new SimError("ERR_SIM_BAD_OPTION", `action time must be an integer number of µs, got ${t}`);
    }
    if (t < this.nowValue) {
      throw new SimError(
        "ERR_SIM_PAST",
        `cannot schedule at ${t} µs: the clock is already at ${this.nowValue} µs`,
      );
    }
    const action = new ScheduledAction(t, fn);
    this.queue.push(t, action);
    return action;
  }

  /** Run `fn(now)` dt µs from now. */
  after(dt: number, fn: (now: number) => void): ScheduledAction {
    if (!Number.isSafeInteger(dt) || dt < 0) {
      throw new SimError("ERR_SIM_BAD_OPTION", `after() needs a non-negative integer delay (µs), got ${dt}`);
    }
    return this.at(this.nowValue + dt, fn);
  }

  /** A free-form note in the trace at the current time. */
  note(text: string, host = "sim"): void {
    if (this.trace.enabled) this.trace.emit({ kind: "note", t: this.nowValue, host, text });
  }

  /** Ask runAsync (in "request" mode) to yield to the event loop after the current event. */
  requestYield(): void {
    this.yieldRequested = true;
  }

  // ---- running -----------------------------------------------------------------------------------

  /** Run every event up to and including time t, then set the clock to t. Returns events run. */
  runUntil(t: number): number {
    this.checkTarget(t);
    this.enter();
    const before = this.eventsRun;
    try {
      this.refreshAll();
      while (this.queue.peekTime() <= t) this.step();
      this.nowValue = t;
    } finally {
      this.running = false;
    }
    return this.eventsRun - before;
  }

  /** Run for `dt` µs of virtual time; returns the number of events run. */
  runFor(dt: number): number {
    if (!Number.isSafeInteger(dt) || dt < 0) {
      throw new SimError(
        "ERR_SIM_BAD_OPTION",
        `runFor() needs a non-negative integer duration (µs), got ${dt}`,
      );
    }
    return this.runUntil(this.nowValue + dt);
  }

  /** Run until no event is left ("idle"), or a limit is reached. */
  runUntilIdle(limits: RunLimits = {}): RunOutcome {
    const until = limits.until ?? Infinity;
    if (until !== Infinity) this.checkTarget(until);
    const maxEvents = limits.maxEvents ?? DEFAULT_MAX_EVENTS;
    this.enter();
    const start = this.eventsRun;
    try {
      this.refreshAll();
      for (;;) {
        const next = this.nextLiveTime();
        if (next === Infinity) return "idle";
        if (next > until) {
          this.nowValue = until;
          return "time-limit";
        }
        if (this.eventsRun - start >= maxEvents) return "event-limit";
        this.step();
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Like runUntilIdle, but yields to the event loop (SimulatorOptions.turn) between virtual events, so
   * application code built on streams and promises reacts at the virtual time it was woken at.
   * Virtual time never moves while that code runs; whatever it sends is sent at `now`.
   * Throws ERR_SIM_NO_TURN on a simulator built without a turn (only src/sim's own class lacks one).
   */
  async runAsync(options: AsyncRunOptions = {}): Promise<RunOutcome> {
    const turn = this.turn;
    if (turn === undefined) {
      throw new SimError(
        "ERR_SIM_NO_TURN",
        "runAsync needs a way to yield to the event loop: use the Simulator of tcplab's entries " +
          "(src/driver/simulator.ts) or pass SimulatorOptions.turn",
      );
    }
    const until = options.until ?? Infinity;
    if (until !== Infinity) this.checkTarget(until);
    const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
    const everyEvent = (options.yieldEvery ?? "event") === "event";
    const stopWhen = options.stopWhen;
    this.enter();
    const start = this.eventsRun;
    try {
      await turn();
      this.refreshAll();
      for (;;) {
        if (stopWhen !== undefined && stopWhen()) return "stopped";
        let next = this.nextLiveTime();
        if (next === Infinity) {
          // Code woken by the last event may still be about to act: give it one more turn.
          await turn();
          this.refreshAll();
          if (stopWhen !== undefined && stopWhen()) return "stopped";
          next = this.nextLiveTime();
          if (next === Infinity) return "idle";
        }
        if (next > until) {
          this.nowValue = until;
          return "time-limit";
        }
        if (this.eventsRun - start >= maxEvents) return "event-limit";
        this.step();
        if (everyEvent || this.yieldRequested) {
          this.yieldRequested = false;
          await turn();
          this.refreshAll();
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Events waiting in the queue (including stale wake-ups not yet discarded). */
  get pendingEvents(): number {
    return this.queue.size + this.laneHeld;
  }

  // ---- pcap --------------------------------------------------------------------------------------

  /**
   * A libpcap file (LINKTYPE_RAW) of every segment the named host sent or received, rebuilt from
   * the trace's segment-sent / segment-received events (see ./capture.ts).
   */
  pcapFor(hostName: string): Uint8Array {
    this.hostRecord(hostName);
    if (!(this.trace instanceof Trace)) {
      throw new SimError(
        "ERR_SIM_NO_TRACE",
        "this simulator's trace sink does not record events; pcap needs a Trace",
      );
    }
    return PcapWriter.file(hostRecords(this.trace.events, hostName));
  }

  // ---- internals -----------------------------------------------------------------------------------

  private hostRecord(name: string): SimHost {
    const host = this.hostsByName.get(name);
    if (host === undefined)
      throw new SimError("ERR_SIM_UNKNOWN_HOST", `no host named ${JSON.stringify(name)}`);
    return host;
  }

  private checkTarget(t: number): void {
    if (!Number.isSafeInteger(t)) {
      throw new SimError("ERR_SIM_BAD_OPTION", `run target must be an integer number of µs, got ${t}`);
    }
    if (t < this.nowValue) {
      throw new SimError(
        "ERR_SIM_PAST",
        `cannot run until ${t} µs: the clock is already at ${this.nowValue} µs`,
      );
    }
  }

  private enter(): void {
    if (this.running) {
      throw new SimError(
        "ERR_SIM_REENTRANT",
        "the simulator is already running (called from inside an event?)",
      );
    }
    this.running = true;
  }

  /**
   * Time of the earliest event that will do something: superseded wake-ups and cancelled actions
   * at the head are discarded first, so "idle" and "time-limit" are told apart correctly.
   */
  private nextLiveTime(): number {
    const q = this.queue;
    for (;;) {
      const head = q.peekValue();
      if (head === undefined) return Infinity;
      if (head.kind === WAKE) {
        if (q.peekArg() !== head.wakeToken) {
          q.pop();
          continue;
        }
        if (head.entrySeq !== head.wakeSeq) {
          q.pop();
          this.requeueWake(head);
          continue;
        }
      } else if (head.kind === ACTION && head.cancelled) {
        q.pop();
        continue;
      }
      return q.peekTime();
    }
  }

  /** Move a host's early wake-up entry to where its deadline now is. */
  private requeueWake(host: SimHost): void {
    host.entryAt = host.wakeKey;
    host.entrySeq = host.wakeSeq;
    this.queue.pushWithSeq(host.wakeKey, host.wakeSeq, host, host.wakeToken);
  }

  /** Run the earliest event. */
  private step(): void {
    const q = this.queue;
    const head = q.peekValue() as SimEvent;
    if (head.kind === LANE) {
      // The lane's next flight takes its place in the heap, with the time and sequence it was given.
      const t = q.peekTime();
      const f = head.shift();
      if (head.size > 0) {
        q.replaceTop(head.headTime, head.headSeq, head);
        this.laneHeld--;
      } else q.pop();
      this.nowValue = t;
      this.eventsRun++;
      this.arrive(f, t);
      return;
    }
    const ev = q.pop() as Exclude<SimEvent, Lane<Flight>>;
    const t = q.poppedTime;
    if (ev.kind === WAKE) {
      if (this.queue.poppedArg !== ev.wakeToken) return; // superseded by an earlier deadline
      if (ev.entrySeq !== ev.wakeSeq) {
        this.requeueWake(ev); // the deadline moved later
        return;
      }
      ev.entryAt = Infinity;
      this.nowValue = t;
      this.eventsRun++;
      this.wake(ev, t);
    } else if (ev.kind === FLIGHT) {
      this.nowValue = t;
      this.eventsRun++;
      this.arrive(ev, t);
    } else {
      if (ev.cancelled) return;
      this.nowValue = t;
      this.eventsRun++;
      ev.fn(t);
      this.refreshAll();
    }
  }

  private wake(host: SimHost, t: number): void {
    if (t === host.lastWakeTime) {
      if (++host.wakesAtLastTime > MAX_WAKES_AT_ONE_INSTANT) {
        throw new SimError(
          "ERR_SIM_HOST_STUCK",
          `${host.name} asked to be woken at ${t} µs more than ${MAX_WAKES_AT_ONE_INSTANT} times; its nextDeadline() does not move on after advance()`,
        );
      }
    } else {
      host.lastWakeTime = t;
      host.wakesAtLastTime = 0;
    }
    host.wakeAt = Infinity;
    host.endpoint.advance(t);
    this.refresh(host);
  }

  private arrive(f: Flight, t: number): void {
    const to = f.to as SimHost;
    const link = f.link;
    const seg = f.seg;
    const bytes = f.bytes;
    const id = f.id;
    const from = f.from;
    const fault = f.fault;
    const expire = f.expire;
    this.release(f);
    if (expire) {
      if (link !== null) link.counters.dropped["msl-expired"]++;
      if (this.trace.enabled) this.emitNetwork("drop", id, from, to.name, "msl-expired", fault);
      return;
    }
    if (link !== null) link.counters.delivered++;
    if (this.trace.enabled) this.emitNetwork("deliver", id, from, to.name, undefined, fault);
    if (bytes !== null) to.endpoint.inputPacket(bytes, t, id);
    else to.endpoint.input(seg as Segment, t, id);
    this.refresh(to);
  }

  /**
   * Keep one wake-up per host: at its deadline, or earlier (then moved on when it comes up). A deadline
   * that moves earlier, or goes away, replaces the entry; one that moves later only takes a new place.
   */
  private refresh(host: SimHost): void {
    const d = host.endpoint.nextDeadline();
    if (d === host.wakeAt) return;
    if (!(d >= 0)) {
      throw new SimError("ERR_SIM_BAD_DEADLINE", `${host.name}.nextDeadline() returned ${d}`);
    }
    host.wakeAt = d;
    if (d === Infinity) {
      host.wakeKey = Infinity;
      if (host.entryAt !== Infinity) {
        host.wakeToken++;
        host.entryAt = Infinity;
      }
      return;
    }
    const key = d < this.nowValue ? this.nowValue : d;
    host.wakeKey = key;
    host.wakeSeq = this.queue.reserveSeq();
    if (key < host.entryAt) {
      host.wakeToken++;
      this.requeueWake(host);
    }
  }

  private refreshAll(): void {
    const hosts = this.hostList;
    for (let i = 0; i < hosts.length; i++) this.refresh(hosts[i] as SimHost);
  }

  /** The Transmit callback of every host. */
  private transmit(src: SimHost, original: Segment, id: number): void {
    const now = this.nowValue;
    const hostIndex = src.transmitted++;
    const link = src.routes.get(original.dstAddr);
    const tracing = this.trace.enabled;
    if (link === undefined) {
      if (tracing)
        this.emitNetwork("drop", id, src.name, formatAddress(original.dstAddr), "no-route", undefined);
      return;
    }
    const to = link.to;
    const linkIndex = link.offeredIndex++;
    link.counters.offered++;
    const seg = this.copySegments ? copySegment(original) : original;

    let extraDelay = 0;
    let delayFault: string | undefined;
    let duplicateFault: Fault | undefined;
    let corruptFault: string | undefined;
    let reorderFault: Fault | undefined;
    if (this.faults.length > 0) {
      const ctx = this.faultCtx;
      ctx.set(now, src, to.name, linkIndex, hostIndex, seg, id);
      let sawExhausted = false;
      for (const f of this.faults) {
        if (!f.applies(seg, ctx)) {
          if (f.exhausted) sawExhausted = true;
          continue;
        }
        if (f.exhausted) sawExhausted = true;
        if (f.action === "drop") {
          link.counters.dropped.fault++;
          if (tracing) this.emitNetwork("drop", id, src.name, to.name, "fault", f.name);
          ctx.clear();
          if (sawExhausted) this.pruneFaults();
          return;
        }
        if (f.action === "delay") {
          extraDelay += f.delay;
          delayFault = f.name;
        } else if (f.action === "duplicate") duplicateFault = f;
        else if (f.action === "reorder") reorderFault = f;
        else corruptFault = f.name;
      }
      ctx.clear();
      if (sawExhausted) this.pruneFaults();
    }

    const size = encodedLength(seg);
    if (size > link.options.mtu) return this.dropOnLink(link, "mtu", id, src.name, to.name);
    if (link.isLost()) return this.dropOnLink(link, "loss", id, src.name, to.name);
    const departs = link.enqueue(now, size);
    if (departs < 0) return this.dropOnLink(link, "queue-full", id, src.name, to.name);

    let bytes: Uint8Array | null = null;
    if (corruptFault !== undefined || link.isCorrupted()) {
      bytes = corruptedPacket(seg, link.corruptionRng);
      link.counters.corrupted++;
      if (tracing) this.emitNetwork("corrupt", id, src.name, to.name, undefined, corruptFault);
    }
    if (reorderFault !== undefined) {
      this.hold(link, seg, bytes, id, src.name, now, reorderFault);
      return;
    }
    this.launchCopy(link, seg, bytes, id, src.name, now, departs + extraDelay, delayFault);
    if (link.held.length > 0) this.releaseHeld(link, departs + extraDelay);
    if (duplicateFault !== undefined) {
      link.counters.duplicated++;
      if (tracing) this.emitNetwork("duplicate", id, src.name, to.name, undefined, duplicateFault.name);
      this.launchCopy(
        link,
        seg,
        bytes,
        id,
        src.name,
        now,
        departs + extraDelay + duplicateFault.delay,
        delayFault,
      );
    }
    if (link.isDuplicated()) {
      link.counters.duplicated++;
      if (tracing) this.emitNetwork("duplicate", id, src.name, to.name, undefined, undefined);
      this.launchCopy(link, seg, bytes, id, src.name, now, departs + extraDelay, delayFault);
    }
  }

  /** A "reorder" fault: keep the segment back until the next one on this link direction has left. */
  private hold(
    link: SimLink,
    seg: Segment,
    bytes: Uint8Array | null,
    id: number,
    from: string,
    now: number,
    fault: Fault,
  ): void {
    link.counters.delayed++;
    if (this.trace.enabled) this.emitNetwork("delay", id, from, link.to.name, undefined, fault.name);
    const fallback = this.at(now + fault.delay, (t) => {
      const i = link.held.findIndex((h) => h.id === id && h.fallback === fallback);
      if (i >= 0) this.launchHeld(link, link.held.splice(i, 1)[0]!, t);
    });
    link.held.push({ seg, bytes, id, from, sentAt: now, fault: fault.name, fallback });
  }

  /** The next segment left at `departs`: the held ones follow right behind it. */
  private releaseHeld(link: SimLink, departs: number): void {
    const held = link.held;
    link.held = [];
    for (const h of held) {
      h.fallback.cancel();
      this.launchHeld(link, h, departs);
    }
  }

  private launchHeld(link: SimLink, h: HeldSegment, departs: number): void {
    this.launch(
      link.to,
      link,
      h.seg,
      h.bytes,
      h.id,
      h.from,
      h.sentAt,
      departs + link.propagation(),
      undefined,
    );
  }

  /** One copy of a packet leaving the queue at `departs` (+ any fault delay) onto the wire. */
  private launchCopy(
    link: SimLink,
    seg: Segment,
    bytes: Uint8Array | null,
    id: number,
    from: string,
    sentAt: number,
    departs: number,
    delayFault: string | undefined,
  ): void {
    const arrival = departs + link.propagation();
    if (delayFault !== undefined || link.lastHoldBack > 0) {
      link.counters.delayed++;
      if (this.trace.enabled) this.emitNetwork("delay", id, from, link.to.name, undefined, delayFault);
    }
    this.launch(link.to, link, seg, bytes, id, from, sentAt, arrival, undefined);
  }

  /** Schedule an arrival, or the MSL discard if the packet would outlive the MSL on the way. */
  private launch(
    to: SimHost,
    link: SimLink | null,
    seg: Segment | null,
    bytes: Uint8Array | null,
    id: number,
    from: string,
    sentAt: number,
    arrival: number,
    fault: string | undefined,
  ): void {
    const f = this.flightPool.pop() ?? new Flight();
    f.to = to;
    f.link = link;
    f.seg = seg;
    f.bytes = bytes;
    f.id = id;
    f.from = from;
    f.fault = fault;
    f.expire = arrival - sentAt > this.msl;
    if (link !== null && !f.expire) {
      const lane = link.lane;
      if (lane.accepts(arrival)) {
        const seq = this.queue.reserveSeq();
        if (lane.size === 0) this.queue.pushWithSeq(arrival, seq, lane);
        else this.laneHeld++;
        lane.push(arrival, seq, f);
        return;
      }
    }
    this.queue.push(f.expire ? sentAt + this.msl : arrival, f);
  }

  private release(f: Flight): void {
    f.to = null;
    f.link = null;
    f.seg = null;
    f.bytes = null;
    f.fault = undefined;
    this.flightPool.push(f);
  }

  private dropOnLink(link: SimLink, reason: NetworkDropReason, id: number, from: string, to: string): void {
    link.counters.dropped[reason]++;
    if (this.trace.enabled) this.emitNetwork("drop", id, from, to, reason, undefined);
  }

  private pruneFaults(): void {
    this.faults = this.faults.filter((f) => !f.exhausted);
  }

  private emitNetwork(
    action: NetworkEvent["action"],
    id: number,
    from: string,
    to: string,
    reason: NetworkDropReason | undefined,
    fault: string | undefined,
  ): void {
    const e: NetworkEvent = { kind: "network", t: this.nowValue, host: "network", action, id, from, to };
    if (reason !== undefined) e.reason = reason;
    if (fault !== undefined) e.fault = fault;
    this.trace.emit(e);
  }
}
