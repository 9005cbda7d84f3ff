// One-line, tcpdump-style text for a segment, for the ladder and the TUN live view:
//   Flags [S.], seq 0, ack 1, win 65535, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0
// Options are printed in the order our encoder puts them on the wire (Linux's layout, with its NOPs),
// because a Segment does not remember the order in which a peer sent them.
import { ACK, FIN, RST, SYN, URG, type Segment } from "./segment.js";
import { tcpdumpFlags } from "./flags.js";
import { formatIPv4 } from "./address.js";
import { formatAddress, isIPv6Id } from "./address-table.js";
import { formatIPv6 } from "./address6.js";
import type { Segment6 } from "./segment6.js";
import {
  OPT_EOL,
  OPT_MSS,
  OPT_NOP,
  OPT_SACK,
  OPT_SACK_PERMITTED,
  OPT_TIMESTAMP,
  OPT_WSCALE,
  TCP_OPTION_SPACE,
  optionsLength,
  writeOptions,
} from "./options.js";

export { tcpdumpFlags };

/** Options of formatSegment. */
export interface FormatOptions {
  /** Subtracted (mod 2^32) from seq, like tcpdump's relative sequence numbers: pass our ISN. */
  seqBase?: number;
  /** Subtracted (mod 2^32) from ack and SACK blocks: pass the peer's ISN. */
  ackBase?: number;
  /** Prefix "IP a.b.c.d.port > e.f.g.h.port: " (IPv6: "IP6 2001:db8::1.port > ...: ") as tcpdump does. */
  addresses?: boolean;
}

function relative(value: number, base: number): number {
  return (value - base) >>> 0;
}

/** tcpdump's option list, read back from the bytes the encoder would write. */
export function formatOptions(seg: Pick<Segment, "options">, ackBase = 0): string {
  const length = optionsLength(seg.options);
  if (length === 0) return "";
  const bytes = new Uint8Array(TCP_OPTION_SPACE);
  writeOptions(seg.options, bytes, 0);
  const view = new DataView(bytes.buffer);
  const parts: string[] = [];
  let i = 0;
  while (i < length) {
    const kind = bytes[i]!;
    if (kind === OPT_NOP) {
      parts.push("nop");
      i++;
      continue;
    }
    if (kind === OPT_EOL) {
      parts.push("eol");
      break;
    }
    const len = bytes[i + 1]!;
    switch (kind) {
      case OPT_MSS:
        parts.push(`mss ${view.getUint16(i + 2)}`);
        break;
      case OPT_WSCALE:
        parts.push(`wscale ${bytes[i + 2]!}`);
        break;
      case OPT_SACK_PERMITTED:
        parts.push("sackOK");
        break;
      case OPT_TIMESTAMP:
        parts.push(`TS val ${view.getUint32(i + 2)} ecr ${view.getUint32(i + 6)}`);
        break;
      case OPT_SACK: {
        const blocks = (len - 2) / 8;
        let text = `sack ${blocks} `;
        for (let b = 0; b < blocks; b++) {
          const at = i + 2 + b * 8;
          text += `{${relative(view.getUint32(at), ackBase)}:${relative(view.getUint32(at + 4), ackBase)}}`;
        }
        parts.push(text);
        break;
      }
      default:
        parts.push(`opt-${kind}:${len}`);
    }
    i += len;
  }
  return parts.join(",");
}

/** tcpdump's address prefix: "IP 10.0.0.1.40000 > 10.0.0.2.80: " or "IP6 2001:db8::1.40000 > 2001:db8::2.80: ". */
function addressPrefix(seg: Segment | Segment6): string {
  if (typeof seg.srcAddr === "number" && typeof seg.dstAddr === "number") {
    // An engine segment: an IPv6 address is an id of the address table (./address-table.ts).
    if (isIPv6Id(seg.srcAddr)) {
      return `IP6 ${formatAddress(seg.srcAddr)}.${seg.srcPort} > ${formatAddress(seg.dstAddr)}.${seg.dstPort}: `;
    }
    return `IP ${formatIPv4(seg.srcAddr)}.${seg.srcPort} > ${formatIPv4(seg.dstAddr)}.${seg.dstPort}: `;
  }
  const s6 = seg as Segment6;
  return `IP6 ${formatIPv6(s6.srcAddr)}.${seg.srcPort} > ${formatIPv6(s6.dstAddr)}.${seg.dstPort}: `;
}

/** One line in tcpdump's style describing seg, of either family. */
export function formatSegment(seg: Segment | Segment6, options: FormatOptions = {}): string {
  const seqBase = options.seqBase ?? 0;
  const ackBase = options.ackBase ?? 0;
  let line = "";
  if (options.addresses) line += addressPrefix(seg);
  line += `Flags [${tcpdumpFlags(seg.flags)}]`;
  const seq = relative(seg.seq, seqBase);
  const len = seg.payload.length;
  // As tcpdump: a range for data, one number for an empty SYN, FIN or RST, nothing for a bare ACK.
  if (len > 0) line += `, seq ${seq}:${(seq + len) >>> 0}`;
  else if (seg.flags & (SYN | FIN | RST)) line += `, seq ${seq}`;
  if (seg.flags & ACK) line += `, ack ${relative(seg.ack, ackBase)}`;
  line += `, win ${seg.window}`;
  if (seg.flags & URG) line += `, urg ${seg.urgent}`;
  const opts = formatOptions(seg, ackBase);
  if (opts !== "") line += `, options [${opts}]`;
  line += `, length ${len}`;
  return line;
}
