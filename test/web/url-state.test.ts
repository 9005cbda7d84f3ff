// The playground's URL ⇔ state, and the free lab's script, without a browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseQuery, toQuery, optionsOf, commandState } from "../../web/src/url-state.js";
import { parseLabScript, labLine, runLab } from "../../web/src/lab-script.js";
import { statesOf } from "../../src/scenarios/verdict.js";

test("the query uses the CLI's option names and round-trips", () => {
  const q =
    "?scenario=S6&seed=7&profile=bsd&timeWait=0&msl=30s&loss=0.05&delay=50ms&drop=1%3AA%3A6&delaySegment=2%3AP%3A5%3A300ms&step=12&seq=absolute&view=text&theme=dark";
  const state = parseQuery(q);
  assert.equal(state.scenario, "S6");
  assert.deepEqual(state.raw, {
    seed: "7",
    profile: "bsd",
    timeWait: "0",
    msl: "30s",
    loss: "0.05",
    delay: "50ms",
  });
  assert.deepEqual(state.faults, [
    { run: 1, host: "A", transmission: 6, action: "drop" },
    { run: 2, host: "P", transmission: 5, action: "delay", delay: 300_000 },
  ]);
  assert.equal(state.step, 12);
  assert.equal(toQuery(state), q);
  assert.deepEqual(parseQuery(toQuery(state)), state);
  const options = optionsOf(state);
  assert.equal(options.seed, 7);
  assert.equal(options.timeWait, 0);
  assert.equal(options.delay, 50_000);
  assert.equal(options.faults?.length, 2);
});

test("bad values get the CLI's messages", () => {
  assert.throws(
    () => optionsOf(parseQuery("?scenario=S3&loss=2")),
    /--loss must be a probability from 0 to 1/,
  );
  assert.throws(() => optionsOf(parseQuery("?scenario=S3&profile=solaris")), /--profile must be one of/);
  assert.throws(() => parseQuery("?scenario=S3&drop=A5"), { code: "ERR_TCPLAB_USAGE" });
  assert.throws(() => parseQuery("?scenario=S3&delaySegment=1:A:5:0"), /longer than 0/);
});

test("Try-next commands become page states; ones the page cannot show stay text", () => {
  assert.equal(toQuery(commandState("tcplab run S6 --time-wait 0")!), "?scenario=S6&timeWait=0");
  assert.equal(toQuery(commandState("tcplab run s3 --absolute")!), "?scenario=S3&seq=absolute");
  assert.equal(commandState("tcplab run S2 --labels tcpdump"), null);
  assert.equal(commandState("tcplab run S8 --json | jq '.runs[0].checks'"), null);
});

test("the free lab's script runs on the real engine: a whole lifecycle from button presses", () => {
  const lines = [
    "0us:P:listen",
    "0us:A:connect",
    "10ms:wait",
    "10ms:A:write",
    "20ms:A:close",
    // After Linux's 40 ms delayed ACK of A's FIN (tcp_fin's ping-pong mode): closing sooner, P's FIN
    // would carry that ACK and A would skip FIN_WAIT_2.
    "80ms:P:close",
  ];
  // At 80 ms P's FIN has just left: A is still in FIN_WAIT_2; 5 ms later the close is done.
  assert.equal(runLab(parseLabScript(lines), { seed: 1, profile: "linux" }).apps.A, "FIN_WAIT_2");
  lines.push("85ms:wait");
  const script = parseLabScript(lines);
  assert.deepEqual(script.map(labLine), lines);
  const lab = runLab(script, { seed: 1, profile: "linux" });
  assert.equal(lab.now, 85_000);
  assert.equal(lab.apps.A, "TIME_WAIT");
  assert.equal(lab.apps.P, "CLOSED");
  assert.ok(lab.quietAt >= 80_000 + 60_000_000, "quiet only after A's 60 s TIME_WAIT");
  const done = runLab(parseLabScript([...lines, `${lab.quietAt}us:wait`]), { seed: 1, profile: "linux" });
  assert.deepEqual(statesOf(done.run.events, "A"), [
    "SYN_SENT",
    "ESTABLISHED",
    "FIN_WAIT_1",
    "FIN_WAIT_2",
    "TIME_WAIT",
    "CLOSED",
  ]);
  assert.deepEqual(statesOf(done.run.events, "P"), [
    "SYN_RECEIVED",
    "ESTABLISHED",
    "CLOSE_WAIT",
    "LAST_ACK",
    "CLOSED",
  ]);
  assert.throws(() => parseLabScript(["10ms:A:write", "5ms:A:close"]), /must not go back/);
  assert.throws(() => parseLabScript(["0us:B:listen"]), { code: "ERR_TCPLAB_USAGE" });
  // A call without a connection is told so, not a crash.
  const lonely = runLab(parseLabScript(["0us:A:write"]), { seed: 1, profile: "linux" });
  assert.ok(lonely.run.events.some((e) => e.kind === "app" && e.detail?.includes("no connection")));
});
