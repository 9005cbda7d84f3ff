// What the application hears, and when (design: the outbox, ./outbox.ts): data and EOF (RFC 9293
// §3.10.3 RECEIVE), the connection established, writable again, closed. Notices are recorded during an
// entry and given after it, so application code never runs while a segment is half processed; the ACK
// arrived data owes waits for the application's turn (Notice.AfterApplication), and a read may send it
// or a window update (§3.8.6.2.2).
import type { Connection } from "./connection.js";
import { sendAck } from "./emit.js";
import type { TcpError } from "./errors.js";
import { Notice } from "./outbox.js";
import { output } from "./output.js";
import { isSynchronized } from "./state.js";
import { ackReceivedData } from "./text-step.js";
import { T_DELACK } from "./timers.js";

/**
 * Records that the application has something to be told — data, the EOF, or a close that waited for them
 * (Notice.Readable; given by deliverNow) — or, for an orphan, discards what arrived.
 */
export function deliver(c: Connection): void {
  const rcv = c.rcv;
  if (!c.attached || c.closeReported) return;
  if (c.orphaned) {
    rcv.clear();
    if (c.closePending) reportClose(c, c.error);
    return;
  }
  if (
    (c.handlers.onData !== undefined && !rcv.paused && rcv.hasUnread) ||
    (rcv.finReceived && !rcv.eofDelivered && !rcv.hasUnread && !c.error) ||
    c.closePending
  ) {
    if (c.readableQueued) return;
    c.readableQueued = true;
    notifyApp(c, Notice.Readable);
  }
}

/** Records a notification for the application (given after the current entry). */
export function notifyApp(c: Connection, kind: Notice): void {
  c.appNotified = true;
  c.env.notify(kind, c);
}

/** Notice.Readable: hands in-order data, then EOF, to the application (not before it has accepted us). */
export function deliverNow(c: Connection): void {
  c.readableQueued = false;
  const rcv = c.rcv;
  if (!c.attached || c.closeReported) return;
  if (c.orphaned) {
    rcv.clear();
  } else if (c.handlers.onData) {
    // No closure per delivery: this runs for every segment of a transfer.
    // A handler that closes or aborts ends the delivery: nothing more is read after close().
    for (let chunk = rcv.take(); chunk !== null; chunk = c.orphaned ? null : rcv.take())
      c.handlers.onData?.(c, chunk);
  }
  // After an error there is no EOF: the stream did not end in order (Node: 'error', never 'end').
  if (rcv.finReceived && !rcv.eofDelivered && !rcv.hasUnread && !c.orphaned && !c.error) {
    rcv.eofDelivered = true;
    c.handlers.onEnd?.(c);
  }
  if (c.closePending) reportClose(c, c.error);
}

/** Gives one notice of the outbox to the application (the engine's drain calls it). */
export function give(c: Connection, kind: Notice): void {
  switch (kind) {
    case Notice.Established:
      if (!c.orphaned) c.handlers.onEstablished?.(c);
      return;
    case Notice.Readable:
      deliverNow(c);
      return;
    case Notice.Writable:
      if (!c.isClosed() && !c.orphaned) c.handlers.onDrain?.(c);
      return;
    case Notice.Closed:
      c.handlers.onClose?.(c, c.error);
      return;
    case Notice.AfterApplication:
      afterApplication(c);
      return;
    case Notice.WindowUpdate:
      windowUpdate(c);
      return;
    case Notice.ReadableThenAfter:
      deliverNow(c);
      afterApplication(c);
      return;
    case Notice.WritableThenAfter:
      if (!c.isClosed() && !c.orphaned) c.handlers.onDrain?.(c);
      afterApplication(c);
      return;
    default:
      return;
  }
}

/**
 * A listener's child handed to the application (accept): onEstablished and what arrived before, at once
 * and in that order — this runs while the outbox is drained (or inside accept()), never inside an entry.
 */
export function accepted(c: Connection): void {
  if (!c.establishedReported) {
    c.establishedReported = true;
    c.handlers.onEstablished?.(c);
  }
  deliverNow(c); // data (and a FIN) that arrived before accept()
}

/** onEstablished, once, and only to an application that holds the connection (a child once accepted). */
export function reportEstablished(c: Connection): void {
  if (c.establishedReported || !c.attached) return;
  c.establishedReported = true;
  notifyApp(c, Notice.Established);
}

/** onClose comes last: after every byte and the EOF were read, unless the connection failed. */
export function reportClose(c: Connection, error: TcpError | null): void {
  if (c.closeReported) return;
  const rcv = c.rcv;
  const unread = rcv.hasUnread || (!error && rcv.finReceived && !rcv.eofDelivered);
  // A child not yet accepted is told when accept() hands it over, after its data.
  if ((unread || !c.attached) && !c.orphaned) {
    c.closePending = true;
    return;
  }
  c.closeReported = true;
  c.closePending = false;
  c.env.notify(Notice.Closed, c);
}

/**
 * The last step of a segment's processing: send what is due. When the application was notified during
 * it, this waits in the outbox until the application had its turn (Notice.AfterApplication): a reply it
 * writes while reading then carries the ACK, as it did when handlers ran inside the segment.
 */
export function finishArrival(c: Connection): void {
  if (c.isClosed()) return;
  const notified = c.appNotified;
  c.appNotified = false;
  if (notified && c.outputQueued === 0) {
    c.outputQueued = 1;
    c.env.notify(Notice.AfterApplication, c);
  } else if (c.outputQueued === 0) {
    output(c);
  }
}

/** Notice.AfterApplication: the ACK the data owed (unless a reply carried it), then the output. */
export function afterApplication(c: Connection): void {
  const outputRan = c.outputQueued === 2;
  c.outputQueued = 0;
  c.appNotified = false;
  const owed = c.ackOwed;
  c.ackOwed = 0;
  if (c.isClosed()) return;
  // What the application read meanwhile may send the ACK at once (Linux __tcp_cleanup_rbuf).
  if (owed !== 0 && c.lastAckSent !== c.rcv.rcvNxt) ackReceivedData(c, owed === 2, c.rcv.readSinceMark);
  // A handler's write already ran the output after everything this entry changed: nothing new would go.
  if (!outputRan) output(c);
}

/** Notice.WindowUpdate: after the application read what resume() released (afterRead). */
export function windowUpdate(c: Connection): void {
  afterRead(c, c.rcv.readSinceMark);
}

/**
 * After the application read `copied` bytes: the ACK a pending delayed ACK becomes (Linux
 * __tcp_cleanup_rbuf), else a window update if the window opened enough (§3.8.6.2.2).
 */
export function afterRead(c: Connection, copied: number): void {
  if (copied <= 0 || !isSynchronized(c.current) || c.current === "TIME_WAIT") return;
  if (c.timers.armed(T_DELACK) && c.rcv.ackDueAfterRead(copied, c.pingPong, c.unackedBytes)) {
    sendAck(c, "ack");
  } else if (c.rcv.windowUpdateDue(c.snd.mss)) {
    sendAck(c, "window-update");
  }
}
