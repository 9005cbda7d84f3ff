// S3: the four-way close, client first. Only the side that closes first enters TIME_WAIT.
import { MS } from "../tcp/profile.js";
import { connect, listen, type AppConnection } from "./app.js";
import { makePair, SERVER_CLOSE_DELAY } from "./pair.js";
import type { Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import {
  appErrors,
  appEvents,
  check,
  duration,
  expectStates,
  isFin,
  isPureAck,
  sent,
  stateChanges,
  timeIn,
} from "./verdict.js";

function run(options: ScenarioOptions): ScenarioRun[] {
  const { world, a, p, serverAddress, serverPort } = makePair({ options, role: "main" });
  const { sim } = world;
  listen(
    p,
    serverPort,
    {},
    {
      onData: (app) => app.write("hi"),
      onEnd: (app) => sim.after(SERVER_CLOSE_DELAY, () => app.end()),
    },
  );
  let client: AppConnection | null = null;
  sim.at(0, () => {
    client = connect(
      a,
      { address: serverAddress, port: serverPort },
      { onEstablished: (app) => app.write("hello") },
    );
  });
  sim.at(100 * MS, () => client?.close());
  sim.runUntilIdle();

  const ev = world.trace.events;
  const twLength = a.profile.timeWait;
  const tw = timeIn(ev, "A", "TIME_WAIT");
  const afterClose = sent(ev, undefined, (e) => e.t >= 100 * MS && (isFin(e.seg) || isPureAck(e.seg)));
  const closeSegments = afterClose.map((e) => `${e.host}:${isFin(e.seg) ? "FIN" : "ACK"}`);
  const checks = [
    expectStates("A closes actively", ev, "A", [
      "SYN_SENT",
      "ESTABLISHED",
      "FIN_WAIT_1",
      "FIN_WAIT_2",
      "TIME_WAIT",
      "CLOSED",
    ]),
    expectStates("P closes passively", ev, "P", [
      "SYN_RECEIVED",
      "ESTABLISHED",
      "CLOSE_WAIT",
      "LAST_ACK",
      "CLOSED",
    ]),
    check(
      "four segments close the connection",
      closeSegments.join(" ") === "A:FIN P:ACK P:FIN A:ACK",
      `after close(): ${closeSegments.join(", ")}`,
    ),
    check(
      "P's application reads EOF",
      appEvents(ev, "P", (e) => e.call === "read" && e.detail === "EOF").length === 1,
      "read() → EOF once on P",
    ),
    check(
      `A stays in TIME_WAIT for ${duration(twLength)}`,
      tw === twLength,
      `A's TIME_WAIT lasted ${tw === null ? "(never ended)" : duration(tw)}`,
    ),
    check(
      "only the side that closes first enters TIME_WAIT",
      stateChanges(ev, "P", (e) => e.to === "TIME_WAIT").length === 0,
      "P never entered TIME_WAIT",
    ),
    check(
      "no application saw an error",
      appErrors(ev, "A").length + appErrors(ev, "P").length === 0,
      `errors: ${[...appErrors(ev, "A"), ...appErrors(ev, "P")].join(", ") || "none"}`,
    ),
  ];
  return [world.finish("A closes first", checks, ["A", "P"])];
}

export const fourWayClose: Scenario = {
  id: "S3",
  name: "four-way-close",
  title: "Four-way close, client first: only the side that closes first enters TIME_WAIT",
  explain:
    "A calls close(): its FIN takes it to FIN_WAIT_1, P's ACK to FIN_WAIT_2. P's application reads EOF " +
    "(CLOSE_WAIT) and closes a little later: its FIN puts it in LAST_ACK. A acknowledges that FIN and waits " +
    "in TIME_WAIT before the 4-tuple is free again — 2·MSL in RFC 9293, a fixed 60 s on Linux (its constant " +
    "TCP_TIMEWAIT_LEN, not derived from an MSL); P is CLOSED as soon as that " +
    "ACK arrives. Watch the ~~~ line: the idle TIME_WAIT is compressed with its real length printed.",
  tryNext: [
    "tcplab run S3 --profile rfc: TIME_WAIT lasts 2·MSL = 4 minutes",
    "tcplab run S3 --absolute: the sequence numbers as they are on the wire",
  ],
  run,
};
