// S1: all eleven states of RFC 9293, reached with exactly the transitions of Figure 5. Three
// connections between A and B: an ordinary one closed by A (nine states), one closed by both at the
// same instant (CLOSING), and a simultaneous open (SYN_SENT → SYN_RECEIVED).
import { MS } from "../tcp/profile.js";
import type { StateChangeEvent } from "../tcp/events.js";
import { ALL_STATES, type TcpState } from "../tcp/state.js";
import { connect, listen, type AppConnection } from "./app.js";
import { World } from "./world.js";
import { FIGURE_5_EDGES, figureEdgesSeen, illegalTransitions } from "./figure5.js";
import type { Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import { check, list, stateChanges } from "./verdict.js";

function run(options: ScenarioOptions): ScenarioRun[] {
  const world = new World({ options, role: "main" });
  const { sim } = world;
  const a = world.addHost({ name: "A", address: "10.0.0.1" });
  const b = world.addHost({ name: "B", address: "10.0.0.2" });
  world.link("A", "B");

  // 1. An ordinary connection: B listens (its listener's CLOSED → LISTEN is in the trace), A connects,
  // A closes first.
  const server = listen(b, 80, {}, { onEnd: (app) => sim.after(5 * MS, () => app.end()) });
  let first: AppConnection | null = null;
  sim.at(0, () => {
    first = connect(
      a,
      { address: world.address("10.0.0.2"), port: 80 },
      { onEstablished: (app) => app.write("one") },
    );
  });
  sim.at(50 * MS, () => first?.close());

  // 2. Simultaneous close: both applications close at the same instant, the FINs cross.
  let second: AppConnection | null = null;
  sim.at(200 * MS, () => {
    second = connect(a, { address: world.address("10.0.0.2"), port: 80 });
  });
  sim.at(250 * MS, () => {
    second?.end();
    server.accepted[1]?.end();
  });

  // 3. Simultaneous open: each side connects to the other's port at the same instant, the SYNs cross.
  let openA: AppConnection | null = null;
  let openB: AppConnection | null = null;
  sim.at(400 * MS, () => {
    openA = connect(a, { address: world.address("10.0.0.2"), port: 7001, localPort: 7000 });
    openB = connect(b, { address: world.address("10.0.0.1"), port: 7000, localPort: 7001 });
  });
  sim.at(450 * MS, () => openA?.end());
  sim.at(460 * MS, () => openB?.end());
  sim.runUntilIdle();

  const ev = world.trace.events;
  // Every socket's states, the listener's LISTEN among them: the eleven are the states of Figure 5,
  // which draws the listening socket and the connections in one diagram.
  const allChanges = ev.filter((e): e is StateChangeEvent => e.kind === "state");
  const reached = new Set<TcpState>(allChanges.map((e) => e.to));
  reached.add("CLOSED");
  const missing = ALL_STATES.filter((s) => !reached.has(s));
  const illegal = illegalTransitions(ev).map((e) => `${e.host} ${e.from}→${e.to} (${e.cause})`);
  const edges = figureEdgesSeen(ev);
  const unexercised = FIGURE_5_EDGES.filter((e) => !edges.has(e));
  const checks = [
    check(
      "all eleven states are reached",
      missing.length === 0,
      missing.length === 0 ? `reached: ${ALL_STATES.join(", ")}` : `never reached: ${list(missing)}`,
    ),
    check(
      "every transition is one of RFC 9293 Figure 5",
      illegal.length === 0,
      illegal.length === 0
        ? `${allChanges.length} state changes, all in Figure 5 or §3.10`
        : `not in Figure 5: ${list(illegal)}`,
    ),
    check(
      "CLOSING is reached only through the simultaneous close",
      stateChanges(ev, undefined, (e) => e.to === "CLOSING").every((e) => e.from === "FIN_WAIT_1"),
      "FIN_WAIT_1 → CLOSING on both sides",
    ),
    check(
      "SYN_SENT → SYN_RECEIVED appears only in the simultaneous open",
      stateChanges(ev, undefined, (e) => e.from === "SYN_SENT" && e.to === "SYN_RECEIVED").length === 2,
      "both sides of the crossed SYNs",
    ),
  ];
  const summary = [
    `Figure 5 edges exercised: ${edges.size} of ${FIGURE_5_EDGES.length}; not in this run: ${list(unexercised.map((e) => e.replace(">", " → ")))}`,
  ];
  return [world.finish("three connections between A and B", checks, ["A", "B"], { summary })];
}

export const allStates: Scenario = {
  id: "S1",
  name: "all-states",
  title: "All eleven TCP states, through exactly the transitions of RFC 9293 Figure 5",
  explain:
    "Three connections between A and B. The first is the everyday life: LISTEN, SYN_SENT, SYN_RECEIVED, " +
    "ESTABLISHED, then A closes first (FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT) while B goes CLOSE_WAIT and " +
    "LAST_ACK. The second closes from both ends at once, so each side meets the other's FIN in FIN_WAIT_1 " +
    "and passes through CLOSING. The third opens from both ends at once (the SYNs cross) and shows " +
    "SYN_SENT → SYN_RECEIVED. The verdict checks every state change against Figure 5.",
  run,
};
