// What must hold after any run of the whole stack, however the network behaved. Each check returns
// a list of violations (empty = fine), worded so that a failing property says what went wrong.
// These judge a finished run from the outside; what must hold after every single entry into a connection
// is the engine's own debug mode (src/tcp/invariants.ts), on in every test (test/setup/engine-invariants.ts).
import type { Host } from "../../src/tcp/engine.js";
import type { Profile } from "../../src/tcp/profile.js";
import { seqGt, seqAdd } from "../../src/tcp/seq.js";
import type { TraceEvent } from "../../src/tcp/events.js";
import { ACK } from "../../src/wire/segment.js";
import type { AppSide, Transfer } from "./transfer-app.js";

/**
 * Errors an application may legitimately get from a transfer over a faulty network. EPIPE: Linux reports
 * an RST that arrives in CLOSE_WAIT as EPIPE (tcp_reset; profile.rstInCloseWaitError).
 */
const TRANSFER_ERRORS = new Set(["ETIMEDOUT", "ECONNRESET", "EPIPE"]);

/**
 * How long a connection can live after it last heard from its peer or its application, by the profile:
 * every retransmission series gives up after at most retries+1 timeouts of at most rtoMax; keepalive
 * gives up after idle + probes·interval; an orphaned FIN_WAIT_2 after its timeout; TIME_WAIT after its
 * length (restarted only by an arriving segment). Summed, so no ordering of them can exceed it.
 */
export function quietLifetimeBound(p: Profile): number {
  const retries = Math.max(p.synRetries, p.synAckRetries, p.dataRetries, p.orphanRetries);
  const synBudget = (2 ** (p.synRetries + 1) - 1) * p.rtoInitial; // Linux's linear-then-exponential SYN budget
  return (
    Math.max((retries + 1) * p.rtoMax, synBudget) +
    p.keepAliveIdle +
    (p.keepAliveProbes + 1) * p.keepAliveInterval +
    p.finWait2Timeout +
    p.timeWait
  );
}

function sameBytes(a: Uint8Array, b: Uint8Array, length: number): number {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/**
 * Delivery as the application sees it: bytes read are always a prefix of what the peer wrote; a clean
 * end means EOF was read and the bytes are exactly the peer's; otherwise the application got an error.
 */
export function deliveryViolations(me: AppSide, peerStream: Uint8Array): string[] {
  const out: string[] = [];
  const got = me.received();
  const who = me.name;
  if (me.closes !== 1) out.push(`${who}: onClose called ${me.closes} times (want exactly 1)`);
  if (me.error !== null && !TRANSFER_ERRORS.has(me.error)) out.push(`${who}: unexpected error ${me.error}`);
  if (me.callErrors.length > 0)
    out.push(`${who}: calls failed on an open connection: ${me.callErrors.join(", ")}`);
  if (got.length > peerStream.length) {
    out.push(`${who}: read ${got.length} bytes, the peer wrote only ${peerStream.length}`);
  } else {
    const bad = sameBytes(got, peerStream, got.length);
    if (bad >= 0) out.push(`${who}: wrong byte at offset ${bad} of ${got.length}`);
  }
  if (me.error === null && !me.eof && !me.aborted) {
    out.push(`${who}: closed without an error but never read EOF (${got.length}/${peerStream.length} bytes)`);
  }
  if (me.eof && got.length !== peerStream.length) {
    out.push(`${who}: EOF after ${got.length} of ${peerStream.length} bytes (silent truncation)`);
  }
  return out;
}

export function transferViolations(
  t: Transfer,
  clientStream: Uint8Array,
  serverStream: Uint8Array,
): string[] {
  const out: string[] = [];
  if (t.accepted > 1) out.push(`server accepted ${t.accepted} connections for one connect()`);
  if (t.server === null) {
    if (t.client.error === null && !t.client.aborted) {
      out.push("client ended without error but the server never accepted");
    }
    out.push(...deliveryViolations(t.client, new Uint8Array(0)).filter((v) => !v.includes("EOF")));
    return out;
  }
  out.push(...deliveryViolations(t.client, serverStream));
  out.push(...deliveryViolations(t.server, clientStream));
  return out;
}

/** After the run went idle: nothing left anywhere, and the host wants no wake-up. */
export function idleHostViolations(host: Host): string[] {
  const out: string[] = [];
  const live = host.connections();
  if (live.length > 0)
    out.push(`${host.name}: connections left: ${live.map((c) => `${c.label} ${c.state}`).join(", ")}`);
  if (host.timeWaitEntries !== 0) out.push(`${host.name}: ${host.timeWaitEntries} TIME_WAIT entries left`);
  const d = host.nextDeadline();
  if (d !== Infinity) out.push(`${host.name}: nextDeadline() is ${d} with no connection left`);
  return out;
}

/**
 * The engine names its one retransmission timer after the state it runs in (SYN_SENT "syn", SYN_RECEIVED
 * "synack", later "retransmit"), so a simultaneous open shows "syn armed" then "synack restarted".
 * Tracked as one timer here; test/e2e/timer-names.test.ts holds the trace to one name per armed timer.
 */
const RETRANSMIT_SLOT = new Set(["syn", "synack", "retransmit"]);

interface Incarnation {
  start: number;
  lastActivity: number;
  /** Last time-wait timer armed/restarted. */
  timeWaitArmedAt: number;
  /** Last action per connection timer name. */
  timers: Map<string, string>;
  /** Highest ACK received (for the keepalive rule). */
  highestAck: number | null;
}

/**
 * Per connection incarnation on a host (CLOSED → ... → CLOSED, read from the trace): it ends, within
 * `bound` of the last segment it received or the last application call on it; TIME_WAIT that expires
 * lasts exactly the profile's length from its last (re)start; no connection timer is left running when
 * the connection ends; keepalive probes go out only with nothing outstanding (RFC 9293 MUST-26).
 */
export function lifetimeViolations(
  events: readonly TraceEvent[],
  host: Host,
  bound: number,
  apps: ReadonlyArray<AppSide | null>,
): string[] {
  const out: string[] = [];
  const open = new Map<string, Incarnation>();
  for (const e of events) {
    if (e.host !== host.name) continue;
    // A listener's own LISTEN lasts as long as the server wants: these bounds are connections'.
    if (e.kind === "state" && e.listener === true) continue;
    if (e.kind === "state") {
      // A SYN-cookie connection has no SYN_RECEIVED of its own: it first appears SYN_RECEIVED→ESTABLISHED.
      const fromCookie = e.from === "SYN_RECEIVED" && e.cause.includes("cookie") && !open.has(e.conn);
      if (e.from === "CLOSED" || fromCookie) {
        open.set(e.conn, {
          start: e.t,
          lastActivity: e.t,
          timeWaitArmedAt: -1,
          timers: new Map(),
          highestAck: null,
        });
        if (e.from === "CLOSED") continue;
      }
      const inc = open.get(e.conn);
      if (!inc) {
        out.push(`${host.name} ${e.conn}: state ${e.from}→${e.to} at ${e.t} outside any incarnation`);
        continue;
      }
      if (e.to !== "CLOSED") continue;
      open.delete(e.conn);
      let last = inc.lastActivity;
      for (const app of apps) {
        if (app?.conn?.label === e.conn && app.lastCallAt >= inc.start && app.lastCallAt <= e.t) {
          last = Math.max(last, app.lastCallAt);
        }
      }
      if (e.t - last > bound) {
        out.push(
          `${host.name} ${e.conn}: CLOSED at ${e.t}, ${e.t - last} µs after its last activity (bound ${bound})`,
        );
      }
      if (
        e.from === "TIME_WAIT" &&
        e.cause === "2MSL timeout" &&
        e.t !== inc.timeWaitArmedAt + host.profile.timeWait
      ) {
        out.push(
          `${host.name} ${e.conn}: TIME_WAIT expired at ${e.t}, last (re)started at ${inc.timeWaitArmedAt}, length ${host.profile.timeWait}`,
        );
      }
      for (const [timer, action] of inc.timers) {
        if (action === "armed" || action === "restarted") {
          out.push(
            `${host.name} ${e.conn}: ${timer} timer still ${action} when the connection ended at ${e.t}`,
          );
        }
      }
      continue;
    }
    if (e.kind === "network" || e.kind === "note" || e.conn === null) continue;
    const inc = open.get(e.conn);
    if (!inc) continue;
    if (e.kind === "segment-received") {
      inc.lastActivity = e.t;
      if (e.seg.flags & ACK && (inc.highestAck === null || seqGt(e.seg.ack, inc.highestAck)))
        inc.highestAck = e.seg.ack;
    } else if (e.kind === "timer") {
      if (e.timer === "time-wait") {
        if (e.action === "armed" || e.action === "restarted") inc.timeWaitArmedAt = e.t;
      } else {
        inc.timers.set(RETRANSMIT_SLOT.has(e.timer) ? "retransmit" : e.timer, e.action);
      }
    } else if (e.kind === "segment-sent" && e.why === "keepalive") {
      const sndNxt = seqAdd(e.seg.seq, 1);
      // No ACK seen in this incarnation: a SYN-cookie connection, whose completing ACK was received before
      // its first state event; nothing is known about what is outstanding, so nothing is claimed.
      if (inc.highestAck !== null && seqGt(sndNxt, inc.highestAck)) {
        out.push(
          `${host.name} ${e.conn}: keepalive probe at ${e.t} with data outstanding (SND.NXT ${sndNxt}, highest ACK ${inc.highestAck}) — RFC 9293 MUST-26`,
        );
      }
    }
  }
  for (const [conn, inc] of open)
    out.push(`${host.name} ${conn}: opened at ${inc.start}, never reached CLOSED`);
  return out;
}
