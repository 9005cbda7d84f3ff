// The run behind S6 and S7: A closes first, its last ACK is lost, P retransmits its FIN from LAST_ACK.
// With TIME_WAIT, A answers the retransmitted FIN and P closes in order (S6); without it, the FIN finds
// nothing, A answers RST and P's application sees ECONNRESET (S7).
import { MS, type Profile } from "../tcp/profile.js";
import { pureAck } from "../sim/match.js";
import { connect, listen, type AppConnection, type Server } from "./app.js";
import { makePair, SERVER_CLOSE_DELAY } from "./pair.js";
import type { Check, RunRole, ScenarioOptions, ScenarioRun } from "./types.js";
import {
  appErrors,
  check,
  dropped,
  duration,
  expectStates,
  isFin,
  isRst,
  network,
  sent,
  stateChanges,
  timeIn,
  timers,
} from "./verdict.js";

export const LOSE_FINAL_ACK = "lose A's final ACK";

export interface LostFinalAck {
  run: ScenarioRun;
  server: Server;
  client: AppConnection | null;
}

/**
 * The setting S6, S7 and S8 share: a client A and a server P that answers a request and closes after EOF,
 * with A's ACK of P's FIN dropped once. `withTimeWait: false` is the S7 ablation (A's TIME_WAIT length 0);
 * `clientOverrides` sets more of A's profile.
 */
export function lostFinalAckSetting(
  options: ScenarioOptions,
  role: RunRole,
  withTimeWait: boolean,
  clientOverrides: Partial<Profile> = {},
) {
  const pair = makePair({
    options,
    role,
    clientOverrides: { ...clientOverrides, ...(withTimeWait ? {} : { timeWait: 0 }) },
  });
  const { sim } = pair.world;
  const server = listen(
    pair.p,
    pair.serverPort,
    {},
    {
      onData: (app) => app.write("response"),
      onEnd: (app) => sim.after(SERVER_CLOSE_DELAY, () => app.end()),
    },
  );
  // The final ACK: a pure ACK from A that acknowledges P's FIN while P waits in LAST_ACK.
  sim.fault({
    name: LOSE_FINAL_ACK,
    action: "drop",
    from: "A",
    match: (seg, ctx) => {
      const peer = server.accepted[0]?.conn;
      return (
        pureAck(seg, ctx) && peer !== undefined && peer.state === "LAST_ACK" && seg.ack === peer.snd.sndNxt
      );
    },
  });
  return { ...pair, sim, server };
}

/** A closes at 100 ms; its ACK of P's FIN is dropped once. `withTimeWait: false` is the S7 ablation. */
export function lostFinalAckRun(options: ScenarioOptions, role: RunRole, withTimeWait: boolean): ScenarioRun {
  const { world, a, p, serverAddress, serverPort, sim, server } = lostFinalAckSetting(
    options,
    role,
    withTimeWait,
  );
  let client: AppConnection | null = null;
  sim.at(0, () => {
    client = connect(
      a,
      { address: serverAddress, port: serverPort },
      { onEstablished: (app) => app.write("request") },
    );
  });
  sim.at(100 * MS, () => client?.close());
  sim.runUntilIdle();

  const ev = world.trace.events;
  const lost = network(ev, (e) => e.action === "drop" && e.fault === LOSE_FINAL_ACK);
  const finRtx = sent(ev, "P", (e) => isFin(e.seg) && e.retransmission);
  const pClosed = stateChanges(ev, "P", (e) => e.to === "CLOSED")[0];
  const noData =
    server.accepted[0]?.text() === "request" && (client as AppConnection | null)?.text() === "response";
  const common: Check[] = [
    check(
      "A's final ACK is lost",
      lost.length === 1,
      `${lost.length} segment dropped by the fault "${LOSE_FINAL_ACK}"`,
    ),
    check(
      // Linux's first FIN retransmission is a tail loss probe (RFC 8985 §7), then the RTO.
      "P, still in LAST_ACK, retransmits its FIN on its loss-probe or retransmission timer",
      finRtx.length >= 1 &&
        timers(ev, "P", "retransmit", "fired").length + timers(ev, "P", "loss-probe", "fired").length >= 1,
      `${finRtx.length} FIN retransmission(s) from P${finRtx[0] ? `, first at ${duration(finRtx[0].t)}` : ""}`,
    ),
    check("no data is lost", noData, 'P read "request" and A read "response"'),
  ];
  let checks: Check[];
  if (withTimeWait) {
    const reAck = sent(ev, "A", (e) => e.why === "ack-fin" && e.conn === null);
    const restarted = timers(ev, "A", "time-wait", "restarted");
    const twEnd = stateChanges(ev, "A", (e) => e.from === "TIME_WAIT" && e.to === "CLOSED")[0];
    const errors = [...appErrors(ev, "A"), ...appErrors(ev, "P")];
    checks = [
      ...common,
      check(
        "A, in TIME_WAIT, answers the retransmitted FIN with a fresh ACK",
        reAck.length >= 1,
        `${reAck.length} ACK(s) sent from A's TIME_WAIT record`,
      ),
      check(
        "A restarts its TIME_WAIT timer",
        restarted.length >= 1 &&
          twEnd !== undefined &&
          twEnd.t === restarted[restarted.length - 1]!.t + a.profile.timeWait,
        restarted.length > 0 && twEnd
          ? `restarted at ${duration(restarted[0]!.t)}; TIME_WAIT ended at ${duration(twEnd.t)}`
          : "no restart",
      ),
      expectStates("P reaches CLOSED normally", ev, "P", [
        "SYN_RECEIVED",
        "ESTABLISHED",
        "CLOSE_WAIT",
        "LAST_ACK",
        "CLOSED",
      ]),
      check(
        "P's close completes on the ACK, and nothing is reported as an error",
        pClosed?.cause === "rcv ACK of FIN" && errors.length === 0,
        `P CLOSED by "${pClosed?.cause ?? "?"}"; application errors: ${errors.join(", ") || "none"}`,
      ),
    ];
  } else {
    const tw = timeIn(ev, "A", "TIME_WAIT");
    const rst = sent(ev, "A", (e) => isRst(e.seg) && e.why === "rst-closed-port");
    const noConn = dropped(ev, "A", (e) => e.reason === "closed-port" && e.seg !== null && isFin(e.seg));
    checks = [
      ...common,
      check(
        "A goes straight to CLOSED after its last ACK",
        tw === 0,
        `A's TIME_WAIT lasted ${tw === null ? "?" : duration(tw)}`,
      ),
      check(
        "the retransmitted FIN finds no connection and A answers RST",
        noConn.length >= 1 && rst.length >= 1,
        `${noConn.length} FIN(s) for a closed port on A, ${rst.length} RST(s) sent`,
      ),
      p.profile.rstInLastAckError === null
        ? check(
            "P's close ends in an RST instead of an orderly close (RFC 9293 §3.10.7.4: CLOSED, no error reported)",
            pClosed?.cause === "rcv RST" && appErrors(ev, "P").length === 0,
            `P CLOSED by "${pClosed?.cause ?? "?"}"; P's application errors: ${appErrors(ev, "P").join(", ") || "none"}`,
          )
        : check(
            "P's application sees ECONNRESET instead of an orderly close",
            pClosed?.cause === "rcv RST" && appErrors(ev, "P").includes("ECONNRESET"),
            `P CLOSED by "${pClosed?.cause ?? "?"}"; P's application errors: ${appErrors(ev, "P").join(", ") || "none"}`,
          ),
    ];
  }
  const title = withTimeWait
    ? `with TIME_WAIT (${duration(a.profile.timeWait)})`
    : "without TIME_WAIT (A's TIME_WAIT length 0)";
  return world.finish(title, checks, ["A", "P"]);
}
