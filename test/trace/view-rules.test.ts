// Rules every view must keep on every scenario, not pictures of one scenario: what the ladder and the
// timeline say must be what the trace says (issue 16). Each rule is checked on the real runs of every
// scenario at the tested seeds, and where a scenario cannot provoke it, on a hand-built trace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SCENARIOS } from "../../src/scenarios/index.js";
import { renderLadder } from "../../src/trace/ladder.js";
import { renderTimeline, stateTimeline, type ConnectionTimeline } from "../../src/trace/timeline.js";
import { ACK, FIN, SYN } from "../../src/wire/segment.js";
import { TraceBuilder } from "./trace-builder.js";
import { ADDRESSES, C, S } from "./sample-traces.js";

const SEEDS = [1, 2, 3];
const runs = SEEDS.flatMap((seed) =>
  SCENARIOS.flatMap((scenario) =>
    scenario
      .run({ seed, profile: "linux" })
      .map((run) => ({ what: `${scenario.id} seed ${seed} ${run.title}`, run })),
  ),
);

test("sequence numbers are unsigned: no SEQ=- or ACK=- in any scenario's ladder at any tested seed", () => {
  for (const { what, run } of runs) {
    for (const labels of ["rfc", "tcpdump", "textbook"] as const) {
      const text = renderLadder(run.shown, { hosts: run.hosts, labels, summarize: false });
      assert.doesNotMatch(text, /SEQ=-|ACK=-|seq -|ack -|seq=-|ack=-/, `${what} (${labels})`);
    }
  }
});

test("ladders and timelines fit 80 columns", () => {
  for (const { what, run } of runs.filter((r) => r.what.includes("seed 1 "))) {
    const text =
      renderLadder(run.shown, { hosts: run.hosts }) + renderTimeline(run.shown, { hosts: run.hosts });
    for (const line of text.split("\n")) assert.ok([...line].length <= 80, `${what}: ${line}`);
  }
});

test("'duplicate copy' is written only where the network duplicated a packet", () => {
  for (const { what, run } of runs) {
    const duplicated = run.shown.some((e) => e.kind === "network" && e.action === "duplicate");
    const text = renderLadder(run.shown, { hosts: run.hosts, summarize: false });
    if (!duplicated) assert.doesNotMatch(text, /duplicate copy/, what);
  }
});

/** The same connection life in another timeline: same host, 4-tuple and entry into its first state. */
function counterpart(
  c: ConnectionTimeline,
  all: readonly ConnectionTimeline[],
): ConnectionTimeline | undefined {
  return all.find(
    (x) => x.host === c.host && x.conn === c.conn && x.intervals[0]?.enter === c.intervals[0]?.enter,
  );
}

test("every scenario's timeline agrees with its trace: each state interval shown is the trace's", () => {
  for (const { what, run } of runs) {
    const full = stateTimeline(run.events, run.hosts).connections;
    for (const c of stateTimeline(run.shown, run.hosts).connections) {
      const truth = counterpart(c, full);
      assert.ok(truth, `${what}: ${c.host} ${c.conn} is not in the trace`);
      assert.deepEqual(c.intervals, truth.intervals, `${what}: ${c.host} ${c.conn}`);
      assert.deepEqual(c.closed, truth.closed, `${what}: ${c.host} ${c.conn} closed`);
    }
  }
});

test("a merged line writes when the segment arrived where the receiver's state changed then", () => {
  const b = new TraceBuilder(ADDRESSES);
  b.state(0, "client", C, "CLOSED", "SYN_SENT", "connect");
  const syn = b.send(0, "client", C, { seq: 100, flags: SYN }, "syn");
  b.deliver(1000, syn);
  b.state(1000, "server", S, "LISTEN", "SYN_RECEIVED", "rcv SYN");
  const text = renderLadder(b.events, { hosts: ["client", "server"] });
  // Sent at 0 ms, the server entered SYN_RECEIVED at 1 ms: the line must say so.
  assert.match(text, /^1\.\s+0\.000 ms\s+SYN_SENT\s+--> <SEQ=0><CTL=SYN>\s+at 1\.000 ms --> SYN_RECEIVED$/m);
});

test("a segment is drawn in the state it was sent from, not one an application call led to later", () => {
  const b = new TraceBuilder(ADDRESSES);
  b.state(0, "server", S, "ESTABLISHED", "CLOSE_WAIT", "rcv FIN");
  b.send(0, "server", S, { seq: 1, ack: 2, flags: ACK }, "ack");
  b.app(0, "server", S, "close");
  b.state(0, "server", S, "CLOSE_WAIT", "LAST_ACK", "close");
  b.send(0, "server", S, { seq: 1, ack: 2, flags: FIN | ACK }, "fin");
  const lines = renderLadder(b.events, { hosts: ["client", "server"], width: 132 }).split("\n");
  const ack = lines.find((l) => /<CTL=ACK>/.test(l)) ?? "";
  const fin = lines.find((l) => /<CTL=FIN,ACK>/.test(l)) ?? "";
  assert.match(ack, /CLOSE_WAIT/, ack);
  assert.doesNotMatch(ack, /LAST_ACK/, ack);
  assert.match(fin, /LAST_ACK/, fin);
});

test("a copy the network discards while another copy arrived gets a line of its own", () => {
  const b = new TraceBuilder(ADDRESSES);
  const data = b.send(0, "server", S, { seq: 1, ack: 1, flags: ACK, data: 10 }, "data");
  b.deliver(1000, data);
  b.lose(30_000_000, data, "msl-expired");
  const text = renderLadder(b.events, { hosts: ["client", "server"], width: 132 });
  assert.match(
    text.replace(/\s+/g, " "),
    /the network discarded a copy of the segment of line 1: msl-expired/,
  );
});

test("the ACK that completes a handshake, and a segment the network or a fault acted on, are never left out", () => {
  for (const { what, run } of runs) {
    if (run.shown === run.events) continue;
    const shown = new Set(run.shown);
    const completing = new Set(
      run.events
        .filter((e) => e.kind === "state" && e.to === "ESTABLISHED" && e.cause === "rcv SYN,ACK")
        .map((e) => `${e.host}|${e.t}`),
    );
    const touched = new Set(
      run.events
        .filter((e) => e.kind === "network" && e.action !== "deliver")
        .map((e) => e.kind === "network" && e.id),
    );
    for (const e of run.events) {
      if (e.kind !== "segment-sent") continue;
      const handshakeAck =
        e.seg.flags === ACK && e.seg.payload.length === 0 && completing.has(`${e.host}|${e.t}`);
      // Only the connections a ladder follows: S14 and S16 show one or two of their thousands.
      const followed = run.shown.some((x) => x.kind === "state" && x.host === e.host && x.conn === e.conn);
      if ((handshakeAck || touched.has(e.id)) && followed)
        assert.ok(shown.has(e), `${what}: ${e.host} ${e.t} ${e.why}`);
    }
  }
});
