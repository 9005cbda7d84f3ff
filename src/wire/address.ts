// IPv4 addresses as unsigned 32-bit numbers, and their dotted-quad text form.

/** A dotted IPv4 address as a uint32; throws RangeError for anything else. */
export function parseIPv4(text: string): number {
  // Four groups of one to three decimal digits, each at most 255, joined by dots — read one character at a
  // time: this runs for every connect() given an address string (split, a regex per group and Number()
  // cost ~2,000 instructions a call).
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return notIPv4(text);
      octet = octet * 10 + (c - 48);
    } else if (c === 46 && digits > 0 && dots < 3 && octet <= 255) {
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return notIPv4(text);
    }
  }
  if (dots !== 3 || digits === 0 || octet > 255) return notIPv4(text);
  return (value * 256 + octet) >>> 0;
}

function notIPv4(text: string): never {
  throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
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
