// Per host and per connection: which states it went through, when it entered each and for how long.
// stateTimeline() is the data (scenario verdicts assert on it); renderTimeline() prints it.
import type { TraceEvent } from "../tcp/events.js";
import type { TcpState } from "../tcp/state.js";
import { formatClock, formatDuration } from "./duration.js";
import { maximum, minimum } from "./extremes.js";
import { discoverHosts, hostTitle, type HostSpec } from "./hosts.js";
import { TextLine } from "./text-line.js";

/** One state of one connection: from when, until when, entered why. */
export interface StateInterval {
  state: TcpState;
  /** When the state was entered (µs, trace time). */
  enter: number;
  /** When it was left, or null when the connection was still in it at the end of the trace. */
  exit: number | null;
  /** exit − enter, or null while still in the state. */
  duration: number | null;
  /** The cause of entering it, as the engine wrote it ("rcv FIN", "close", "2MSL timeout"). */
  cause: string;
}

/** One socket's states, in order: a connection's, or a listening socket's (`listener`). */
export interface ConnectionTimeline {
  host: string;
  /** The connection as the host names it, "local:port>remote:port"; a listener's "local:port". */
  conn: string;
  /**
   * A listening socket (its events carry `listener: true`): LISTEN from listen() until it is closed.
   * Readers of connections (scenario verdicts) leave these out.
   */
  listener: boolean;
  /** 1 for the first life of this 4-tuple on this host, 2 for its reuse after CLOSED, ... */
  incarnation: number;
  /** The state the connection was in before its first recorded change (usually CLOSED). */
  initial: TcpState;
  /** Every state entered, in order, including a final CLOSED. */
  states: TcpState[];
  /** The states other than CLOSED, with their times. */
  intervals: StateInterval[];
  /** When and why it reached CLOSED, or null if it had not by the end of the trace. */
  closed: { t: number; cause: string } | null;
}

/** Every socket's states in a trace (connections and listeners). */
export interface StateTimeline {
  /** Time of the first and last event of the trace (µs). */
  start: number;
  end: number;
  /** Connections ordered by host (as the hosts are ordered) and then by first appearance. */
  connections: ConnectionTimeline[];
}

export function stateTimeline(events: readonly TraceEvent[], hosts: readonly HostSpec[] = []): StateTimeline {
  const start = minimum(
    events.map((e) => e.t),
    0,
  );
  const end = maximum(
    events.map((e) => e.t),
    0,
  );
  const open = new Map<string, ConnectionTimeline>(); // host + conn → its current (latest) incarnation
  const incarnations = new Map<string, number>();
  const all: ConnectionTimeline[] = [];
  for (const e of events) {
    if (e.kind !== "state") continue;
    const key = `${e.host}\u0000${e.conn}`;
    let line = open.get(key);
    if (!line || line.closed) {
      const incarnation = (incarnations.get(key) ?? 0) + 1;
      incarnations.set(key, incarnation);
      line = {
        host: e.host,
        conn: e.conn,
        listener: e.listener === true,
        incarnation,
        initial: e.from,
        states: [],
        intervals: [],
        closed: null,
      };
      open.set(key, line);
      all.push(line);
    }
    const current = line.intervals[line.intervals.length - 1];
    if (current && current.exit === null) {
      current.exit = e.t;
      current.duration = e.t - current.enter;
    }
    line.states.push(e.to);
    if (e.to === "CLOSED") line.closed = { t: e.t, cause: e.cause };
    else line.intervals.push({ state: e.to, enter: e.t, exit: null, duration: null, cause: e.cause });
  }
  const order = discoverHosts(events, hosts).map((h) => h.name);
  const rank = (host: string): number => {
    const i = order.indexOf(host);
    return i < 0 ? order.length : i;
  };
  // A stable sort keeps first-appearance order within a host.
  const connections = all
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c.host) - rank(b.c.host) || a.i - b.i)
    .map(({ c }) => c);
  return { start, end, connections };
}

/** Options of renderTimeline. */
export interface TimelineOptions {
  hosts?: readonly HostSpec[];
  /** Print times relative to this (µs); the first event's time by default. */
  timeOrigin?: number;
  /** Columns to fit (default 80): a cause that would run past them goes on the line below. */
  width?: number;
}

/**
 * client 10.0.0.1
 *   10.0.0.1:40000>10.0.0.2:80
 *     SYN_SENT       0.000 ms →   0.500 ms  (500 µs)   connect
 *     ESTABLISHED    0.500 ms →  10.000 ms  (9.5 ms)   rcv SYN,ACK
 *     CLOSED         60.020 s                          2MSL timeout
 */
export function renderTimeline(events: readonly TraceEvent[], options: TimelineOptions = {}): string {
  const timeline = stateTimeline(events, options.hosts ?? []);
  const hosts = discoverHosts(events, options.hosts ?? []);
  const origin = options.timeOrigin ?? timeline.start;
  const clock = (t: number): string => formatClock(t - origin);
  const width = options.width ?? 80;

  interface Row {
    state: string;
    enter: string;
    exit: string;
    duration: string;
    cause: string;
  }
  const rowsOf = (c: ConnectionTimeline): Row[] => {
    const rows: Row[] = c.intervals.map((i) => ({
      state: i.state,
      enter: clock(i.enter),
      exit: i.exit === null ? "end" : clock(i.exit),
      duration:
        i.duration === null
          ? `(${formatDuration(Math.max(0, timeline.end - i.enter))} so far)`
          : `(${formatDuration(i.duration)})`,
      cause: i.cause,
    }));
    if (c.closed)
      rows.push({ state: "CLOSED", enter: clock(c.closed.t), exit: "", duration: "", cause: c.closed.cause });
    return rows;
  };
  const allRows = timeline.connections.flatMap(rowsOf);
  const w = {
    state: maximum(
      allRows.map((r) => r.state.length),
      12,
    ),
    enter: maximum(
      allRows.map((r) => r.enter.length),
      0,
    ),
    exit: maximum(
      allRows.map((r) => r.exit.length),
      0,
    ),
    duration: maximum(
      allRows.map((r) => [...r.duration].length),
      0,
    ),
  };

  const out: string[] = [];
  for (const host of hosts) {
    const connections = timeline.connections.filter((c) => c.host === host.name);
    if (connections.length === 0) continue;
    if (out.length > 0) out.push("");
    out.push(hostTitle(host));
    for (const c of connections) {
      const what = c.listener ? "  (listening socket)" : "";
      out.push(`  ${c.conn}${what}${c.incarnation > 1 ? `  (incarnation ${c.incarnation})` : ""}`);
      for (const r of rowsOf(c)) {
        const line = new TextLine();
        let x = 4;
        line.place(x, r.state);
        x += w.state + 2;
        line.place(x, r.enter.padStart(w.enter));
        x += w.enter + 1;
        if (r.exit !== "") line.place(x, `→ ${r.exit.padStart(w.exit)}`);
        x += w.exit + 4;
        line.place(x, r.duration);
        x += w.duration + 3;
        if (x + [...r.cause].length <= width) {
          line.place(x, r.cause);
          out.push(line.render(false));
        } else {
          out.push(line.render(false));
          out.push(new TextLine().place(Math.max(6, width - [...r.cause].length), r.cause).render(false));
        }
      }
    }
  }
  return out.length > 0 ? out.join("\n") + "\n" : "";
}
