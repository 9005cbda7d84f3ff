// From the event stream to the numbered steps of a ladder diagram, before any layout.
//
// A host reacts to one stimulus at one instant and emits a burst of events (segment arrives, state
// changes, a reply is sent, a timer is armed). Each segment sent or arriving is the main line of a step;
// the state changes, timer actions and application calls around it are written beside their host,
// above the main line when they came first ("close()" before the FIN) and below it otherwise.
//
// A segment's send and arrival share one line, as in RFC 9293's figures, only when nothing visible
// happens in between; otherwise (segments crossing in a simultaneous close, a burst of data) the send
// line ends in "..." and a later arrival line starts with "...", as in RFC 9293 Figure 7, so a reader
// sees the two FINs cross.
import {
  isConnectionStateEvent,
  isListenerEvent,
  type NetworkEvent,
  type TraceEvent,
} from "../tcp/events.js";
import type { Segment } from "../wire/segment.js";
import type { TcpState } from "../tcp/state.js";
import { appText, noteText, timerText } from "./ladder-annotations.js";
import { partsOf, type Part } from "./ladder-bursts.js";
import { directionKey, reverseDirectionKey } from "./segment-label.js";
import type { HostInfo } from "./hosts.js";
import { hostsByAddress } from "./hosts.js";

export type Tone = "app" | "error" | "timer" | "note";

export interface Annotation {
  host: string;
  text: string;
  tone: Tone;
}

/**
 * How a segment line is drawn:
 * - complete: sent and arrived on this line (`--> … -->`)
 * - sent: sent here, arrives on a later line (`--> … ...`)
 * - arrival: arrives here, sent on an earlier line (`... … -->`)
 * - lost: the network dropped it (`--> … XXX`)
 * - in-flight: still in the network when the trace ends (`--> … ...`)
 * - external: sent to a host that records no events (a real kernel), so its arrival is not known
 */
export type SegmentShape = "complete" | "sent" | "arrival" | "lost" | "in-flight" | "external";

export interface SegmentRow {
  kind: "segment";
  from: string;
  to: string;
  seg: Segment;
  shape: SegmentShape;
  retransmission: boolean;
  /** The state of each end after this line, by host name; absent when the host has none to show. */
  states: Map<string, TcpState>;
  comments: string[];
  /**
   * On a line merged from a send and its arrival: when the segment arrived (µs). The receiver's state on
   * that line is the one it entered then, not at the line's (sending) time, so the view writes it.
   */
  arrivedAt?: number;
}

export interface StateRow {
  kind: "state";
  states: Map<string, TcpState>;
}

export interface LadderStep {
  number: number;
  /** Time of the step's first event. */
  t: number;
  /** Time of its last event (a merged line ends when the segment arrives). */
  end: number;
  pre: Annotation[];
  row: SegmentRow | StateRow | null;
  post: Annotation[];
}

export interface StepOptions {
  /** Show timer actions (armed, restarted, fired). Cancellations are never shown: they are the quiet normal. */
  timers: boolean;
}

/** What a drop reason looks like in the comment column. */
function lossText(n: NetworkEvent): string {
  if (n.fault)
    return n.reason && n.reason !== "fault"
      ? `lost: ${n.reason}, fault "${n.fault}"`
      : `lost: fault "${n.fault}"`;
  return `lost: ${n.reason ?? "dropped by the network"}`;
}

// Reasons an engine gives for ordinary segments; anything else (challenge-ack, rst-closed-port,
// keepalive, zero-window-probe...) is worth a comment.
// Network actions worth a comment on the line where the packet arrives.
const NETWORK_ACTION_TEXT: Partial<Record<NetworkEvent["action"], string>> = {
  delay: "delayed",
  corrupt: "corrupted",
  inject: "injected",
};

const ORDINARY_WHY = new Set([
  "syn",
  "syn-ack",
  "synack",
  "ack",
  "ack-fin",
  "data",
  "fin",
  "fin-ack",
  "delayed-ack",
  "retransmit", // already marked as a retransmission
]);

export function buildSteps(
  events: readonly TraceEvent[],
  hosts: readonly HostInfo[],
  options: StepOptions,
): LadderStep[] {
  const network = new Map<number, NetworkEvent[]>();
  const arrivals = new Map<number, number>();
  for (const e of events) {
    if (e.kind === "network") {
      const list = network.get(e.id) ?? [];
      list.push(e);
      network.set(e.id, list);
    } else if ((e.kind === "segment-received" || e.kind === "segment-dropped") && e.id >= 0) {
      arrivals.set(e.id, (arrivals.get(e.id) ?? 0) + 1);
    }
  }
  const traced = new Set(hosts.filter((h) => h.traced).map((h) => h.name));
  const columns = new Set(hosts.map((h) => h.name));
  const byAddress = hostsByAddress(hosts);
  const columnOf = (address: number): string | undefined => byAddress.get(address);

  const states = new Map<string, Map<string, TcpState>>();
  const stateOf = (host: string, conn: string | null | undefined): TcpState | undefined =>
    conn ? states.get(host)?.get(conn) : undefined;

  const steps: LadderStep[] = [];
  // Steps made only of side events (a timer firing, a state change), by the hosts they speak of:
  // such steps at the same instant on different hosts share one numbered line, as in RFC 9293 Figure 13.
  const looseHosts = new Map<LadderStep, Set<string>>();
  const sentSteps = new Map<number, LadderStep>();
  const arrivalsSeen = new Map<number, number>();
  /** The step on which each packet id (last) arrived. */
  const arrivalSteps = new Map<number, LadderStep>();

  /**
   * Apply a part's side events: update states, collect annotations, remember which conn changed last.
   * A listener's own state change (listener: true) never becomes the focus of a segment's line — the
   * arrow shows the connection's state — so `conns` holds connections only; on a segment's step
   * (`loose` false) it is written as a note instead, on a step of its own (`loose`) it is the state row.
   */
  const digest = (
    list: readonly TraceEvent[],
    loose = false,
  ): {
    notes: Annotation[];
    conns: string[];
    lastConn: string | null;
    lastStateIndex: number;
    changed: boolean;
  } => {
    const notes: Annotation[] = [];
    const conns: string[] = [];
    let lastConn: string | null = null;
    let lastStateIndex = -1;
    for (const e of list) {
      switch (e.kind) {
        case "state": {
          let map = states.get(e.host);
          if (!map) states.set(e.host, (map = new Map()));
          map.set(e.conn, e.to);
          if (e.listener === true && !loose) {
            notes.push({ host: e.host, text: `listener ${e.from} → ${e.to}`, tone: "app" });
            break;
          }
          if (e.listener !== true) conns.push(e.conn);
          lastConn = e.conn;
          lastStateIndex = notes.length;
          break;
        }
        case "timer":
          if (options.timers && e.action !== "cancelled")
            notes.push({ host: e.host, text: timerText(e), tone: "timer" });
          break;
        case "app":
          notes.push({ host: e.host, text: appText(e), tone: e.error ? "error" : "app" });
          break;
        case "note":
          // A narrator without a column of its own is named in its note.
          notes.push({
            host: e.host,
            text: columns.has(e.host) ? noteText(e) : `(${e.host}: ${e.text})`,
            tone: "note",
          });
          break;
        default:
          break;
      }
    }
    return { notes, conns, lastConn, lastStateIndex, changed: lastStateIndex >= 0 };
  };

  const lastTime = (part: Part): number => {
    const all = [...part.before, ...(part.main ? [part.main] : []), ...part.after];
    return all.reduce((m, e) => Math.max(m, e.t), part.t);
  };

  const newStep = (t: number, end: number): LadderStep => {
    const step: LadderStep = { number: steps.length + 1, t, end, pre: [], row: null, post: [] };
    steps.push(step);
    return step;
  };

  const parts = partsOf(events);
  /**
   * The state a host's arrival put it in, when the engine reports that state change later in the same
   * burst (it sends the ACK of a FIN before it records FIN_WAIT_2 → TIME_WAIT): the RFC figures write
   * TIME_WAIT on the line where the FIN arrives.
   */
  const laterStateInBurst = (index: number, conn: string | null): TcpState | undefined => {
    const part = parts[index] as Part;
    let fallback: TcpState | undefined;
    for (let i = index + 1; i < parts.length; i++) {
      const next = parts[i] as Part;
      if (next.burst !== part.burst) break;
      for (const e of [...next.before, ...next.after]) {
        // An application call ends the host's reaction to the arrival; what follows is the call's.
        if (e.kind === "app") return fallback;
        if (!isConnectionStateEvent(e)) continue;
        if (e.conn === conn) return e.to;
        fallback ??= e.to;
      }
    }
    return fallback;
  };

  // A copy the network discarded although another copy of the same packet arrived (a duplicate held
  // past the MSL): no segment line shows it, so it gets a line of its own when it happens.
  const copyDrops = events.filter(
    (e): e is NetworkEvent => e.kind === "network" && e.action === "drop" && (arrivals.get(e.id) ?? 0) > 0,
  );
  let nextDrop = 0;
  const flushDrops = (until: number): void => {
    while (nextDrop < copyDrops.length && (copyDrops[nextDrop] as NetworkEvent).t <= until) {
      const n = copyDrops[nextDrop++] as NetworkEvent;
      const sentStep = sentSteps.get(n.id);
      const from = sentStep?.row?.kind === "segment" ? sentStep.row.from : (hosts[0]?.name ?? n.from ?? "");
      const what = sentStep ? `a copy of the segment of line ${sentStep.number}` : "a copy of a segment";
      const step = newStep(n.t, n.t);
      step.pre.push({
        host: from,
        text: `(the network discarded ${what}: ${lossText(n).replace(/^lost: /, "")})`,
        tone: "note",
      });
    }
  };

  /**
   * A part without a segment (timers firing, application calls, state changes): one step, or one per
   * listener state change followed by more, so that "close-listener / CLOSED" and a new
   * "listen() / LISTEN" at the same instant (a server restart) read as two steps, not as one LISTEN.
   */
  const looseSteps = (part: Part): void => {
    let from = 0;
    for (let i = 0; i < part.before.length; i++) {
      const e = part.before[i] as TraceEvent;
      if (isListenerEvent(e) && i < part.before.length - 1) {
        looseStep(part, part.before.slice(from, i + 1));
        from = i + 1;
      }
    }
    looseStep(part, from === 0 ? part.before : part.before.slice(from));
  };

  const looseStep = (part: Part, list: readonly TraceEvent[]): void => {
    const before = digest(list, true);
    if (before.notes.length === 0 && !before.changed) return; // only quiet events (cancellations)
    const previous = steps[steps.length - 1];
    const previousHosts = previous ? looseHosts.get(previous) : undefined;
    const shared = previous && previousHosts && previous.t === part.t && !previousHosts.has(part.host);
    const step = shared ? previous : newStep(part.t, lastTime(part));
    const hostsOfStep = previousHosts && shared ? previousHosts : new Set<string>();
    hostsOfStep.add(part.host);
    looseHosts.set(step, hostsOfStep);
    step.end = Math.max(step.end, lastTime(part));
    if (before.changed) {
      // Notes before the last state change explain it ("TIME_WAIT timer fired", then CLOSED).
      step.pre.push(...before.notes.slice(0, before.lastStateIndex));
      step.post.push(...before.notes.slice(before.lastStateIndex));
      const state = stateOf(part.host, before.lastConn);
      if (!step.row) step.row = { kind: "state", states: new Map() };
      if (state) step.row.states.set(part.host, state);
    } else {
      step.pre.push(...before.notes);
    }
  };

  for (const [index, part] of parts.entries()) {
    flushDrops(part.t - 1);
    const main = part.main;
    if (main === null) {
      looseSteps(part);
      continue;
    }
    const before = digest(part.before);
    // A host's state once it has reacted to this part's segment, before any application call later in
    // the same burst: a change recorded after a call (CLOSE_WAIT, then close() → LAST_ACK) is the call's
    // doing, and drawing it on the segment's line would show an ACK sent from LAST_ACK.
    const firstApp = part.after.findIndex((e) => e.kind === "app");
    const reacted = new Map<string, TcpState | undefined>();
    for (const e of part.after)
      if (e.kind === "state" && !reacted.has(e.conn)) reacted.set(e.conn, stateOf(main.host, e.conn));
    const changedOnReaction = new Set(before.conns);
    for (const e of firstApp < 0 ? part.after : part.after.slice(0, firstApp))
      if (e.kind === "state") {
        reacted.set(e.conn, e.to);
        changedOnReaction.add(e.conn);
      }
    const stateAt = (conn: string | null): TcpState | undefined =>
      conn !== null && reacted.has(conn) ? reacted.get(conn) : stateOf(main.host, conn);
    const after = digest(part.after);
    const changedConns = [...before.conns, ...after.conns];
    /**
     * Which of the host's connections a line shows: the segment's own, if its state changed here;
     * else the one that changed (a SYN reaches the listener but the new child changes state);
     * else the segment's own connection as it stands.
     */
    const focusOf = (...own: Array<string | null>): string | null => {
      for (const conn of own) if (conn && changedConns.includes(conn)) return conn;
      return changedConns[changedConns.length - 1] ?? own.find((c) => c !== null) ?? null;
    };

    if (main.kind === "segment-sent") {
      const to = columnOf(main.seg.dstAddr) ?? main.host;
      const fate = network.get(main.id) ?? [];
      const arrives = (arrivals.get(main.id) ?? 0) > 0;
      const drop = fate.find((n) => n.action === "drop");
      let shape: SegmentShape;
      const comments: string[] = [];
      if (arrives) shape = "sent";
      else if (drop) {
        shape = "lost";
        comments.push(lossText(drop));
      } else if (!traced.has(to)) shape = "external";
      else {
        shape = "in-flight";
        comments.push("in flight at end of trace");
      }
      if (main.retransmission) comments.unshift("retransmission");
      if (!ORDINARY_WHY.has(main.why)) comments.push(main.why);
      const step = newStep(before.notes.length > 0 ? part.t : main.t, lastTime(part));
      step.pre = before.notes;
      step.post = after.notes;
      const states_ = new Map<string, TcpState>();
      const senderConn = focusOf(main.conn, directionKey(main.seg));
      const state = stateAt(senderConn);
      if (state) states_.set(main.host, state);
      step.row = {
        kind: "segment",
        from: main.host,
        to,
        seg: main.seg,
        shape,
        retransmission: main.retransmission,
        states: states_,
        comments,
      };
      sentSteps.set(main.id, step);
      continue;
    }

    // An arrival: received, or discarded by the receiving host.
    // Id -1 is "no packet id" (a host's verdict reported on its own): never a second copy of anything.
    const seen = main.id >= 0 ? (arrivalsSeen.get(main.id) ?? 0) + 1 : 1;
    if (main.id >= 0) arrivalsSeen.set(main.id, seen);
    // A packet the network delivered once but the host reports twice (received, then a verdict that the
    // burst's other events kept apart) is no duplicate: the verdict belongs on the arrival's line.
    const earlierArrival = main.id >= 0 ? arrivalSteps.get(main.id) : undefined;
    const copies = 1 + (network.get(main.id) ?? []).filter((n) => n.action === "duplicate").length;
    if (seen > copies && main.kind === "segment-dropped" && earlierArrival?.row?.kind === "segment") {
      earlierArrival.row.comments.push(
        `dropped by ${main.host}: ${main.reason}${main.detail ? ` (${main.detail})` : ""}`,
      );
      earlierArrival.post.push(...before.notes, ...after.notes);
      continue;
    }
    const sentStep = main.id >= 0 ? sentSteps.get(main.id) : undefined;
    const sentRow = sentStep?.row?.kind === "segment" ? sentStep.row : undefined;
    // A packet that failed to decode has no segment of its own; the sender's copy says what it was.
    const seg = main.seg ?? sentRow?.seg ?? null;
    const receiverConn = focusOf(main.conn, seg ? reverseDirectionKey(seg) : null);
    const receiverState =
      changedConns.length === 0
        ? (laterStateInBurst(index, receiverConn) ?? stateOf(main.host, receiverConn))
        : stateAt(receiverConn);
    const fate = main.id >= 0 ? (network.get(main.id) ?? []) : [];
    const comments: string[] = [];
    if (seen === 1) {
      for (const n of fate) {
        const done = NETWORK_ACTION_TEXT[n.action];
        if (done) comments.push(n.fault ? `${done} by fault "${n.fault}"` : `${done} by the network`);
      }
    }
    if (seen > 1) {
      const dup = fate.find((n) => n.action === "duplicate");
      comments.push(dup?.fault ? `duplicate copy, fault "${dup.fault}"` : "duplicate copy");
    }
    const drop = main.kind === "segment-dropped" ? main : part.verdict;
    if (drop)
      comments.push(`dropped by ${drop.host}: ${drop.reason}${drop.detail ? ` (${drop.detail})` : ""}`);

    const canMerge =
      sentStep !== undefined &&
      sentRow !== undefined &&
      sentRow.shape === "sent" &&
      seen === 1 &&
      steps[steps.length - 1] === sentStep &&
      before.notes.length === 0;
    if (canMerge && sentStep && sentRow) {
      sentRow.shape = "complete";
      if (receiverState) sentRow.states.set(main.host, receiverState);
      // The arrival time matters where the receiver's state changed on arrival: the state beside the
      // arrow's head is from then, not from the line's (sending) time.
      const changedHere =
        receiverConn !== null &&
        (changedOnReaction.has(receiverConn) ||
          (changedConns.length === 0 && laterStateInBurst(index, receiverConn) !== undefined));
      if (part.t !== sentStep.t && changedHere) sentRow.arrivedAt = part.t;
      sentRow.comments.push(...comments);
      sentStep.post.push(...after.notes);
      sentStep.end = Math.max(sentStep.end, lastTime(part));
      arrivalSteps.set(main.id, sentStep);
      continue;
    }

    if (!seg) {
      // Undecodable bytes: nothing to draw between the hosts, so say what happened beside the receiver.
      const step = newStep(part.t, lastTime(part));
      step.pre = [
        ...before.notes,
        { host: main.host, text: `(undecodable packet: ${comments.join("; ")})`, tone: "error" },
      ];
      step.post = after.notes;
      if (receiverState) step.row = { kind: "state", states: new Map([[main.host, receiverState]]) };
      continue;
    }
    const inject = fate.find((n) => n.action === "inject");
    const from = sentRow?.from ?? columnOf(seg.srcAddr) ?? inject?.from ?? main.host;
    if (sentRow?.retransmission) comments.unshift("retransmission");
    const step = newStep(part.t, lastTime(part));
    step.pre = before.notes;
    step.post = after.notes;
    step.row = {
      kind: "segment",
      from,
      to: main.host,
      seg,
      // A sender that records no events (a real kernel) has no earlier send line to continue.
      shape: traced.has(from) && sentRow !== undefined ? "arrival" : "complete",
      retransmission: sentRow?.retransmission ?? false,
      states: new Map(receiverState ? [[main.host, receiverState]] : []),
      comments,
    };
    if (main.id >= 0) arrivalSteps.set(main.id, step);
  }
  flushDrops(Infinity);
  return steps;
}
