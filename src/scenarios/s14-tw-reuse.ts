// S14's tcp_tw_reuse runs (Linux's policy, tcp_twsk_unique, relying on RFC 7323 timestamps as RFC 6191 does, host-inspection-facts §1.3): what each
// take-over of a TIME_WAIT 4-tuple looked like on the wire, and the checks of the runs that turn the
// setting on. Everything is read from the trace and the host's counters.
import type { Host } from "../tcp/engine.js";
import { seqDiff, seqGt, seqMax } from "../tcp/seq.js";
import type { AppEvent, TraceEvent } from "../tcp/events.js";
import { SYN, segmentLength } from "../wire/segment.js";
import type { Check } from "./types.js";
import { check, duration, list, sent } from "./verdict.js";

export type ReuseCase =
  "tw-reuse" | "tw-reuse-delay" | "tw-reuse-no-ts-client" | "tw-reuse-no-ts-server" | "tw-reuse-loopback";

/** The state-change cause the host gives a TIME_WAIT record that a connect() took over. */
const TAKEN_OVER = "reused by connect";

/** One connect() that took over a TIME_WAIT 4-tuple. */
export interface TakeOver {
  t: number;
  label: string;
  /** How long the record had been in TIME_WAIT. */
  age: number;
  /** The old incarnation's SND.NXT: the highest sequence number it sent, plus its length. */
  oldSndNxt: number | undefined;
  /** The new incarnation's ISS (its first SYN), if it sent one. */
  iss: number | undefined;
}

/** Every take-over by `host`, in order, with the sequence numbers either side of it. */
export function takeOvers(events: readonly TraceEvent[], host: string): TakeOver[] {
  const enteredTimeWait = new Map<string, number>();
  const sndNxt = new Map<string, number>();
  const waitingForSyn = new Map<string, TakeOver>();
  const out: TakeOver[] = [];
  for (const e of events) {
    if (e.host !== host) continue;
    if (e.kind === "state") {
      if (e.to === "TIME_WAIT") enteredTimeWait.set(e.conn, e.t);
      if (e.from === "TIME_WAIT" && e.cause === TAKEN_OVER) {
        const entered = enteredTimeWait.get(e.conn);
        const r: TakeOver = {
          t: e.t,
          label: e.conn,
          age: entered === undefined ? -1 : e.t - entered,
          oldSndNxt: sndNxt.get(e.conn),
          iss: undefined,
        };
        sndNxt.delete(e.conn);
        waitingForSyn.set(e.conn, r);
        out.push(r);
      }
    } else if (e.kind === "segment-sent" && e.conn !== null) {
      const pending = waitingForSyn.get(e.conn);
      if (pending && e.seg.flags & SYN) {
        pending.iss = e.seg.seq;
        waitingForSyn.delete(e.conn);
      }
      const end = (e.seg.seq + segmentLength(e.seg)) >>> 0;
      const prev = sndNxt.get(e.conn);
      sndNxt.set(e.conn, prev === undefined ? end : seqMax(prev, end));
    }
  }
  return out;
}

/** For each connect() of `host` that failed, how old its oldest TIME_WAIT record was then. */
function oldestAtFailures(events: readonly TraceEvent[], host: string): number[] {
  const entered = new Map<string, number>();
  const out: number[] = [];
  for (const e of events) {
    if (e.host !== host) continue;
    if (e.kind === "state") {
      if (e.to === "TIME_WAIT") entered.set(e.conn, e.t);
      else if (e.from === "TIME_WAIT") entered.delete(e.conn);
    } else if (e.kind === "app" && e.call === "connect" && e.error !== undefined) {
      let first = e.t;
      for (const t of entered.values()) first = Math.min(first, t);
      out.push(e.t - first);
    }
  }
  return out;
}

export interface ReuseRun {
  events: readonly TraceEvent[];
  client: Host;
  clientName: string;
  /** Times of the connect() calls that failed, and the app events that report them. */
  failures: readonly number[];
  errors: readonly AppEvent[];
  /** Connects attempted (at `rate` per second), ports in the range, and when the range runs out. */
  total: number;
  rate: number;
  ports: number;
  exhaustedAt: number;
}

export function reuseChecks(kind: ReuseCase, r: ReuseRun): Check[] {
  const reused = r.client.counters.timeWaitReused;
  const overs = takeOvers(r.events, r.clientName);
  const first = r.failures[0];
  const firstText = first === undefined ? "never" : duration(first);
  const codes = list([...new Set(r.errors.map((e) => e.error as string))]);
  // Timestamps were agreed when segments other than SYNs carry them (RFC 7323 §3.2: only then are they sent).
  const stamped = sent(r.events, undefined, (e) => e.seg.options.timestamp !== undefined);
  const agreed = stamped.filter((e) => (e.seg.flags & SYN) === 0).length;
  const stillFails = (why: string): Check =>
    check(
      `${why}: connect() fails with EADDRNOTAVAIL from ${duration(r.exhaustedAt)} on, as with no remedy`,
      first === r.exhaustedAt && r.errors.every((e) => e.error === "EADDRNOTAVAIL") && reused === 0,
      `first failure at ${firstText} (${codes}); ${r.failures.length} failures; ${reused} TIME_WAIT 4-tuples reused`,
    );

  if (kind === "tw-reuse") {
    const above = overs.filter((o) => o.iss !== undefined && o.oldSndNxt !== undefined);
    const offsets = [
      ...new Set(above.map((o) => seqDiff(o.iss as number, o.oldSndNxt as number).toString())),
    ];
    return [
      check(
        `every connect() once the ${r.ports} ports are in TIME_WAIT takes over a TIME_WAIT 4-tuple`,
        reused === r.total - r.ports && overs.length === reused,
        `${reused} reused (host counter, Linux TcpExt.TWRecycled), ${overs.length} take-overs in the trace, of ${r.total - r.ports} connects after the first ${r.ports}`,
      ),
      check(
        "each new incarnation's ISS is above the old one's SND.NXT, so its segments cannot be taken for the old ones",
        overs.length > 0 && above.length === overs.length && above.every((o) => seqGt(o.iss!, o.oldSndNxt!)),
        `${above.length} of ${overs.length} SYNs compared; ISS − old SND.NXT: ${list(offsets)}`,
      ),
      check(
        "the old connections used timestamps, which is what makes the take-over safe (PAWS, RFC 7323 §5)",
        agreed > 0,
        `${agreed} segments after the SYNs carried the timestamp option`,
      ),
    ];
  }
  if (kind === "tw-reuse-delay") {
    const delay = r.client.profile.timeWaitReuseDelay;
    const ages = overs.map((o) => o.age);
    const youngest = Math.min(...ages);
    const oldest = oldestAtFailures(r.events, r.clientName);
    const worst = Math.max(...oldest);
    return [
      check(
        `${r.rate} connects/s outrun the range: EADDRNOTAVAIL from ${duration(r.exhaustedAt)}, when every record is younger than ${duration(delay)}`,
        first === r.exhaustedAt && r.errors.every((e) => e.error === "EADDRNOTAVAIL"),
        `first failure at ${firstText} (${codes}); ${r.failures.length} of ${r.total} connects failed`,
      ),
      check(
        `a TIME_WAIT record is taken over only once it is tcp_tw_reuse_delay (${duration(delay)}) old`,
        overs.length > 0 && youngest >= delay,
        `${overs.length} take-overs; youngest record taken: ${overs.length > 0 ? duration(youngest) : "none"}, oldest ${overs.length > 0 ? duration(Math.max(...ages)) : "none"}`,
      ),
      check(
        `a connect() fails only while no TIME_WAIT record toward the server is yet ${duration(delay)} old`,
        oldest.length === r.failures.length && oldest.length > 0 && worst < delay,
        `${oldest.length} failed connects; the oldest record at any of them was ${oldest.length > 0 ? duration(worst) : "none"} old`,
      ),
    ];
  }
  if (kind === "tw-reuse-loopback") {
    return [
      stillFails(`tcp_tw_reuse = 2 (policy ${r.client.profile.timeWaitReuse}) and 10.0.0.2 is not loopback`),
      check(
        "it is the policy that refuses: timestamps were on",
        agreed > 0,
        `${agreed} segments after the SYNs carried the timestamp option`,
      ),
    ];
  }
  const side = kind === "tw-reuse-no-ts-client" ? "the client" : "the server";
  return [
    stillFails(`tcp_tw_reuse = 1, timestamps off on ${side}`),
    check(
      "timestamps were not agreed: no segment but a SYN carried the option, so no record has a TS.Recent",
      agreed === 0,
      `${stamped.length - agreed} SYNs offered timestamps, ${agreed} later segments carried them`,
    ),
  ];
}
