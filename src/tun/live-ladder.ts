// The live view of a stack running on a TUN device: one line per trace event, printed as it
// happens, for `tcplab tun serve|connect|shell`. The batch ladder (src/trace/ladder.ts) needs the
// whole trace to lay out its columns; this one cannot wait, so it prints tcpdump-style lines:
//
//     0.001204  kernel → us  10.77.0.1.41234 > 10.77.0.2.8080: Flags [S], seq 0, win 64240, ...
//     0.001251  us           10.77.0.2:8080>10.77.0.1:41234  CLOSED → SYN_RECEIVED  (rcv SYN)
//     0.001262  us → kernel  10.77.0.2.8080 > 10.77.0.1.41234: Flags [S.], seq 0, ack 1, ...
//
// A bulk transfer would print thousands of identical-looking lines and bury the handshake and the
// close, which are what a reader wants to see; so after a few routine segments (data and pure
// ACKs) of one connection the rest are counted and summed up, at most once per summary period and
// whenever something else happens to that connection.
import { Trace, type TraceEvent } from "../tcp/events.js";
import { formatAddressPort } from "../wire/address-table.js";
import { formatSegment } from "../wire/format.js";
import { FIN, RST, SYN, URG, type Segment } from "../wire/segment.js";

/** A Trace that keeps nothing and hands each event to its subscribers: a server may run for days. */
export class LiveTrace extends Trace {
  constructor() {
    super(true, false);
  }
}

export interface LiveLadderOptions {
  /** Receives each finished line (without a newline). */
  write: (line: string) => void;
  color?: boolean;
  /** Print every segment, never a summary. */
  allSegments?: boolean;
  /** Routine segments of one connection shown before they are counted instead (default 6). */
  shownPerBurst?: number;
  /** Name of the far side (default "kernel"). */
  peerName?: string;
}

type Tone = "in" | "out" | "state" | "drop" | "timer" | "note" | "dim";

const ANSI: Record<Tone, string> = {
  in: "\x1b[33m", // yellow
  out: "\x1b[36m", // cyan
  state: "\x1b[1;35m", // bold magenta
  drop: "\x1b[31m", // red
  timer: "\x1b[34m", // blue
  note: "\x1b[32m", // green
  dim: "\x1b[2m",
};

// Reasons for sending that are what a reader of a bulk transfer expects; anything else
// (retransmission, dup-ack, challenge ACK, window probe...) is always printed.
const ROUTINE_WHY = new Set(["data", "ack"]);
// Timers worth a line: the ones that change what happens next. The delayed-ACK timer fires all
// the time and the retransmission timer is armed and cancelled for every flight.
const TIMERS_FIRED_SHOWN = new Set([
  "retransmit",
  "syn",
  "synack",
  "persist",
  "keepalive",
  "fin-wait-2",
  "time-wait",
  "loss-probe",
  "reorder",
]);
// Bound the per-direction ISN table on a long-running server (oldest entries go first).
const MAX_TRACKED = 8192;

interface Burst {
  shown: number;
  hiddenOut: number;
  hiddenIn: number;
  bytesOut: number;
  bytesIn: number;
}

function endpoint(addr: number, port: number): string {
  return formatAddressPort(addr, port);
}

function direction(seg: Segment): string {
  return `${endpoint(seg.srcAddr, seg.srcPort)}>${endpoint(seg.dstAddr, seg.dstPort)}`;
}

function reverse(seg: Segment): string {
  return `${endpoint(seg.dstAddr, seg.dstPort)}>${endpoint(seg.srcAddr, seg.srcPort)}`;
}

/**
 * "10.77.0.2:8080>10.77.0.1:41234": the connection named from our side whichever way seg goes,
 * in the trace's own notation, so that state and timer events find the same burst.
 */
function connectionOf(seg: Segment, sent: boolean): string {
  return sent ? direction(seg) : reverse(seg);
}

function dataOrAcks(bytes: number): string {
  return bytes === 0 ? "ACKs only" : `${bytes} bytes of data`;
}

function isRoutine(seg: Segment): boolean {
  return (seg.flags & (SYN | FIN | RST | URG)) === 0;
}

export class LiveLadder {
  private readonly write: (line: string) => void;
  private readonly color: boolean;
  private readonly allSegments: boolean;
  private readonly shownPerBurst: number;
  private readonly peerName: string;
  private origin: number | undefined;
  private lastTime = 0;
  // Relative sequence numbers as tcpdump prints them: each direction's ISN, learned from its SYN.
  private readonly isn = new Map<string, number>();
  private readonly bursts = new Map<string, Burst>();

  constructor(options: LiveLadderOptions) {
    this.write = options.write;
    this.color = options.color ?? false;
    this.allSegments = options.allSegments ?? false;
    this.shownPerBurst = options.shownPerBurst ?? 6;
    this.peerName = options.peerName ?? "kernel";
  }

  /** The heading line of the columns. */
  header(): string {
    return this.paint("dim", `${"seconds".padStart(11)}  ${"who".padEnd(13)}what`);
  }

  event(e: TraceEvent): void {
    this.origin ??= e.t;
    this.lastTime = e.t;
    switch (e.kind) {
      case "segment-sent":
        this.segment(e.t, e.seg, true, e.retransmission || !ROUTINE_WHY.has(e.why) ? e.why : undefined);
        return;
      case "segment-received":
        this.segment(e.t, e.seg, false, undefined);
        return;
      case "segment-dropped": {
        const conn = e.seg ? connectionOf(e.seg, false) : undefined;
        if (conn) this.flushBurst(conn);
        const what = e.seg ? `  ${formatSegment(e.seg, this.bases(e.seg))}` : "";
        const detail = e.detail ? ` (${e.detail})` : "";
        this.line(e.t, "us", `dropped: ${e.reason}${detail}${what}`, "drop");
        return;
      }
      case "network":
        if (e.action === "drop") {
          const why = e.fault ? `${e.reason}: ${e.fault}` : (e.reason ?? "dropped");
          this.line(e.t, "driver", `packet ${e.id} not written to the device (${why})`, "drop");
        }
        return;
      case "state":
        this.flushBurst(e.conn);
        // A listener's own LISTEN is named as such: its "local:port" alone could pass for a typo.
        this.line(
          e.t,
          "us",
          `${e.conn}${e.listener === true ? " (listener)" : ""}  ${e.from} → ${e.to}  (${e.cause})`,
          "state",
        );
        if (e.to === "CLOSED") this.bursts.delete(e.conn);
        return;
      case "timer":
        if (e.action === "fired" && TIMERS_FIRED_SHOWN.has(e.timer)) {
          this.flushBurst(e.conn);
          this.line(e.t, "us", `${e.conn}  ${e.timer} timer fired`, "timer");
        } else if (e.action === "armed" && e.timer === "time-wait" && e.deadline !== undefined) {
          const seconds = ((e.deadline - e.t) / 1e6).toFixed(3);
          this.line(e.t, "us", `${e.conn}  TIME_WAIT timer armed: ${seconds} s`, "timer");
        }
        return;
      case "app":
        if (e.error !== undefined) {
          const where = e.conn ? `${e.conn}  ` : "";
          this.line(e.t, "app", `${where}${e.call}: ${e.error}${e.detail ? ` (${e.detail})` : ""}`, "drop");
        }
        return;
      case "note":
        this.line(e.t, "note", e.text, "note");
        return;
    }
  }

  /** A line of the application's own (an HTTP request served), in time order with the rest. */
  say(t: number, who: string, text: string): void {
    this.origin ??= t;
    this.lastTime = t;
    this.line(t, who, text, "note");
  }

  /** Print the counted segments of every connection (call it periodically and at the end). */
  flush(): void {
    for (const conn of this.bursts.keys()) this.flushBurst(conn);
  }

  private segment(t: number, seg: Segment, sent: boolean, unusual: string | undefined): void {
    if (seg.flags & SYN) this.learnIsn(seg);
    const conn = connectionOf(seg, sent);
    if (!this.allSegments && isRoutine(seg) && unusual === undefined) {
      const burst = this.burst(conn);
      if (burst.shown >= this.shownPerBurst) {
        if (sent) {
          burst.hiddenOut++;
          burst.bytesOut += seg.payload.length;
        } else {
          burst.hiddenIn++;
          burst.bytesIn += seg.payload.length;
        }
        return;
      }
      burst.shown++;
    } else {
      this.flushBurst(conn);
      // The next routine segments after a handshake or a retransmission are worth seeing again.
      this.bursts.delete(conn);
    }
    const who = sent ? `us → ${this.peerName}` : `${this.peerName} → us`;
    const text =
      formatSegment(seg, { ...this.bases(seg), addresses: true }).replace(/^IP6? /, "") +
      (unusual !== undefined ? `  (${unusual})` : "");
    this.line(t, who, text, sent ? "out" : "in");
  }

  private bases(seg: Segment): { seqBase: number; ackBase: number } {
    return { seqBase: this.isn.get(direction(seg)) ?? 0, ackBase: this.isn.get(reverse(seg)) ?? 0 };
  }

  private learnIsn(seg: Segment): void {
    const key = direction(seg);
    this.isn.delete(key);
    this.isn.set(key, seg.seq >>> 0);
    if (this.isn.size > MAX_TRACKED) this.isn.delete(this.isn.keys().next().value!);
  }

  private burst(conn: string): Burst {
    let b = this.bursts.get(conn);
    if (b === undefined) {
      b = { shown: 0, hiddenOut: 0, hiddenIn: 0, bytesOut: 0, bytesIn: 0 };
      this.bursts.set(conn, b);
      if (this.bursts.size > MAX_TRACKED) this.bursts.delete(this.bursts.keys().next().value!);
    }
    return b;
  }

  private flushBurst(conn: string): void {
    const b = this.bursts.get(conn);
    if (b === undefined || b.hiddenOut + b.hiddenIn === 0) return;
    const parts: string[] = [];
    if (b.hiddenOut > 0) parts.push(`${b.hiddenOut} sent (${dataOrAcks(b.bytesOut)})`);
    if (b.hiddenIn > 0) parts.push(`${b.hiddenIn} received (${dataOrAcks(b.bytesIn)})`);
    this.line(this.lastTime, "", `${conn}  … not shown: ${parts.join(", ")}`, "dim");
    b.hiddenOut = b.hiddenIn = b.bytesOut = b.bytesIn = 0;
  }

  private line(t: number, who: string, text: string, tone: Tone): void {
    const seconds = ((t - (this.origin ?? t)) / 1e6).toFixed(6).padStart(11);
    this.write(`${seconds}  ${this.paint(tone, who.padEnd(13))}${this.paint(tone, text)}`);
  }

  private paint(tone: Tone, text: string): string {
    return this.color && text !== "" ? `${ANSI[tone]}${text}\x1b[0m` : text;
  }
}
