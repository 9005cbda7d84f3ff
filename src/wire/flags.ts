// The TCP control bits (RFC 9293 §3.1; ECE and CWR from RFC 3168) and the one table of their names and
// letters. Every notation we print or parse — RFC figures, JSON traces, tcpdump, packetdrill — reads
// this table; only the order differs per notation, and each order is written here beside its source.

/** FIN flag bit. */
export const FIN = 0x01;
/** SYN flag bit. */
export const SYN = 0x02;
/** RST flag bit. */
export const RST = 0x04;
/** PSH flag bit. */
export const PSH = 0x08;
/** ACK flag bit. */
export const ACK = 0x10;
/** URG flag bit. */
export const URG = 0x20;
/** ECE flag bit (RFC 3168). */
export const ECE = 0x40;
/** CWR flag bit (RFC 3168). */
export const CWR = 0x80;

/** One control bit: its mask, its RFC name, its letter in tcpdump and packetdrill ("." for ACK). */
export interface TcpFlag {
  readonly bit: number;
  readonly name: string;
  readonly letter: string;
}

/** The eight control bits in header order (bit 0 upward) — also tcpdump's order (print-tcp.c). */
export const TCP_FLAGS: readonly TcpFlag[] = [
  { bit: FIN, name: "FIN", letter: "F" },
  { bit: SYN, name: "SYN", letter: "S" },
  { bit: RST, name: "RST", letter: "R" },
  { bit: PSH, name: "PSH", letter: "P" },
  { bit: ACK, name: "ACK", letter: "." },
  { bit: URG, name: "URG", letter: "U" },
  { bit: ECE, name: "ECE", letter: "E" },
  { bit: CWR, name: "CWR", letter: "W" },
];

function flag(bit: number): TcpFlag {
  return TCP_FLAGS.find((f) => f.bit === bit)!;
}

/** RFC 9293's figures write SYN first ("SYN,ACK", "SYN,FIN"), then header order. */
const RFC_ORDER: readonly TcpFlag[] = [flag(SYN), ...TCP_FLAGS.filter((f) => f.bit !== SYN)];
/** packetdrill writes the letters in header order with ACK's "." last ("S.", "F.", "P."). */
const PACKETDRILL_ORDER: readonly TcpFlag[] = [...TCP_FLAGS.filter((f) => f.bit !== ACK), flag(ACK)];

/** Every flag name, in RFC order (for validating a JSON trace's flag list). */
export const FLAG_NAMES: readonly string[] = RFC_ORDER.map((f) => f.name);

/** The names of the bits set, in RFC order: ["SYN", "ACK"]. */
export function flagNameList(flags: number): string[] {
  const out: string[] = [];
  for (const f of RFC_ORDER) if (flags & f.bit) out.push(f.name);
  return out;
}

/** "SYN,ACK" style flag list, in the order RFC 9293's figures write them. */
export function flagNames(flags: number): string {
  return flagNameList(flags).join(",");
}

/** The bits named (unknown names add nothing): the inverse of flagNameList. */
export function flagsFromNames(names: readonly string[]): number {
  let flags = 0;
  for (const name of names) flags |= TCP_FLAGS.find((f) => f.name === name)?.bit ?? 0;
  return flags;
}

/** The bit a packetdrill letter stands for (F S R P U E W, "." for ACK), or undefined. */
export function flagOfLetter(letter: string): number | undefined {
  return TCP_FLAGS.find((f) => f.letter === letter)?.bit;
}

function letters(flags: number, order: readonly TcpFlag[]): string {
  let out = "";
  for (const f of order) if (flags & f.bit) out += f.letter;
  return out;
}

/** tcpdump's flag string: "S", "S.", "F.", "R", "P.", or "none". */
export function tcpdumpFlags(flags: number): string {
  return letters(flags, TCP_FLAGS) || "none";
}

/** Flags in packetdrill's notation: letters F S R P U E W, then '.' for ACK ("S.", "F.", "."); "-" for none. */
export function packetdrillFlags(flags: number): string {
  return letters(flags, PACKETDRILL_ORDER) || "-";
}
