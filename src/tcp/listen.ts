// LISTEN (RFC 9293 §3.10.7.2): a listening socket (passive OPEN) with a bounded SYN queue of half-open
// children in SYN_RECEIVED and a bounded accept queue of established children the application has not
// taken yet; what a segment for a listener does (RST ignored, an ACK answered with RST unless it completes
// a SYN cookie, a SYN admitted by the queue bounds and the cookie policy). The engine (./engine.ts) finds
// the listener and owns the demultiplexing table the children join.
import type { Connection, ConnectionHandlers } from "./connection.js";
import type { Counters } from "./counters.js";
import type { Profile } from "./profile.js";
import { seqAdd } from "./seq.js";
import { checkCookie, cookieAckOptions, cookieSynAckOptions, makeCookie } from "./syncookie.js";
import type { DropReason } from "./events.js";
import { ACK, RST, SYN, type Segment } from "../wire/segment.js";

/** How long after a SYN-queue overflow cookie ACKs are still honoured (two cookie periods). */
const COOKIE_WINDOW = 128 * 1_000_000;

/** What LISTEN processing needs from its engine (./engine.ts makes one per host). */
export interface ListenEnv {
  readonly profile: Profile;
  readonly counters: Counters;
  /** The SYN-cookie secret. */
  readonly cookieKey: Uint32Array;
  /** The engine's time (µs). */
  readonly now: number;
  /** The ISS for a child of this SYN (RFC 9293 §3.4.1, ./isn.ts; the profile may make it random). */
  iss(seg: Segment): number;
  dropped(seg: Segment, reason: DropReason, conn: Connection | null, detail?: string): void;
  /** RST in reply to a segment no connection owns (§3.10.7.1 formats). */
  replyRst(seg: Segment, why: string): void;
  /** A segment back to the sender of `seg`, no options, no payload. */
  segmentTo(seg: Segment, seq: number, ack: number, flags: number): Segment;
  transmit(seg: Segment, conn: Connection | null, why: string, retransmission: boolean): void;
  /** A child in the demultiplexing table, owned by the listener until accepted. */
  newChild(listener: Listener, seg: Segment): Connection;
  /** A new SYN_RECEIVED child in the SYN queue, its SYN,ACK sent. */
  spawnChild(listener: Listener, seg: Segment, iss: number): void;
  /** The TSval offset of the 4-tuple `seg` arrived on (the one its child will use, ./isn.ts). */
  tsOffset(seg: Segment): number;
  /** The MSS and receive buffer a child of `listener` gets (the scale a cookie SYN,ACK offers follows them). */
  childSettings(listener: Listener, remoteAddr: number): { mss: number; receiveBuffer?: number };
}

/** What a listener tells the application. */
export interface ListenerHandlers {
  /** A child reached ESTABLISHED and was accepted. Return the handlers for the new connection. */
  onConnection(conn: Connection): ConnectionHandlers | void;
}

/** A listening port: its SYN queue and accept queue (Host.listen returns it). */
export class Listener {
  readonly synQueue = new Set<Connection>();
  readonly acceptQueue: Connection[] = [];
  /** When true, children wait in the accept queue (an application that does not call accept()). */
  paused = false;
  closed = false;
  /** When the SYN queue last overflowed (µs); cookie ACKs are honoured for a while after it. */
  lastOverflow = -Infinity;
  /** Socket settings its children inherit (SO_RCVBUF, SO_SNDBUF, TCP_MAXSEG set on the listener). */
  settings: { receiveBuffer?: number; sendBuffer?: number; maxSegment?: number } | undefined = undefined;
  /** The family of the listening socket: an IPv6 one also takes IPv4 SYNs unless `ipv6Only` (IPV6_V6ONLY). */
  family: 4 | 6 = 4;
  ipv6Only = false;
  /** "local:port" as its state events name it (StateChangeEvent with `listener: true`), e.g. "10.0.0.2:80". */
  label = "";

  constructor(
    readonly port: number,
    /** Accept queue bound (listen()'s backlog, capped by somaxconn). */
    readonly backlog: number,
    /** SYN queue bound. */
    readonly synQueueLimit: number,
    readonly handlers: ListenerHandlers,
  ) {}

  /** The accept queue holds `backlog` connections. */
  get acceptQueueFull(): boolean {
    return this.acceptQueue.length >= this.backlog;
  }

  /** The SYN queue (half-open connections) is full. */
  get synQueueFull(): boolean {
    return this.synQueue.size >= this.synQueueLimit;
  }
}

/** §3.10.7.2 LISTEN. */
export function listenArrives(env: ListenEnv, listener: Listener, seg: Segment): void {
  if (seg.flags & RST) {
    env.dropped(seg, "listen-rst", null); // first: an RST is ignored
    return;
  }
  if (seg.flags & ACK && !(seg.flags & SYN)) {
    // Second: any ACK is bad in LISTEN — unless it completes a SYN cookie. Under "overflow" cookies are
    // only checked within two minutes of the SYN queue overflowing (Linux tcp_synq_no_recent_overflow).
    const policy = env.profile.synCookies;
    const cookiesLive =
      policy === "always" || (policy === "overflow" && env.now - listener.lastOverflow < COOKIE_WINDOW);
    if (cookiesLive && cookieArrives(env, listener, seg)) return;
    env.dropped(seg, "listen-ack", null);
    env.replyRst(seg, "rst-listen-ack");
    return;
  }
  if (!(seg.flags & SYN) || seg.flags & ACK) {
    env.dropped(seg, seg.flags & ACK ? "listen-ack" : "listen-no-syn", null);
    if (seg.flags & ACK) env.replyRst(seg, "rst-listen-ack");
    return;
  }
  // Third: a SYN.
  synToListener(env, listener, seg, -1);
}

/**
 * Admission of a SYN by a listener: the accept-queue and SYN-queue bounds, SYN cookies by policy, or a new
 * SYN_RECEIVED child. `isnFloor` ≥ 0 when the SYN reopens a TIME_WAIT 4-tuple (the ISS must exceed it).
 */
export function synToListener(env: ListenEnv, listener: Listener, seg: Segment, isnFloor: number): void {
  if (listener.acceptQueueFull) {
    // Linux drops the SYN when the accept queue is full, cookies or not (ListenOverflows).
    env.counters.listenOverflows++;
    env.counters.listenDrops++;
    env.dropped(seg, "accept-queue-full", null);
    return;
  }
  const policy = env.profile.synCookies;
  if (policy === "overflow" && listener.synQueueFull) listener.lastOverflow = env.now;
  if (policy === "always" || (policy === "overflow" && listener.synQueueFull)) {
    sendCookieSynAck(env, listener, seg);
    return;
  }
  if (listener.synQueueFull) {
    env.counters.listenDrops++;
    env.dropped(seg, "syn-queue-full", null);
    return;
  }
  // A SYN that reopens TIME_WAIT gets the floor itself as ISS, whatever the clock says: Linux's
  // tcp_conn_request takes TCP_SKB_CB(skb)->tcp_tw_isn and calls init_seq only when it is 0.
  env.spawnChild(listener, seg, isnFloor >= 0 ? isnFloor : env.iss(seg));
}

function sendCookieSynAck(env: ListenEnv, listener: Listener, seg: Segment): void {
  const cookie = makeCookie(
    env.cookieKey,
    env.now,
    seg.srcAddr,
    seg.srcPort,
    seg.dstPort,
    seg.seq,
    seg.options.mss ?? 536,
  );
  env.counters.synCookiesSent++;
  const synAck = env.segmentTo(seg, cookie, seqAdd(seg.seq, 1), SYN | ACK);
  synAck.window = Math.min(65535, env.profile.receiveBuffer);
  synAck.options = cookieSynAckOptions(
    env.profile,
    seg.options,
    env.childSettings(listener, seg.srcAddr), // the MSS of the peer's family
    env.now,
    env.tsOffset(seg),
  );
  env.counters.outSegs++;
  env.transmit(synAck, null, "syn-ack-cookie", false);
}

/** The final ACK of a cookie handshake: rebuild the connection from the cookie, or fail. */
function cookieArrives(env: ListenEnv, listener: Listener, seg: Segment): boolean {
  const peerMss = checkCookie(
    env.cookieKey,
    env.now,
    seqAdd(seg.ack, -1),
    seg.srcAddr,
    seg.srcPort,
    seg.dstPort,
    seqAdd(seg.seq, -1),
  );
  if (peerMss < 0) {
    env.counters.synCookiesFailed++;
    return false;
  }
  const restored = cookieAckOptions(env.profile, seg.options, env.tsOffset(seg));
  if (restored === null) return false; // an option switched off since the SYN,ACK: Linux answers RST
  if (listener.acceptQueueFull) {
    env.counters.listenOverflows++;
    env.dropped(seg, "accept-queue-full", null);
    return true;
  }
  env.counters.synCookiesRecv++;
  const conn = env.newChild(listener, seg);
  conn.openFromCookie(seg, seqAdd(seg.ack, -1), peerMss, restored, env.now);
  if (seg.payload.length > 0) conn.segmentArrives(seg, env.now);
  return true;
}
