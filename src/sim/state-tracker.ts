// The sending connection's TCP state, read off the trace, so targeted faults can select segments
// by state ("the FIN P retransmits in LAST_ACK") without the host exposing its connection table.
//
// A host emits `segment-sent` (with the connection's label and the packet id) immediately before
// handing the segment to the driver, and emits a `state` event on every transition; so at transmit
// time the last state seen for that label is the sender's current state.
import type { Trace, TraceEvent } from "../tcp/events.js";

/** Segments remembered per host: more than one entry into a host sends before the driver takes them. */
const RECENT = 256;

export class TraceStateTracker {
  /** host → connection label → state. CLOSED connections are forgotten (their labels get reused). */
  private readonly states = new Map<string, Map<string, string>>();
  /**
   * host → its latest segment-sent events: packet id and the sending connection's state at that moment. A
   * host records segments while it works and hands them to the driver when the work is done (the engine's
   * outbox), so the state at transmit time is the one seen at the segment-sent event, not the latest.
   */
  private readonly lastSent = new Map<
    string,
    { ids: number[]; states: Array<string | undefined>; next: number }
  >();
  private readonly unsubscribe: () => void;

  constructor(trace: Trace) {
    this.unsubscribe = trace.subscribe((e) => this.observe(e));
  }

  stop(): void {
    this.unsubscribe();
  }

  /** State of the connection that sent packet `packetId` from `host`, if the trace told us. */
  stateOfPacket(host: string, packetId: number): string | undefined {
    const sent = this.lastSent.get(host);
    if (sent === undefined) return undefined;
    const i = sent.ids.lastIndexOf(packetId);
    return i < 0 ? undefined : sent.states[i];
  }

  private observe(e: TraceEvent): void {
    if (e.kind === "segment-sent") {
      let sent = this.lastSent.get(e.host);
      if (sent === undefined) {
        sent = {
          ids: new Array<number>(RECENT).fill(-1),
          states: new Array(RECENT).fill(undefined),
          next: 0,
        };
        this.lastSent.set(e.host, sent);
      }
      sent.ids[sent.next] = e.id;
      sent.states[sent.next] = e.conn === null ? undefined : this.states.get(e.host)?.get(e.conn);
      sent.next = (sent.next + 1) % RECENT;
    } else if (e.kind === "state") {
      let perHost = this.states.get(e.host);
      if (perHost === undefined) {
        perHost = new Map();
        this.states.set(e.host, perHost);
      }
      if (e.to === "CLOSED") perHost.delete(e.conn);
      else perHost.set(e.conn, e.to);
    }
  }
}
