// The outbox: what one entry into the engine caused, recorded while the entry runs and carried out after
// it returned (smoltcp's process / dispatch shape). An entry — a segment arriving, an application call, a
// timer — never calls the application or the driver: it appends segments to send and notifications to
// give, and the engine drains both once the entry is over (./engine.ts `drain`): first every segment to
// the wire, then one notification, then the segments that caused, and so on. An application call made
// from inside a notification is an ordinary new entry whose effects join the same queue.
//
// One outbox per host, reused for its whole life: parallel arrays that grow to the largest burst and are
// rewound when empty, so recording allocates nothing on the hot path (no closure, no object per entry).
import type { Segment } from "../wire/segment.js";

/** What a notification asks the engine to do once the entry that recorded it has finished. */
export const Notice = {
  /** The handshake completed: onEstablished. */
  Established: 0,
  /** In-order data (or the EOF, or a close that waited for them) can be handed to the application. */
  Readable: 1,
  /** Send buffer space freed after a refused write: onDrain. */
  Writable: 2,
  /** The connection is finished for the application: onClose with its error. */
  Closed: 3,
  /** A listener's child became ESTABLISHED: to the accept queue, and to the application unless paused. */
  ChildReady: 4,
  /**
   * The engine's own last step for a connection whose application was notified during the entry: the
   * ACK the arrived data owes and the output, decided after the application had its turn to read and
   * reply (so a reply carries the ACK and the window shows the space its reading freed).
   */
  AfterApplication: 5,
  /** After the application read what resume() let through: the window update, if one is due (§3.8.6.2.2). */
  WindowUpdate: 6,
  /** Readable, then AfterApplication, for one connection: the pair every data segment records (see notify). */
  ReadableThenAfter: 7,
  /** Writable, then AfterApplication: the pair every ACK that frees send buffer space records. */
  WritableThenAfter: 8,
} as const;
export type Notice = (typeof Notice)[keyof typeof Notice];

export class Outbox<C> {
  private segs: Segment[] = [];
  private segIds: number[] = [];
  /** The sending connection's state when the segment was recorded (null: no connection sent it). */
  private segStates: Array<string | null> = [];
  private segHead = 0;
  private segTail = 0;
  private kinds: Notice[] = [];
  private conns: C[] = [];
  private head = 0;
  private tail = 0;

  /** A segment to hand to the driver, with the packet id its trace event already carries. */
  send(seg: Segment, id: number, state: string | null): void {
    const i = this.segTail++;
    this.segs[i] = seg;
    this.segIds[i] = id;
    this.segStates[i] = state;
  }

  notify(kind: Notice, conn: C): void {
    // AfterApplication right behind the same connection's Readable or Writable joins that entry, which is
    // then given as the two, in the same order: one entry instead of two for every segment of a transfer.
    if (kind === Notice.AfterApplication && this.tail > this.head) {
      const last = this.tail - 1;
      const before = this.kinds[last];
      if (this.conns[last] === conn && (before === Notice.Readable || before === Notice.Writable)) {
        this.kinds[last] = before === Notice.Readable ? Notice.ReadableThenAfter : Notice.WritableThenAfter;
        return;
      }
    }
    const i = this.tail++;
    this.kinds[i] = kind;
    this.conns[i] = conn;
  }

  get hasSegments(): boolean {
    return this.segHead < this.segTail;
  }

  get hasNotices(): boolean {
    return this.head < this.tail;
  }

  get isEmpty(): boolean {
    return this.segHead === this.segTail && this.head === this.tail;
  }

  /** The next segment; call only while hasSegments. Its packet id is `lastSegmentId` after the call. */
  nextSegment(): Segment {
    const i = this.segHead++;
    const seg = this.segs[i]!;
    this.lastSegmentId = this.segIds[i]!;
    this.lastSegmentState = this.segStates[i]!;
    this.segs[i] = undefined as unknown as Segment; // do not keep it alive
    if (this.segHead === this.segTail) this.segHead = this.segTail = 0;
    return seg;
  }

  lastSegmentId = -1;
  lastSegmentState: string | null = null;
  /** The connection of the notice `nextNotice` returned. */
  lastConn: C | null = null;

  /** The next notification's kind; its connection is `lastConn`. Call only while hasNotices. */
  nextNotice(): Notice {
    const i = this.head++;
    const kind = this.kinds[i]!;
    this.lastConn = this.conns[i]!;
    this.conns[i] = undefined as unknown as C;
    if (this.head === this.tail) this.head = this.tail = 0;
    return kind;
  }
}
