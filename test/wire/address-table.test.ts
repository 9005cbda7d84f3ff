// The IPv6 address table: ids ≥ 2^32, one per address while someone holds it, gone with the last release.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { propertyRuns } from "../e2e/property-runs.js";
import {
  AddressTable,
  IPV6_ID_BASE,
  addressTable,
  formatAddress,
  formatAddressPort,
  isIPv6Id,
  parseAddress,
} from "../../src/wire/address-table.js";
import { parseIPv4 } from "../../src/wire/address.js";

test("an address interned twice has one id and two references; the entry goes with the last release", () => {
  const t = new AddressTable();
  const a = t.intern(0x20010db8, 0, 0, 1);
  assert.ok(isIPv6Id(a) && a >= IPV6_ID_BASE);
  assert.equal(t.intern(0x20010db8, 0, 0, 1), a);
  assert.equal(t.references(a), 2);
  assert.equal(t.find(0x20010db8, 0, 0, 1), a);
  t.release(a);
  assert.equal(t.find(0x20010db8, 0, 0, 1), a);
  t.release(a);
  assert.equal(t.find(0x20010db8, 0, 0, 1), -1);
  assert.equal(t.size, 0);
  assert.throws(() => t.word(a, 0), /not held/);
});

test("IPv4 numbers pass through acquire and release untouched", () => {
  const t = new AddressTable();
  t.acquire(parseIPv4("10.0.0.1"));
  t.release(parseIPv4("10.0.0.1"));
  assert.equal(t.size, 0);
  assert.equal(isIPv6Id(0xffffffff), false);
});

test("random intern/release sequences: find agrees with a Map model, and released slots are reused", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })), { maxLength: 400 }),
      (ops) => {
        const t = new AddressTable();
        const model = new Map<number, { id: number; refs: number }>();
        for (const [add, k] of ops) {
          const words = [0x20010db8, k >>> 3, k & 7, Math.imul(k, 0x9e3779b1) >>> 0] as const;
          const m = model.get(k);
          if (add || !m) {
            const id = t.intern(...words);
            if (m) assert.equal(id, m.id);
            model.set(k, { id, refs: (m?.refs ?? 0) + 1 });
          } else {
            t.release(m.id);
            if (--m.refs === 0) model.delete(k);
          }
          for (let j = 0; j <= 40; j++) {
            const w = [0x20010db8, j >>> 3, j & 7, Math.imul(j, 0x9e3779b1) >>> 0] as const;
            assert.equal(t.find(...w), model.get(j)?.id ?? -1);
          }
        }
        assert.equal(t.size, model.size);
        // Ids stay dense: never more slots than addresses alive at once.
        for (const { id } of model.values()) assert.ok(id - IPV6_ID_BASE < 41);
      },
    ),
    propertyRuns(200),
  );
});

test("text in and out: RFC 5952 with brackets for a port, v4-mapped text is the IPv4 address", () => {
  const a = parseAddress("2001:DB8:0:0:0:0:0:1");
  assert.equal(formatAddress(a), "2001:db8::1");
  assert.equal(formatAddressPort(a, 80), "[2001:db8::1]:80");
  assert.equal(formatAddressPort(parseIPv4("10.0.0.1"), 80), "10.0.0.1:80");
  assert.equal(parseAddress("::ffff:10.0.0.2"), parseIPv4("10.0.0.2"));
  assert.equal(addressTable.references(a) > 0, true);
});
