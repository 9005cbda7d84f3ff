// pcapFromTrace: one host's capture from a trace a user hands us, with the arguments checked; the records
// themselves are the simulator's (../sim/capture.ts), so a trace and a live simulator give the same file.
import { ArgumentError } from "../tcp/arg-error.js";
import type { TraceEvent } from "../tcp/events.js";
import { eventsOf, hostNamesIn, type TraceInput } from "./trace-input.js";
import { hostRecords } from "../sim/capture.js";
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

/** A classic pcap file (LINKTYPE_RAW, µs timestamps) of `hostName`'s segments in the trace; see pcapRecordsFromTrace. */
export function pcapFromTrace(trace: TraceInput, hostName: string): Uint8Array {
  return PcapWriter.file(pcapRecordsFromTrace(trace, hostName));
}
