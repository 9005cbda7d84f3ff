// S16: SYN_RECEIVED pile-up under a SYN flood. Spoofed SYNs from many addresses that never answer fill the
// listener's SYN queue with half-open children in SYN_RECEIVED; a legitimate client's SYNs are dropped and
// its connect() finally fails. With SYN cookies (Linux's default, on overflow) the listener answers from a
// full queue without keeping state, and the legitimate client gets through.
import { MS, SECOND, type SynCookiePolicy } from "../tcp/profile.js";
import { parseIPv4 } from "../wire/address.js";
import { EMPTY_PAYLOAD, SYN, type Segment } from "../wire/segment.js";
import { connect, listen, type AppConnection } from "./app.js";
import { World } from "./world.js";
import { onlyConnection } from "./shown.js";
import type { Check, RunRole, Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import { check, dropped, duration, isSynAck, sent, stateChanges } from "./verdict.js";

const FLOOD_RATE = 100; // spoofed SYNs per second
const FLOOD_FOR = 140 * SECOND; // longer than the client's whole SYN retry budget (127 s on linux)
const SYN_QUEUE = 64;
const CLIENT_AT = 5 * SECOND;
const SPOOF = "spoofed SYN";

function spoofedSyn(i: number, server: number, world: World): Segment {
  return {
    srcAddr: world.addressNumber((parseIPv4("10.99.0.0") + 1 + (i % 65000)) >>> 0),
    dstAddr: server,
    srcPort: 1024 + ((i * 7919) % 60000),
    dstPort: 80,
    seq: Math.imul(i + 1, 2654435761) >>> 0,
    ack: 0,
    flags: SYN,
    window: 65535,
    urgent: 0,
    options: { mss: 1460 },
    payload: EMPTY_PAYLOAD,
  };
}

function floodRun(
  options: ScenarioOptions,
  role: RunRole,
  cookies: SynCookiePolicy,
  progress: (f: number) => void,
): ScenarioRun {
  const world = new World({ options, role });
  const { sim } = world;
  const a = world.addHost({ name: "A", address: "10.0.0.1" });
  const p = world.addHost({
    name: "P",
    address: "10.0.0.2",
    overrides: { synCookies: cookies, synBacklog: SYN_QUEUE },
  });
  world.link("A", "P");
  listen(p, 80, {}, { onData: (app) => app.write("welcome") });
  const total = (FLOOD_FOR / SECOND) * FLOOD_RATE;
  for (let i = 0; i < total; i++) {
    sim.inject({
      name: SPOOF,
      at: Math.floor((i * SECOND) / FLOOD_RATE),
      seg: spoofedSyn(i, p.address, world),
      from: "attacker",
    });
  }
  let client: AppConnection | null = null;
  sim.at(CLIENT_AT, () => {
    client = connect(
      a,
      { address: world.address("10.0.0.2"), port: 80 },
      { onEstablished: (app) => app.write("hello") },
    );
  });
  let halfOpenAtClient = 0;
  sim.at(CLIENT_AT, () => {
    halfOpenAtClient = p.stateCounts().SYN_RECEIVED;
    sim.note(`ss on P: ${halfOpenAtClient} SYN_RECEIVED (SYN queue limit ${SYN_QUEUE})`, "P");
  });
  const end = FLOOD_FOR + 10 * SECOND;
  for (let t = SECOND; t <= end; t += SECOND) {
    sim.runUntil(t);
    progress(t / end);
  }

  const ev = world.trace.events;
  const app = client as AppConnection | null;
  const label = app?.conn.label ?? "";
  const clientSynDrops = dropped(
    ev,
    "P",
    (e) => e.reason === "syn-queue-full" && e.seg !== null && e.seg.srcAddr === a.address,
  );
  const floodDrops = p.counters.listenDrops;
  const established = stateChanges(ev, "A", (e) => e.to === "ESTABLISHED")[0];
  let checks: Check[];
  if (cookies === "off") {
    const closed = stateChanges(ev, "A", (e) => e.to === "CLOSED")[0];
    checks = [
      check(
        "the flood fills the SYN queue with half-open SYN_RECEIVED children",
        halfOpenAtClient === SYN_QUEUE,
        `${halfOpenAtClient} in SYN_RECEIVED when the client arrives (limit ${SYN_QUEUE})`,
      ),
      check(
        "further SYNs are dropped: the queue is full",
        floodDrops > 0,
        `${floodDrops} SYNs dropped (ListenDrops)`,
      ),
      check(
        "the legitimate client's SYNs are dropped too",
        clientSynDrops.length > 0,
        `${clientSynDrops.length} of A's SYNs dropped with syn-queue-full`,
      ),
      check(
        "the legitimate client never gets in: connect() fails with ETIMEDOUT",
        established === undefined && app?.error === "ETIMEDOUT",
        `A ${established ? "connected" : "never connected"}; connect() → ${app?.error ?? "no error"}${closed ? ` after ${duration(closed.t - CLIENT_AT)}` : ""}`,
      ),
    ];
  } else {
    const cookieSynAcks = sent(
      ev,
      "P",
      (e) => e.why === "syn-ack-cookie" && isSynAck(e.seg) && e.seg.dstAddr === a.address,
    );
    checks = [
      check(
        "the flood still fills the SYN queue",
        halfOpenAtClient === SYN_QUEUE,
        `${halfOpenAtClient} in SYN_RECEIVED when the client arrives`,
      ),
      check(
        "with the queue full, P answers with SYN cookies instead of dropping",
        p.counters.synCookiesSent > 0 && cookieSynAcks.length >= 1,
        `${p.counters.synCookiesSent} cookie SYN,ACKs sent, ${cookieSynAcks.length} of them to A`,
      ),
      check(
        "the legitimate client gets through at once and is served",
        established !== undefined &&
          established.t - CLIENT_AT <= 2 * (options.delay ?? 1000) &&
          app?.text() === "welcome",
        `A connected ${established ? `${duration(established.t - CLIENT_AT)} after connect()` : "never"}, read ${JSON.stringify(app?.text() ?? "")}; ${p.counters.synCookiesRecv} valid cookie(s) on P`,
      ),
    ];
  }
  // The legitimate client's connection, the flood's start, and the whole life of the first half-open
  // child (its SYN,ACK retries and its end), so the timeline agrees with the trace.
  const firstSpoof = ev.find((e) => e.kind === "state" && e.host === "P" && e.to === "SYN_RECEIVED");
  const child = firstSpoof?.kind === "state" ? firstSpoof.conn : "";
  const childEvents = new Set(onlyConnection(ev, child));
  const shown = onlyConnection(ev, label, (e) => e.t < 5 * MS || childEvents.has(e));
  const title = cookies === "off" ? "SYN flood, SYN cookies off" : `SYN flood, SYN cookies on (${cookies})`;
  return world.finish(title, checks, ["A", "P"], {
    shown,
    summary: [
      `${total} spoofed SYNs from ${Math.min(total, 65000)} fake addresses over ${duration(FLOOD_FOR)}; the ladder shows the first one and the legitimate client's connection.`,
    ],
  });
}

export const synFlood: Scenario = {
  id: "S16",
  name: "syn-flood",
  title:
    "SYN flood: half-open SYN_RECEIVED fills the queue and refuses clients; SYN cookies let them through",
  long: true,
  explain:
    "An attacker sends 100 SYNs a second from fake addresses that never answer. Each creates a half-open child " +
    "in SYN_RECEIVED that waits a minute for an ACK while P retransmits its SYN,ACK into the void, so the SYN " +
    "queue (64 here) fills in under a second; after that every SYN is dropped, a legitimate client's as well, " +
    "and its connect() times out. With SYN cookies P answers a SYN it has no room for with a SYN,ACK whose " +
    "sequence number encodes the connection, keeps nothing, and rebuilds the connection from the client's " +
    "ACK: the legitimate client connects at once.",
  run: (options) => [
    floodRun(options, "main", "off", (f) => options.onProgress?.(f / 2)),
    floodRun(options, "variant", "overflow", (f) => options.onProgress?.(0.5 + f / 2)),
  ],
};
