// Option negotiation on the SYN and SYN,ACK: what we offer (MSS, window scale, SACK-permitted,
// timestamps), what the peer's SYN decides (each option only if both SYNs carried it: RFC 7323 §2.2,
// §3.2; RFC 2018 §2), the send MSS (RFC 9293 §3.7.1, MUST-15 for a missing option), and the same state
// restored from a SYN cookie.
import { defaultPeerMss } from "./address-family.js";
import type { Connection } from "./connection.js";
import { MAX_WSCALE } from "./receiver.js";
import type { CookieRestored } from "./syncookie.js";
import type { Segment, TcpOptions } from "../wire/segment.js";

/** Linux's tcp_min_snd_mss: the smallest send MSS a peer's MSS option can make us use. */
export const MIN_SEND_MSS = 48;

/**
 * The peer's SYN (or SYN,ACK) options. Each option is used only if both SYNs carried it: a passive
 * side answers with what the peer offered and it enables (RFC 7323 §2.2, §3.2; RFC 2018 §2); an active
 * side takes what the SYN,ACK confirms of its own offer.
 */
export function applyPeerSynOptions(c: Connection, seg: Segment, now: number): void {
  const options = seg.options;
  const p = c.env.profile;
  // RFC 9293 §3.7.1: without an MSS option the peer's MSS is 536 for IPv4, 1220 for IPv6 (MUST-15;
  // Linux's mss_clamp of tcp_v6_connect and tcp_request_sock_ipv6_ops).
  c.peerMss = options.mss ?? defaultPeerMss(c.remoteAddr);
  const offered = c.state === "SYN_SENT"; // our SYN went out with our offers
  if (p.windowScaling && options.wscale !== undefined) {
    c.wsOk = true;
    // RFC 7323 §2.3: a shift above 14 is used as 14 (and MAY be logged).
    c.snd.wscale = Math.min(options.wscale, MAX_WSCALE);
    c.rcv.wscale = c.offeredWscale;
  } else {
    c.wsOk = false;
    c.snd.wscale = 0;
    c.rcv.wscale = 0;
  }
  if (p.timestamps && options.timestamp) {
    c.ts.ok = true;
    c.ts.recent = options.timestamp.val;
    c.ts.recentAt = now;
  } else if (offered || !p.timestamps) {
    c.ts.ok = false;
  }
  c.sackOk = p.sack && options.sackPermitted === true;
  setSendMss(c);
}

/**
 * Send MSS = min(the peer's MSS option, ours from the path MTU), less the room the timestamp option
 * takes in every segment (Linux: peer 1460 with timestamps → 1448; linux-profile.md "MSS and MTU").
 */
export function setSendMss(c: Connection): void {
  const base = Math.min(c.localMss, c.peerMss);
  // Linux's tcp_min_snd_mss (48): a peer must not make us send floods of tiny segments (CVE-2019-11479).
  c.snd.mss = Math.max(MIN_SEND_MSS, base - (c.ts.ok ? 12 : 0));
}

/**
 * Our options on a SYN or SYN,ACK. A SYN offers what the profile enables; a SYN,ACK only confirms what the
 * peer's SYN offered — except a simultaneous open's under profile.synAckRepeatsSynOptions (Linux), which
 * repeats our SYN's offers.
 */
export function synOptions(c: Connection, withAck: boolean): TcpOptions {
  const p = c.env.profile;
  const options: TcpOptions = { mss: c.localMss };
  const confirm = confirmsOnly(c, withAck);
  if (confirm ? c.sackOk : p.sack) options.sackPermitted = true;
  if (confirm ? c.ts.ok : p.timestamps)
    options.timestamp = { val: c.ts.val(c.now), ecr: withAck ? c.ts.recent : 0 };
  if (confirm ? c.wsOk : p.windowScaling) options.wscale = confirm ? c.rcv.wscale : c.offeredWscale;
  return options;
}

/** The window of our SYN or SYN,ACK: never scaled (RFC 7323 §2.2); Linux's is tcp_select_initial_window's (receiver.ts synWindow). */
export function synWindow(c: Connection, withAck: boolean, options: TcpOptions): number {
  return c.rcv.synWindow(
    withAck && c.ts.ok ? c.localMss - 12 : c.localMss,
    confirmsOnly(c, withAck) ? c.rcv.wscale : (options.wscale ?? 0),
    withAck,
  );
}

/** A SYN,ACK that answers the peer's offers rather than making its own. */
function confirmsOnly(c: Connection, withAck: boolean): boolean {
  return withAck && (c.passive || !c.env.profile.synAckRepeatsSynOptions);
}

/**
 * A connection completed by a SYN cookie: what the SYN would have set (applyPeerSynOptions), as the
 * cookie's echo restored it (./syncookie.ts).
 */
export function restoreFromCookie(
  c: Connection,
  restored: CookieRestored,
  peerMss: number,
  now: number,
): void {
  c.wsOk = restored.wscale !== undefined;
  c.snd.wscale = restored.wscale ?? 0;
  c.rcv.wscale = c.wsOk ? c.offeredWscale : 0;
  c.sackOk = restored.sackOk;
  if (restored.tsVal !== undefined) {
    c.ts.ok = true;
    c.ts.recent = restored.tsVal;
    c.ts.recentAt = now;
  }
  c.peerMss = peerMss;
  setSendMss(c);
}
