// The sending connection's TCP state, read off the trace, so targeted faults can select segments
// by state ("the FIN P retransmits in LAST_ACK") without the host exposing its connection table.
//
// A host emits `segment-sent` (with the connection's label and the packet id) immediately before
// handing the segment to the driver, and emits a `state` event on every transition; so at transmit
// time the last state seen for that label is the sender's current state.
import type { Trace, TraceEvent } from "../tcp/events.js";

export class TraceStateTracker {
  /** host → connection label → state. CLOSED connections are forgotten (their labels get reused). */
  private readonly states = new Map<string, Map<string, string>>();
  /** host → [packet id, connection label] of its latest segment-sent event. */
  private readonly lastSent = new Map<string, { id: number; conn: string | null }>();
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
    if (sent === undefined || sent.id !== packetId || sent.conn === null) return undefined;
    return this.states.get(host)?.get(sent.conn);
  }

  private observe(e: TraceEvent): void {
    if (e.kind === "segment-sent") {
      const sent = this.lastSent.get(e.host);
      if (sent === undefined) this.lastSent.set(e.host, { id: e.id, conn: e.conn });
      else {
        sent.id = e.id;
        sent.conn = e.conn;
      }
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
