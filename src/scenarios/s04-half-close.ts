// S4: half-close. After A's FIN, P keeps sending for as long as its application likes; A, in FIN_WAIT_2,
// still receives and acknowledges, but can no longer send. P's ACK and P's FIN are separate because P's
// application decides when to close.
import { MS, SECOND } from "../tcp/profile.js";
import { connect, listen, type AppConnection } from "./app.js";
import { makePair } from "./pair.js";
import type { Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import { check, expectStates, isFin, sent, stateChanges, appEvents } from "./verdict.js";

const CHUNKS = ["report part 1\n", "report part 2\n", "report part 3\n"];

function run(options: ScenarioOptions): ScenarioRun[] {
  const { world, a, p, serverAddress, serverPort } = makePair({ options, role: "main" });
  const { sim } = world;
  // P: on EOF from A it keeps sending a chunk a second, then closes.
  listen(
    p,
    serverPort,
    {},
    {
      onEnd: (app) => {
        CHUNKS.forEach((chunk, i) => sim.after((i + 1) * SECOND, () => app.write(chunk)));
        sim.after((CHUNKS.length + 1) * SECOND, () => app.end());
      },
    },
  );
  let client: AppConnection | null = null;
  let writeAfterShutdown: string | null = null;
  sim.at(0, () => {
    client = connect(
      a,
      { address: serverAddress, port: serverPort },
      { onEstablished: (app) => app.write("send me the report") },
    );
  });
  sim.at(50 * MS, () => client?.end());
  sim.at(1500 * MS, () => {
    writeAfterShutdown = client?.tryWrite("one more thing") ?? null;
  });
  sim.runUntilIdle();

  const ev = world.trace.events;
  const fw2 = stateChanges(ev, "A", (e) => e.to === "FIN_WAIT_2")[0];
  const tw = stateChanges(ev, "A", (e) => e.to === "TIME_WAIT")[0];
  const dataInFw2 = sent(ev, "P", (e) => e.seg.payload.length > 0 && fw2 !== undefined && e.t > fw2.t);
  const acksFromFw2 = sent(
    ev,
    "A",
    (e) => e.seg.payload.length === 0 && fw2 !== undefined && tw !== undefined && e.t > fw2.t && e.t < tw.t,
  );
  const handshake = sent(
    ev,
    undefined,
    (e) =>
      e.why === "syn" ||
      e.why === "syn-ack" ||
      (e.host === "A" && e.t <= 2 * (options.delay ?? 1000) && e.why === "ack"),
  );
  // P's ACK of A's FIN: at once, or (Linux, tcp_fin's ping-pong mode) by the delayed-ACK timer.
  const closeSegs = sent(
    ev,
    undefined,
    (e) =>
      e.t >= 50 * MS && (isFin(e.seg) || e.why === "ack-fin" || (e.host === "P" && e.why === "delayed-ack")),
  );
  const got = (client as AppConnection | null)?.text() ?? "";
  const checks = [
    expectStates("A: FIN_WAIT_2 for the whole half-close", ev, "A", [
      "SYN_SENT",
      "ESTABLISHED",
      "FIN_WAIT_1",
      "FIN_WAIT_2",
      "TIME_WAIT",
      "CLOSED",
    ]),
    expectStates("P: CLOSE_WAIT while it keeps sending", ev, "P", [
      "SYN_RECEIVED",
      "ESTABLISHED",
      "CLOSE_WAIT",
      "LAST_ACK",
      "CLOSED",
    ]),
    check(
      "P sends data after A's FIN and A acknowledges it from FIN_WAIT_2",
      dataInFw2.length === CHUNKS.length && acksFromFw2.length >= CHUNKS.length,
      `${dataInFw2.length} data segments from P while A was in FIN_WAIT_2, ${acksFromFw2.length} ACKs from A`,
    ),
    check(
      "A's application reads everything P sent after the half-close",
      got === CHUNKS.join(""),
      `A read ${JSON.stringify(got)}`,
    ),
    check(
      "A can no longer send (write after shutdown → EPIPE)",
      writeAfterShutdown === "EPIPE",
      `write() → ${writeAfterShutdown ?? "accepted"}`,
    ),
    check(
      "A reads EOF only when P finally closes",
      appEvents(ev, "A", (e) => e.call === "read" && e.detail === "EOF").every((e) => e.t >= 4 * SECOND),
      "EOF after P's FIN",
    ),
    check(
      "the open takes three segments, the close four (P's ACK and FIN are apart)",
      handshake.length === 3 && closeSegs.length === 4,
      `open: ${handshake.length} segments, close: ${closeSegs.map((e) => `${e.host}:${isFin(e.seg) ? "FIN" : "ACK"}`).join(", ")}`,
    ),
  ];
  return [world.finish("A half-closes, P goes on sending", checks, ["A", "P"])];
}

export const halfClose: Scenario = {
  id: "S4",
  name: "half-close",
  title: "Half-close: after A's FIN, P keeps sending and A keeps receiving",
  explain:
    'A calls end() (shutdown of its sending side): its FIN says "I have nothing more to send", not "stop ' +
    'talking". P acknowledges at once but goes on sending for three more seconds from CLOSE_WAIT; A, in ' +
    "FIN_WAIT_2, receives and acknowledges each chunk, and a write() on A fails with EPIPE. Only when P's " +
    "application closes does its FIN follow: that is why a close takes four segments and an open three.",
  tryNext: ["tcplab run S4 --labels textbook: FIN=1, seq=u style labels as in the textbooks"],
  run,
};
