// The context a fault's predicate receives: one object, refilled for each transmitted segment, so
// evaluating faults allocates nothing per segment.
import type { Segment } from "../wire/segment.js";
import type { FaultContext } from "./faults.js";
import type { TraceStateTracker } from "./state-tracker.js";

/** What the context needs to know about the sending host. */
export interface FaultContextHost {
  readonly name: string;
  readonly stateOf: ((seg: Segment) => string | undefined) | undefined;
}

/** The one FaultContext object, refilled for each transmitted segment while faults exist. */
export class MutableFaultContext implements FaultContext {
  now = 0;
  from = "";
  to = "";
  linkIndex = 0;
  hostIndex = 0;
  private host: FaultContextHost | null = null;
  private seg: Segment | null = null;
  private packetId = 0;

  constructor(private readonly tracker: TraceStateTracker | null) {}

  set(
    now: number,
    host: FaultContextHost,
    to: string,
    linkIndex: number,
    hostIndex: number,
    seg: Segment,
    packetId: number,
  ): void {
    this.packetId = packetId;
    this.now = now;
    this.host = host;
    this.from = host.name;
    this.to = to;
    this.linkIndex = linkIndex;
    this.hostIndex = hostIndex;
    this.seg = seg;
  }

  clear(): void {
    this.host = null;
    this.seg = null;
  }

  stateOf(): string | undefined {
    const host = this.host;
    if (host === null || this.seg === null) return undefined;
    if (host.stateOf !== undefined) return host.stateOf(this.seg);
    return this.tracker?.stateOfPacket(host.name, this.packetId);
  }
}
