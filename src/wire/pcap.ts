// Classic libpcap capture files (https://www.tcpdump.org/manpages/pcap-savefile.5.html), sans-I/O:
// the writer produces bytes and the caller decides where they go (a file, a download, a socket).
// LINKTYPE_RAW means each record is a bare IP packet of either family, told apart by its version
// nibble: exactly what encodeSegment (IPv4) and encodeSegment6 (IPv6) produce.
// Numbers are written little-endian; readPcap detects the byte order from the magic number.

/** The magic number of a µs-resolution pcap file. */
export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
/** Link type of raw IP packets (either family, by the version nibble). */
export const LINKTYPE_RAW = 101;
/** The snapshot length written in the header. */
export const PCAP_DEFAULT_SNAPLEN = 65535;
/** Bytes of the file header. */
export const PCAP_FILE_HEADER_LENGTH = 24;
/** Bytes of each record's header. */
export const PCAP_RECORD_HEADER_LENGTH = 16;

const MAX_SECONDS = 0xffffffff;

/** The codes of PcapError. */
export type PcapErrorCode = "bad-timestamp" | "bad-snaplen" | "bad-magic" | "truncated";

/** A record the pcap format cannot hold. */
export class PcapError extends Error {
  readonly code: PcapErrorCode;

  constructor(code: PcapErrorCode, message: string) {
    super(message);
    this.name = "PcapError";
    this.code = code;
  }
}

/** One captured packet: its time (µs) and its IPv4 bytes. */
export interface PcapRecord {
  /** Capture time in microseconds since the epoch of the capture (virtual time starts at 0). */
  t: number;
  packet: Uint8Array;
}

/** Writes classic pcap files (LINKTYPE_RAW, µs timestamps) that Wireshark and tshark read. */
export class PcapWriter {
  readonly snaplen: number;

  constructor(options: { snaplen?: number } = {}) {
    const snaplen = options.snaplen ?? PCAP_DEFAULT_SNAPLEN;
    if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > 0x3ffffff) {
      throw new PcapError("bad-snaplen", `snaplen ${snaplen} is not an integer in 1..${0x3ffffff}`);
    }
    this.snaplen = snaplen;
  }

  /** The 24-byte file header; write it once, before any record. */
  header(): Uint8Array {
    const out = new Uint8Array(PCAP_FILE_HEADER_LENGTH);
    const view = new DataView(out.buffer);
    view.setUint32(0, PCAP_MAGIC_MICROSECONDS, true);
    view.setUint16(4, 2, true); // version 2.4
    view.setUint16(6, 4, true);
    view.setInt32(8, 0, true); // thiszone: timestamps are UTC
    view.setUint32(12, 0, true); // sigfigs
    view.setUint32(16, this.snaplen, true);
    view.setUint32(20, LINKTYPE_RAW, true);
    return out;
  }

  /** Bytes record() produces for a packet of this length (longer packets are cut to snaplen). */
  recordLength(packetLength: number): number {
    return PCAP_RECORD_HEADER_LENGTH + Math.min(packetLength, this.snaplen);
  }

  /** Write one record (header + packet, cut to snaplen) at out[at..]; returns the bytes written. */
  recordInto(timeMicros: number, packet: Uint8Array, out: Uint8Array, at: number): number {
    if (!Number.isSafeInteger(timeMicros) || timeMicros < 0 || timeMicros / 1e6 > MAX_SECONDS) {
      throw new PcapError(
        "bad-timestamp",
        `timestamp ${timeMicros} µs is not a non-negative integer within 32-bit seconds`,
      );
    }
    const captured = Math.min(packet.length, this.snaplen);
    const view = new DataView(out.buffer, out.byteOffset + at, PCAP_RECORD_HEADER_LENGTH);
    view.setUint32(0, Math.floor(timeMicros / 1e6), true);
    view.setUint32(4, timeMicros % 1e6, true);
    view.setUint32(8, captured, true);
    view.setUint32(12, packet.length, true);
    out.set(
      captured === packet.length ? packet : packet.subarray(0, captured),
      at + PCAP_RECORD_HEADER_LENGTH,
    );
    return PCAP_RECORD_HEADER_LENGTH + captured;
  }

  /** One record: a 16-byte header (time, captured and original length) followed by the packet. */
  record(timeMicros: number, packet: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.recordLength(packet.length));
    this.recordInto(timeMicros, packet, out, 0);
    return out;
  }

  /** A whole capture file in one buffer. */
  static file(records: ReadonlyArray<PcapRecord>, options: { snaplen?: number } = {}): Uint8Array {
    const writer = new PcapWriter(options);
    let size = PCAP_FILE_HEADER_LENGTH;
    for (const r of records) size += writer.recordLength(r.packet.length);
    const out = new Uint8Array(size);
    out.set(writer.header(), 0);
    let at = PCAP_FILE_HEADER_LENGTH;
    for (const r of records) at += writer.recordInto(r.t, r.packet, out, at);
    return out;
  }
}

/** A capture file read back: its link type, snaplen and records (packets are views into the input). */
export interface PcapFile {
  linktype: number;
  snaplen: number;
  records: PcapRecord[];
}

/**
 * Read a classic pcap file of either byte order with microsecond timestamps (what PcapWriter and
 * tcpdump write). Throws PcapError "bad-magic" for other formats (pcapng, nanosecond pcap) and
 * "truncated" when a header or a record runs past the end. The caller decides what a record's
 * packet is from `linktype` (LINKTYPE_RAW: decodeAnyPacket).
 */
export function readPcap(bytes: Uint8Array): PcapFile {
  if (bytes.length < PCAP_FILE_HEADER_LENGTH) {
    throw new PcapError(
      "truncated",
      `${bytes.length} bytes, a pcap file header needs ${PCAP_FILE_HEADER_LENGTH}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let little: boolean;
  if (view.getUint32(0, true) === PCAP_MAGIC_MICROSECONDS) little = true;
  else if (view.getUint32(0, false) === PCAP_MAGIC_MICROSECONDS) little = false;
  else {
    const magic = view.getUint32(0, false).toString(16).padStart(8, "0");
    throw new PcapError("bad-magic", `magic 0x${magic} is not a microsecond pcap file`);
  }
  const snaplen = view.getUint32(16, little);
  const linktype = view.getUint32(20, little) & 0x0fffffff; // the top bits may carry FCS information
  const records: PcapRecord[] = [];
  let at = PCAP_FILE_HEADER_LENGTH;
  while (at < bytes.length) {
    if (at + PCAP_RECORD_HEADER_LENGTH > bytes.length) {
      throw new PcapError("truncated", `record header at byte ${at} runs past the end`);
    }
    const seconds = view.getUint32(at, little);
    const micros = view.getUint32(at + 4, little);
    const captured = view.getUint32(at + 8, little);
    const start = at + PCAP_RECORD_HEADER_LENGTH;
    if (start + captured > bytes.length) {
      throw new PcapError(
        "truncated",
        `record at byte ${at} says ${captured} bytes, ${bytes.length - start} left`,
      );
    }
    records.push({ t: seconds * 1e6 + micros, packet: bytes.subarray(start, start + captured) });
    at = start + captured;
  }
  return { linktype, snaplen, records };
}
