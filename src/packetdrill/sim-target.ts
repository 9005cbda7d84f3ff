// --target sim: our engine (a Host with the `linux` profile and the script's sysctl overrides) in
// virtual time. Time moves only when the interpreter asks, deadline by deadline, so a script of minutes
// runs in milliseconds and every run is the same.
import type { SyscallSpec } from "./ast.js";
import { SimSockets, type Attempt } from "./sim-sockets.js";
import type { Captured, PendingCall, Target, TargetAddresses } from "./target.js";
import type { Profile } from "../tcp/profile.js";
import { Host } from "../tcp/engine.js";
import { Trace, type TraceSink } from "../tcp/events.js";
import { encodePacket } from "../wire/codec-any.js";

interface SimPending extends PendingCall {
  attempt: Attempt;
  wakeAt: number;
}

/** Guards against a deadline that never moves (an engine bug must not hang the runner). */
const MAX_STEPS = 5_000_000;

export class SimTarget implements Target {
  readonly name = "sim" as const;
  /** Virtual time is free: watch 60 s more for a late packet. */
  readonly lateHorizon = 60_000_000;
  readonly host: Host;
  readonly trace: Trace | undefined;
  private t = 0;
  private readonly out: Captured[] = [];
  private readonly pending: SimPending[] = [];
  private readonly sockets: SimSockets;

  constructor(
    readonly addresses: TargetAddresses,
    overrides: Partial<Profile>,
    options: { trace?: boolean; mtu?: number } = {},
  ) {
    this.trace = options.trace ? new Trace(true) : undefined;
    const sink: TraceSink | undefined = this.trace;
    this.host = new Host({
      name: "tcplab",
      address: addresses.local,
      profile: "linux",
      overrides,
      ...(sink ? { trace: sink } : {}),
      ...(options.mtu ? { mtu: options.mtu } : {}),
      seed: 1,
    });
    this.host.attach(
      (seg) => {
        this.out.push({ bytes: encodePacket(seg), time: this.t });
      },
      () => this.t,
    );
    this.sockets = new SimSockets(this.host, addresses.remote);
  }

  now(): number {
    return this.t;
  }

  private nextTime(): number {
    let d = this.host.nextDeadline();
    for (const p of this.pending) if (p.wakeAt < d) d = p.wakeAt;
    return d;
  }

  /** Runs what is due at or before `limit`, one deadline at a time; stops early when `stop()` holds. */
  private run(limit: number, stop: () => boolean): void {
    for (let steps = 0; !stop(); steps++) {
      if (steps > MAX_STEPS) throw new Error(`the engine's deadline did not move past ${this.t} µs`);
      const d = this.nextTime();
      if (d > limit) {
        if (limit !== Infinity && limit > this.t) this.t = limit;
        this.host.advance(this.t);
        this.recheck();
        return;
      }
      if (d > this.t) this.t = d;
      this.host.advance(this.t);
      this.recheck();
    }
  }

  private recheck(): void {
    for (let i = 0; i < this.pending.length;) {
      const p = this.pending[i]!;
      const outcome = p.attempt();
      if (outcome) {
        p.done = true;
        p.outcome = outcome;
        p.doneAt = this.t;
        this.pending.splice(i, 1);
      } else {
        i++;
      }
    }
  }

  advanceTo(t: number): Promise<void> {
    this.run(t, () => false);
    return Promise.resolve();
  }

  inject(bytes: Uint8Array): Promise<void> {
    // A packet id of its own, so that the ladder tells one arrival from another.
    this.host.inputPacket(bytes, this.t, this.trace ? this.trace.nextPacketId() : -1);
    this.recheck();
    return Promise.resolve();
  }

  nextOutbound(limit: number): Promise<Captured | undefined> {
    this.run(limit, () => this.out.length > 0);
    return Promise.resolve(this.out.shift());
  }

  startCall(spec: SyscallSpec, line: number): PendingCall {
    const started = this.sockets.start(spec, line);
    const outcome = started.attempt();
    const p: SimPending = {
      name: spec.name,
      done: outcome !== null,
      outcome: outcome ?? undefined,
      doneAt: this.t,
      attempt: started.attempt,
      wakeAt: started.wakeAt,
    };
    if (!p.done) this.pending.push(p);
    // A call may have sent (a write, a close): blocked calls may now return too.
    this.recheck();
    return p;
  }

  /** In virtual time a call returns at once or waits for the engine: it is settled when started. */
  settle(): Promise<void> {
    return Promise.resolve();
  }

  waitCall(call: PendingCall, limit: number): Promise<void> {
    this.run(limit, () => call.done);
    return Promise.resolve();
  }

  tcpInfo(fd: number): Promise<Record<string, number> | undefined> {
    return Promise.resolve(this.sockets.tcpInfo(fd));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
