// The host's front door: raw packets through the codec, segments for other addresses, and construction errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeSegment } from "../../src/wire/codec.js";
import { ACK, SYN } from "../../src/wire/segment.js";
import { Host } from "../../src/tcp/engine.js";
import {
  Bench,
  LOCAL,
  PEER_SYN_OPTIONS,
  REMOTE_ISS,
  listenRecording,
  remoteSegment,
} from "../tcp/harness.js";

test("a raw packet that decodes is handled like a segment: SYN in, SYN,ACK out", () => {
  const b = new Bench();
  listenRecording(b);
  b.host.inputPacket(
    encodeSegment(remoteSegment({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS })),
    0,
  );
  assert.equal(b.one().flags, SYN | ACK);
  assert.equal(b.host.counters.inSegs, 1);
});

test("a packet with a bad TCP checksum is dropped with its reason, counted in InErrs, never answered", () => {
  const b = new Bench();
  listenRecording(b);
  const bytes = encodeSegment(remoteSegment({ flags: SYN, seq: REMOTE_ISS }));
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff; // the last byte: part of the TCP header here
  const m = b.mark();
  b.host.inputPacket(bytes, 0);
  b.none();
  const drops = b.drops(m);
  assert.equal(drops.length, 1);
  assert.equal(drops[0]!.reason, "bad-tcp-checksum");
  assert.equal(drops[0]!.seg, null);
  assert.equal(b.host.counters.inErrs, 1);
  assert.equal(b.host.counters.inSegs, 0);
  assert.equal(b.host.counters.dropCount("bad-tcp-checksum"), 1);
});

test("garbage of any length never throws: every prefix of a packet is rejected with a reason", () => {
  const b = new Bench();
  listenRecording(b);
  const bytes = encodeSegment(remoteSegment({ flags: SYN, seq: REMOTE_ISS, options: PEER_SYN_OPTIONS }));
  const m = b.mark();
  for (let n = 0; n < bytes.length; n++) b.host.inputPacket(bytes.subarray(0, n), 0);
  b.none();
  const drops = b.drops(m);
  assert.equal(drops.length, bytes.length);
  assert.ok(drops.every((d) => typeof d.reason === "string" && d.reason.length > 0));
});

test("a segment for another address is dropped (not-our-address) without a reply", () => {
  const b = new Bench();
  listenRecording(b);
  const m = b.mark();
  b.host.input(remoteSegment({ flags: SYN, seq: 1, dstAddr: (LOCAL + 1) >>> 0 }), 0);
  b.none();
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["not-our-address"],
  );
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 0);
});

test("a host with an impossible MTU is refused with EINVAL", () => {
  assert.throws(() => new Host({ name: "x", address: "10.0.0.9", mtu: 40 }), { code: "EINVAL" });
  assert.throws(() => new Host({ name: "x", address: "10.0.0.9", mtu: 70000 }), { code: "EINVAL" });
});
