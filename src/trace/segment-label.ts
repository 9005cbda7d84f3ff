// How one segment is written in the middle of a ladder line, in three house styles:
//   rfc       <SEQ=101><ACK=301><CTL=FIN,ACK>      (RFC 9293 §3.5 figures, plus <DATA=n> for payload)
//   textbook  FIN=1, ACK=1, seq=101, ack=301       (the "FIN=1, seq=u" wording of textbooks, with numbers)
//   tcpdump   Flags [F.], seq 101, ack 301, win 65535, length 0
// and the relative numbering that makes them readable (offsets from each direction's ISN).
import { ACK, FIN, RST, SYN, flagNames, type Segment } from "../wire/segment.js";
import { flagNameList, tcpdumpFlags } from "../wire/flags.js";
import { formatAddressPort } from "../wire/address-table.js";

/** How a ladder labels segments: RFC 9293's <SEQ=..><CTL=..>, textbook, or tcpdump. */
export type LabelStyle = "rfc" | "textbook" | "tcpdump";
/** Sequence numbers relative to each side's ISN, or as on the wire. */
export type SequenceMode = "relative" | "absolute";

/**
 * "10.0.0.1:40000>10.0.0.2:80" (or "[2001:db8::1]:40000>[2001:db8::2]:80"): the direction a segment
 * travels, in the trace's conn notation.
 */
export function directionKey(seg: Segment): string {
  return `${formatAddressPort(seg.srcAddr, seg.srcPort)}>${formatAddressPort(seg.dstAddr, seg.dstPort)}`;
}

/** The same connection seen from the receiving host's side. */
export function reverseDirectionKey(seg: Segment): string {
  return `${formatAddressPort(seg.dstAddr, seg.dstPort)}>${formatAddressPort(seg.srcAddr, seg.srcPort)}`;
}

/**
 * Relative sequence numbers: each direction's numbers are shown as offsets from that direction's ISN,
 * so the SYN is seq 0 and the first data byte seq 1, as in tcpdump and most textbooks.
 * The ISN is taken from the SYN; a direction first seen without a SYN (a trace that starts mid-connection)
 * uses its first sequence number instead. A later SYN with another ISN on the same 4-tuple is a new
 * incarnation and re-bases the direction, so an old duplicate from the previous one stands out as a
 * huge offset (modulo 2^32), which is exactly what S9 wants a reader to notice.
 */
export class SequenceNumbering {
  private readonly bases = new Map<string, number>();
  constructor(readonly mode: SequenceMode) {}

  /** Learn from a segment in trace order; call once per segment before labelling it. */
  observe(seg: Segment): void {
    if (this.mode === "absolute") return;
    const key = directionKey(seg);
    if (seg.flags & SYN) this.bases.set(key, seg.seq >>> 0);
    else if (!this.bases.has(key)) this.bases.set(key, seg.seq >>> 0);
  }

  seq(seg: Segment, value: number = seg.seq): string {
    return this.show(directionKey(seg), value);
  }

  ack(seg: Segment): string {
    return this.show(reverseDirectionKey(seg), seg.ack);
  }

  private show(key: string, value: number): string {
    const base = this.mode === "relative" ? this.bases.get(key) : undefined;
    if (base === undefined) return String(value >>> 0);
    // Unsigned difference modulo 2^32: sequence numbers are unsigned and wrap (RFC 9293 §3.4). A number
    // just before the ISN (an old duplicate from an earlier incarnation) reads as a huge offset such as
    // 4294964552, never as a negative number that no segment can carry.
    return String((value - base) >>> 0);
  }
}

export function segmentLabel(seg: Segment, style: LabelStyle, numbering: SequenceNumbering): string {
  switch (style) {
    case "rfc":
      return rfcLabel(seg, numbering);
    case "textbook":
      return textbookLabel(seg, numbering);
    case "tcpdump":
      return tcpdumpLabel(seg, numbering);
  }
}

function rfcLabel(seg: Segment, n: SequenceNumbering): string {
  // RFC 9293 figures show ACK only when the ACK control bit is set (Figure 6 line 2 has none).
  let out = `<SEQ=${n.seq(seg)}>`;
  if (seg.flags & ACK) out += `<ACK=${n.ack(seg)}>`;
  out += `<CTL=${flagNames(seg.flags) || "none"}>`;
  if (seg.payload.length > 0) out += `<DATA=${seg.payload.length}>`;
  return out;
}

function textbookLabel(seg: Segment, n: SequenceNumbering): string {
  const parts: string[] = [];
  for (const name of flagNameList(seg.flags)) parts.push(`${name}=1`);
  parts.push(`seq=${n.seq(seg)}`);
  if (seg.flags & ACK) parts.push(`ack=${n.ack(seg)}`);
  if (seg.payload.length > 0) parts.push(`len=${seg.payload.length}`);
  return parts.join(", ");
}

function tcpdumpLabel(seg: Segment, n: SequenceNumbering): string {
  const parts = [`Flags [${tcpdumpFlags(seg.flags)}]`];
  const length = seg.payload.length;
  // tcpdump prints seq only for segments that occupy or define sequence space, and a range for data.
  if (length > 0) parts.push(`seq ${n.seq(seg)}:${n.seq(seg, (seg.seq + length) >>> 0)}`);
  else if (seg.flags & (SYN | FIN | RST)) parts.push(`seq ${n.seq(seg)}`);
  if (seg.flags & ACK) parts.push(`ack ${n.ack(seg)}`);
  parts.push(`win ${seg.window}`);
  parts.push(`length ${length}`);
  return parts.join(", ");
}
