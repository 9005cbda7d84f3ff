// IPv6 addresses: RFC 4291 §2.2 text forms in, RFC 5952 canonical text out, classes, v4-mapped.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  IPv6AddressError,
  compareIPv6,
  formatEndpoint6,
  formatIPv6,
  ipv6,
  ipv6Equal,
  isDocumentation6,
  isLinkLocal6,
  isLoopback6,
  isMulticast6,
  isUniqueLocal6,
  isUnspecified6,
  isV4Mapped,
  parseEndpoint6,
  parseIPv6,
  readIPv6Address,
  v4FromMapped,
  v4Mapped,
  writeIPv6Address,
  type IPv6Address,
} from "../../src/wire/address6.js";
import { parseIPv4 } from "../../src/wire/address.js";

/** The 16 bytes of an address, written out by hand in the tests below. */
function bytesOf(a: IPv6Address): number[] {
  const out = new Uint8Array(16);
  writeIPv6Address(out, 0, a);
  return [...out];
}

test("parse: the three forms of RFC 4291 §2.2 give the same words", () => {
  const expected = ipv6(0x20010db8, 0, 0x00080800, 0x200c417a);
  // §2.2 item 1 and its example, item 2 with "::", and hex of either case with leading zeros.
  for (const text of [
    "2001:DB8:0:0:8:800:200C:417A",
    "2001:db8::8:800:200c:417a",
    "2001:0db8:0000:0000:0008:0800:200c:417a",
  ]) {
    assert.deepEqual(parseIPv6(text), expected, text);
  }
  // §2.2 item 2's other examples.
  assert.deepEqual(parseIPv6("FF01::101"), ipv6(0xff010000, 0, 0, 0x101));
  assert.deepEqual(parseIPv6("::1"), ipv6(0, 0, 0, 1));
  assert.deepEqual(parseIPv6("::"), ipv6(0, 0, 0, 0));
  assert.deepEqual(parseIPv6("1::"), ipv6(0x00010000, 0, 0, 0));
  assert.deepEqual(parseIPv6("1:2:3:4:5:6:7::"), ipv6(0x00010002, 0x00030004, 0x00050006, 0x00070000));
  assert.deepEqual(parseIPv6("::2:3:4:5:6:7:8"), ipv6(0x00000002, 0x00030004, 0x00050006, 0x00070008));
  // §2.2 item 3: an IPv4 address in the low 32 bits, with or without "::".
  assert.deepEqual(parseIPv6("0:0:0:0:0:0:13.1.68.3"), ipv6(0, 0, 0, 0x0d014403));
  assert.deepEqual(parseIPv6("::13.1.68.3"), ipv6(0, 0, 0, 0x0d014403));
  assert.deepEqual(parseIPv6("0:0:0:0:0:FFFF:129.144.52.38"), ipv6(0, 0, 0xffff, 0x81903426));
  assert.deepEqual(parseIPv6("::FFFF:129.144.52.38"), ipv6(0, 0, 0xffff, 0x81903426));
  assert.deepEqual(parseIPv6("64:ff9b::192.0.2.33"), ipv6(0x0064ff9b, 0, 0, 0xc0000221));
});

test("parse: malformed text is a coded IPv6AddressError naming the problem", () => {
  const bad: Array<[string, RegExp]> = [
    ["", /0 groups/],
    ["1:2:3:4:5:6:7", /7 groups/],
    ["1:2:3:4:5:6:7:8:9", /9 groups/],
    ["1::2::3", /more than once/],
    ["1:2:3:4:5:6:7:8::", /too many groups/],
    ["::1:2:3:4:5:6:7:8", /too many groups/],
    ["12345::", /not 1-4 hex digits/],
    ["g::1", /not 1-4 hex digits/],
    [":1:2:3:4:5:6:7", /empty group/],
    ["1:2:3:4:5:6:7:", /empty group/],
    [":::", /empty group/],
    ["::1.2.3.256", /embedded IPv4/],
    ["::1.2.3", /embedded IPv4/],
    ["1.2.3.4::", /not 1-4 hex digits/], // the dotted part must be last
    ["::1.2.3.4:5", /not 1-4 hex digits/],
    ["1:2:3:4:5:6:7:1.2.3.4", /9 groups/],
    ["fe80::1%eth0", /zone/],
    [" ::1", /not 1-4 hex digits/],
  ];
  for (const [text, message] of bad) {
    assert.throws(
      () => parseIPv6(text),
      (e: unknown) =>
        e instanceof IPv6AddressError && e.code === "ERR_TCPLAB_BAD_IPV6_ADDRESS" && message.test(e.message),
      JSON.stringify(text),
    );
  }
});

test("format: RFC 5952's own examples come out in the recommended form", () => {
  const cases: Array<[string[], string]> = [
    // §2.1: eight spellings of one address.
    [
      [
        "2001:db8:0:0:1:0:0:1",
        "2001:0db8:0:0:1:0:0:1",
        "2001:db8::1:0:0:1",
        "2001:db8::0:1:0:0:1",
        "2001:0db8::1:0:0:1",
        "2001:db8:0:0:1::1",
        "2001:db8:0000:0:1::1",
        "2001:DB8:0:0:1::1",
      ],
      "2001:db8::1:0:0:1", // §4.2.3: the first of two equal runs
    ],
    // §2.2: leading zeros (§4.1).
    [
      [
        "2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001",
        "2001:db8:aaaa:bbbb:cccc:dddd:eeee:001",
        "2001:db8:aaaa:bbbb:cccc:dddd:eeee:01",
        "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1",
      ],
      "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1",
    ],
    // §2.2: a single zero group is not "::" (§4.2.2).
    [
      ["2001:db8:aaaa:bbbb:cccc:dddd::1", "2001:db8:aaaa:bbbb:cccc:dddd:0:1"],
      "2001:db8:aaaa:bbbb:cccc:dddd:0:1",
    ],
    // §2.2: "::" as long as possible (§4.2.1).
    [["2001:db8:0:0:0::1", "2001:db8:0:0::1", "2001:db8:0::1", "2001:db8::1"], "2001:db8::1"],
    [["2001:db8::aaaa:0:0:1", "2001:db8:0:0:aaaa::1"], "2001:db8::aaaa:0:0:1"],
    // §2.3: lowercase (§4.3).
    [
      [
        "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa",
        "2001:db8:aaaa:bbbb:cccc:dddd:eeee:AAAA",
        "2001:db8:aaaa:bbbb:cccc:dddd:eeee:AaAa",
      ],
      "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa",
    ],
    // §4.2.1 and §4.2.2 examples.
    [["2001:db8:0:0:0:0:2:1"], "2001:db8::2:1"],
    [["2001:db8::0:1"], "2001:db8::1"],
    [["2001:db8:0:1:1:1:1:1"], "2001:db8:0:1:1:1:1:1"],
    // §4.2.3: the longest run wins, then the first of equal runs.
    [["2001:0:0:1:0:0:0:1"], "2001:0:0:1::1"],
    [["2001:db8:0:0:1:0:0:1"], "2001:db8::1:0:0:1"],
    // §5: IPv4-mapped in mixed notation.
    [["::ffff:192.0.2.1", "0:0:0:0:0:ffff:c000:0201"], "::ffff:192.0.2.1"],
  ];
  for (const [inputs, canonical] of cases) {
    for (const text of inputs) assert.equal(formatIPv6(parseIPv6(text)), canonical, text);
  }
});

test("format: edge runs, all zeros, no zeros", () => {
  assert.equal(formatIPv6(ipv6(0, 0, 0, 0)), "::");
  assert.equal(formatIPv6(ipv6(0, 0, 0, 1)), "::1");
  assert.equal(formatIPv6(ipv6(0x00010000, 0, 0, 0)), "1::");
  assert.equal(formatIPv6(ipv6(0, 0, 0, 0x00010000)), "::1:0");
  assert.equal(formatIPv6(ipv6(0x00010002, 0x00030004, 0x00050006, 0x00070008)), "1:2:3:4:5:6:7:8");
  assert.equal(formatIPv6(ipv6(0x00000001, 0, 0x00010000, 0x00010000)), "0:1::1:0:1:0");
  assert.equal(
    formatIPv6(ipv6(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff)),
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  );
  // Only ::ffff:0:0/96 is mixed: v4-compatible (deprecated, RFC 4291 §2.5.5.1) stays hex.
  assert.equal(formatIPv6(ipv6(0, 0, 0, 0xc0000201)), "::c000:201");
});

test("endpoints are bracketed (RFC 5952 §6) and parse back", () => {
  assert.equal(formatEndpoint6(parseIPv6("2001:db8::1"), 80), "[2001:db8::1]:80");
  assert.equal(formatEndpoint6(v4Mapped(parseIPv4("10.0.0.1")), 40000), "[::ffff:10.0.0.1]:40000");
  assert.deepEqual(parseEndpoint6("[2001:db8::1]:80"), { addr: parseIPv6("2001:db8::1"), port: 80 });
  for (const text of ["2001:db8::1:80", "[2001:db8::1]", "[2001:db8::1]:65536", "[::1]:-1", "[zz]:1"]) {
    assert.throws(() => parseEndpoint6(text), IPv6AddressError, text);
  }
});

test("v4-mapped helpers (RFC 4291 §2.5.5.2)", () => {
  const v4 = parseIPv4("192.0.2.1");
  const mapped = v4Mapped(v4);
  assert.deepEqual(mapped, parseIPv6("::ffff:192.0.2.1"));
  assert.ok(isV4Mapped(mapped));
  assert.equal(v4FromMapped(mapped), v4);
  assert.equal(v4FromMapped(parseIPv6("::192.0.2.1")), null);
  assert.equal(v4FromMapped(parseIPv6("::1:ffff:192.0.2.1")), null);
  assert.equal(v4FromMapped(parseIPv6("2001:db8::1")), null);
});

test("classes: loopback, unspecified, link-local, ULA, multicast, documentation", () => {
  const cls = (text: string) => {
    const a = parseIPv6(text);
    return [isUnspecified6, isLoopback6, isLinkLocal6, isUniqueLocal6, isMulticast6, isDocumentation6]
      .filter((f) => f(a))
      .map((f) => f.name);
  };
  assert.deepEqual(cls("::"), ["isUnspecified6"]);
  assert.deepEqual(cls("::1"), ["isLoopback6"]);
  assert.deepEqual(cls("::2"), []);
  assert.deepEqual(cls("fe80::1"), ["isLinkLocal6"]);
  assert.deepEqual(cls("febf:ffff::1"), ["isLinkLocal6"]); // last of fe80::/10
  assert.deepEqual(cls("fec0::1"), []); // first past it (old site-local)
  assert.deepEqual(cls("fc00::1"), ["isUniqueLocal6"]);
  assert.deepEqual(cls("fd12:3456:789a::1"), ["isUniqueLocal6"]);
  assert.deepEqual(cls("fbff::1"), []);
  assert.deepEqual(cls("fe00::1"), []);
  assert.deepEqual(cls("ff02::1"), ["isMulticast6"]);
  assert.deepEqual(cls("2001:db8::1"), ["isDocumentation6"]);
  assert.deepEqual(cls("2001:db8:ffff:ffff::"), ["isDocumentation6"]);
  assert.deepEqual(cls("2001:db9::1"), []);
  assert.deepEqual(cls("3fff:fff::1"), ["isDocumentation6"]); // RFC 9637's 3fff::/20
  assert.deepEqual(cls("3fff:1000::1"), []);
  assert.deepEqual(cls("2606:4700::1"), []);
});

test("equality and order are by value", () => {
  assert.ok(ipv6Equal(parseIPv6("2001:db8::1"), parseIPv6("2001:DB8:0::0:1")));
  assert.ok(!ipv6Equal(parseIPv6("2001:db8::1"), parseIPv6("2001:db8::2")));
  const sorted = ["::1", "ffff::", "2001:db8::1", "::", "2001:db8::", "8000::"]
    .map(parseIPv6)
    .sort(compareIPv6);
  assert.deepEqual(sorted.map(formatIPv6), ["::", "::1", "2001:db8::", "2001:db8::1", "8000::", "ffff::"]);
});

const addressArb: fc.Arbitrary<IPv6Address> = fc.oneof(
  fc
    .tuple(
      fc.nat({ max: 0xffffffff }),
      fc.nat({ max: 0xffffffff }),
      fc.nat({ max: 0xffffffff }),
      fc.nat({ max: 0xffffffff }),
    )
    .map(([a, b, c, d]) => ipv6(a, b, c, d)),
  // Mostly-zero addresses, so runs of zero groups of every length and position are common.
  fc
    .array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
      minLength: 8,
      maxLength: 8,
    })
    .map((g) =>
      ipv6(g[0]! * 65536 + g[1]!, g[2]! * 65536 + g[3]!, g[4]! * 65536 + g[5]!, g[6]! * 65536 + g[7]!),
    ),
);

test("property: parse(format(a)) = a, and the text obeys RFC 5952 §4", () => {
  fc.assert(
    fc.property(addressArb, (a) => {
      const text = formatIPv6(a);
      assert.deepEqual(parseIPv6(text), a);
      if (isV4Mapped(a)) return;
      assert.equal(text, text.toLowerCase());
      assert.ok(!/(^|:)0[0-9a-f]/.test(text), `leading zero in ${text}`);
      assert.ok(text.split("::").length <= 2);
      // Longest run compressed, and no run of zero groups left uncompressed that is as long.
      const groups = [
        a.w0 >>> 16,
        a.w0 & 0xffff,
        a.w1 >>> 16,
        a.w1 & 0xffff,
        a.w2 >>> 16,
        a.w2 & 0xffff,
        a.w3 >>> 16,
        a.w3 & 0xffff,
      ];
      let longest = 0;
      for (let i = 0; i < 8; i++) {
        let j = i;
        while (j < 8 && groups[j] === 0) j++;
        longest = Math.max(longest, j - i);
      }
      const compressed = text.includes("::") ? 8 - text.split(/:+/).filter((g) => g !== "").length : 0;
      assert.equal(compressed, longest >= 2 ? longest : 0, text);
    }),
    { numRuns: 3000, seed: 0x5952 },
  );
});

test("property: bytes round-trip through read/write in network order", () => {
  fc.assert(
    fc.property(addressArb, fc.integer({ min: 0, max: 7 }), (a, at) => {
      const buf = new Uint8Array(32);
      writeIPv6Address(buf, at, a);
      assert.deepEqual(readIPv6Address(buf, at), a);
      assert.deepEqual([...buf.subarray(at, at + 16)], bytesOf(a));
      assert.equal(buf[at], a.w0 >>> 24);
      assert.equal(buf[at + 15], a.w3 & 0xff);
    }),
    { numRuns: 500, seed: 0x16 },
  );
});
