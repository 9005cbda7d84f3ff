// SYN cookies: the SYN,ACK's ISS encodes what a SYN_RECEIVED entry would have kept, so a listener under
// a SYN flood keeps no state until the handshake's final ACK proves the peer real (RFC 4987 §3.6).
// Layout of the 32-bit cookie: 5 bits of a 64-second counter, 3 bits of MSS index, 24 bits of keyed hash.
import type { TcpOptions } from "../wire/segment.js";
import { addressDigest, keyedHash } from "./isn.js";
import { IPV6_ID_BASE } from "../wire/address-table.js";
import { MS, type Profile } from "./profile.js";
import { offeredWscale } from "./receiver.js";

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

// ---------------------------------------------------------------- options in the TSval (Linux)
//
// A cookie's 32 bits have no room for SACK-permitted or the peer's window scale. With timestamps both
// sides echo our TSval back to us, so Linux hides them in its low 6 bits (syncookies.c, the layout above
// cookie_init_timestamp): bits 0–3 the peer's wscale (0xf: none offered), bit 4 SACK-permitted, bit 5
// ECN. The final ACK's TSecr brings them back (cookie_timestamp_decode). Without timestamps the SYN,ACK
// can carry nothing but the MSS (tcp_conn_request: want_cookie && !saw_tstamp → tcp_clear_options).

/** How many low TSval bits carry options (Linux TSBITS). */
const TS_OPTION_BITS = 6;
/** Linux TS_OPT_WSCALE_MASK: the wscale field, all ones when the SYN offered no window scale. */
const TS_OPT_WSCALE_MASK = 0xf;
/** Linux TS_OPT_SACK. (Bit 5, TS_OPT_ECN, stays 0: this engine does not negotiate ECN.) */
const TS_OPT_SACK = 1 << 4;

/** What a cookie connection remembers of the peer's SYN beyond its MSS. */
export interface CookieTsOptions {
  /** The peer's window scale shift, or undefined when its SYN offered none. */
  wscale: number | undefined;
  sackOk: boolean;
}

/**
 * The cookie SYN,ACK's TSval before the per-4-tuple offset: the clock `tsNow` (ms) with its low 6 bits
 * replaced by the options, stepped back one 64 ms period if that would put it ahead of the clock — later
 * TSvals come from the plain clock and must not go backwards (Linux cookie_init_timestamp).
 */
export function cookieTimestamp(tsNow: number, opts: CookieTsOptions): number {
  let bits = opts.wscale === undefined ? TS_OPT_WSCALE_MASK : Math.min(opts.wscale, 14);
  if (opts.sackOk) bits |= TS_OPT_SACK;
  let ts = (tsNow - (tsNow % 2 ** TS_OPTION_BITS) + bits) >>> 0;
  if (ts > tsNow) ts = (ts - 2 ** TS_OPTION_BITS) >>> 0;
  return ts;
}

/**
 * The options a cookie ACK's echo restores (`tsecr` already less the 4-tuple's offset), or null when it
 * names an option this host has switched off since (Linux cookie_timestamp_decode returns false: no
 * connection, and the listener answers the ACK with an RST).
 */
export function decodeCookieTimestamp(
  tsecr: number,
  enabled: { sack: boolean; windowScaling: boolean },
): CookieTsOptions | null {
  const sackOk = (tsecr & TS_OPT_SACK) !== 0;
  if (sackOk && !enabled.sack) return null;
  const ws = tsecr & TS_OPT_WSCALE_MASK;
  if (ws === TS_OPT_WSCALE_MASK) return { wscale: undefined, sackOk };
  if (!enabled.windowScaling) return null;
  return { wscale: ws, sackOk };
}

/** What the final ACK of a cookie handshake restores: the options, and the peer's TSval (if any) for TS.Recent. */
export interface CookieRestored extends CookieTsOptions {
  tsVal: number | undefined;
}

const NOTHING_RESTORED: CookieRestored = { wscale: undefined, sackOk: false, tsVal: undefined };

/**
 * The options of a cookie SYN,ACK answering a SYN with `syn` options. `tsOffset` is the 4-tuple's TSval
 * offset, `settings` the listener's (the scale we offer is the one the child will use, as Linux recomputes
 * it in cookie_v4_check with tcp_select_initial_window).
 */
export function cookieSynAckOptions(
  profile: Profile,
  syn: TcpOptions,
  settings: { mss: number; receiveBuffer?: number },
  now: number,
  tsOffset: number,
): TcpOptions {
  const options: TcpOptions = { mss: settings.mss };
  if (!profile.synCookieTsOptions || !profile.timestamps || !syn.timestamp) return options;
  const peerWscale = profile.windowScaling && syn.wscale !== undefined ? syn.wscale : undefined;
  const sackOk = profile.sack && syn.sackPermitted === true;
  const tsNow = Math.floor(now / MS);
  options.timestamp = {
    val: (cookieTimestamp(tsNow, { wscale: peerWscale, sackOk }) + tsOffset) >>> 0,
    ecr: syn.timestamp.val,
  };
  if (sackOk) options.sackPermitted = true;
  if (peerWscale !== undefined) {
    const buffer = settings.receiveBuffer ?? profile.receiveBuffer;
    options.wscale = offeredWscale(profile, buffer, settings.receiveBuffer !== undefined);
  }
  return options;
}

/**
 * What a cookie ACK with options `ack` restores, or null when the connection must not be made (Linux
 * cookie_v4_check: the echo less the 4-tuple's offset, unless it is 0, then cookie_timestamp_decode). An
 * ACK without timestamps restores nothing: the connection runs with MSS only (tcp_clear_options).
 */
export function cookieAckOptions(profile: Profile, ack: TcpOptions, tsOffset: number): CookieRestored | null {
  if (!profile.synCookieTsOptions || !profile.timestamps || !ack.timestamp) return NOTHING_RESTORED;
  const ecr = ack.timestamp.ecr === 0 ? 0 : (ack.timestamp.ecr - tsOffset) >>> 0;
  const decoded = decodeCookieTimestamp(ecr, profile);
  return decoded === null ? null : { ...decoded, tsVal: ack.timestamp.val };
}
