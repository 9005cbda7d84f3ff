// A host's capture, rebuilt from the trace: every segment it sent or received, re-encoded.
// Packets that never decoded (corrupted on the link) are not in it: the host's segment-dropped
// event for them carries no segment, and a capture point inside the host would not see them either.
import { ArgumentError } from "../tcp/arg-error.js";
import type { TraceEvent } from "../trace/events.js";
import { eventsOf, hostNamesIn, type TraceInput } from "../trace/trace-input.js";
import { encodePacket } from "../wire/codec-any.js";
import { PcapWriter, type PcapRecord } from "../wire/pcap.js";

/**
 * The pcap records (time, IPv4 packet) of every segment `hostName` sent or received in the trace.
 * Throws ERR_TCPLAB_MISSING_ARG without a host name and ERR_TCPLAB_UNKNOWN_HOST for a host the trace
 * does not mention — a capture is always one host's view, never an empty file by mistake.
 */
export function pcapRecordsFromTrace(trace: TraceInput, hostName: string): PcapRecord[] {
  const events: readonly TraceEvent[] = eventsOf(trace, "pcapFromTrace(trace, hostName)");
  const hosts = hostNamesIn(events);
  if (typeof hostName !== "string") {
    throw new ArgumentError(
      hostName === undefined ? "ERR_TCPLAB_MISSING_ARG" : "ERR_TCPLAB_INVALID_ARG_TYPE",
      `pcapFromTrace(trace, hostName): say whose capture to write — a host name (${hosts.join(", ")})`,
    );
  }
  if (!hosts.includes(hostName)) {
    throw new ArgumentError(
      "ERR_TCPLAB_UNKNOWN_HOST",
      `pcapFromTrace: no host ${JSON.stringify(hostName)} in this trace (hosts: ${hosts.join(", ")})`,
    );
  }
  return hostRecords(events, hostName);
}

/** @internal Unchecked: the simulator, which knows its hosts (an idle one has an empty capture). */
export function hostRecords(events: readonly TraceEvent[], hostName: string): PcapRecord[] {
  const records: PcapRecord[] = [];
  for (const e of events) {
    if ((e.kind === "segment-sent" || e.kind === "segment-received") && e.host === hostName) {
      records.push({ t: e.t, packet: encodePacket(e.seg) });
    }
  }
  return records;
}

/** A classic pcap file (LINKTYPE_RAW, µs timestamps) of `hostName`'s segments in the trace; see pcapRecordsFromTrace. */
export function pcapFromTrace(trace: TraceInput, hostName: string): Uint8Array {
  return PcapWriter.file(pcapRecordsFromTrace(trace, hostName));
}
