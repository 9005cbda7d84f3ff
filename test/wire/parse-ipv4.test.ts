// parseIPv4 reads a dotted quad a character at a time; it must accept and refuse exactly what the rule
// "four groups of one to three digits, each at most 255" does (here written as the regex it replaced).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseIPv4 } from "../../src/wire/address.js";

function reference(text: string): number | "error" {
  const parts = text.split(".");
  if (parts.length !== 4) return "error";
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return "error";
    value = value * 256 + Number(part);
  }
  return value >>> 0;
}

function parsed(text: string): number | "error" {
  try {
    return parseIPv4(text);
  } catch (e) {
    assert.ok(e instanceof RangeError && e.message === `not an IPv4 address: ${JSON.stringify(text)}`);
    return "error";
  }
}

test("parseIPv4: addresses, and the near misses around them", () => {
  assert.equal(parseIPv4("10.0.0.2"), 0x0a000002);
  assert.equal(parseIPv4("255.255.255.255"), 0xffffffff);
  assert.equal(parseIPv4("0.0.0.0"), 0);
  assert.equal(parseIPv4("010.001.000.009"), 0x0a010009);
  for (const bad of [
    "",
    "1.2.3",
    "1.2.3.4.5",
    "1.2.3.256",
    "256.1.1.1",
    "1..2.3",
    ".1.2.3",
    "1.2.3.",
    "1.2.3.4 ",
    " 1.2.3.4",
    "1.2.3.0004",
    "1.2.3.-4",
    "1.2.3.+4",
    "a.b.c.d",
    "1.2.3.4e0",
    "::1",
  ])
    assert.equal(parsed(bad), "error", bad);
});

test("parseIPv4 agrees with the rule on any string of digits and dots", () => {
  const text = fc.string({ unit: fc.constantFrom("0", "1", "2", "5", "9", ".", "."), maxLength: 18 });
  fc.assert(
    fc.property(text, (t) => assert.equal(parsed(t), reference(t))),
    { numRuns: 3000 },
  );
  const quad = fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300)).map((q) => q.join("."));
  fc.assert(
    fc.property(quad, (t) => assert.equal(parsed(t), reference(t))),
    { numRuns: 2000 },
  );
});
