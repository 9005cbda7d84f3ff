// S9: an old duplicate from a previous incarnation. A data segment of the first connection is held in the
// network for 20 s (less than the MSL). Without TIME_WAIT, A reuses the 4-tuple at once; whether the old
// segment falls inside the new connection's window is ISN-clock arithmetic: P's new ISS lies (time between
// the two SYN,ACKs) × (the profile's ISN clock rate) past the old one, and the old segment lies as far past
// the old ISS as P had sent. When P sent faster than its ISN clock runs, the old bytes land in the new
// window and are delivered as new data: silent corruption. With TIME_WAIT the same segment meets the
// TIME_WAIT record (ACKed and dropped), a copy held longer than the MSL is discarded by the network, and the
// new connection gets only the right bytes.
import { MS, SECOND } from "../tcp/profile.js";
import { isnClockTicks } from "../tcp/isn.js";
import { seqDiff } from "../tcp/seq.js";
import { withPayload } from "../sim/match.js";
import { connect, listen, patterned, tryConnect, type AppConnection } from "./app.js";
import { makePair } from "./pair.js";
import { withoutBulk } from "./shown.js";
import type { Check, RunRole, Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import type { Profile } from "../tcp/profile.js";
import type { TraceEvent } from "../tcp/events.js";
import { appEvents, check, dropped, duration, isSynAck, network, sent, stateChanges } from "./verdict.js";

// 60 kB: 42 segments. The 40th is the one that wanders; its sequence numbers lie ~57 kB past the old ISN,
// which stays inside the new connection's window as long as P's new ISS is less than ~57 kB of ISN clock
// later — ~228 ms of RFC 793's 4 µs clock, but only ~3.6 ms of Linux's 64 ns one.
const BODY = 60_000;
const HELD_NTH = 40;
const OLD = "old connection data|";
const NEW = "NEW CONNECTION DATA|";
const HELD = "old data held 20 s";
const HELD_PAST_MSL = "old data held past the MSL";
const REQUEST_2_AT = 21 * SECOND;
/** One-way delay of the fast-LAN variant (100 µs RTT): the first connection then outruns Linux's clock. */
const LAN_DELAY = 50;

/** Where the held copy lands in the new connection, seen from A when it arrives. */
interface Landing {
  /** The copy's first sequence number minus the new connection's RCV.NXT (signed, modulo 2^32). */
  offset: number;
  window: number;
}

// The hazard is that of RFC 793's world, without RFC 7323 timestamps: with them, PAWS recognises the old
// copy by its TSval even without TIME_WAIT (the variant run shows it).
function oldDuplicateRun(
  options: ScenarioOptions,
  role: RunRole,
  withTimeWait: boolean,
  timestamps = false,
  fastLan = false,
): ScenarioRun {
  const { world, a, p, serverAddress, serverPort } = makePair({
    options,
    ...(fastLan ? { linkDelay: LAN_DELAY } : {}),
    role,
    clientOverrides: { timestamps, ...(withTimeWait ? {} : { timeWait: 0 }) },
    serverOverrides: { timestamps },
  });
  const { sim } = world;
  const quiet = { logReads: false };
  const newBody = patterned(NEW, BODY);
  let served = 0;
  listen(
    p,
    serverPort,
    {},
    {
      onData: (app) => {
        served++;
        app.write(served === 1 ? patterned(OLD, BODY) : newBody);
      },
      onEnd: (app) => app.end(),
    },
    quiet,
  );
  // One data segment of the first connection is duplicated and the copy held for 20 s (< MSL), another
  // held for longer than the MSL (the network discards it).
  sim.fault({
    name: HELD,
    action: "duplicate",
    from: "P",
    match: withPayload(),
    nth: HELD_NTH,
    delay: 20 * SECOND,
  });
  sim.fault({
    name: HELD_PAST_MSL,
    action: "duplicate",
    from: "P",
    match: withPayload(),
    nth: HELD_NTH + 1,
    delay: sim.msl + 15 * SECOND,
  });

  let first: AppConnection | null = null;
  let second: AppConnection | null = null;
  const attempts: string[] = [];
  // The moment the held copy reaches A, note where it falls relative to the new connection's window.
  let landing: Landing | null = null;
  let heldSeq: number | null = null;
  const unsubscribe = world.trace.subscribe((e) => {
    if (e.kind === "network" && e.action === "duplicate" && e.fault === HELD) {
      heldSeq = sent(world.trace.events, "P", (x) => x.id === e.id)[0]?.seg.seq ?? null;
    } else if (e.kind === "network" && e.action === "deliver" && e.to === "A" && e.t >= 20 * SECOND) {
      const rcv = (second as AppConnection | null)?.conn.rcv;
      const isHeld =
        heldSeq !== null &&
        network(world.trace.events, (x) => x.action === "duplicate" && x.fault === HELD)[0]?.id === e.id;
      if (isHeld && rcv && landing === null && heldSeq !== null)
        landing = { offset: seqDiff(heldSeq, rcv.rcvNxt), window: rcv.window };
    }
  });
  sim.at(0, () => {
    first = connect(
      a,
      { address: serverAddress, port: serverPort },
      {
        onEstablished: (app) => app.write("GET 1"),
        onData: (app) => {
          if (app.receivedBytes === BODY) app.close();
        },
        // The next request goes out the moment this connection is finished for the application.
        onClose: () => sim.after(MS, tryAgain),
      },
      quiet,
    );
  });
  // A's next request reuses the same local port as soon as it can: at once, or when TIME_WAIT allows.
  const tryAgain = (): void => {
    const localPort = (first as AppConnection | null)?.conn.localPort ?? 0;
    const r = tryConnect(
      a,
      { address: serverAddress, port: serverPort, localPort, reuseAddress: true },
      {
        onEstablished: (app) => sim.at(Math.max(sim.now, REQUEST_2_AT), () => app.write("GET 2")),
        onEnd: (app) => app.close(),
      },
      quiet,
    );
    if (typeof r === "string") {
      attempts.push(r);
      sim.after(10 * SECOND, tryAgain);
    } else second = r;
  };
  sim.runUntilIdle();
  unsubscribe();

  const ev = world.trace.events;
  const got = (second as AppConnection | null)?.data() ?? new Uint8Array(0);
  const text = new TextDecoder().decode(got);
  const exact = got.length === newBody.length && got.every((b, i) => b === newBody[i]);
  // The held copy is the second delivery of its packet id, 20 s after the first.
  const heldId = network(ev, (e) => e.action === "duplicate" && e.fault === HELD)[0]?.id;
  const heldDelivered = network(ev, (e) => e.action === "deliver" && e.id === heldId && e.t >= 20 * SECOND);
  const expired = network(ev, (e) => e.action === "drop" && e.reason === "msl-expired");
  const common: Check[] = [
    check(
      "a copy held longer than the MSL is discarded by the network",
      expired.length === 1,
      `${expired.length} packet(s) discarded as older than the MSL (${duration(sim.msl)})`,
    ),
  ];
  // Without TIME_WAIT: the 4-tuple is reopened at once and the wandering copy reaches the new connection.
  const reusedAtOnce: Check[] = [
    check(
      "A reuses the 4-tuple at once",
      attempts.length === 0 && second !== null,
      `connect() from the same port at ${duration(appEvents(ev, "A", (e) => e.call === "connect").slice(-1)[0]?.t ?? 0)}`,
    ),
    check(
      "the old segment arrives 20 s later, while the new connection is open",
      heldDelivered.length === 1 && landing !== null,
      `${heldDelivered.length} old copy delivered to A`,
    ),
  ];
  const arithmetic = isnArithmetic(ev, p.profile, landing, BODY);
  let checks: Check[];
  if (timestamps) {
    const paws = dropped(ev, "A", (e) => e.reason === "paws");
    checks = [
      ...reusedAtOnce,
      check(
        "PAWS drops it: its TSval is older than the new connection's TS.Recent (RFC 7323 §5)",
        paws.length >= 1,
        `${paws.length} segment(s) dropped by PAWS${paws[0]?.detail ? ` (${paws[0].detail})` : ""}`,
      ),
      check(
        "the new connection's application reads exactly what P sent",
        exact,
        `A read ${got.length} bytes, ${exact ? "all" : "not all"} equal to P's`,
      ),
      ...common,
    ];
  } else if (!withTimeWait) {
    const l = landing as Landing | null;
    const inWindow = l !== null && l.offset >= 0 && l.offset < l.window;
    const where = l
      ? `the copy starts ${Math.abs(l.offset)} bytes ${l.offset >= 0 ? "past" : "behind"} the new RCV.NXT; the window is ${l.window}`
      : "the copy never reached the new connection";
    checks = [
      ...reusedAtOnce,
      ...arithmetic.checks,
      inWindow
        ? check(
            "it lands inside the new window, and the application reads old bytes as if they were new: silent corruption",
            !exact && text.includes("old connection"),
            `${where}. A read ${got.length} bytes; ${countDiffering(got, newBody)} differ from what P sent, e.g. ${JSON.stringify(firstOld(text))}`,
          )
        : check(
            "it lands outside the new window, so A drops it and reads exactly what P sent",
            exact && l !== null,
            `${where}. A read ${got.length} bytes, ${exact ? "all" : "not all"} equal to P's`,
          ),
      ...common,
    ];
  } else {
    const absorbed = dropped(ev, "A", (e) => e.reason === "time-wait");
    checks = [
      check(
        "A cannot reuse the 4-tuple during TIME_WAIT",
        attempts.length > 0 && attempts.every((c) => c === "EADDRNOTAVAIL") && second !== null,
        `${attempts.length} connect() attempt(s) → EADDRNOTAVAIL, then success at ${duration(appEvents(ev, "A", (e) => e.call === "connect" && e.error === undefined).slice(-1)[0]?.t ?? 0)}`,
      ),
      check(
        "the old segment meets the TIME_WAIT record and is dropped",
        absorbed.length >= 1,
        `${absorbed.length} segment(s) dropped by A's TIME_WAIT`,
      ),
      check(
        "the new connection's application reads exactly what P sent",
        exact,
        `A read ${got.length} bytes, ${exact ? "all" : "not all"} equal to P's`,
      ),
      ...common,
    ];
  }
  const title = timestamps
    ? "without TIME_WAIT, with timestamps (PAWS)"
    : withTimeWait
      ? `with TIME_WAIT (${duration(a.profile.timeWait)}) and MSL ${duration(sim.msl)}, no timestamps`
      : fastLan
        ? `without TIME_WAIT, no timestamps, on a ${duration(2 * LAN_DELAY)}-RTT LAN: a sender faster than the ISN clock`
        : "without TIME_WAIT, no timestamps";
  // The bulk transfers would make a very long ladder; the ladder shows the handshakes, the close, the
  // reuse and the old segment's arrival.
  const shown = withoutBulk(ev, new Set(heldId === undefined ? [] : [heldId]));
  const summary = ["The ladder leaves out the data segments and plain ACKs of the two 60 kB transfers."];
  if (!withTimeWait && !timestamps) summary.push(...arithmetic.summary);
  const killed = stateChanges(ev, "A", (e) => e.from === "TIME_WAIT" && e.cause === "rcv RST");
  if (killed[0]) {
    summary.push(
      `A's ACK of the old segment drew an RST from P (nothing there any more), and with ${a.profile.name}'s ` +
        `RFC 1337 setting (${a.profile.rfc1337 ? "on" : "off, as Linux's tcp_rfc1337=0"}) that RST ended TIME_WAIT ` +
        `early at ${duration(killed[0].t)} ("TIME_WAIT assassination", RFC 1337). The old segment had already been absorbed.`,
    );
  }
  return world.finish(title, checks, ["A", "P"], { shown, summary });
}

/**
 * The ISN-clock arithmetic of a reconnect, from P's two SYN,ACKs: how far P's ISS moved, how far P's first
 * connection had sent, and (for a clock-driven ISS) a check that the move is the profile's clock.
 */
function isnArithmetic(
  ev: readonly TraceEvent[],
  profile: Profile,
  landing: Landing | null,
  body: number,
): { checks: Check[]; summary: string[] } {
  const synAcks = sent(ev, "P", (e) => isSynAck(e.seg) && !e.retransmission);
  const [s1, s2] = synAcks;
  if (!s1 || !s2)
    return { checks: [check("P answered two SYNs", false, `${synAcks.length} SYN,ACK(s)`)], summary: [] };
  const dt = s2.t - s1.t;
  const moved = (s2.seg.seq - s1.seg.seq) >>> 0;
  // Sequence numbers P's first connection used: its SYN, its data and its FIN.
  const used = body + 2;
  const clockText = `${profile.name}'s ISN clock runs ${profile.isnClockRate.toLocaleString("en-US")} a second`;
  const checks: Check[] = [];
  const summary: string[] = [];
  if (profile.passiveIsn === "clock") {
    const expected =
      (isnClockTicks(s2.t, profile.isnClockRate) - isnClockTicks(s1.t, profile.isnClockRate)) % 2 ** 32;
    checks.push(
      check(
        "P's new ISS is its old one moved on by the ISN clock (ISN = M + F(4-tuple), RFC 6528)",
        moved === expected,
        `${duration(dt)} between the SYN,ACKs; ${clockText}, so ${expected} expected; P's ISS moved ${moved}`,
      ),
    );
    summary.push(
      `ISN arithmetic: P's first connection used ${used.toLocaleString("en-US")} sequence numbers in ${duration(dt)}; ` +
        `${clockText}, so in the ${duration(dt)} between the two SYN,ACKs P's ISS moved ${moved.toLocaleString("en-US")}. ` +
        (moved < used
          ? "The sender outran the clock: the new ISS lies inside the old connection's sequence space, so an old segment beyond it can land in the new window."
          : "The clock outran the sender: the new ISS lies beyond every sequence number the old connection used, so its old segments fall behind the new window.") +
        ` M wraps every ${duration(Math.round((2 ** 32 / profile.isnClockRate) * SECOND))}: a segment that dies within the MSL cannot meet its sequence numbers again after a wrap.`,
    );
  } else {
    summary.push(
      `ISN arithmetic: ${profile.name} gives a passive open a random ISS (FreeBSD's syncache: arc4random() or a SYN cookie), ` +
        "so where an old segment falls in a new incarnation is chance: inside a window of W bytes with probability W / 2^32.",
    );
  }
  if (landing)
    summary.push(
      `The old copy's first byte lies ${landing.offset} from the new RCV.NXT (window ${landing.window}).`,
    );
  return { checks, summary };
}

function countDiffering(got: Uint8Array, want: Uint8Array): number {
  let n = Math.abs(got.length - want.length);
  for (let i = 0; i < Math.min(got.length, want.length); i++) if (got[i] !== want[i]) n++;
  return n;
}

function firstOld(text: string): string {
  const i = text.indexOf("old connection");
  return i < 0 ? "" : text.slice(Math.max(0, i - 10), i + 30);
}

export const oldDuplicate: Scenario = {
  id: "S9",
  name: "old-duplicate",
  title:
    "An old duplicate meets a reused 4-tuple: corruption when the sender outran the ISN clock (counterfactual: TIME_WAIT + MSL keep it out)",
  explain:
    "A data segment of the first connection is duplicated and the copy wanders in the network for 20 s " +
    "(less than the MSL). Without TIME_WAIT, A opens a new connection with the same 4-tuple at once, and " +
    "whether the old copy fits the new connection's window is ISN arithmetic: P's new ISS lies (time between " +
    "the two SYN,ACKs) x (its ISN clock rate) past the old one. With RFC 793's 4 µs clock (the rfc and " +
    "windows profiles, 250 000 a second) the first connection sent its 60 kB faster than the clock moved, " +
    "so the old bytes land in the new window and are handed to the application as new data; nothing reports " +
    "an error. Linux's clock ticks every 64 ns (15.6 M a second): over the same 1 ms link it outruns the " +
    "sender, the new ISS lies beyond everything the old connection used, and the copy falls behind the " +
    "window. The third run shows when it still happens on Linux: on a LAN with a 100 µs round trip the first " +
    "connection sends at hundreds of MB/s, faster than the clock, and the copy corrupts the new connection " +
    "(any sender faster than about 125 Mbit/s can do this, when TIME_WAIT is skipped: an abortive close with " +
    "SO_LINGER 0, tcp_max_tw_buckets overflow, or an RST that ends TIME_WAIT as in the counterfactual run). " +
    "FreeBSD (bsd) gives a passive open a random ISS, so there it is chance. With TIME_WAIT, A cannot reuse " +
    "the 4-tuple for 2·MSL; the old copy meets the TIME_WAIT record and is dropped, a copy older than the " +
    "MSL is discarded by the network, and the new connection reads exactly what P sent. The last run turns " +
    "RFC 7323 timestamps on (Linux's default) and removes TIME_WAIT: PAWS drops the old copy because its " +
    "TSval is older than the new connection's, whatever the sequence numbers say — which is why Linux's " +
    "tcp_tw_reuse is safe with timestamps.",
  tryNext: [
    "tcplab run S9 --profile rfc: RFC 793's 4 µs clock, and the old copy corrupts the new connection over the 1 ms link too",
    "tcplab run S9 --msl 10s: a network that kills segments after 10 s discards the wandering copy, so it never reaches the new connection — and the verdict, which expects it to arrive, fails",
  ],
  run: (options) => [
    oldDuplicateRun(options, "main", false),
    oldDuplicateRun(options, "counterfactual", true),
    oldDuplicateRun(options, "variant", false, false, true),
    oldDuplicateRun(options, "variant", false, true),
  ],
};
