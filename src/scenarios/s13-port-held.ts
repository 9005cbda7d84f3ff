// S13: a server that closes connections first holds their 4-tuples in TIME_WAIT; restarted at once it
// cannot bind its port (EADDRINUSE) unless it asks for address reuse (SO_REUSEADDR).
import { MS } from "../tcp/profile.js";
import { connect, listen, tryListen, type Server, type AppConnection } from "./app.js";
import { makePair } from "./pair.js";
import type { Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import { appEvents, check, duration, expectStates, timeIn } from "./verdict.js";

function run(options: ScenarioOptions): ScenarioRun[] {
  const { world, a, p, serverAddress, serverPort } = makePair({ options, role: "main" });
  const { sim } = world;
  // The server answers and closes first (an HTTP/1.0-style server): TIME_WAIT lands on P.
  const server = {
    onData: (app: AppConnection) => {
      app.write("HTTP/1.0 200 OK\r\n\r\nbye");
      app.end();
    },
  };
  const first = listen(p, serverPort, {}, server);
  sim.at(0, () => {
    connect(
      a,
      { address: serverAddress, port: serverPort },
      {
        onEstablished: (app) => app.write("GET / HTTP/1.0\r\n\r\n"),
        onEnd: (app) => app.end(),
      },
    );
  });
  let plain: Server | string | null = null;
  let reuse: Server | string | null = null;
  let second: AppConnection | null = null;
  // The server process is restarted: its listener closes, and the new one binds the same port at once.
  sim.at(100 * MS, () => {
    p.closeListener(first.listener);
    plain = tryListen(p, serverPort, {});
    if (typeof plain === "string") reuse = tryListen(p, serverPort, { reuseAddress: true }, server);
  });
  sim.at(200 * MS, () => {
    second = connect(
      a,
      { address: serverAddress, port: serverPort },
      {
        onEstablished: (app) => app.write("GET / HTTP/1.0\r\n\r\n"),
        onEnd: (app) => app.end(),
      },
    );
  });
  // After TIME_WAIT has run out (the second client's too), a plain bind works again.
  const lateAt = 300 * MS + p.profile.timeWait;
  let late: Server | string | null = null;
  sim.at(lateAt, () => {
    if (reuse !== null && typeof reuse !== "string") p.closeListener(reuse.listener);
    late = tryListen(p, serverPort, {}, server);
  });
  sim.runUntilIdle();

  const ev = world.trace.events;
  const tw = timeIn(ev, "P", "TIME_WAIT");
  const reused = reuse as Server | string | null;
  const checks = [
    expectStates("P closes first and holds the 4-tuple in TIME_WAIT", ev, "P", [
      "SYN_RECEIVED",
      "ESTABLISHED",
      "FIN_WAIT_1",
      "FIN_WAIT_2",
      "TIME_WAIT",
      "CLOSED",
    ]),
    check(
      "restarted at once, a plain listen() fails with EADDRINUSE",
      plain === "EADDRINUSE",
      `listen(${serverPort}) → ${typeof plain === "string" ? plain : "ok"}`,
    ),
    check(
      "with address reuse (SO_REUSEADDR) it succeeds and serves a new client",
      reused !== null &&
        typeof reused !== "string" &&
        (second as AppConnection | null)?.text().startsWith("HTTP/1.0 200") === true,
      `listen(${serverPort}, reuseAddress) → ${typeof reused === "string" ? reused : reused ? "ok" : "not tried"}; the new client read ${JSON.stringify((second as AppConnection | null)?.text() ?? "")}`,
    ),
    check(
      `after TIME_WAIT (${duration(p.profile.timeWait)}) a plain listen() works again`,
      late !== null && typeof late !== "string" && tw === p.profile.timeWait,
      `listen(${serverPort}) at ${duration(lateAt)} → ${typeof late === "string" ? late : "ok"}`,
    ),
    check(
      "A, the passive closer, never waited",
      timeIn(ev, "A", "TIME_WAIT") === null && appEvents(ev, "A", (e) => e.error !== undefined).length === 0,
      "A went LAST_ACK → CLOSED",
    ),
  ];
  return [world.finish("the server closes first, then restarts", checks, ["A", "P"])];
}

export const portHeld: Scenario = {
  id: "S13",
  name: "port-held",
  title: "A server that closes first cannot rebind its port at once (EADDRINUSE) without SO_REUSEADDR",
  explain:
    "Here the server closes first, so the TIME_WAIT entry is on the server, holding 10.0.0.2:80 ↔ client. " +
    "The server process restarts 100 ms later: a plain bind of port 80 fails with EADDRINUSE because a " +
    "connection on that port still exists in TIME_WAIT. With address reuse (SO_REUSEADDR, what every server " +
    "sets) the bind succeeds — the TIME_WAIT 4-tuple stays protected, only the listening port is shared — and " +
    "a new client is served. After 60 s a plain bind works again.",
  tryNext: ["tcplab run S13 --profile windows: the port stays held for 120 s"],
  run,
};
