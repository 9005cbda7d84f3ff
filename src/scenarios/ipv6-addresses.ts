// `tcplab run <scenario> --ipv6`: the same scenario on IPv6 hosts. Scenarios are written with IPv4
// addresses (those of the seed articles); a run over IPv6 gives each host the documentation-prefix
// address (RFC 3849) that reads like its IPv4 one — 10.b.c.d becomes 2001:db8::b:c:d, any other a.b.c.d
// becomes 2001:db8::a:b:c:d, each octet's decimal digits read as a hexadecimal group — so a reader of
// the ladder finds 10.0.0.2 again as 2001:db8::2.
import { parseIPv4 } from "../wire/address.js";
import { formatIPv6, ipv6, type IPv6Address } from "../wire/address6.js";
import { addressTable } from "../wire/address-table.js";

/** The IPv6 address standing for an IPv4 address in an --ipv6 run. */
export function scenarioIPv6(v4: number): IPv6Address {
  const group = (octet: number) => parseInt(String(octet), 16);
  const [a, b, c, d] = [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].map(group) as [
    number,
    number,
    number,
    number,
  ];
  const low = (c << 16) | d;
  return a === 0x10 ? ipv6(0x20010db8, 0, b, low) : ipv6(0x20010db8, 0, (a << 16) | b, low);
}

/** A scenario's address text in the run's family. */
export function scenarioAddressText(v4Text: string, ipv6Run: boolean): string {
  return ipv6Run ? formatIPv6(scenarioIPv6(parseIPv4(v4Text))) : v4Text;
}

/** A scenario's address number in the run's family (an IPv6 one interned for good: the run's trace names it). */
export function scenarioAddress(v4: number, ipv6Run: boolean): number {
  return ipv6Run ? addressTable.internAddress(scenarioIPv6(v4)) : v4 >>> 0;
}

/** The IPv4 address an --ipv6 run's address stands for (the inverse of scenarioIPv6), or null. */
export function scenarioIPv4(a: IPv6Address): number | null {
  if (a.w0 !== 0x20010db8 || a.w1 !== 0) return null;
  const octet = (group: number) => {
    const text = group.toString(16);
    return /^\d{1,3}$/.test(text) && Number(text) <= 255 ? Number(text) : -1;
  };
  const hiA = a.w2 >>> 16;
  const [first, b, c, d] =
    hiA === 0
      ? [10, octet(a.w2 & 0xffff), octet(a.w3 >>> 16), octet(a.w3 & 0xffff)]
      : [octet(hiA), octet(a.w2 & 0xffff), octet(a.w3 >>> 16), octet(a.w3 & 0xffff)];
  if ([first, b, c, d].some((o) => o < 0)) return null;
  return ((first << 24) | (b << 16) | (c << 8) | d) >>> 0;
}
