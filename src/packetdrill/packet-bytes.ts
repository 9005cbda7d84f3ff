// IPv4/TCP packets as packetdrill sees them: built byte for byte from a script line (options in the order
// and with the NOPs written, which our structured codec would re-lay out) and read back from the wire with
// the options as a list in wire order — the same bytes for both targets (the engine's own decoder takes
// them on --target sim, the TUN device on --target kernel).
import type { PdOption } from "./ast.js";
import { internetChecksum, tcpChecksum, tcpChecksum6 } from "../wire/checksum.js";
import { addressTable, ipv6Of, isIPv6Id } from "../wire/address-table.js";
import { readIPv6Address, writeIPv6Address } from "../wire/address6.js";
import { ACK } from "../wire/segment.js";
import { packetdrillFlags } from "../wire/flags.js";

/** A TCP packet with its options as written on the wire (kind by kind). */
export interface WirePacket {
  srcAddr: number;
  dstAddr: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  win: number;
  urg: number;
  options: PdOption[];
  payloadLen: number;
}

function optionBytes(o: PdOption): number[] {
  switch (o.kind) {
    case "nop":
      return [1];
    case "eol":
      return [0];
    case "mss":
      return [2, 4, o.value >>> 8, o.value & 255];
    case "wscale":
      return [3, 3, o.value];
    case "sackOK":
      return [4, 2];
    case "sack": {
      const out = [5, 2 + 8 * o.blocks.length];
      for (const [l, r] of o.blocks) out.push(...be32(l), ...be32(r));
      return out;
    }
    case "TS":
      return [8, 10, ...be32(o.val), ...be32(o.ecr)];
  }
}

function be32(x: number): number[] {
  const v = x >>> 0;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

/** Options as bytes, padded with EOL (zero) bytes to whole words, as packetdrill does. */
export function encodeOptions(options: readonly PdOption[]): Uint8Array {
  const raw = options.flatMap(optionBytes);
  while (raw.length % 4 !== 0) raw.push(0);
  return Uint8Array.from(raw);
}

/**
 * An IPv4 packet carrying the TCP segment, checksums filled in; the payload is zeros (as packetdrill's).
 * An IPv6 packet (40-byte header, hop limit 64, no extension headers) when the addresses are IPv6 ids of
 * the address table (--ip-version 6).
 */
export function buildPacket(p: WirePacket, ipId = 0): Uint8Array {
  const opts = encodeOptions(p.options);
  if (opts.length > 40) throw new RangeError(`TCP options take ${opts.length} bytes, more than 40`);
  const tcpLen = 20 + opts.length + p.payloadLen;
  if (isIPv6Id(p.srcAddr)) return buildPacket6(p, opts, tcpLen);
  const total = 20 + tcpLen;
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  b[0] = 0x45;
  dv.setUint16(2, total);
  dv.setUint16(4, ipId & 0xffff);
  dv.setUint16(6, 0x4000); // DF, as Linux sends
  b[8] = 64;
  b[9] = 6;
  dv.setUint32(12, p.srcAddr >>> 0);
  dv.setUint32(16, p.dstAddr >>> 0);
  dv.setUint16(10, internetChecksum(b, 0, 20));
  dv.setUint16(20, p.srcPort);
  dv.setUint16(22, p.dstPort);
  dv.setUint32(24, p.seq >>> 0);
  dv.setUint32(28, p.ack >>> 0);
  b[32] = ((20 + opts.length) / 4) << 4;
  b[33] = p.flags & 0xff;
  dv.setUint16(34, p.win);
  dv.setUint16(38, p.urg);
  b.set(opts, 40);
  dv.setUint16(36, tcpChecksum(b, 20, total, p.srcAddr >>> 0, p.dstAddr >>> 0));
  return b;
}

function writeTcp(b: Uint8Array, t: number, p: WirePacket, opts: Uint8Array): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  dv.setUint16(t, p.srcPort);
  dv.setUint16(t + 2, p.dstPort);
  dv.setUint32(t + 4, p.seq >>> 0);
  dv.setUint32(t + 8, p.ack >>> 0);
  b[t + 12] = ((20 + opts.length) / 4) << 4;
  b[t + 13] = p.flags & 0xff;
  dv.setUint16(t + 14, p.win);
  dv.setUint16(t + 18, p.urg);
  b.set(opts, t + 20);
}

function buildPacket6(p: WirePacket, opts: Uint8Array, tcpLen: number): Uint8Array {
  const b = new Uint8Array(40 + tcpLen);
  const dv = new DataView(b.buffer);
  b[0] = 0x60; // version 6, traffic class and flow label 0
  dv.setUint16(4, tcpLen);
  b[6] = 6; // next header: TCP
  b[7] = 64; // hop limit, as Linux
  const src = ipv6Of(p.srcAddr);
  const dst = ipv6Of(p.dstAddr);
  writeIPv6Address(b, 8, src);
  writeIPv6Address(b, 24, dst);
  writeTcp(b, 40, p, opts);
  dv.setUint16(56, tcpChecksum6(b, 40, b.length, src, dst));
  return b;
}

/**
 * The address-table id of the IPv6 address at bytes[at..at+16), or -1 when no one holds it: a packet to
 * or from an address the run does not know is not the run's (and the table gains no entry).
 */
function knownIPv6(b: Uint8Array, at: number): number {
  const a = readIPv6Address(b, at);
  return addressTable.find(a.w0, a.w1, a.w2, a.w3);
}

/** Reads an IPv4/TCP or IPv6/TCP packet; null for anything else (not TCP, truncated, extension headers). */
export function parsePacket(b: Uint8Array): WirePacket | null {
  const v6 = b.length >= 60 && b[0]! >> 4 === 6 && b[6] === 6;
  if (!v6 && (b.length < 40 || b[0]! >> 4 !== 4 || b[9] !== 6)) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ihl = v6 ? 40 : (b[0]! & 15) * 4;
  const total = v6 ? Math.min(40 + dv.getUint16(4), b.length) : Math.min(dv.getUint16(2), b.length);
  if (total < ihl + 20) return null;
  const t = ihl;
  const doff = (b[t + 12]! >> 4) * 4;
  if (doff < 20 || t + doff > total) return null;
  const options: PdOption[] = [];
  let i = t + 20;
  const end = t + doff;
  while (i < end) {
    const kind = b[i]!;
    if (kind === 0) {
      // EOL: the rest is padding. packetdrill lists an EOL only when one is written; trailing zero padding
      // is how both it and Linux fill the last word, so it is not an option to compare.
      break;
    }
    if (kind === 1) {
      options.push({ kind: "nop" });
      i++;
      continue;
    }
    const len = b[i + 1] ?? 0;
    if (len < 2 || i + len > end) break;
    if (kind === 2 && len === 4) options.push({ kind: "mss", value: dv.getUint16(i + 2) });
    else if (kind === 3 && len === 3) options.push({ kind: "wscale", value: b[i + 2]! });
    else if (kind === 4 && len === 2) options.push({ kind: "sackOK" });
    else if (kind === 8 && len === 10)
      options.push({ kind: "TS", val: dv.getUint32(i + 2), ecr: dv.getUint32(i + 6) });
    else if (kind === 5 && (len - 2) % 8 === 0) {
      const blocks: Array<[number, number]> = [];
      for (let k = i + 2; k < i + len; k += 8) blocks.push([dv.getUint32(k), dv.getUint32(k + 4)]);
      options.push({ kind: "sack", blocks });
    }
    i += len;
  }
  return {
    srcAddr: v6 ? knownIPv6(b, 8) : dv.getUint32(12),
    dstAddr: v6 ? knownIPv6(b, 24) : dv.getUint32(16),
    srcPort: dv.getUint16(t),
    dstPort: dv.getUint16(t + 2),
    seq: dv.getUint32(t + 4),
    ack: dv.getUint32(t + 8),
    flags: b[t + 13]!,
    win: dv.getUint16(t + 14),
    urg: dv.getUint16(t + 18),
    options,
    payloadLen: total - t - doff,
  };
}

/** Flags in packetdrill's notation (one table: ../wire/flags.ts). */
export const formatFlags = packetdrillFlags;

export function formatOption(o: PdOption): string {
  switch (o.kind) {
    case "nop":
    case "eol":
    case "sackOK":
      return o.kind;
    case "mss":
    case "wscale":
      return `${o.kind} ${o.value}`;
    case "sack":
      return `sack ${o.blocks.map(([l, r]) => `${l >>> 0}:${r >>> 0}`).join(" ")}`;
    case "TS":
      return `TS val ${o.val >>> 0} ecr ${o.ecr >>> 0}`;
  }
}

/** A packet in script notation: `> P. 1:1001(1000) ack 1 win 257 <nop,nop,TS val 5 ecr 100>`. */
export function formatPacket(
  direction: "in" | "out",
  p: {
    flags: number;
    seq: number;
    payloadLen: number;
    ack: number;
    win?: number | undefined;
    urg?: number;
    options: readonly PdOption[] | null;
  },
  flagsText?: string,
): string {
  const seq = p.seq >>> 0;
  let s = `${direction === "in" ? "<" : ">"} ${flagsText ?? formatFlags(p.flags)} ${seq}:${(seq + p.payloadLen) >>> 0}(${p.payloadLen})`;
  if (p.flags & ACK) s += ` ack ${p.ack >>> 0}`;
  if (p.win !== undefined) s += ` win ${p.win}`;
  if (p.urg) s += ` urg ${p.urg}`;
  if (p.options === null) s += " <...>";
  else if (p.options.length > 0) s += ` <${p.options.map(formatOption).join(",")}>`;
  return s;
}
