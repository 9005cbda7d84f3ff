// S8: without TIME_WAIT, A reopens the same 4-tuple at once while P still sits in LAST_ACK (A's last ACK
// was lost). P answers the new SYN with a challenge ACK (RFC 5961 §4), A resets, the old connection dies
// with ECONNRESET on P, and the new connection's first handshake fails. With TIME_WAIT the 4-tuple
// cannot be reopened (EADDRNOTAVAIL) and P's close completes in order. A runs without timestamps: with them
// Linux would hand a bound socket the TIME_WAIT 4-tuple at once (S14's safe reuse).
import { MS } from "../tcp/profile.js";
import { connect, tryConnect, type AppConnection } from "./app.js";
import { lostFinalAckSetting } from "./lost-final-ack.js";
import type { Check, RunRole, Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import { appErrors, check, dropped, duration, isRst, isSyn, sent, stateChanges } from "./verdict.js";

const RECONNECT_AT = 165 * MS; // 13 ms after A's last ACK (P closes 50 ms after EOF, pair.ts)

function reconnectRun(options: ScenarioOptions, role: RunRole, withTimeWait: boolean): ScenarioRun {
  // A without timestamps: with them, Linux lets a socket bound to the port take its TIME_WAIT 4-tuple over
  // at once (tcp_twsk_unique), PAWS guarding the new connection — S14's safe reuse, not this lesson.
  const { world, a, p, serverAddress, serverPort, sim } = lostFinalAckSetting(options, role, withTimeWait, {
    timestamps: false,
  });
  let first: AppConnection | null = null;
  let second: AppConnection | string | null = null;
  sim.at(0, () => {
    first = connect(
      a,
      { address: serverAddress, port: serverPort },
      { onEstablished: (app) => app.write("request 1") },
    );
  });
  sim.at(100 * MS, () => first?.close());
  // The application's next request reuses the same local port at once (a client bound to a fixed port).
  sim.at(RECONNECT_AT, () => {
    const localPort = (first as AppConnection | null)?.conn.localPort ?? 0;
    second = tryConnect(
      a,
      { address: serverAddress, port: serverPort, localPort, reuseAddress: true },
      { onEstablished: (app) => app.write("request 2") },
    );
  });
  sim.runUntilIdle();

  const ev = world.trace.events;
  const pFirst = stateChanges(ev, "P", (e) => e.to === "CLOSED")[0];
  const secondApp = typeof second === "string" ? null : (second as AppConnection | null);
  let checks: Check[];
  if (!withTimeWait) {
    const synAtLastAck = dropped(
      ev,
      "P",
      (e) => e.reason === "syn-challenged" && e.seg !== null && isSyn(e.seg),
    );
    const challenge = sent(ev, "P", (e) => e.why === "challenge-ack");
    const reset = sent(ev, "A", (e) => isRst(e.seg) && e.t >= RECONNECT_AT);
    const firstSyn = sent(ev, "A", (e) => isSyn(e.seg) && e.t >= RECONNECT_AT)[0];
    const established = stateChanges(ev, "A", (e) => e.to === "ESTABLISHED" && e.t >= RECONNECT_AT)[0];
    checks = [
      check(
        "A reopens the same 4-tuple at once",
        secondApp !== null,
        secondApp
          ? `connect() from the same port at ${duration(RECONNECT_AT)}`
          : `connect() → ${String(second)}`,
      ),
      check(
        "its SYN reaches P while P is still in LAST_ACK, and P answers with a challenge ACK",
        synAtLastAck.length >= 1 && challenge.length >= 1,
        `${synAtLastAck.length} SYN(s) challenged on P, ${challenge.length} challenge ACK(s) (RFC 5961 §4)`,
      ),
      check(
        "A, in SYN_SENT, answers the challenge ACK with RST",
        reset.length >= 1,
        `${reset.length} RST(s) from A`,
      ),
      check(
        "the old connection dies with a reset instead of an orderly close",
        // ECONNRESET where the system reports it (Linux, FreeBSD); RFC 9293 §3.10.7.4 just closes LAST-ACK.
        pFirst?.cause === "rcv RST" &&
          (p.profile.rstInLastAckError === null
            ? appErrors(ev, "P").length === 0
            : appErrors(ev, "P").includes(p.profile.rstInLastAckError)),
        `P's old connection CLOSED by "${pFirst?.cause ?? "?"}"; P's application errors: ${appErrors(ev, "P").join(", ") || "none"}`,
      ),
      check(
        "the new connection's first handshake fails: only a SYN retransmission gets through",
        // The retransmission comes after the initial RTO — or, on Linux, at once: an unacceptable ACK in
        // SYN_SENT re-arms the SYN timer to 2 ms (tcp_rcv_synsent_state_process, TCP_TIMEOUT_MIN).
        firstSyn !== undefined &&
          established !== undefined &&
          established.t - firstSyn.t >=
            (a.profile.synSentBadAckRearm > 0 ? a.profile.synSentBadAckRearm : a.profile.rtoInitial) &&
          sent(ev, "A", (e) => isSyn(e.seg) && e.t >= firstSyn.t).length >= 2,
        established && firstSyn
          ? `established ${duration(established.t - firstSyn.t)} after its first SYN`
          : "never established",
      ),
    ];
  } else {
    const reAck = sent(ev, "A", (e) => e.why === "ack-fin" && e.conn === null);
    checks = [
      check(
        "A cannot reopen the 4-tuple while it is in TIME_WAIT (EADDRNOTAVAIL)",
        second === "EADDRNOTAVAIL",
        `connect() from the same port → ${typeof second === "string" ? second : "accepted"}`,
      ),
      check(
        "A's TIME_WAIT answers P's retransmitted FIN",
        reAck.length >= 1,
        `${reAck.length} ACK(s) from TIME_WAIT`,
      ),
      check(
        "P's close completes in order",
        pFirst?.cause === "rcv ACK of FIN" && appErrors(ev, "P").length === 0,
        `P CLOSED by "${pFirst?.cause ?? "?"}"; P's application errors: ${appErrors(ev, "P").join(", ") || "none"}`,
      ),
    ];
  }
  const title = withTimeWait
    ? `with TIME_WAIT (${duration(a.profile.timeWait)})`
    : "without TIME_WAIT: reconnect at once";
  return world.finish(title, checks, ["A", "P"]);
}

export const reconnectIntoLastAck: Scenario = {
  id: "S8",
  name: "reconnect-into-last-ack",
  title: "Reconnect at once while the peer is still in LAST_ACK (counterfactual: TIME_WAIT forbids it)",
  explain:
    "A's last ACK is lost, so P is still in LAST_ACK. Without TIME_WAIT, A's application opens a new " +
    "connection from the same port 13 ms after its last ACK. The new SYN lands in P's old connection: P answers with a " +
    "challenge ACK (RFC 5961 §4), A — in SYN_SENT — finds it unacceptable and sends RST, which kills P's old " +
    "connection (ECONNRESET on P under Linux and FreeBSD; the RFC reports no error in LAST-ACK). The new connection gets through only when its SYN is retransmitted: a " +
    "second later by the RFC, 2 ms later on Linux, which re-arms its SYN timer on an unacceptable ACK. With TIME_WAIT, connect() from that port fails at once with EADDRNOTAVAIL, and P's " +
    "retransmitted FIN is answered from TIME_WAIT. A runs without TCP timestamps here: with them, Linux lets " +
    "a socket bound to the port take its own TIME_WAIT 4-tuple over at once, PAWS guarding the new " +
    "connection (S14's safe reuse).",
  tryNext: ["tcplab run S8 --json | jq '.runs[0].checks': the verdict as data"],
  run: (options) => [reconnectRun(options, "main", false), reconnectRun(options, "counterfactual", true)],
};
