// S15: CLOSE_WAIT pile-up. A client application reads EOF and never calls close() (the HTTP-client bug of
// the seed article): its sockets stay in CLOSE_WAIT for ever, while the server, which closed first, sits in
// FIN_WAIT_2 until its orphan timeout (tcp_fin_timeout) and then forgets them.
import { SECOND, MS } from "../tcp/profile.js";
import { connect, listen } from "./app.js";
import { makePair } from "./pair.js";
import type { Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import { check, duration, stateChanges, timers } from "./verdict.js";

const REQUESTS = 5;
const SERVER_IDLE_CLOSE = 5 * SECOND;

function run(options: ScenarioOptions): ScenarioRun[] {
  const { world, a, p, serverAddress, serverPort } = makePair({ options, role: "main" });
  const { sim } = world;
  // The server answers and closes idle keep-alive connections after 5 s (close(): an orphan).
  listen(
    p,
    serverPort,
    {},
    {
      onData: (app) => {
        app.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
        sim.after(SERVER_IDLE_CLOSE, () => app.close());
      },
    },
  );
  // The buggy client: one request a second, reads the answer, sees EOF later — and never closes.
  for (let i = 0; i < REQUESTS; i++) {
    sim.at(i * SECOND, () => {
      connect(
        a,
        { address: serverAddress, port: serverPort },
        { onEstablished: (app) => app.write("GET / HTTP/1.1\r\n\r\n") },
      );
    });
  }
  const snapshots: Array<{ t: number; client: number; server: number }> = [];
  const snapshot = (t: number): void => {
    sim.at(t, () => {
      const c = a.stateCounts().CLOSE_WAIT;
      const s = p.stateCounts().FIN_WAIT_2;
      snapshots.push({ t, client: c, server: s });
      sim.note(`ss on A: ${c} CLOSE_WAIT; ss on P: ${s} FIN_WAIT_2`);
    });
  };
  snapshot(30 * SECOND);
  // A profile without a FIN_WAIT_2 timer (rfc: RFC 9293 has none) is looked at 10 minutes on instead.
  const fw2Timer = p.profile.finWait2Timeout !== Infinity;
  const afterTimeout =
    SERVER_IDLE_CLOSE + REQUESTS * SECOND + (fw2Timer ? p.profile.finWait2Timeout : 600 * SECOND) + 100 * MS;
  snapshot(afterTimeout);
  const end = afterTimeout + 5 * 60 * SECOND;
  snapshot(end);
  sim.runUntil(end);

  const ev = world.trace.events;
  const fw2 = stateChanges(ev, "P", (e) => e.from === "FIN_WAIT_2" && e.to === "CLOSED");
  const fw2Fired = timers(ev, "P", "fin-wait-2", "fired");
  const [during, after, last] = snapshots;
  const entered = stateChanges(ev, "P", (e) => e.to === "FIN_WAIT_2");
  const lengths = fw2.map((e, i) => e.t - (entered[i]?.t ?? e.t));
  const eofs = ev.filter(
    (e) => e.kind === "app" && e.host === "A" && e.call === "read" && e.detail === "EOF",
  ).length;
  const checks = [
    check("the client's application reads EOF on every connection", eofs === REQUESTS, `${eofs} EOFs on A`),
    check(
      "its sockets stay in CLOSE_WAIT as long as it does not close them",
      during?.client === REQUESTS && after?.client === REQUESTS && last?.client === REQUESTS,
      `CLOSE_WAIT on A: ${snapshots.map((s) => `${s.client} at ${duration(s.t)}`).join(", ")}`,
    ),
    fw2Timer
      ? check(
          `the server's FIN_WAIT_2 expires after ${duration(p.profile.finWait2Timeout)} (tcp_fin_timeout)`,
          during?.server === REQUESTS &&
            after?.server === 0 &&
            fw2.length === REQUESTS &&
            fw2Fired.length === REQUESTS &&
            lengths.every((l) => l === p.profile.finWait2Timeout) &&
            fw2.every((e) => e.cause === "FIN_WAIT_2 timeout"),
          `FIN_WAIT_2 on P: ${during?.server ?? "?"} at ${duration(during?.t ?? 0)}, ${after?.server ?? "?"} at ${duration(after?.t ?? 0)}; each lasted ${lengths.map(duration).join(", ") || "?"}`,
        )
      : check(
          `${p.profile.name} has no FIN_WAIT_2 timer (RFC 9293): the server's orphans wait for a FIN for ever`,
          snapshots.every((x) => x.server === REQUESTS) && fw2.length === 0 && fw2Fired.length === 0,
          `FIN_WAIT_2 on P: ${snapshots.map((x) => `${x.server} at ${duration(x.t)}`).join(", ")}`,
        ),
  ];
  return [
    world.finish(`${REQUESTS} requests from a client that never closes`, checks, ["A", "P"], {
      summary: [
        "Diagnosis: `ss -tan state close-wait` on the client lists the sockets and `ss -tanp` names the process " +
          "that holds them; the fix is in that application (close the socket after EOF), no sysctl helps.",
      ],
    }),
  ];
}

export const closeWaitPileup: Scenario = {
  id: "S15",
  name: "close-wait-pileup",
  title: "CLOSE_WAIT piles up on the side that never closes; the other side's FIN_WAIT_2 expires",
  explain:
    "A client makes five keep-alive requests. The server closes each idle connection after 5 s; the client " +
    "reads EOF but never calls close(). Its five sockets sit in CLOSE_WAIT for as long as the process lives " +
    "(the notes show what `ss` would count), while the server's orphaned sockets wait in FIN_WAIT_2 for the " +
    "client's FIN, which never comes, and vanish after tcp_fin_timeout (60 s). CLOSE_WAIT is always the " +
    "local application's bug.",
  tryNext: [
    "tcplab run S15 --profile rfc: RFC 9293 has no FIN_WAIT_2 timer, so the server's orphans never go away either",
  ],
  run,
};
