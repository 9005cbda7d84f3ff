// Exchanges `tcplab explore` offers besides the scenarios S1–S17: plain workloads whose only purpose is to
// be searched for fault schedules that break something. They have no verdict of their own (no checks):
// what counts is the explorer's judgement (src/scenarios/explore-run.ts).
import { MS } from "../tcp/profile.js";
import { connect, listen, patterned } from "./app.js";
import { makePair } from "./pair.js";
import type { Scenario, ScenarioOptions, ScenarioRun } from "./types.js";

/**
 * Bulk transfer into a small, slowly read window: A sends 12 KB to P, whose 3000-byte receive buffer is
 * read one segment at a time every 300 ms, then closes; P closes when it has read everything. Zero and
 * sub-MSS windows, sender silly-window avoidance, persist probes and their retransmissions all happen
 * here — the ground where F1 (an RTO that sent nothing) lived.
 */
function bulkRun(options: ScenarioOptions): ScenarioRun[] {
  const { world, a, p, serverAddress, serverPort } = makePair({
    options,
    role: "main",
    // The RFC receiver (free buffer space, RFC 9293 §3.8.6.2.2): it offers the sub-MSS windows this ground
    // is for; Linux's receiver rounds its window to the receive MSS and rarely offers a sliver.
    serverOverrides: { receiveBuffer: 2000, receiveWindowRule: "free-space" },
  });
  const { sim } = world;
  listen(
    p,
    serverPort,
    {},
    {
      onData: (app) => {
        // A slow reader: stop after each chunk, read again 300 ms later (after the persist timer).
        app.conn.pause();
        sim.after(300 * MS, () => app.conn.resume(p.time()));
      },
      onEnd: (app) => app.end(),
    },
    { logReads: true },
  );
  sim.at(0, () => {
    const client = connect(
      a,
      { address: serverAddress, port: serverPort },
      {
        onEstablished: (app) => {
          app.write(patterned("bulk ", 12_000));
          app.end();
        },
      },
    );
    void client;
  });
  sim.runUntilIdle();
  return [world.finish("bulk transfer into a slowly read 3000-byte window", [], ["A", "P"])];
}

export const bulkExchange: Scenario = {
  id: "bulk",
  name: "bulk-small-window",
  title: "Bulk transfer (12 KB) into a slowly read 3000-byte window, then a four-way close",
  explain: "An exchange for tcplab explore: sub-MSS windows, persist probes and retransmissions of slivers.",
  run: bulkRun,
};

export const EXPLORE_EXCHANGES: readonly Scenario[] = [bulkExchange];
