// `tcplab list / run / tour` as a user runs them: exit codes, bad arguments, --json against the trace
// schema, --pcap, and colour only where it belongs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateJsonTrace } from "../../src/trace/json-validate.js";
import { colourWanted } from "../../src/cli/scenario-options.js";
import { RESULT_SCHEMA, RESULT_SCHEMA_VERSION } from "../../src/cli/scenario-report.js";

const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;

function tcplab(
  args: string[],
  env: Record<string, string> = {},
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test("list names every scenario with a description", () => {
  const r = tcplab(["list"]);
  assert.equal(r.code, 0);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, 16);
  assert.match(lines[5]!, /^S6 lost-final-ack\s+Lost final ACK/);
});

test("run prints ladder, timeline and checks, and exits 0 when the verdict holds", () => {
  const r = tcplab(["run", "four-way-close"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /FIN_WAIT_1 +--> <SEQ=\d+><ACK=\d+><CTL=FIN,ACK>/);
  assert.match(r.stdout, /State timeline/);
  assert.match(r.stdout, /TIME_WAIT .*\(60 s\)/);
  assert.match(r.stdout, /Verdict: HOLDS/);
  assert.ok(!r.stdout.includes("\u001b["), "no colour when stdout is not a terminal");
});

test("run exits 1 when the verdict does not hold (S6 with TIME_WAIT 0)", () => {
  const r = tcplab(["run", "S6", "--time-wait", "0"]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /FAIL {2}A, in TIME_WAIT, answers/);
  assert.match(r.stdout, /Verdict: DOES NOT HOLD/);
});

test("bad arguments exit 2 with a clear message and no stack trace", () => {
  const cases: Array<[string[], RegExp]> = [
    [["run", "S99"], /unknown scenario "S99"; choose one of: S1 all-states/],
    [["run", "S3", "--time-wait", "60"], /--time-wait: duration "60" has no unit/],
    [["run", "S3", "--delay", "fast"], /--delay: not a duration/],
    [["run", "S3", "--profile", "solaris"], /--profile must be one of linux, bsd, windows, rfc/],
    [["run", "S3", "--loss", "1.5"], /--loss must be a probability from 0 to 1/],
    [["run", "S3", "--seed", "-4"], /--seed must be a whole number/],
    [["run", "S3", "--msl", "0"], /--msl must be longer than 0/],
    [["run", "S3", "--labels", "fancy"], /--labels must be one of rfc, textbook, tcpdump/],
    [["run", "S3", "--frobnicate"], /unknown option '--frobnicate'/],
    [["run"], /missing required argument 'scenario'/],
  ];
  for (const [args, message] of cases) {
    const r = tcplab(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
    assert.doesNotMatch(r.stderr, /\n\s+at /, `no stack trace for ${args.join(" ")}`);
  }
});

test("durations in every unit people type are accepted", () => {
  const r = tcplab(["run", "S12", "--time-wait", "2min", "--msl", "500ms", "--delay", "500us"]);
  assert.equal(r.code, 0, r.stdout.slice(-2000));
  assert.match(r.stdout, /TIME_WAIT lasts 2 min/);
});

test("--json prints a tcplab-scenario-result whose traces are valid tcplab-trace v2", () => {
  const r = tcplab(["run", "S7", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as {
    schema: string;
    version: number;
    scenario: { id: string };
    passed: boolean;
    runs: Array<{ role: string; passed: boolean; checks: Array<{ pass: boolean }>; trace: unknown }>;
  };
  assert.equal(doc.schema, RESULT_SCHEMA);
  assert.equal(doc.version, RESULT_SCHEMA_VERSION);
  assert.equal(doc.scenario.id, "S7");
  assert.equal(doc.passed, true);
  assert.deepEqual(
    doc.runs.map((x) => x.role),
    ["main", "counterfactual"],
  );
  for (const run of doc.runs) {
    const v = validateJsonTrace(run.trace);
    assert.ok(v.ok, v.ok ? "" : v.errors.slice(0, 5).join("; "));
    assert.equal(
      run.passed,
      run.checks.every((c) => c.pass),
    );
  }
});

test("--pcap writes one capture per run and host", () => {
  const dir = mkdtempSync(join(tmpdir(), "tcplab-pcap-"));
  try {
    const r = tcplab(["run", "S6", "--pcap", dir]);
    assert.equal(r.code, 0);
    const files = readdirSync(dir).sort();
    assert.deepEqual(files, [
      "lost-final-ack-run1-A.pcap",
      "lost-final-ack-run1-P.pcap",
      "lost-final-ack-run2-A.pcap",
      "lost-final-ack-run2-P.pcap",
    ]);
    const head = readFileSync(join(dir, files[0]!));
    assert.equal(head.readUInt32LE(0), 0xa1b2c3d4, "pcap magic");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("label styles and absolute sequence numbers change the ladder", () => {
  assert.match(tcplab(["run", "S2", "--labels", "tcpdump"]).stdout, /Flags \[S\]/);
  assert.match(tcplab(["run", "S2", "--labels", "textbook"]).stdout, /SYN=1/);
  assert.doesNotMatch(tcplab(["run", "S2", "--absolute"]).stdout, /<SEQ=0><CTL=SYN>/);
});

test("colour only on a terminal, never with NO_COLOR or --no-color", () => {
  assert.equal(colourWanted(undefined, { isTTY: true }, {}), true);
  assert.equal(colourWanted(undefined, { isTTY: true }, { NO_COLOR: "1" }), false);
  assert.equal(
    colourWanted(undefined, { isTTY: true }, { NO_COLOR: "" }),
    true,
    "an empty NO_COLOR is unset (no-color.org)",
  );
  assert.equal(colourWanted(false, { isTTY: true }, {}), false);
  assert.equal(colourWanted(undefined, { isTTY: false }, {}), false);
  const r = tcplab(["run", "S3"], { NO_COLOR: "1", FORCE_COLOR: "1" });
  assert.ok(!(r.stdout + r.stderr).includes("\u001b["));
});

test("tour explains each scenario and ends with a table of verdicts", () => {
  const r = tcplab(["tour", "--brief"]);
  assert.equal(r.code, 0, r.stdout.slice(-3000));
  assert.match(r.stdout, /S6 — Lost final ACK/);
  assert.match(r.stdout, /A's last ACK is dropped by a targeted fault/);
  assert.match(r.stdout, /Verdicts/);
  for (let i = 1; i <= 16; i++)
    assert.match(r.stdout, new RegExp(`\\n  S${i} +\\S+ +\\d+ +\\d+/\\d+  holds`));
  assert.match(r.stdout, /All 16 verdicts hold\./);
  assert.doesNotMatch(r.stderr, /%/, "no progress bar when stderr is not a terminal");
});
