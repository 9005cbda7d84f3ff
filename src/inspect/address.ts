// Address text as the tools print it, turned into one normal form so that the same peer groups together
// whether it came from /proc, ss, netstat or Windows, over IPv4 or as a v4-mapped IPv6 address.

/** Parse an IPv6 address into eight 16-bit groups, or null. Accepts an embedded dotted quad at the end. */
export function ipv6Groups(text: string): number[] | null {
  let s = text;
  const tail: number[] = [];
  if (s.includes(".")) {
    const lastColon = s.lastIndexOf(":");
    if (lastColon < 0) return null;
    const quad = ipv4Octets(s.slice(lastColon + 1));
    if (!quad) return null;
    tail.push((quad[0]! << 8) | quad[1]!, (quad[2]! << 8) | quad[3]!);
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith("::")) s = s.slice(0, -1);
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !rest) return null;
  const want = 8 - tail.length;
  if (halves.length === 2) {
    const fill = want - head.length - rest.length;
    if (fill < 0) return null;
    return [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
  }
  if (head.length !== want) return null;
  return [...head, ...tail];
}

export function ipv4Octets(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    out.push(v);
  }
  return out;
}

/** RFC 5952 text: lower case, longest run (≥ 2) of zero groups compressed to "::". */
export function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
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
