// Small pure pieces: address forms, the ss timer quirk, durations, port lists.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeProcAddress, normaliseAddress, isLoopback } from "../../src/inspect/address.js";
import { parseSsDuration } from "../../src/inspect/parse/ss.js";
import { parseDuration } from "../../src/inspect/duration.js";
import { parsePortList } from "../../src/inspect/platform-settings.js";
import { splitCsvLine } from "../../src/inspect/parse/powershell.js";

test("/proc addresses are host-order words: little-endian reverses each 32-bit word", () => {
  assert.equal(decodeProcAddress("0100007F", true), "127.0.0.1");
  assert.equal(decodeProcAddress("7F000001", false), "127.0.0.1");
  assert.equal(decodeProcAddress("00000000000000000000000001000000", true), "::1");
  assert.equal(
    decodeProcAddress("0000000000000000FFFF00000100007F", true),
    "127.0.0.1",
    "v4-mapped folds to IPv4",
  );
  assert.equal(decodeProcAddress("000080FE00000000FF005002FEE9D37C", true), "fe80::250:ff:7cd3:e9fe");
  assert.equal(decodeProcAddress("0100007", true), null);
  assert.equal(decodeProcAddress("0100007G", true), null);
});

test("text addresses normalise to one form", () => {
  assert.equal(normaliseAddress("[::ffff:127.0.0.1]"), "127.0.0.1");
  assert.equal(normaliseAddress("::FFFF:7f00:1"), "127.0.0.1");
  assert.equal(normaliseAddress("2001:0db8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
  assert.equal(normaliseAddress("fe80::1%eth0"), "fe80::1%eth0");
  assert.equal(normaliseAddress("*"), "*");
  assert.equal(normaliseAddress("::"), "::");
  assert.ok(isLoopback("127.0.0.5") && isLoopback("::1") && !isLoopback("10.0.0.1"));
});

test("ss print_ms_timer: '4.540ms' means 4.54 seconds; whole milliseconds stay milliseconds", () => {
  assert.equal(parseSsDuration("4.540ms"), 4.54);
  assert.equal(parseSsDuration("4.540sec"), 4.54);
  assert.equal(parseSsDuration("708ms"), 0.708);
  assert.equal(parseSsDuration("59sec"), 59);
  assert.equal(parseSsDuration("9min59sec"), 599);
  assert.equal(parseSsDuration("10min"), 600);
  assert.equal(parseSsDuration("1h2min"), 3720);
  assert.equal(parseSsDuration("-"), null);
  assert.equal(parseSsDuration("soon"), null);
});

test("--interval durations", () => {
  assert.equal(parseDuration("10s", "--interval"), 10);
  assert.equal(parseDuration("500ms", "--interval"), 0.5);
  assert.equal(parseDuration("2m", "--interval"), 120);
  assert.equal(parseDuration("3", "--interval"), 3);
  for (const bad of ["0", "-1s", "ten", "2h", ""]) {
    assert.throws(
      () => parseDuration(bad, "--interval"),
      (e: Error & { code?: string; exitCode?: number }) =>
        e.code === "INSPECT_BAD_ARGUMENT" && e.exitCode === 2,
      bad,
    );
  }
});

test("ip_local_reserved_ports lists and CSV fields", () => {
  assert.deepEqual(parsePortList("8080, 9000-9002"), [8080, 9000, 9001, 9002]);
  assert.deepEqual(parsePortList(""), []);
  assert.deepEqual(splitCsvLine('"a","b ""q""",3,'), ["a", 'b "q"', "3", ""]);
  assert.equal(splitCsvLine('"open'), null);
});
