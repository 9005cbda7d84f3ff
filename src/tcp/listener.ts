// A listening socket (passive OPEN): a bounded SYN queue of half-open children in SYN_RECEIVED and a
// bounded accept queue of established children the application has not taken yet.
import type { Connection, ConnectionHandlers } from "./connection.js";

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
