// IPv4 addresses as unsigned 32-bit numbers, and their dotted-quad text form.

/** A dotted IPv4 address as a uint32; throws RangeError for anything else. */
export function parseIPv4(text: string): number {
  const parts = text.split(".");
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
    const octet = Number(part);
    if (octet > 255) throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
    value = value * 256 + octet;
  }
  return value >>> 0;
}

/** A uint32 IPv4 address in dotted form. */
export function formatIPv4(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}`;
}

export function isLoopback(addr: number): boolean {
  return addr >>> 24 === 127;
}

/** Written as a dotted IPv4 address (four decimal groups), not a name — tcplab does no DNS. */
export function isDottedIPv4(text: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(text);
}
