// Packet capture for the TUN driver: every packet read from or written to the device, as it was
// on the wire, with its wall-clock time, so the file lines up with `tcpdump -w` on the same device.
import { closeSync, openSync, writeSync } from "node:fs";
import { PcapWriter } from "../wire/pcap.js";

export type PacketDirection = "in" | "out";

export interface PacketCapture {
  /** One packet: "in" = the kernel sent it to us, "out" = we wrote it to the device. */
  packet(direction: PacketDirection, bytes: Uint8Array, epochMicros: number): void;
}

// Records are gathered and written in chunks of about this size: one write(2) per packet would
// cost as much as the packet itself on a busy transfer.
const FLUSH_BYTES = 256 * 1024;

/** Writes a classic pcap file (LINKTYPE_RAW: bare IPv4 or IPv6 packets), flushed in chunks and on close(). */
export class PcapFileCapture implements PacketCapture {
  readonly path: string;
  private fd: number;
  private readonly writer: PcapWriter;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private count = 0;

  constructor(path: string, options: { snaplen?: number } = {}) {
    this.path = path;
    this.writer = new PcapWriter(options);
    this.fd = openSync(path, "w");
    writeSync(this.fd, this.writer.header());
  }

  /** Packets recorded so far. */
  get packets(): number {
    return this.count;
  }

  packet(_direction: PacketDirection, bytes: Uint8Array, epochMicros: number): void {
    if (this.fd < 0) return;
    const record = this.writer.record(epochMicros, bytes);
    this.pending.push(record);
    this.pendingBytes += record.length;
    this.count++;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.fd < 0 || this.pending.length === 0) return;
    const chunk = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let at = 0;
    while (at < chunk.length) at += writeSync(this.fd, chunk, at);
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}
