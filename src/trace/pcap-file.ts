// Node-side companion of the sans-I/O PcapWriter (src/wire/pcap.ts): puts a capture on disk.
import { writeFileSync } from "node:fs";
import { PcapWriter, type PcapRecord } from "../wire/pcap.js";

/** Write records to a classic pcap file (LINKTYPE_RAW) at path, replacing it. */
export function writePcapFile(path: string, records: ReadonlyArray<PcapRecord>): void {
  writeFileSync(path, PcapWriter.file(records));
}
