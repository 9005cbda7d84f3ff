// A host's capture, rebuilt from the trace: every segment it sent or received, re-encoded.
// Packets that never decoded (corrupted on the link) are not in it: the host's segment-dropped
// event for them carries no segment, and a capture point inside the host would not see them either.
import type { TraceEvent } from "../trace/events.js";
import { encodeSegment } from "../wire/codec.js";
import { PcapWriter, type PcapRecord } from "../wire/pcap.js";

export function pcapRecordsFromTrace(events: readonly TraceEvent[], hostName: string): PcapRecord[] {
  const records: PcapRecord[] = [];
  for (const e of events) {
    if ((e.kind === "segment-sent" || e.kind === "segment-received") && e.host === hostName) {
      records.push({ t: e.t, packet: encodeSegment(e.seg) });
    }
  }
  return records;
}

export function pcapFromTrace(events: readonly TraceEvent[], hostName: string): Uint8Array {
  return PcapWriter.file(pcapRecordsFromTrace(events, hostName));
}
