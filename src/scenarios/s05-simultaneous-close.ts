// S5: simultaneous close. Both FINs cross; each side goes FIN_WAIT_1 → CLOSING → TIME_WAIT → CLOSED.
import { MS } from "../tcp/profile.js";
import { connect, listen, type AppConnection } from "./app.js";
import { makePair } from "./pair.js";
import type { Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import { check, duration, expectStates, isFin, sent, timeIn } from "./verdict.js";

function run(options: ScenarioOptions): ScenarioRun[] {
  const { world, a, p, serverAddress, serverPort } = makePair({ options, role: "main" });
  const { sim } = world;
  const server = listen(p, serverPort, {});
  let client: AppConnection | null = null;
  sim.at(0, () => {
    client = connect(a, { address: serverAddress, port: serverPort });
  });
  // Both applications close at the same instant: neither FIN has arrived when the other is sent.
  sim.at(100 * MS, () => {
    client?.end();
    server.accepted[0]?.end();
  });
  sim.runUntilIdle();

  const ev = world.trace.events;
  const states = ["SYN_SENT", "ESTABLISHED", "FIN_WAIT_1", "CLOSING", "TIME_WAIT", "CLOSED"] as const;
  const rtt = 2 * (options.delay ?? 1000);
  const closingA = timeIn(ev, "A", "CLOSING");
  const closingP = timeIn(ev, "P", "CLOSING");
  const fins = sent(ev, undefined, (e) => isFin(e.seg));
  const checks = [
    expectStates("A: FIN_WAIT_1 → CLOSING → TIME_WAIT", ev, "A", [...states]),
    expectStates("P: FIN_WAIT_1 → CLOSING → TIME_WAIT", ev, "P", ["SYN_RECEIVED", ...states.slice(1)]),
    check(
      "the two FINs cross: each is sent before the other arrives",
      fins.length === 2 && fins[0]!.t === fins[1]!.t,
      `FINs sent at ${fins.map((e) => `${e.host} ${duration(e.t)}`).join(", ")}`,
    ),
    check(
      "CLOSING is short: it ends when the ACK of our FIN arrives, within one RTT",
      closingA !== null &&
        closingP !== null &&
        closingA > 0 &&
        closingA <= rtt &&
        closingP > 0 &&
        closingP <= rtt,
      `CLOSING lasted ${closingA === null ? "?" : duration(closingA)} on A, ${closingP === null ? "?" : duration(closingP)} on P (RTT ${duration(rtt)})`,
    ),
    check(
      "both sides wait out TIME_WAIT",
      timeIn(ev, "A", "TIME_WAIT") === a.profile.timeWait &&
        timeIn(ev, "P", "TIME_WAIT") === p.profile.timeWait,
      `TIME_WAIT ${duration(a.profile.timeWait)} on both`,
    ),
  ];
  return [world.finish("A and P close at the same instant", checks, ["A", "P"])];
}

export const simultaneousClose: Scenario = {
  id: "S5",
  name: "simultaneous-close",
  title: "Simultaneous close: both FINs cross, both sides pass through CLOSING into TIME_WAIT",
  explain:
    "Both applications close at the same instant, so each FIN is on the wire before the other arrives. " +
    "Each side receives the peer's FIN while still in FIN_WAIT_1 (its own FIN not yet acknowledged): that " +
    "is CLOSING. The ACK of its own FIN arrives a moment later and it enters TIME_WAIT. CLOSING lasts less " +
    "than a round trip, which is why `ss` almost never shows it; and here both sides end up in TIME_WAIT.",
  tryNext: ["tcplab run S5 --delay 20ms: CLOSING now lasts 20 ms, still less than one RTT"],
  run,
};
