// What a connection needs from its host (ConnectionEnv: the engine, ./engine.ts), what it tells the
// application (ConnectionHandlers: the socket layer), and the settings it is made with.
import type { Connection } from "./connection.js";
import type { Counters } from "./counters.js";
import type { TcpError } from "./errors.js";
import type { DropReason, TraceSink } from "./events.js";
import type { InvariantSink } from "./invariants.js";
import type { Notice } from "./outbox.js";
import type { Profile } from "./profile.js";
import type { TcpState } from "./state.js";
import type { Segment } from "../wire/segment.js";

/**
 * What the connection needs from its host: the engine's side of a connection (./engine.ts Host implements it),
 * not for applications.
 * @internal
 */
export interface ConnectionEnv {
  readonly profile: Profile;
  readonly hostName: string;
  readonly trace: TraceSink;
  readonly counters: Counters;
  /**
   * Sends a segment: the engine assigns the packet id and records the event now, and hands the segment to
   * the driver once the current entry has finished (./outbox.ts).
   */
  transmit(seg: Segment, conn: Connection, why: string, retransmission: boolean): void;
  /**
   * Records a notification for the application (or the connection's own step after it), given once the
   * current entry has finished: the engine never calls the application in the middle of an entry.
   */
  notify(kind: Notice, conn: Connection): void;
  /**
   * An application call begins (`enter`) and ends (`leave`): the outermost `leave` drains the outbox. Calls
   * made from inside a notification are entries of their own; their effects join the queue being drained.
   */
  enter(): void;
  /** The end of what `enter` began: the outermost one drains the outbox. */
  leave(): void;
  /** The connection's deadline may have moved earlier (to `deadline`, when the caller knows it is the earliest). */
  deadlineChanged(conn: Connection, deadline?: number): void;
  /**
   * Called after every state change, for the engine's tables: a CLOSED connection leaves the demultiplexing
   * table, one in TIME_WAIT becomes a compact record, a listener's child that reached ESTABLISHED is
   * recorded as ready to accept (its application hears of it from the outbox).
   */
  stateChanged(conn: Connection, from: TcpState, to: TcpState): void;
  /** Records a dropped segment. */
  dropped(seg: Segment, reason: DropReason, conn: Connection | null, detail?: string): void;
  /** May this passive child become ESTABLISHED now? False while its listener's accept queue is full. */
  acceptQueueHasRoom(conn: Connection): boolean;
  /**
   * The application closed this connection and it lives on as an orphan: count it; true when the host
   * now holds more orphans than the profile's maxOrphans (the connection must then be reset).
   */
  orphanAdded(conn: Connection): boolean;
  /** The debug mode's sink (./invariants.ts): null when the engine invariants are not checked. */
  readonly invariants: InvariantSink | null;
  /** Does the TIME_WAIT record this connection left (Connection.timeWaitSlot) still hold its 4-tuple? */
  timeWaitHeld(conn: Connection): boolean;
  /** The timestamp clock offset of a 4-tuple (stable across its incarnations; see ./timestamps.ts). */
  tsOffset(localAddr: number, localPort: number, remoteAddr: number, remotePort: number): number;
  /** The driver's clock (µs), for application calls made without a time (the host's `time()`). */
  time?(): number;
}

/** Callbacks into the application (the socket layer). All optional. */
export interface ConnectionHandlers {
  /** The handshake completed (ESTABLISHED). */
  onEstablished?(conn: Connection): void;
  /** In-order data arrived for the application. */
  onData?(conn: Connection, data: Uint8Array): void;
  /** The peer's FIN, after all data before it was delivered (read() → EOF). */
  onEnd?(conn: Connection): void;
  /** Send buffer space became free after a write was refused or partial. */
  onDrain?(conn: Connection): void;
  /** The connection is finished for the application: CLOSED, or TIME_WAIT for the active closer. */
  onClose?(conn: Connection, error: TcpError | null): void;
}

/** Per-connection settings a host passes when it creates a connection. */
export interface ConnectionOptions {
  mss: number;
  noDelay?: boolean;
  keepAlive?: boolean;
  /** SO_RCVBUF of this socket (bytes, already doubled as Linux does), instead of the profile's. */
  receiveBuffer?: number | undefined;
  /** SO_SNDBUF of this socket (bytes, already doubled), instead of the profile's. */
  sendBuffer?: number | undefined;
}
