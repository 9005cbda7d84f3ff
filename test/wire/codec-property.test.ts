// fast-check: decode(encode(seg)) == seg for arbitrary valid segments.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { propertyRuns } from "../e2e/property-runs.js";
import { decodePacket, encodeSegment, encodeSegmentInto, encodedLength } from "../../src/wire/codec.js";
import { sackBlocksThatFit } from "../../src/wire/options.js";
import type { Segment, TcpOptions } from "../../src/wire/segment.js";

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

const optionsArb: fc.Arbitrary<TcpOptions> = fc.record(
  {
    mss: u16,
    wscale: u8,
    sackPermitted: fc.constant(true),
    timestamp: fc.record({ val: u32, ecr: u32 }, { noNullPrototype: true }),
    sack: fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 6 }),
  },
  { requiredKeys: [], noNullPrototype: true },
);

const segmentArb: fc.Arbitrary<Segment> = fc.record(
  {
    srcAddr: u32,
    dstAddr: u32,
    srcPort: u16,
    dstPort: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    window: u16,
    urgent: u16,
    options: optionsArb,
    payload: fc.uint8Array({ maxLength: 3000 }),
  },
  { noNullPrototype: true },
);

/** What the receiver should see: SACK blocks beyond the option space are not sent. */
function expectedAfterWire(seg: Segment): Segment {
  const fit = sackBlocksThatFit(seg.options);
  const options: TcpOptions = { ...seg.options };
  if (fit === 0) delete options.sack;
  else options.sack = seg.options.sack!.slice(0, fit);
  return { ...seg, options };
}

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
