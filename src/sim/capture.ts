// A host's capture, rebuilt from the trace: every segment it sent or received, re-encoded.
// Packets that never decoded (corrupted on the link) are not in it: the host's segment-dropped
// event for them carries no segment, and a capture point inside the host would not see them either.
import type { TraceEvent } from "../tcp/events.js";
import { encodePacket } from "../wire/codec-any.js";
import type { PcapRecord } from "../wire/pcap.js";

/**
 * @internal The pcap records (time, IPv4 packet) of every segment `hostName` sent or received, unchecked:
 * the simulator knows its hosts (an idle one has an empty capture); src/trace/pcap-from-trace.ts checks a
 * user's arguments first.
 */
export function hostRecords(events: readonly TraceEvent[], hostName: string): PcapRecord[] {
  const records: PcapRecord[] = [];
  for (const e of events) {
    if ((e.kind === "segment-sent" || e.kind === "segment-received") && e.host === hostName) {
      records.push({ t: e.t, packet: encodePacket(e.seg) });
    }
  }
  return records;
}
