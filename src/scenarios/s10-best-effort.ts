// S10: TIME_WAIT is best effort. A's last ACK is lost, its re-ACK from TIME_WAIT is lost, and every later
// retransmission of P's FIN is lost too. A's 2·MSL expires and A goes CLOSED while P is still in
// LAST_ACK; P gives up after its retries.
import { MS } from "../tcp/profile.js";
import { hasFlags, pureAck } from "../sim/match.js";
import { FIN } from "../wire/segment.js";
import { connect, listen, type AppConnection } from "./app.js";
import { makePair, SERVER_CLOSE_DELAY } from "./pair.js";
import type { Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import { check, duration, isFin, network, sent, stateChanges } from "./verdict.js";

function run(options: ScenarioOptions): ScenarioRun[] {
  const { world, a, p, serverAddress, serverPort } = makePair({ options, role: "main" });
  const { sim } = world;
  // P's application closes fully (close(), an orphan like most servers' sockets): it retries its FIN
  // tcp_orphan_retries times and then gives up silently.
  listen(p, serverPort, {}, { onEnd: (app) => sim.after(SERVER_CLOSE_DELAY, () => app.close()) });
  sim.fault({
    name: "lose P's retransmitted FINs",
    action: "drop",
    from: "P",
    match: hasFlags(FIN),
    nth: 3,
    times: Infinity,
  });
  let client: AppConnection | null = null;
  sim.at(0, () => {
    client = connect(a, { address: serverAddress, port: serverPort });
  });
  sim.at(100 * MS, () => {
    // From here on every pure ACK of A is lost: the final ACK and the re-ACK from TIME_WAIT.
    sim.fault({
      name: "lose A's ACKs of P's FIN",
      action: "drop",
      from: "A",
      match: pureAck,
      times: Infinity,
    });
    client?.close();
  });
  sim.runUntilIdle();

  const ev = world.trace.events;
  const aClosed = stateChanges(ev, "A", (e) => e.from === "TIME_WAIT" && e.to === "CLOSED")[0];
  const pClosed = stateChanges(ev, "P", (e) => e.to === "CLOSED")[0];
  const pLastAck = stateChanges(ev, "P", (e) => e.to === "LAST_ACK")[0];
  const finRtx = sent(ev, "P", (e) => isFin(e.seg) && e.retransmission);
  const probes = finRtx.filter((e) => e.why === "loss-probe");
  const reAck = sent(ev, "A", (e) => e.conn === null && e.why === "ack-fin");
  const lostAcks = network(ev, (e) => e.action === "drop" && e.fault === "lose A's ACKs of P's FIN");
  const checks = [
    check(
      "A's final ACK and its re-ACK from TIME_WAIT are both lost",
      lostAcks.length === 2 && reAck.length === 1,
      `${lostAcks.length} ACK(s) from A lost, ${reAck.length} of them sent from TIME_WAIT`,
    ),
    check(
      "A's 2·MSL expires and A goes CLOSED while P is still in LAST_ACK",
      aClosed !== undefined &&
        aClosed.cause === "2MSL timeout" &&
        pClosed !== undefined &&
        pLastAck !== undefined &&
        pLastAck.t < aClosed.t &&
        pClosed.t > aClosed.t,
      `A CLOSED at ${aClosed ? duration(aClosed.t) : "?"} (${aClosed?.cause ?? "?"}); P in LAST_ACK from ${pLastAck ? duration(pLastAck.t) : "?"} to ${pClosed ? duration(pClosed.t) : "?"}`,
    ),
    check(
      "P gives up after its retries",
      // A tail loss probe (RFC 8985 §7) does not count as a retry (Linux: no icsk_retransmits).
      pClosed?.cause === "retransmission limit" && finRtx.length - probes.length === p.profile.orphanRetries,
      `P retransmitted its FIN ${finRtx.length} times (${probes.length} of them a tail loss probe) and went CLOSED by "${pClosed?.cause ?? "?"}" (orphan retries ${p.profile.orphanRetries})`,
    ),
  ];
  return [world.finish("every ACK of P's FIN and every later FIN is lost", checks, ["A", "P"])];
}

export const bestEffort: Scenario = {
  id: "S10",
  name: "best-effort",
  title: "TIME_WAIT is best effort: when the re-ACK and later FINs are lost too, P gives up",
  explain:
    "Everything goes wrong at once: A's final ACK is lost, the ACK A sends from TIME_WAIT when P's first " +
    "retransmitted FIN arrives is lost too, and P's later retransmissions never arrive. A's TIME_WAIT timer runs " +
    "out and A forgets the connection while P is still in LAST_ACK; P keeps retrying with exponential " +
    "backoff and finally gives up (tcp_orphan_retries). TIME_WAIT only makes an orderly close likely; it " +
    "cannot guarantee one.",
  tryNext: [
    "tcplab run S10 --profile windows: with 5 orphan retries P gives up before A's 120 s TIME_WAIT ends",
  ],
  run,
};
