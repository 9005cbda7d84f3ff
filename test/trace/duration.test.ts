import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { propertyRuns } from "../e2e/property-runs.js";
import { DurationError, formatClock, formatDuration, parseDuration } from "../../src/trace/duration.js";

test("parseDuration reads the units people type", () => {
  assert.equal(parseDuration("60s"), 60_000_000);
  assert.equal(parseDuration("2min"), 120_000_000);
  assert.equal(parseDuration("500ms"), 500_000);
  assert.equal(parseDuration("1.5s"), 1_500_000);
  assert.equal(parseDuration("250us"), 250);
  assert.equal(parseDuration("250µs"), 250);
  assert.equal(parseDuration("1h"), 3_600_000_000);
  assert.equal(parseDuration("5m"), 300_000_000);
  assert.equal(parseDuration(" 30 s "), 30_000_000);
  assert.equal(parseDuration("30 Seconds"), 30_000_000);
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseDuration("0ms"), 0);
});

test("parseDuration is exact in decimal, not floating point", () => {
  // 1.1 * 1e6 is 1100000.0000000002 in floating point.
  assert.equal(parseDuration("1.1s"), 1_100_000);
  assert.equal(parseDuration("0.001ms"), 1);
  assert.equal(parseDuration("2.5min"), 150_000_000);
  assert.equal(parseDuration("0.000001s"), 1);
});

test("parseDuration refuses bad input with ERR_TCPLAB_DURATION and says why", () => {
  const cases: Array<[string, RegExp]> = [
    ["60", /no unit/],
    ["", /not a duration/],
    ["abc", /not a duration/],
    ["-5s", /not a duration/],
    ["1e3ms", /not a duration/],
    ["5 fortnights", /unknown duration unit "fortnights"/],
    ["1.5us", /finer than one microsecond/],
    ["0.0000001s", /finer than one microsecond/],
    ["1.s", /not a duration/],
    ["9999999999999h", /too long/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => parseDuration(input),
      (err: unknown) =>
        err instanceof DurationError && err.code === "ERR_TCPLAB_DURATION" && message.test(err.message),
      `input ${JSON.stringify(input)}`,
    );
  }
  assert.throws(() => parseDuration(60 as unknown as string), { code: "ERR_TCPLAB_DURATION" });
});

test("formatDuration writes the shortest exact form", () => {
  assert.equal(formatDuration(0), "0 µs");
  assert.equal(formatDuration(250), "250 µs");
  assert.equal(formatDuration(500_000), "500 ms");
  assert.equal(formatDuration(40_000), "40 ms");
  assert.equal(formatDuration(12_150), "12.15 ms");
  assert.equal(formatDuration(1_500_000), "1.5 s");
  assert.equal(formatDuration(60_000_000), "60 s");
  assert.equal(formatDuration(90_000_000), "90 s");
  assert.equal(formatDuration(120_000_000), "2 min");
  assert.equal(formatDuration(240_000_000), "4 min");
  assert.equal(formatDuration(60_020_250), "60.02025 s");
  assert.equal(formatDuration(7_200_000_000), "2 h");
  assert.throws(() => formatDuration(-1), { code: "ERR_TCPLAB_DURATION" });
  assert.throws(() => formatDuration(1.5), { code: "ERR_TCPLAB_DURATION" });
});

test("parseDuration(formatDuration(x)) gives x back", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10 ** 13 }), (us) => {
      assert.equal(parseDuration(formatDuration(us).replace(" ", "")), us);
      assert.equal(parseDuration(formatDuration(us)), us);
    }),
    propertyRuns(100),
  );
});

test("formatClock: milliseconds to the microsecond below 1 s, seconds above", () => {
  assert.equal(formatClock(0), "0.000 ms");
  assert.equal(formatClock(12_345), "12.345 ms");
  assert.equal(formatClock(999_999), "999.999 ms");
  assert.equal(formatClock(1_000_000), "1.000 s");
  assert.equal(formatClock(5_000_000), "5.000 s");
  assert.equal(formatClock(10_000_000), "10.000 s");
  assert.equal(formatClock(60_020_250), "60.020 s");
  assert.equal(formatClock(60_020_500), "60.021 s");
  assert.equal(formatClock(-250), "-0.250 ms");
});
