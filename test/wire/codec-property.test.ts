// fast-check: decode(encode(seg)) == seg for arbitrary valid segments.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { propertyRuns } from "../e2e/property-runs.js";
import { decodePacket, encodeSegment, encodeSegmentInto, encodedLength } from "../../src/wire/codec.js";
import type { Segment } from "../../src/wire/segment.js";
import { expectedAfterWire, tcpFieldsArb, u32Arb } from "./helpers.js";

const segmentArb: fc.Arbitrary<Segment> = fc.record(
  { srcAddr: u32Arb, dstAddr: u32Arb, ...tcpFieldsArb },
  { noNullPrototype: true },
);

test("decode(encode(seg)) equals seg, less the SACK blocks that cannot fit", () => {
  fc.assert(
    fc.property(segmentArb, (seg) => {
      const result = decodePacket(encodeSegment(seg));
      if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
      assert.deepEqual(result.segment, expectedAfterWire(seg));
    }),
    propertyRuns(2000, { seed: 0x7c91 }),
  );
});

test("encodeSegmentInto at any offset produces the same bytes as encodeSegment", () => {
  const scratch = new Uint8Array(8192);
  fc.assert(
    fc.property(segmentArb, fc.integer({ min: 0, max: 64 }), (seg, offset) => {
      const n = encodeSegmentInto(seg, scratch, offset);
      assert.equal(n, encodedLength(seg));
      assert.deepEqual(scratch.subarray(offset, offset + n), encodeSegment(seg));
    }),
    propertyRuns(500, { seed: 0x51a }),
  );
});
