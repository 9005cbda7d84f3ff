// Every scenario's verdict, and its counterfactual's opposite outcome, asserted from the trace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SCENARIOS, findScenario, runScenario, type ScenarioRun } from "../../src/scenarios/index.js";
import { illegalTransitions } from "../../src/scenarios/figure5.js";
import { stateTimeline, type ConnectionTimeline } from "../../src/trace/timeline.js";
import type { AppEvent, TraceEvent } from "../../src/tcp/events.js";
import { SECOND } from "../../src/tcp/profile.js";
import { SYN } from "../../src/wire/segment.js";

const DEFAULTS = { seed: 1, profile: "linux" as const };

function runsOf(id: string): ScenarioRun[] {
  const s = findScenario(id);
  assert.ok(s, `scenario ${id} exists`);
  const result = runScenario(s, DEFAULTS);
  for (const run of result.runs) {
    const failed = run.checks.filter((c) => !c.pass).map((c) => `${run.title}: ${c.name} — ${c.message}`);
    assert.deepEqual(failed, [], `${id} checks`);
  }
  assert.equal(result.passed, true);
  return result.runs;
}

const appErrors = (ev: readonly TraceEvent[], host: string): string[] =>
  ev
    .filter((e): e is AppEvent => e.kind === "app" && e.host === host && e.error !== undefined)
    .map((e) => e.error as string);

/** The connections' lives; a listener's own LISTEN (listener: true) is not one of them. */
const connectionsOf = (ev: readonly TraceEvent[]): ConnectionTimeline[] =>
  stateTimeline(ev).connections.filter((c) => !c.listener);

const statesOf = (ev: readonly TraceEvent[], host: string): string[][] =>
  connectionsOf(ev)
    .filter((c) => c.host === host)
    .map((c) => c.states);

test("there is one scenario for each of S1–S16, with distinct names", () => {
  assert.deepEqual(
    SCENARIOS.map((s) => s.id),
    Array.from({ length: 16 }, (_, i) => `S${i + 1}`),
  );
  assert.equal(new Set(SCENARIOS.map((s) => s.name)).size, 16);
  assert.equal(findScenario("s6"), findScenario("lost-final-ack"));
  assert.equal(findScenario("nothing"), undefined);
});

test("S1: all eleven states, every transition in RFC 9293 Figure 5", () => {
  const [run] = runsOf("S1");
  // Every socket's states: LISTEN is the listener's own (listener: true), the rest the connections'.
  const reached = new Set(run!.events.flatMap((e) => (e.kind === "state" ? [e.to] : [])));
  for (const s of [
    "LISTEN",
    "SYN_SENT",
    "SYN_RECEIVED",
    "ESTABLISHED",
    "FIN_WAIT_1",
    "FIN_WAIT_2",
    "CLOSE_WAIT",
    "CLOSING",
    "LAST_ACK",
    "TIME_WAIT",
    "CLOSED",
  ]) {
    assert.ok(reached.has(s as never), `reached ${s}`);
  }
  assert.deepEqual(illegalTransitions(run!.events), []);
});

test("S2: SYN, SYN+ACK, ACK and both sides ESTABLISHED", () => {
  const [run] = runsOf("S2");
  assert.deepEqual(statesOf(run!.events, "A")[0], ["SYN_SENT", "ESTABLISHED"]);
  assert.deepEqual(statesOf(run!.events, "P")[0], ["SYN_RECEIVED", "ESTABLISHED"]);
});

test("S3: only the active closer enters TIME_WAIT, for 60 s", () => {
  const [run] = runsOf("S3");
  const a = connectionsOf(run!.events).find((c) => c.host === "A")!;
  assert.equal(a.intervals.find((i) => i.state === "TIME_WAIT")?.duration, 60 * SECOND);
  assert.ok(!statesOf(run!.events, "P")[0]!.includes("TIME_WAIT"));
});

test("S4: P's data after A's FIN arrives while A is in FIN_WAIT_2", () => {
  const [run] = runsOf("S4");
  const a = connectionsOf(run!.events).find((c) => c.host === "A")!;
  const fw2 = a.intervals.find((i) => i.state === "FIN_WAIT_2")!;
  const dataIn = run!.events.filter(
    (e) =>
      e.kind === "segment-received" &&
      e.host === "A" &&
      e.seg.payload.length > 0 &&
      e.t > fw2.enter &&
      e.t < (fw2.exit ?? Infinity),
  );
  assert.equal(dataIn.length, 3);
});

test("S5: both sides pass through CLOSING", () => {
  const [run] = runsOf("S5");
  for (const host of ["A", "P"]) assert.ok(statesOf(run!.events, host)[0]!.includes("CLOSING"), host);
});

test("S6 and S7: TIME_WAIT turns the lost final ACK into an orderly close; without it P sees ECONNRESET", () => {
  const s6 = runsOf("S6");
  const s7 = runsOf("S7");
  assert.deepEqual([s6[0]!.role, s6[1]!.role], ["main", "counterfactual"]);
  // With TIME_WAIT: the 2·MSL timer is restarted and nobody sees an error.
  assert.ok(
    s6[0]!.events.some(
      (e) => e.kind === "timer" && e.host === "A" && e.timer === "time-wait" && e.action === "restarted",
    ),
  );
  assert.deepEqual(appErrors(s6[0]!.events, "P"), []);
  // Without: RST and ECONNRESET, both as S6's counterfactual and as S7's main run.
  for (const run of [s6[1]!, s7[0]!]) {
    assert.deepEqual(appErrors(run.events, "P"), ["ECONNRESET"]);
    assert.ok(
      run.events.some((e) => e.kind === "segment-sent" && e.host === "A" && e.why === "rst-closed-port"),
    );
  }
  assert.deepEqual(appErrors(s7[1]!.events, "P"), []);
});

test("S8: without TIME_WAIT the new SYN is challenged in LAST_ACK; with it the 4-tuple is refused", () => {
  const [main, cf] = runsOf("S8");
  assert.ok(
    main!.events.some((e) => e.kind === "segment-dropped" && e.host === "P" && e.reason === "syn-challenged"),
  );
  assert.ok(appErrors(main!.events, "P").includes("ECONNRESET"));
  assert.ok(appErrors(cf!.events, "A").includes("EADDRNOTAVAIL"));
  assert.deepEqual(appErrors(cf!.events, "P"), []);
});

test("S9: the old duplicate reaches the new connection without TIME_WAIT, and TIME_WAIT drops it", () => {
  const [main, cf] = runsOf("S9");
  assert.ok(
    !main!.events.some((e) => e.kind === "segment-dropped" && e.host === "A" && e.reason === "time-wait"),
  );
  assert.ok(
    cf!.events.some((e) => e.kind === "segment-dropped" && e.host === "A" && e.reason === "time-wait"),
  );
  for (const run of [main!, cf!])
    assert.ok(run.events.some((e) => e.kind === "network" && e.reason === "msl-expired"));
});

test("S9 per ISN clock: linux's 64 ns clock keeps the copy out over 1 ms, not on a 100 µs LAN; rfc's 4 µs clock does not", () => {
  const corrupted = (run: ScenarioRun): boolean =>
    run.checks.some((c) => c.pass && c.name.includes("silent corruption"));
  const [linuxMain, , linuxLan, linuxPaws] = runsOf("S9");
  assert.equal(corrupted(linuxMain!), false);
  assert.equal(corrupted(linuxLan!), true);
  assert.equal(corrupted(linuxPaws!), false);
  const rfc = runScenario(findScenario("S9")!, { seed: 1, profile: "rfc" });
  assert.equal(rfc.passed, true);
  assert.equal(corrupted(rfc.runs[0]!), true);
  const bsd = runScenario(findScenario("S9")!, { seed: 1, profile: "bsd" });
  assert.equal(bsd.passed, true);
  assert.equal(corrupted(bsd.runs[0]!), false, "bsd: a random passive ISS");
});

test("S10: A leaves TIME_WAIT while P is in LAST_ACK, and P gives up", () => {
  const [run] = runsOf("S10");
  const p = connectionsOf(run!.events).find((c) => c.host === "P")!;
  assert.equal(p.closed?.cause, "retransmission limit");
});

test("S11: with TIME_WAIT the stray FIN is ACKed from TIME_WAIT; without it, Linux's ISN clock keeps it out of the new connection and RFC 793's does not", () => {
  const [main, cf] = runsOf("S11");
  assert.ok(appErrors(main!.events, "A").includes("EADDRNOTAVAIL"));
  const lives = statesOf(cf!.events, "A");
  assert.equal(lives.length, 2);
  assert.ok(!lives[1]!.includes("CLOSE_WAIT"), "linux: the stray FIN falls behind the new window");
  const rfc = runScenario(findScenario("S11")!, { seed: 1, profile: "rfc" });
  assert.equal(rfc.passed, true);
  const rfcLives = statesOf(rfc.runs[1]!.events, "A");
  assert.ok(rfcLives[1]!.includes("CLOSE_WAIT"), "rfc: the new connection received the stray FIN");
});

test("S12: TIME_WAIT is 60 s on linux and bsd, 120 s on windows, 240 s on rfc", () => {
  const runs = runsOf("S12");
  const lengths = runs.map(
    (r) =>
      connectionsOf(r.events)
        .find((c) => c.host === "A")!
        .intervals.find((i) => i.state === "TIME_WAIT")!.duration,
  );
  assert.deepEqual(
    lengths,
    [60, 60, 120, 240].map((s) => s * SECOND),
  );
});

test("S13: EADDRINUSE on a plain rebind, success with reuseAddress", () => {
  const [run] = runsOf("S13");
  const listens = run!.events.filter(
    (e): e is AppEvent => e.kind === "app" && e.host === "P" && e.call === "listen",
  );
  assert.deepEqual(
    listens.map((e) => e.error ?? "ok"),
    ["ok", "EADDRINUSE", "ok", "ok"],
  );
});

test("S14: EADDRNOTAVAIL from 10 s on; reuse, server-closes, more ports and tcp_tw_reuse remove it, tcp_fin_timeout does not", () => {
  const runs = runsOf("S14");
  const firstError = (r: ScenarioRun): number | undefined =>
    r.events.find((e) => e.kind === "app" && e.host === "A" && e.error === "EADDRNOTAVAIL")?.t;
  assert.deepEqual(runs.map(firstError), [
    10 * SECOND,
    undefined,
    undefined,
    undefined,
    10 * SECOND,
    undefined, // tcp_tw_reuse = 1
    SECOND / 2, // tcp_tw_reuse = 1 at 200/s: 100 ports in 0.5 s, none yet 1 s old
    10 * SECOND, // timestamps off on the client
    10 * SECOND, // timestamps off on the server
    10 * SECOND, // tcp_tw_reuse = 2 toward a non-loopback address
  ]);
  // With tcp_tw_reuse the new SYN on a 4-tuple leaves TIME_WAIT and starts 65537 above the old SND.NXT.
  const reuse = runs[5]!.events;
  const takeOver = reuse.find(
    (e) => e.kind === "state" && e.host === "A" && e.from === "TIME_WAIT" && e.cause === "reused by connect",
  );
  assert.ok(takeOver?.kind === "state");
  const fromA = reuse.filter(
    (e): e is Extract<TraceEvent, { kind: "segment-sent" }> =>
      e.kind === "segment-sent" && e.host === "A" && e.conn === takeOver.conn,
  );
  const before = fromA.filter((e) => e.t < takeOver.t).at(-1)!;
  const syn = fromA.find((e) => e.t >= takeOver.t)!;
  assert.equal(syn.seg.flags & SYN, SYN);
  assert.equal((syn.seg.seq - before.seg.seq) >>> 0, 65537); // `before` is the final ACK, at SND.NXT
});

test("S15: CLOSE_WAIT stays on the client, FIN_WAIT_2 expires on the server", () => {
  const [run] = runsOf("S15");
  const timeline = connectionsOf(run!.events);
  assert.ok(
    timeline
      .filter((c) => c.host === "A")
      .every((c) => c.closed === null && c.states.at(-1) === "CLOSE_WAIT"),
  );
  assert.ok(timeline.filter((c) => c.host === "P").every((c) => c.closed?.cause === "FIN_WAIT_2 timeout"));
});

test("S16: the flood keeps the client out without SYN cookies and not with them", () => {
  const [off, on] = runsOf("S16");
  assert.ok(appErrors(off!.events, "A").includes("ETIMEDOUT"));
  assert.deepEqual(appErrors(on!.events, "A"), []);
  assert.ok(on!.events.some((e) => e.kind === "state" && e.host === "A" && e.to === "ESTABLISHED"));
});

test("every run of every scenario changes state only as RFC 9293 allows", () => {
  for (const s of SCENARIOS) {
    if (s.long) continue; // S14, S16: covered above, and long
    for (const run of s.run(DEFAULTS))
      assert.deepEqual(illegalTransitions(run.events), [], `${s.id} ${run.title}`);
  }
});

test("a verdict can fail: S6 with TIME_WAIT taken away does not hold", () => {
  const result = runScenario(findScenario("S6")!, { ...DEFAULTS, timeWait: 0 });
  assert.equal(result.passed, false);
  assert.ok(result.runs[0]!.checks.some((c) => !c.pass && c.name.includes("fresh ACK")));
});

test("same seed, same trace; the verdict holds for other seeds too", () => {
  const s = findScenario("S9")!;
  const a = JSON.stringify(s.run(DEFAULTS).map((r) => r.events));
  const b = JSON.stringify(s.run(DEFAULTS).map((r) => r.events));
  assert.equal(a, b);
  for (const seed of [2, 99, 123456]) {
    for (const id of ["S3", "S6", "S8", "S9", "S11"])
      assert.equal(
        runScenario(findScenario(id)!, { seed, profile: "linux" }).passed,
        true,
        `${id} seed ${seed}`,
      );
  }
});

test("S11's verdict holds under every profile (the stray FIN's landing follows each profile's ISN clock)", () => {
  for (const profile of ["linux", "bsd", "windows", "rfc"] as const) {
    const result = runScenario(findScenario("S11")!, { seed: 1, profile });
    const failed = result.runs.flatMap((r) => r.checks.filter((c) => !c.pass).map((c) => c.name));
    assert.deepEqual(failed, [], profile);
  }
});
