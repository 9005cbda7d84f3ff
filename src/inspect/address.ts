// Address text as the tools print it, turned into one normal form so that the same peer groups together
// whether it came from /proc, ss, netstat or Windows, over IPv4 or as a v4-mapped IPv6 address. The
// address grammar itself is src/wire's (one parser and one RFC 5952 printer for the whole project).
import { parseIPv4 } from "../wire/address.js";
import { formatIPv6, ipv6, parseIPv6 } from "../wire/address6.js";

/** An IPv6 address (RFC 4291 §2.2 text, an embedded dotted quad allowed) as eight 16-bit groups, or null. */
export function ipv6Groups(text: string): number[] | null {
  let a;
  try {
    a = parseIPv6(text);
  } catch {
    return null;
  }
  return [a.w0, a.w1, a.w2, a.w3].flatMap((w) => [w >>> 16, w & 0xffff]);
}

/** A dotted IPv4 address as its four octets, or null. */
export function ipv4Octets(text: string): number[] | null {
  let v: number;
  try {
    v = parseIPv4(text);
  } catch {
    return null;
  }
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

/** RFC 5952 text of eight groups (callers fold v4-mapped addresses to IPv4 first). */
export function formatIpv6(groups: readonly number[]): string {
  const w = (i: number): number => groups[i]! * 0x10000 + groups[i + 1]!;
  return formatIPv6(ipv6(w(0), w(2), w(4), w(6)));
}

/**
 * One normal text form per address. v4-mapped IPv6 (::ffff:a.b.c.d, what a dual-stack listener sees for IPv4
 * peers) becomes plain IPv4, so per-remote grouping counts one peer once. A zone ("%eth0", "%12") is kept.
 */
export function normaliseAddress(text: string): string {
  let s = text.trim();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  if (s === "*" || s === "") return "*";
  let zone = "";
  const pct = s.indexOf("%");
  if (pct >= 0) {
    zone = s.slice(pct);
    s = s.slice(0, pct);
  }
  if (ipv4Octets(s)) return s.split(".").map(Number).join(".") + zone;
  const groups = ipv6Groups(s);
  if (!groups) return text.trim();
  if (isV4MappedGroups(groups)) return v4FromGroups(groups);
  return formatIpv6(groups) + zone;
}

function isV4MappedGroups(g: readonly number[]): boolean {
  return g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
}

function v4FromGroups(g: readonly number[]): string {
  return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join(".");
}

export function isIpv6Text(address: string): boolean {
  return address.includes(":");
}

/** Whether `text` is a syntactically valid IPv4 or IPv6 address (zone allowed), or the wildcard "*". */
export function isAddressText(text: string): boolean {
  let s = text.trim();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  if (s === "*") return true;
  const pct = s.indexOf("%");
  if (pct >= 0) s = s.slice(0, pct);
  return ipv4Octets(s) !== null || ipv6Groups(s) !== null;
}

/** Loopback as Linux's tcp_tw_reuse=2 sees it: 127/8, ::1 (v4-mapped loopback is already folded to 127/8). */
export function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1";
}

export function isWildcard(address: string): boolean {
  return address === "*" || address === "0.0.0.0" || address === "::";
}

/**
 * /proc/net/tcp prints an IPv4 address as one 32-bit word in *host* byte order (%08X of the raw __be32),
 * so on little-endian machines the bytes read backwards: 0100007F is 127.0.0.1. IPv6 is four such words.
 */
export function decodeProcAddress(hex: string, littleEndian: boolean): string | null {
  if (!/^[0-9A-Fa-f]+$/.test(hex) || (hex.length !== 8 && hex.length !== 32)) return null;
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = hex.slice(w, w + 8);
    const b = [0, 2, 4, 6].map((i) => parseInt(word.slice(i, i + 2), 16));
    bytes.push(...(littleEndian ? b.reverse() : b));
  }
  if (bytes.length === 4) return bytes.join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  if (isV4MappedGroups(groups)) return v4FromGroups(groups);
  return formatIpv6(groups);
}

/** Split "addr:port" where the port follows the last colon; handles "[v6]:port" and "*:port". */
export function splitHostPort(text: string): { host: string; port: string } | null {
  const i = text.lastIndexOf(":");
  if (i <= 0 || i === text.length - 1) return null;
  return { host: text.slice(0, i), port: text.slice(i + 1) };
}
