// The checks both decode fuzzers (IPv4: decode-fuzz, IPv6: decode-fuzz6) make of every packet.
import assert from "node:assert/strict";
import type { DecodeFailure } from "../../src/wire/codec.js";
import { DECODE_REASONS, type DecodeReason } from "../../src/wire/decode-error.js";
import type { TcpFields } from "../../src/wire/segment6.js";
import { expectedAfterWire, mulberry32 } from "./helpers.js";

export interface DecodeFuzz<S extends TcpFields> {
  seed: number;
  iterations: number;
  /** A packet to try, from the seeded random source. */
  mutate: (rnd: () => number) => Uint8Array;
  decode: (packet: Uint8Array) => { ok: true; segment: S } | DecodeFailure;
  encode: (seg: S) => Uint8Array;
  /** Reasons this family's packets cannot get; every other reason must be reached. */
  unreachable: ReadonlySet<DecodeReason>;
}

/**
 * Decode `iterations` packets: nothing throws, every rejection names a known reason with a detail,
 * whatever decodes re-encodes and comes back the same (less SACK blocks our layout cannot fit),
 * every reachable reason is reached and over 1000 packets still decode. Returns the outcome counts.
 */
export function runDecodeFuzz<S extends TcpFields>(f: DecodeFuzz<S>): Map<DecodeReason | "ok", number> {
  const rnd = mulberry32(f.seed);
  const seen = new Map<DecodeReason | "ok", number>();
  const known = new Set<string>(DECODE_REASONS);
  for (let i = 0; i < f.iterations; i++) {
    const packet = f.mutate(rnd);
    let result: ReturnType<typeof f.decode>;
    try {
      result = f.decode(packet);
    } catch (error) {
      assert.fail(`iteration ${i}: decoding threw ${String(error)} on ${Array.from(packet).join(",")}`);
    }
    if (!result.ok) {
      assert.ok(known.has(result.reason), `iteration ${i}: unknown reason ${String(result.reason)}`);
      assert.equal(typeof result.detail, "string");
      assert.ok(result.detail.length > 0, `iteration ${i}: empty detail`);
      seen.set(result.reason, (seen.get(result.reason) ?? 0) + 1);
      continue;
    }
    seen.set("ok", (seen.get("ok") ?? 0) + 1);
    const again = f.decode(f.encode(result.segment));
    assert.ok(again.ok, `iteration ${i}: re-encoded segment failed to decode`);
    assert.deepEqual(again.segment, expectedAfterWire(result.segment), `iteration ${i}`);
  }
  // The fuzz must reach every check, or it is not testing them.
  for (const reason of DECODE_REASONS) {
    if (f.unreachable.has(reason)) continue;
    assert.ok((seen.get(reason) ?? 0) > 0, `no packet was rejected as ${reason}`);
  }
  assert.ok((seen.get("ok") ?? 0) > 1000, "some mutated packets must still decode");
  console.log("fuzz outcomes:", Object.fromEntries([...seen].sort((a, b) => b[1] - a[1])));
  return seen;
}
