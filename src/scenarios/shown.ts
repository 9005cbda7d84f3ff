// What the ladder of a bulk-transfer scenario leaves out: the data segments and the plain ACKs of the
// transfer, and the RTO and delayed-ACK timers that go with them. Handshakes (with their final ACK), FINs,
// RSTs, special ACKs (dup-ack, ack-fin, challenge-ack), segments a fault touched or the network or the
// receiver dropped, state changes and application calls all stay.
import type { TraceEvent } from "../tcp/events.js";
import { FIN, RST, SYN, type Segment } from "../wire/segment.js";
import { formatAddressPort } from "../wire/address-table.js";

const ROUTINE = new Set(["data", "ack", "delayed-ack"]);
/** Timers a bulk transfer re-arms with nearly every segment: only their firing is worth a line. */
const ROUTINE_TIMERS = new Set(["retransmit", "delayed-ack"]);

export function withoutBulk(
  events: readonly TraceEvent[],
  keepIds: ReadonlySet<number> = new Set(),
): TraceEvent[] {
  const routine = new Set<number>();
  // A routine segment the receiver then discarded is no longer routine: keep it, so the drop (reported
  // without a packet id, right after the arrival) is drawn on the segment's line.
  const judged = new Set(keepIds);
  // The ACK that completes a handshake (sent in the burst where its sender became ESTABLISHED) is part of
  // the handshake, not of the transfer.
  const established = new Set<string>();
  for (const e of events)
    if (e.kind === "state" && e.to === "ESTABLISHED") established.add(`${e.host}|${e.conn}|${e.t}`);
  let lastReceived: TraceEvent | null = null;
  for (const e of events) {
    // A segment the network did something unusual to (a fault, a drop such as an MSL discard) stays.
    if (e.kind === "network" && e.action !== "deliver") judged.add(e.id);
    if (
      e.kind === "segment-sent" &&
      e.seg.payload.length === 0 &&
      established.has(`${e.host}|${e.conn ?? ""}|${e.t}`)
    )
      judged.add(e.id);
    if (e.kind === "segment-received") lastReceived = e;
    else if (e.kind === "segment-dropped" && lastReceived?.kind === "segment-received") {
      if (lastReceived.host === e.host && lastReceived.t === e.t) judged.add(lastReceived.id);
    }
  }
  for (const e of events) {
    if (e.kind !== "segment-sent" || judged.has(e.id)) continue;
    if (e.seg.flags & (SYN | FIN | RST)) continue;
    if (ROUTINE.has(e.why) && !e.retransmission) routine.add(e.id);
  }
  return events.filter((e) => {
    if (e.kind === "timer")
      return !ROUTINE_TIMERS.has(e.timer) || (e.timer === "retransmit" && e.action === "fired");
    if (e.kind === "segment-sent" || e.kind === "segment-received" || e.kind === "network")
      return !routine.has(e.id);
    if (e.kind === "app") return e.call !== "read" || e.detail === "EOF";
    return true;
  });
}

/** The events of one connection (both ends, by their labels), plus notes and the events `extra` keeps. */
export function onlyConnection(
  events: readonly TraceEvent[],
  clientLabel: string,
  extra: (e: TraceEvent) => boolean = () => false,
): TraceEvent[] {
  const [local = "", remote = ""] = clientLabel.split(">");
  const labels = new Set([clientLabel, `${remote}>${local}`]);
  const ids = new Set<number>();
  for (const e of events)
    if (e.kind === "segment-sent" && e.conn !== null && labels.has(e.conn)) ids.add(e.id);
  return events.filter((e) => {
    if (extra(e)) return true;
    switch (e.kind) {
      case "note":
        return true;
      case "network":
        return ids.has(e.id);
      case "segment-sent":
      case "segment-received":
        return ids.has(e.id) || (e.conn !== null && labels.has(e.conn));
      case "segment-dropped":
        // A drop by a listener (SYN queue full) has no connection: match it by its 4-tuple.
        return (
          (e.conn !== null && labels.has(e.conn)) || (e.seg !== null && labels.has(receiverLabel(e.seg)))
        );
      case "app":
        return e.conn !== null && labels.has(e.conn);
      default:
        return labels.has(e.conn);
    }
  });
}

/** "local:port>remote:port" as the receiving host names the connection a segment belongs to. */
function receiverLabel(seg: Segment): string {
  return `${formatAddressPort(seg.dstAddr, seg.dstPort)}>${formatAddressPort(seg.srcAddr, seg.srcPort)}`;
}
