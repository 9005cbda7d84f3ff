// What users see from the scenario commands as a whole (issue 16): the tour fits 80 columns, a closed
// pipe ends it quietly, the legend is there, and a run cut short says so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { PassThrough } from "node:stream";
import { enterPause } from "../../src/cli/tour-command.js";
import { outputWidth } from "../../src/cli/scenario-options.js";

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

test("COLUMNS=80 tcplab tour --no-color: no line longer than 80 characters, legend first", () => {
  const r = tcplab(["tour", "--no-color"], { COLUMNS: "80" });
  assert.equal(r.code, 0, r.stderr);
  const long = r.stdout.split("\n").filter((l) => [...l].length > 80);
  assert.deepEqual(long, []);
  assert.match(r.stdout, /^How to read a ladder\n/);
  assert.equal(r.stdout.match(/How to read a ladder/g)?.length, 1, "the legend once");
  assert.doesNotMatch(r.stdout, /SEQ=-|ACK=-/);
  // Wider terminals get wider ladders.
  const wide = tcplab(["run", "S11", "--no-color"], { COLUMNS: "132" });
  assert.ok(wide.stdout.split("\n").some((l) => [...l].length > 80));
  assert.ok(wide.stdout.split("\n").every((l) => [...l].length <= 132));
});

test("tcplab tour | head -1 exits 0 without a stack trace", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "tour"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  // Read the first chunk, then close the pipe as head does.
  await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Error|at /);
});

test("--legend explains the notation; --full shows every line a summary folds", () => {
  const r = tcplab(["run", "S3", "--legend"]);
  assert.match(r.stdout, /^How to read a ladder\n/);
  assert.match(r.stdout, /relative sequence numbers/);
  const folded = tcplab(["run", "S11"]);
  const full = tcplab(["run", "S11", "--full"]);
  assert.match(folded.stdout, /~~~ lines \d+–\d+: the .* more, .*\(--full shows them\)/s);
  assert.doesNotMatch(full.stdout, /--full shows them/);
  assert.ok(full.stdout.split("\n").length > folded.stdout.split("\n").length);
});

test("a run cut short says so (tcplab run S2 --loss 1)", () => {
  const r = tcplab(["run", "S2", "--loss", "1"]);
  assert.equal(r.code, 1);
  assert.match(
    r.stdout.replace(/\s+/g, " "),
    /The run stopped at 500\.000 ms with a timer still armed \(first: A's SYN RTO, due at 1\.000 s\)/,
  );
  assert.doesNotMatch(tcplab(["run", "S3"]).stdout, /The run stopped/);
});

test("tour --step does not wait when standard input is not a terminal", () => {
  const r = tcplab(["tour", "--step", "--brief"]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /Enter for/);
});

test("on a terminal, --step's pause waits for Enter", async () => {
  const input = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.ReadStream;
  let prompted = "";
  const prompt = { write: (s: string) => ((prompted += s), true) } as unknown as NodeJS.WriteStream;
  let done = false;
  const waiting = enterPause(input, prompt)("-- Enter for S2 --").then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false, "still waiting before Enter");
  assert.equal(prompted, "-- Enter for S2 --");
  (input as unknown as PassThrough).write("\n");
  await waiting;
  assert.equal(done, true);
});

test("width: $COLUMNS when set, else the terminal's, else 80; never below 60", () => {
  assert.equal(outputWidth({ isTTY: true, columns: 200 }, { COLUMNS: "80" }), 80);
  assert.equal(outputWidth({ isTTY: true, columns: 120 }, {}), 120);
  assert.equal(outputWidth({ isTTY: false }, {}), 80);
  assert.equal(outputWidth({}, { COLUMNS: "30" }), 60);
  assert.equal(outputWidth({}, { COLUMNS: "wide" }), 80);
});
