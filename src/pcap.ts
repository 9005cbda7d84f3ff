/**
 * tcplab/pcap: captures that Wireshark and tshark read — one host's segments rebuilt from a trace, or a
 * pcap writer for packets you have yourself. Browser-safe: it returns bytes; writing them is up to you
 * (fs.writeFileSync in Node, a Blob download in a browser).
 * @module tcplab/pcap
 */
export { pcapFromTrace, pcapRecordsFromTrace } from "./trace/pcap-from-trace.js";
export {
  PcapWriter,
  PcapError,
  LINKTYPE_RAW,
  PCAP_MAGIC_MICROSECONDS,
  PCAP_DEFAULT_SNAPLEN,
  PCAP_FILE_HEADER_LENGTH,
  PCAP_RECORD_HEADER_LENGTH,
  type PcapRecord,
  type PcapErrorCode,
} from "./wire/pcap.js";
