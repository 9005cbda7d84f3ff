// S2: the three-way handshake. LISTEN; connect() sends SYN (SYN_SENT); SYN,ACK (SYN_RECEIVED); ACK (both
// ESTABLISHED); data flows.
import { connect, listen, type AppConnection } from "./app.js";
import { makePair } from "./pair.js";
import type { Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import { isListenerEvent } from "../tcp/events.js";
import { check, duration, expectStates, flagText, isSyn, isSynAck, sent, stateChanges } from "./verdict.js";

function run(options: ScenarioOptions): ScenarioRun[] {
  const { world, a, p, serverAddress, serverPort } = makePair({ options, role: "main" });
  const { sim } = world;
  const server = listen(p, serverPort, {}, { onData: (app) => app.write("welcome") });
  let client: AppConnection | null = null;
  sim.at(0, () => {
    client = connect(
      a,
      { address: serverAddress, port: serverPort },
      { onEstablished: (app) => app.write("hello") },
    );
  });
  sim.runUntil(500_000);

  const ev = world.trace.events;
  const firstThree = sent(ev).slice(0, 3);
  const shape = firstThree.map((e) => `${e.host}:${flagText(e.seg)}`);
  const synAck = firstThree[1];
  const synOk =
    firstThree.length === 3 &&
    isSyn(firstThree[0]!.seg) &&
    isSynAck(firstThree[1]!.seg) &&
    firstThree[2]!.seg.flags === 0x10 &&
    synAck!.seg.ack === (firstThree[0]!.seg.seq + 1) >>> 0 &&
    firstThree[2]!.seg.ack === (synAck!.seg.seq + 1) >>> 0;
  const estA = stateChanges(ev, "A", (e) => e.to === "ESTABLISHED")[0];
  const estP = stateChanges(ev, "P", (e) => e.to === "ESTABLISHED")[0];
  const rtt = 2 * (options.delay ?? 1000);
  // Read off the trace, as every verdict: P's listener entered LISTEN before P received anything.
  const listening = ev.findIndex((e) => isListenerEvent(e) && e.host === "P" && e.to === "LISTEN");
  const firstArrival = ev.findIndex((e) => e.kind === "segment-received" && e.host === "P");
  const listenEvent = ev[listening];
  const arrival = ev[firstArrival];
  const got = client as AppConnection | null;
  const checks = [
    check(
      "P listens before anything arrives",
      listening >= 0 && firstArrival > listening,
      listenEvent?.kind === "state"
        ? `P's ${listenEvent.conn} in LISTEN at ${duration(listenEvent.t)}, its first segment arrived at ${arrival ? duration(arrival.t) : "never"}`
        : "P never entered LISTEN",
    ),
    expectStates("A: SYN_SENT then ESTABLISHED", ev, "A", ["SYN_SENT", "ESTABLISHED"]),
    expectStates("P: SYN_RECEIVED then ESTABLISHED", ev, "P", ["SYN_RECEIVED", "ESTABLISHED"]),
    check(
      "three segments: SYN, SYN,ACK, ACK, each acknowledging the other's ISN + 1",
      synOk,
      `first segments: ${shape.join(", ")}`,
    ),
    check(
      "A is ESTABLISHED after one RTT, P after one and a half",
      estA !== undefined && estP !== undefined && estA.t === rtt && estP.t === rtt + rtt / 2,
      `A at ${estA ? duration(estA.t) : "never"}, P at ${estP ? duration(estP.t) : "never"} (RTT ${duration(rtt)})`,
    ),
    check(
      "data flows both ways once established",
      server.accepted[0]?.text() === "hello" && got?.text() === "welcome",
      `P read ${JSON.stringify(server.accepted[0]?.text() ?? "")}, A read ${JSON.stringify(got?.text() ?? "")}`,
    ),
  ];
  return [world.finish("A connects to P", checks, ["A", "P"])];
}

export const threeWayHandshake: Scenario = {
  id: "S2",
  name: "three-way-handshake",
  title: "Three-way handshake: SYN, SYN+ACK, ACK, then data",
  explain:
    "P is in LISTEN. A's connect() sends a SYN and A enters SYN_SENT; P answers SYN,ACK from SYN_RECEIVED; " +
    "A's ACK completes it. Each side acknowledges the other's initial sequence number plus one (the SYN " +
    "occupies one sequence number). A is ESTABLISHED after one round trip, P half a round trip later, " +
    "and data flows in both directions.",
  tryNext: [
    "tcplab run S2 --labels tcpdump: the same ladder in tcpdump's notation",
    "tcplab run S2 --delay 50ms: every step of the handshake takes 50 ms longer (the timing check follows the RTT)",
  ],
  run,
};
