// SYN cookies: the SYN,ACK's ISS encodes what a SYN_RECEIVED entry would have kept, so a listener under
// a SYN flood keeps no state until the handshake's final ACK proves the peer real (RFC 4987 §3.6).
// Layout of the 32-bit cookie: 5 bits of a 64-second counter, 3 bits of MSS index, 24 bits of keyed hash.
import { addressDigest, keyedHash } from "./isn.js";
import { IPV6_ID_BASE } from "../wire/address-table.js";

/** The MSS values a cookie can carry: Linux's IPv4 table (linux-profile.md "SYN cookies"). */
export const COOKIE_MSS_TABLE: readonly number[] = [536, 1300, 1440, 1460];
/** Linux's IPv6 table (net/ipv6/syncookies.c msstab): 1280, 1480, 1500 and 9000-byte MTUs less 60. */
export const COOKIE_MSS_TABLE6: readonly number[] = [1220, 1420, 1440, 8940];

function mssTable(remoteAddr: number): readonly number[] {
  return remoteAddr >= IPV6_ID_BASE ? COOKIE_MSS_TABLE6 : COOKIE_MSS_TABLE;
}
const PERIOD = 64_000_000; // µs

export function cookieMssIndex(peerMss: number, table: readonly number[] = COOKIE_MSS_TABLE): number {
  let idx = 0;
  for (let i = 0; i < table.length; i++) if (table[i]! <= peerMss) idx = i;
  return idx;
}

function cookieHash(
  key: Uint32Array,
  t: number,
  peerIsn: number,
  remoteAddr: number,
  ports: number,
  mssIdx: number,
): number {
  return keyedHash(key, addressDigest(key, remoteAddr), ports, peerIsn, (t << 8) | mssIdx) & 0xffffff;
}

export function makeCookie(
  key: Uint32Array,
  now: number,
  remoteAddr: number,
  remotePort: number,
  localPort: number,
  peerIsn: number,
  peerMss: number,
): number {
  const t = Math.floor(now / PERIOD) & 31;
  const mssIdx = cookieMssIndex(peerMss, mssTable(remoteAddr));
  const h = cookieHash(key, t, peerIsn, remoteAddr, (remotePort << 16) | localPort, mssIdx);
  return ((t << 27) | (mssIdx << 24) | h) >>> 0;
}

/** The peer MSS the cookie carried, or -1 when the cookie is not ours or older than two periods. */
export function checkCookie(
  key: Uint32Array,
  now: number,
  cookie: number,
  remoteAddr: number,
  remotePort: number,
  localPort: number,
  peerIsn: number,
): number {
  const t = cookie >>> 27;
  const mssIdx = (cookie >>> 24) & 7;
  const current = Math.floor(now / PERIOD) & 31;
  const age = (current - t) & 31;
  const table = mssTable(remoteAddr);
  if (age > 1 || mssIdx >= table.length) return -1;
  const h = cookieHash(key, t, peerIsn, remoteAddr, (remotePort << 16) | localPort, mssIdx);
  return (cookie & 0xffffff) === h ? table[mssIdx]! : -1;
}
