// S9: an old duplicate from a previous incarnation. A data segment of the first connection is held in the
// network for 20 s (less than the MSL). Without TIME_WAIT, A reuses the 4-tuple at once; the old segment
// falls inside the new connection's window and its bytes are delivered as new data: silent corruption.
// With TIME_WAIT the same segment meets the TIME_WAIT record (ACKed and dropped), a copy held longer than
// the MSL is discarded by the network, and the new connection gets only the right bytes.
import { MS, SECOND } from "../tcp/profile.js";
import { withPayload } from "../sim/match.js";
import { connect, listen, patterned, tryConnect, type AppConnection } from "./app.js";
import { makePair } from "./pair.js";
import { withoutBulk } from "./shown.js";
import type { Check, RunRole, Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import { appEvents, check, dropped, duration, network, stateChanges } from "./verdict.js";

// 60 kB: 42 segments. The 40th is the one that wanders; its sequence numbers lie ~57 kB past the old ISN,
// which stays inside the new connection's window as long as the new ISN is less than ~228 ms of ISN clock
// (4 µs a tick) later — the first connection's whole life plus the reconnect.
const BODY = 60_000;
const HELD_NTH = 40;
const OLD = "old connection data|";
const NEW = "NEW CONNECTION DATA|";
const HELD = "old data held 20 s";
const HELD_PAST_MSL = "old data held past the MSL";
const REQUEST_2_AT = 21 * SECOND;

// The hazard is that of RFC 793's world, without RFC 7323 timestamps: with them, PAWS recognises the old
// copy by its TSval even without TIME_WAIT (the variant run shows it).
function oldDuplicateRun(
  options: ScenarioOptions,
  role: RunRole,
  withTimeWait: boolean,
  timestamps = false,
): ScenarioRun {
  const { world, a, p, serverAddress, serverPort } = makePair({
    options,
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
      "the old segment arrives 20 s later, inside the new connection's window",
      heldDelivered.length === 1,
      `${heldDelivered.length} old copy delivered to A`,
    ),
  ];
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
    checks = [
      ...reusedAtOnce,
      check(
        "the new connection's application reads old bytes as if they were new: silent corruption",
        !exact && text.includes("old connection"),
        `A read ${got.length} bytes; ${countDiffering(got, newBody)} differ from what P sent, e.g. ${JSON.stringify(firstOld(text))}`,
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
      : "without TIME_WAIT, no timestamps";
  // The bulk transfers would make a very long ladder; the ladder shows the handshakes, the close, the
  // reuse and the old segment's arrival.
  const shown = withoutBulk(ev, new Set(heldId === undefined ? [] : [heldId]));
  const summary = ["The ladder leaves out the data segments and plain ACKs of the two 60 kB transfers."];
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
    "An old duplicate corrupts a reused 4-tuple without TIME_WAIT (counterfactual: TIME_WAIT + MSL keep it out)",
  explain:
    "A data segment of the first connection is duplicated and the copy wanders in the network for 20 s " +
    "(less than the MSL). Without TIME_WAIT, A opens a new connection with the same 4-tuple at once. The " +
    "ISN clock advances 250 000 per second, but the first connection sent its 60 kB faster than that, so " +
    "the old sequence numbers lie inside the new connection's window: the old bytes are accepted and handed " +
    "to the application in the middle of the new data, and nothing reports an error. With TIME_WAIT, A " +
    "cannot reuse the 4-tuple for 2·MSL; the old copy meets the TIME_WAIT record and is dropped, a copy " +
    "older than the MSL is discarded by the network, and the new connection reads exactly what P sent. " +
    "Both runs have RFC 7323 timestamps off, as in the RFC 793 world the hazard comes from; the variant " +
    "turns them on and removes TIME_WAIT: PAWS drops the old copy because its TSval is older than the " +
    "new connection's, which is why Linux's tcp_tw_reuse is safe with timestamps.",
  tryNext: [
    "tcplab run S9 --msl 10s: a network that kills segments after 10 s discards the wandering copy, so even without TIME_WAIT nothing is corrupted — and the verdict, which expects corruption, fails",
  ],
  run: (options) => [
    oldDuplicateRun(options, "main", false),
    oldDuplicateRun(options, "counterfactual", true),
    oldDuplicateRun(options, "variant", false, true),
  ],
};
