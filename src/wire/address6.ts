// IPv6 addresses (RFC 4291) as four unsigned 32-bit words, their text forms (RFC 4291 §2.2 in,
// RFC 5952 out) and the classes the engine and the views need to tell apart.
//
// Why four u32 words, not a 16-byte Uint8Array, a BigInt or a string: the engine keys connections
// on addresses and compares them per segment. Four small integers compare in four `===` with no
// allocation, hash by mixing four numbers, and fit the TIME_WAIT table's typed-array columns as
// four Uint32 columns (no object per record). A Uint8Array costs an object plus a backing store
// per address (~100 bytes) and 16 byte compares (or an aligned Uint32 view, another object); a
// BigInt allocates on every shift that builds it from the wire; a string is built and hashed per
// packet. Text is only made at the edges (CLI, ladder, trace), never on the hot path.
import { formatIPv4, parseIPv4 } from "./address.js";

/** 128 bits, most significant word first: w0 holds the first two groups ("2001:db8" = 0x20010db8). */
export interface IPv6Address {
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
}

export const IPV6_ADDRESS_LENGTH = 16;

/** A text address that is not IPv6; thrown by the parsers (input from users, never from the wire). */
export class IPv6AddressError extends RangeError {
  readonly code = "ERR_TCPLAB_BAD_IPV6_ADDRESS";

  constructor(text: string, why: string) {
    super(`not an IPv6 address: ${JSON.stringify(text)} (${why})`);
    this.name = "IPv6AddressError";
  }
}

/** An address from its four words (each taken modulo 2^32). One object shape for every address. */
export function ipv6(w0: number, w1: number, w2: number, w3: number): IPv6Address {
  return { w0: w0 >>> 0, w1: w1 >>> 0, w2: w2 >>> 0, w3: w3 >>> 0 };
}

export const IPV6_UNSPECIFIED: IPv6Address = Object.freeze(ipv6(0, 0, 0, 0));
export const IPV6_LOOPBACK: IPv6Address = Object.freeze(ipv6(0, 0, 0, 1));

function wordAt(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** The address in bytes[at, at + 16) (network order). The caller has checked the bounds. */
export function readIPv6Address(bytes: Uint8Array, at: number): IPv6Address {
  return {
    w0: wordAt(bytes, at),
    w1: wordAt(bytes, at + 4),
    w2: wordAt(bytes, at + 8),
    w3: wordAt(bytes, at + 12),
  };
}

function writeWord(out: Uint8Array, at: number, w: number): void {
  out[at] = w >>> 24;
  out[at + 1] = w >>> 16;
  out[at + 2] = w >>> 8;
  out[at + 3] = w;
}

/** Write addr at out[at, at + 16) in network order. */
export function writeIPv6Address(out: Uint8Array, at: number, addr: IPv6Address): void {
  writeWord(out, at, addr.w0);
  writeWord(out, at + 4, addr.w1);
  writeWord(out, at + 8, addr.w2);
  writeWord(out, at + 12, addr.w3);
}

export function ipv6Equal(a: IPv6Address, b: IPv6Address): boolean {
  return a.w0 === b.w0 && a.w1 === b.w1 && a.w2 === b.w2 && a.w3 === b.w3;
}

/** Numeric order (-1, 0, 1): deterministic sorting for views and tables. */
export function compareIPv6(a: IPv6Address, b: IPv6Address): number {
  if (a.w0 !== b.w0) return a.w0 < b.w0 ? -1 : 1;
  if (a.w1 !== b.w1) return a.w1 < b.w1 ? -1 : 1;
  if (a.w2 !== b.w2) return a.w2 < b.w2 ? -1 : 1;
  if (a.w3 !== b.w3) return a.w3 < b.w3 ? -1 : 1;
  return 0;
}

/** True when every word is an integer in 0..2^32-1 (what the encoder checks before writing). */
export function isIPv6Address(x: IPv6Address): boolean {
  return x.w0 >>> 0 === x.w0 && x.w1 >>> 0 === x.w1 && x.w2 >>> 0 === x.w2 && x.w3 >>> 0 === x.w3;
}

// --- IPv4-mapped addresses (RFC 4291 §2.5.5.2): ::ffff:a.b.c.d, how a dual-stack socket sees IPv4 peers.

export function v4Mapped(addr: number): IPv6Address {
  return ipv6(0, 0, 0xffff, addr);
}

export function isV4Mapped(a: IPv6Address): boolean {
  return a.w0 === 0 && a.w1 === 0 && a.w2 === 0xffff;
}

/** The IPv4 address inside a v4-mapped address, or null when `a` is not v4-mapped. */
export function v4FromMapped(a: IPv6Address): number | null {
  return isV4Mapped(a) ? a.w3 : null;
}

// --- Classes (RFC 4291 §2.4 and the registries' special-purpose blocks).

/** :: (RFC 4291 §2.5.2) */
export function isUnspecified6(a: IPv6Address): boolean {
  return (a.w0 | a.w1 | a.w2 | a.w3) === 0;
}

/** ::1 (RFC 4291 §2.5.3) */
export function isLoopback6(a: IPv6Address): boolean {
  return a.w0 === 0 && a.w1 === 0 && a.w2 === 0 && a.w3 === 1;
}

/** fe80::/10 (RFC 4291 §2.5.6): the first 10 bits are 1111111010. */
export function isLinkLocal6(a: IPv6Address): boolean {
  return a.w0 >>> 22 === 0x3fa;
}

/** fc00::/7, unique local addresses (RFC 4193 §3.1): the first 7 bits are 1111110. */
export function isUniqueLocal6(a: IPv6Address): boolean {
  return a.w0 >>> 25 === 0x7e;
}

/** ff00::/8 (RFC 4291 §2.7) */
export function isMulticast6(a: IPv6Address): boolean {
  return a.w0 >>> 24 === 0xff;
}

/** Documentation prefixes: 2001:db8::/32 (RFC 3849) and 3fff::/20 (RFC 9637). */
export function isDocumentation6(a: IPv6Address): boolean {
  return a.w0 === 0x20010db8 || a.w0 >>> 12 === 0x3fff0;
}

// --- Text in: every form of RFC 4291 §2.2.

const GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Groups of one side of "::" (or of the whole address), as 16-bit values; a trailing dotted quad gives two. */
function parseGroups(text: string, side: string, dottedAllowed: boolean): number[] {
  if (side === "") return [];
  const parts = side.split(":");
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (dottedAllowed && i === parts.length - 1 && part.includes(".")) {
      let v4: number;
      try {
        v4 = parseIPv4(part);
      } catch {
        throw new IPv6AddressError(text, `bad embedded IPv4 address ${JSON.stringify(part)}`);
      }
      out.push(v4 >>> 16, v4 & 0xffff);
    } else if (GROUP.test(part)) {
      out.push(parseInt(part, 16));
    } else {
      throw new IPv6AddressError(
        text,
        part === "" ? "empty group" : `group ${JSON.stringify(part)} is not 1-4 hex digits`,
      );
    }
  }
  return out;
}

/**
 * Parse any RFC 4291 §2.2 text form: eight groups of 1-4 hex digits (either case), one "::" for
 * one or more zero groups, and an embedded dotted IPv4 address as the last 32 bits
 * ("::ffff:192.0.2.1", "64:ff9b::198.51.100.7"). Zone indices ("fe80::1%eth0") are refused:
 * nothing here has interfaces to scope to. Throws IPv6AddressError.
 */
export function parseIPv6(text: string): IPv6Address {
  const halves = text.split("::");
  if (halves.length > 2) throw new IPv6AddressError(text, '"::" appears more than once');
  if (text.includes("%")) throw new IPv6AddressError(text, "zone indices are not supported");
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(text, halves[0]!, false);
    const tail = parseGroups(text, halves[1]!, true);
    // "::" stands for at least one zero group (RFC 4291 §2.2 item 2).
    if (head.length + tail.length > 7) throw new IPv6AddressError(text, 'too many groups around "::"');
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    groups = parseGroups(text, text, true);
    if (groups.length !== 8) throw new IPv6AddressError(text, `${groups.length} groups, expected 8`);
  }
  return ipv6(
    groups[0]! * 0x10000 + groups[1]!,
    groups[2]! * 0x10000 + groups[3]!,
    groups[4]! * 0x10000 + groups[5]!,
    groups[6]! * 0x10000 + groups[7]!,
  );
}

// --- Text out: RFC 5952 §4 and §5.

/**
 * The canonical text form of RFC 5952: lowercase hex (§4.3), no leading zeros (§4.1), the longest
 * run of two or more zero groups shortened to "::", the first such run on a tie (§4.2.1-§4.2.3;
 * a single zero group stays "0"), and IPv4-mapped addresses in mixed notation "::ffff:192.0.2.1" (§5).
 */
export function formatIPv6(a: IPv6Address): string {
  if (isV4Mapped(a)) return `::ffff:${formatIPv4(a.w3)}`;
  const groups = [a.w0 >>> 16, a.w0 & 0xffff, a.w1 >>> 16, a.w1 & 0xffff];
  groups.push(a.w2 >>> 16, a.w2 & 0xffff, a.w3 >>> 16, a.w3 & 0xffff);
  let bestStart = -1;
  let bestLength = 1; // a run must be longer than one group to be compressed (§4.2.2)
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (g: number) => g.toString(16);
  if (bestStart < 0) return groups.map(hex).join(":");
  const head = groups.slice(0, bestStart).map(hex).join(":");
  const tail = groups
    .slice(bestStart + bestLength)
    .map(hex)
    .join(":");
  return `${head}::${tail}`;
}

/** "[2001:db8::1]:80": an address with a port, bracketed as RFC 5952 §6 recommends. */
export function formatEndpoint6(a: IPv6Address, port: number): string {
  return `[${formatIPv6(a)}]:${port}`;
}

/** Parse "[addr]:port" (RFC 5952 §6). Throws IPv6AddressError. */
export function parseEndpoint6(text: string): { addr: IPv6Address; port: number } {
  const m = /^\[([^\]]*)\]:(\d{1,5})$/.exec(text);
  if (m === null) throw new IPv6AddressError(text, 'expected "[address]:port"');
  const port = Number(m[2]);
  if (port > 0xffff) throw new IPv6AddressError(text, `port ${port} is above 65535`);
  return { addr: parseIPv6(m[1]!), port };
}
