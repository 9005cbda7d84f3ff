// Bad input gets a clear error that names the line, a non-zero exit code, and no stack trace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LINUX, FIXTURES } from "./fixtures.js";
import { runCli } from "./cli-run.js";

const dir = mkdtempSync(join(tmpdir(), "tcplab-inspect-bad-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

function replaceLine(text: string, lineNo: number, f: (l: string) => string): string {
  const lines = text.split("\n");
  lines[lineNo - 1] = f(lines[lineNo - 1]!);
  return lines.join("\n");
}

function expectFailure(
  args: string[],
  code: number,
  errCode: string,
  pattern: RegExp,
  input?: Uint8Array | string,
) {
  const r = runCli(["inspect", ...args], input);
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, new RegExp(`^tcplab: ${errCode}: `));
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  assert.equal(r.stderr.trim().split("\n").length, 1, "one line of error");
}

const proc = readFileSync(`${LINUX}proc_net_tcp.txt`, "utf8");
const ss = readFileSync(`${LINUX}ss_tanpoe.txt`, "utf8");
const netstat = readFileSync(`${LINUX}netstat_tanp.txt`, "utf8");
const windows = readFileSync(`${FIXTURES}windows/netstat-ano-en.txt`, "utf8");
const json = readFileSync(`${FIXTURES}windows/get-nettcpconnection.json`, "utf8");

test("a truncated /proc/net/tcp line is named", () => {
  const p = file(
    "proc-trunc.txt",
    replaceLine(proc, 7, (l) => l.slice(0, 40)),
  );
  expectFailure([p], 1, "INSPECT_MALFORMED_LINE", /proc-trunc\.txt, line 7: expected at least 10 columns/);
});

test("a /proc/net/tcp line with a bad state or address is named", () => {
  const st = file(
    "proc-state.txt",
    replaceLine(proc, 4, (l) => l.replace(" 0A ", " 0Z ")),
  );
  expectFailure([st], 1, "INSPECT_MALFORMED_LINE", /line 4: unknown state code "0Z"/);
  const addr = file(
    "proc-addr.txt",
    replaceLine(proc, 3, (l) => l.replace("0100007F:", "0100007:")),
  );
  expectFailure([addr], 1, "INSPECT_MALFORMED_LINE", /line 3: local_address is not HEXADDR:PORT/);
});

test("ss rows with wrong columns are named", () => {
  const p = file(
    "ss-cols.txt",
    replaceLine(ss, 9, (l) => l.replace(/127\.0\.0\.1:(\d+)\s+127/, "127.0.0.1:$1x 127")),
  );
  expectFailure(
    [p],
    1,
    "INSPECT_MALFORMED_LINE",
    /ss-cols\.txt, line 9: local address "127\.0\.0\.1:\d+x" is not ADDRESS:PORT/,
  );
  const short = file(
    "ss-short.txt",
    replaceLine(ss, 5, (l) => l.split(/\s+/).slice(0, 3).join(" ")),
  );
  expectFailure(
    [short],
    1,
    "INSPECT_MALFORMED_LINE",
    /line 5: expected Recv-Q, Send-Q, local and peer address/,
  );
});

test("netstat and Windows netstat rows with missing columns are named", () => {
  const p = file(
    "netstat-cut.txt",
    replaceLine(netstat, 6, (l) => l.slice(0, 30)),
  );
  expectFailure([p], 1, "INSPECT_MALFORMED_LINE", /netstat-cut\.txt, line 6: /);
  const w = file(
    "win-cut.txt",
    replaceLine(windows, 8, (l) => l.replace(/\s+\d+\r?$/, "")),
  );
  expectFailure(
    [w],
    1,
    "INSPECT_MALFORMED_LINE",
    /win-cut\.txt, line 8: (expected 5 columns|the PID column)/,
  );
  const state = file(
    "win-state.txt",
    replaceLine(windows, 7, (l) => l.replace("ESTABLISHED", "ETABLIE")),
  );
  expectFailure(
    [state],
    1,
    "INSPECT_MALFORMED_LINE",
    /line 7: unknown state name "ETABLIE".*Get-NetTCPConnection/,
  );
});

test("broken JSON and a bad Get-NetTCPConnection row are named", () => {
  const p = file("broken.json", json.slice(0, 400));
  expectFailure([p], 1, "INSPECT_MALFORMED_LINE", /broken\.json(, line \d+)?: not valid JSON/);
  const bad = file("bad-row.json", json.replace('"LocalPort": 8080', '"LocalPort": "http"'));
  expectFailure(
    [bad],
    1,
    "INSPECT_MALFORMED_LINE",
    /bad-row\.json, line \d+: LocalPort is missing or not a port number/,
  );
});

test("binary garbage is refused as not text, naming the line", () => {
  const bytes = new Uint8Array(4096);
  let x = 12345;
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = x >> 16;
  }
  const p = file("garbage.bin", bytes);
  expectFailure([p], 1, "INSPECT_BINARY_INPUT", /garbage\.bin, line \d+: the input is not text/);
  const gz = Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]);
  expectFailure(["-"], 1, "INSPECT_BINARY_INPUT", /stdin, line 1/, gz);
});

test("unrecognised, empty and missing inputs", () => {
  const p = file("prose.txt", "Dear admin,\nthe server is slow.\n");
  expectFailure([p], 1, "INSPECT_UNRECOGNISED_INPUT", /prose\.txt, line 1: not a format tcplab recognises/);
  expectFailure([file("empty.txt", "")], 1, "INSPECT_EMPTY_INPUT", /empty\.txt: the input is empty/);
  expectFailure([join(dir, "nope.txt")], 1, "INSPECT_IO", /cannot read .*nope\.txt/);
});

test("bad arguments exit 2 with a clear message", () => {
  const ssFile = `${LINUX}ss_tanpoe.txt`;
  expectFailure(
    [ssFile, "--interval", "ten"],
    2,
    "INSPECT_BAD_ARGUMENT",
    /--interval "ten": expected a duration/,
  );
  expectFailure([ssFile, "--format", "xml"], 2, "INSPECT_BAD_ARGUMENT", /--format "xml": expected one of/);
  expectFailure([ssFile, "--json", "--prometheus"], 2, "INSPECT_BAD_ARGUMENT", /alternatives/);
  expectFailure([ssFile, ssFile], 2, "INSPECT_BAD_ARGUMENT", /two samples need --interval/);
  expectFailure([ssFile, "--setting", "oops"], 2, "INSPECT_BAD_ARGUMENT", /expected NAME=VALUE/);
  expectFailure(
    [`${LINUX}ss_tan_state_time-wait.txt`, "--state", "sleepy"],
    2,
    "INSPECT_BAD_ARGUMENT",
    /not a TCP state/,
  );
  const unknown = runCli(["inspect", "--frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown option '--frobnicate'/);
});
