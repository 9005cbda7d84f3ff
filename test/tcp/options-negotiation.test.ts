// Option negotiation on SYN and SYN,ACK (issue 3): MSS, SACK-permitted (RFC 2018 §2), timestamps (RFC 7323
// §3.2) and window scaling (RFC 7323 §2), in Linux's byte layout (linux-profile.md "Option layout"), and what
// each option changes afterwards: scaled windows, timestamps on every segment, SACK blocks, the send MSS.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeSegment, TCP_HEADER_LENGTH } from "../../src/wire/codec.js";
import { IPV4_HEADER_LENGTH } from "../../src/wire/ipv4.js";
import { ACK, SYN, type Segment, type TcpOptions } from "../../src/wire/segment.js";
import type { Connection } from "../../src/tcp/connection.js";
import { PROFILES, type Profile } from "../../src/tcp/profile.js";
import {
  Bench,
  LOCAL_PORT,
  REMOTE,
  REMOTE_ISS,
  REMOTE_PORT,
  listenRecording,
  recordingHandlers,
  type AppLog,
} from "./harness.js";

const MIB = 1 << 20;
/** The peer's timestamp clock: any value, as long as it moves forward. */
const PEER_TS = 5_000;
const ALL: TcpOptions = {
  mss: 1460,
  sackPermitted: true,
  timestamp: { val: PEER_TS, ecr: 0 },
  wscale: 7,
};

interface Opened {
  conn: Connection;
  log: AppLog;
  /** Our SYN (active) or SYN,ACK (passive). */
  ourSyn: Segment;
  /** The peer's next sequence number and what it must ACK to cover everything we sent. */
  peerNxt: number;
  ourNxt: number;
  /** The peer's next TSval (it ticks once per segment it sends). */
  peerTs: number;
}

/** Option bytes of a segment as encoded on the wire, as hex. */
function optionHex(seg: Segment): string {
  const packet = encodeSegment(seg);
  const headerLength = (packet[IPV4_HEADER_LENGTH + 12]! >>> 4) * 4;
  return Buffer.from(
    packet.subarray(IPV4_HEADER_LENGTH + TCP_HEADER_LENGTH, IPV4_HEADER_LENGTH + headerLength),
  )
    .toString("hex")
    .replace(/(..)(?!$)/g, "$1 ");
}

const hex32 = (n: number): string =>
  (n >>> 0)
    .toString(16)
    .padStart(8, "0")
    .replace(/(..)(?!$)/g, "$1 ");

/** The peer's timestamp option for its next segment, if it offered timestamps. */
function peerTsOption(o: Opened, offered: TcpOptions): TcpOptions {
  if (!offered.timestamp) return {};
  const ecr = o.ourSyn.options.timestamp?.val ?? 0;
  return { timestamp: { val: o.peerTs++, ecr } };
}

/** Passive open: the peer's SYN carries `offer`, its final ACK `window` (a raw field). */
function passive(b: Bench, offer: TcpOptions, window = 65535): Opened {
  const { accepted } = listenRecording(b);
  b.feed({ flags: SYN, seq: REMOTE_ISS, options: offer, window: 65535 });
  const synAck = b.one();
  const o: Opened = {
    conn: null as unknown as Connection,
    log: null as unknown as AppLog,
    ourSyn: synAck,
    peerNxt: REMOTE_ISS + 1,
    ourNxt: (synAck.seq + 1) >>> 0,
    peerTs: (offer.timestamp?.val ?? 0) + 1,
  };
  b.at(b.now + 10_000);
  b.feed({ flags: ACK, seq: o.peerNxt, ack: o.ourNxt, window, options: peerTsOption(o, offer) });
  const child = accepted[0];
  assert.ok(child, "the handshake completed");
  assert.equal(child.conn.state, "ESTABLISHED");
  o.conn = child.conn;
  o.log = child.log;
  return o;
}

/** Active open: the peer's SYN,ACK carries `offer` and the raw window `window`. */
function active(b: Bench, offer: TcpOptions, window = 65535): Opened & { ourAck: Segment } {
  const h = recordingHandlers();
  const conn = b.host.connect({ address: REMOTE, port: REMOTE_PORT, localPort: LOCAL_PORT }, h);
  const syn = b.one();
  b.at(b.now + 10_000);
  const options: TcpOptions = offer.timestamp
    ? { ...offer, timestamp: { val: offer.timestamp.val, ecr: syn.options.timestamp?.val ?? 0 } }
    : offer;
  b.feed({ flags: SYN | ACK, seq: REMOTE_ISS, ack: (syn.seq + 1) >>> 0, options, window });
  const ourAck = b.one();
  assert.equal(conn.state, "ESTABLISHED");
  return {
    conn,
    log: h.log,
    ourSyn: syn,
    ourAck,
    peerNxt: REMOTE_ISS + 1,
    ourNxt: (syn.seq + 1) >>> 0,
    peerTs: (offer.timestamp?.val ?? 0) + 1,
  };
}

/** Our SYN from a fresh host with these overrides. */
function ourSyn(overrides: Partial<Profile>): Segment {
  const b = new Bench(overrides);
  b.host.connect({ address: REMOTE, port: REMOTE_PORT, localPort: LOCAL_PORT }, recordingHandlers());
  return b.one();
}

/** Our SYN,ACK to a peer SYN offering `offer`, from a fresh host with these overrides. */
function ourSynAck(offer: TcpOptions, overrides: Partial<Profile> = {}): Segment {
  const b = new Bench(overrides);
  listenRecording(b);
  b.feed({ flags: SYN, seq: REMOTE_ISS, options: offer });
  return b.one();
}

/** Every segment sent until `dt` µs from now (delayed ACKs included), without feeding anything. */
function settle(b: Bench, dt = 500_000): Segment[] {
  b.runTo(b.now + dt);
  return b.take();
}

const dataBytes = (segs: Segment[]): number => segs.reduce((n, s) => n + s.payload.length, 0);

// ---------------------------------------------------------------- our SYN

test("our SYN offers mss, sackOK, TS (ecr 0) and wscale in Linux's layout <mss,sackOK,TS,nop,wscale>", () => {
  const syn = ourSyn({});
  const ts = syn.options.timestamp;
  assert.ok(ts, "the SYN carries timestamps");
  assert.equal(ts.ecr, 0, "RFC 7323 §3.2: TSecr is 0 in a SYN");
  assert.deepEqual(syn.options, { mss: 1460, sackPermitted: true, timestamp: ts, wscale: 7 });
  // linux-profile.md "Option layout": <mss 1460,sackOK,TS val X ecr 0,nop,wscale 7> (stock tcp_rmem[2]).
  assert.equal(optionHex(syn), `02 04 05 b4 04 02 08 0a ${hex32(ts.val)} 00 00 00 00 01 03 03 07`);
});

test("linux offers ilog2(largest buffer) - 15: tcp_rmem[2] or rmem_max, not the current buffer (tcp_select_initial_window)", () => {
  const cases: Array<[Partial<Profile>, number]> = [
    [{}, 7], // stock tcp_rmem[2] = 6 MB, although the socket starts with 128 KB (which would need only 2)
    [{ receiveBufferMax: 15728640 }, 8], // packetdrill's defaults.sh
    [{ receiveBufferMax: 4 * MIB }, 7],
    [{ receiveBufferMax: 33554432 }, 10],
    [{ receiveBufferMax: 1 << 30 }, 14], // 15 by the formula, capped at 14 (RFC 7323 §2.3)
    [{ receiveBufferMax: 65536, rmemMax: 65536, receiveBuffer: 65536 }, 1],
    [{ receiveBufferMax: 65536, rmemMax: 8 * MIB }, 8], // rmem_max counts too
    [{ receiveBufferMax: 4096, rmemMax: 4096, receiveBuffer: 65535 }, 0],
  ];
  for (const [overrides, shift] of cases) {
    assert.equal(ourSyn(overrides).options.wscale, shift, JSON.stringify(overrides));
    assert.equal(ourSynAck(ALL, overrides).options.wscale, shift, `SYN,ACK ${JSON.stringify(overrides)}`);
  }
});

test("the cover rule (bsd, windows, rfc) offers the smallest shift whose window covers the space (RFC 7323 §2.3)", () => {
  const cases: Array<[number, number]> = [
    [65535, 0], // fits the field: a shift of 0 is still offered, so that the peer may scale
    [65536, 1],
    [131072, 2],
    [4 * MIB, 7],
    [1 << 30, 14], // 1 GiB needs 15 but 14 is the largest shift allowed
  ];
  for (const [receiveBuffer, shift] of cases) {
    const syn = ourSyn({ windowScaleRule: "cover", receiveBufferMax: 0, receiveBuffer });
    assert.equal(syn.options.wscale, shift, `receiveBuffer ${receiveBuffer}`);
    // The shift must let the field describe the whole buffer, and a smaller one must not.
    assert.ok(65535 * 2 ** shift >= Math.min(receiveBuffer, 65535 * 2 ** 14));
    if (shift > 0) assert.ok(65535 * 2 ** (shift - 1) < receiveBuffer);
  }
  // FreeBSD covers kern.ipc.maxsockbuf (2 MB): 6; Windows' auto-tuning (16 MB): 8; rfc its buffer: 2.
  assert.equal(ourSyn(PROFILES.bsd!).options.wscale, 6);
  assert.equal(ourSyn(PROFILES.windows!).options.wscale, 8);
  assert.equal(ourSyn(PROFILES.rfc!).options.wscale, 2);
});

test("windows in our SYN and SYN,ACK are never scaled: 65535 however big the buffer (RFC 7323 §2.2)", () => {
  const rfc = { receiveWindowRule: "free-space" } as const;
  for (const receiveBuffer of [131072, 4 * MIB, 1 << 30]) {
    assert.equal(ourSyn({ receiveBuffer, ...rfc }).window, 65535, `SYN, receiveBuffer ${receiveBuffer}`);
    assert.equal(ourSynAck(ALL, { receiveBuffer, ...rfc }).window, 65535, `SYN,ACK, ${receiveBuffer}`);
  }
  // A buffer smaller than the field is offered as it is.
  assert.equal(ourSyn({ receiveBuffer: 20_000, ...rfc }).window, 20_000);
  // Linux (tcp_select_initial_window): half the buffer (the default payload/truesize ratio) rounded down
  // to a multiple of the MSS, at most 65535 — 64240 for the stock 128 KiB buffer.
  for (const [receiveBuffer, window] of [
    [131072, 64240],
    [4 * MIB, 65535],
    [1 << 30, 65535],
    [20_000, 8760],
  ]) {
    assert.equal(ourSyn({ receiveBuffer }).window, window, `linux SYN, receiveBuffer ${receiveBuffer}`);
  }
});

// ---------------------------------------------------------------- our SYN,ACK mirrors the peer's SYN

test("a SYN,ACK to a SYN with every option mirrors them: <mss,sackOK,TS val X ecr <peer's TSval>,nop,wscale>", () => {
  const sa = ourSynAck(ALL);
  const ts = sa.options.timestamp;
  assert.ok(ts);
  assert.equal(ts.ecr, PEER_TS, "TSecr echoes the SYN's TSval (RFC 7323 §3.2)");
  assert.deepEqual(sa.options, { mss: 1460, sackPermitted: true, timestamp: ts, wscale: 7 });
  assert.equal(optionHex(sa), `02 04 05 b4 04 02 08 0a ${hex32(ts.val)} ${hex32(PEER_TS)} 01 03 03 07`);
});

test("a SYN,ACK to a SYN with only an MSS is <mss> alone", () => {
  const sa = ourSynAck({ mss: 1460 });
  assert.deepEqual(sa.options, { mss: 1460 });
  assert.equal(optionHex(sa), "02 04 05 b4");
});

test("each option alone in the peer's SYN is the only one confirmed, in Linux's layout", () => {
  const sack = ourSynAck({ mss: 1460, sackPermitted: true });
  assert.deepEqual(sack.options, { mss: 1460, sackPermitted: true });
  assert.equal(optionHex(sack), "02 04 05 b4 01 01 04 02");

  const ws = ourSynAck({ mss: 1460, wscale: 3 });
  assert.deepEqual(ws.options, { mss: 1460, wscale: 7 }, "our shift, not the peer's");
  assert.equal(optionHex(ws), "02 04 05 b4 01 03 03 07");

  const tsOnly = ourSynAck({ mss: 1460, timestamp: { val: PEER_TS, ecr: 0 } });
  const ts = tsOnly.options.timestamp;
  assert.ok(ts);
  assert.deepEqual(tsOnly.options, { mss: 1460, timestamp: { val: ts.val, ecr: PEER_TS } });
  assert.equal(optionHex(tsOnly), `02 04 05 b4 01 01 08 0a ${hex32(ts.val)} ${hex32(PEER_TS)}`);
});

// ---------------------------------------------------------------- after a handshake without options

test("peer offered nothing: no timestamps, unscaled windows ≤ 65535, full 1460-byte segments", () => {
  const b = new Bench({ receiveBuffer: 4 * MIB });
  const o = passive(b, { mss: 1460 }, 2920);
  o.conn.setNoDelay(true, b.now);
  o.conn.send(new Uint8Array(10_000), b.now);
  const out = b.take();
  // The peer's window 2920 is not scaled by anything: 2920 bytes and no more go out.
  assert.equal(dataBytes(out), 2920);
  for (const s of out) {
    assert.equal(s.options.timestamp, undefined, "no timestamps on later segments");
    assert.ok(s.payload.length <= 1460);
  }
  assert.equal(out[0]!.payload.length, 1460, "the send MSS is not reduced without timestamps");
  // Our window: the 4 MiB buffer can be offered only as an unscaled 65535.
  b.at(b.now + 10_000);
  b.feed({
    flags: ACK,
    seq: o.peerNxt,
    ack: (o.ourNxt + 2920) >>> 0,
    window: 65535,
    payload: new Uint8Array(100),
  });
  const acks = settle(b).filter((s) => s.ack === o.peerNxt + 100);
  assert.ok(acks.length >= 1, "the data was acknowledged");
  for (const s of acks) {
    // RCV.WND is at most 65535 and is the field itself (receiver SWS avoidance may keep the edge put).
    assert.ok(s.window <= 65535 && s.window >= 65535 - 1460, `window ${s.window}`);
    assert.equal(s.options.timestamp, undefined);
    assert.equal(s.options.sack, undefined);
  }
});

// Linux differs: its initial window is not capped at 65535 even without scaling (only the field is), so
// it holds such a segment (test/packetdrill/window/no-wscale-holds-beyond-65535.pkt).
test("without window scaling a segment beyond RCV.NXT + 65535 is out of the window, whatever the buffer", () => {
  const b = new Bench({ receiveBuffer: 4 * MIB, receiveWindowRule: "free-space" });
  const o = passive(b, { mss: 1460 });
  const m = b.mark();
  b.feed({ flags: ACK, seq: (o.peerNxt + 70_000) >>> 0, ack: o.ourNxt, payload: new Uint8Array(100) });
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["out-of-window"],
  );
});

test("an active open whose SYN,ACK confirms nothing uses nothing: no TS, no scaling, MSS 1460", () => {
  const b = new Bench({ receiveBuffer: 4 * MIB });
  const o = active(b, { mss: 1460 }, 2920);
  assert.equal(o.ourAck.options.timestamp, undefined);
  assert.equal(o.ourAck.window, 65535, "our window is unscaled and capped at 65535");
  o.conn.setNoDelay(true, b.now);
  o.conn.send(new Uint8Array(10_000), b.now);
  const out = b.take();
  assert.equal(dataBytes(out), 2920, "the SYN,ACK's window 2920 is neither scaled nor exceeded");
  for (const s of out) assert.equal(s.options.timestamp, undefined);
});

// ---------------------------------------------------------------- window scaling in use

test("the peer's SYN,ACK window is not scaled, its later windows are (RFC 7323 §2.2, §2.3)", () => {
  const b = new Bench();
  // Windows are whole segments here, so that silly window avoidance holds nothing back.
  const o = active(b, { mss: 1460, wscale: 3 }, 1460);
  o.conn.setNoDelay(true, b.now);
  o.conn.send(new Uint8Array(20_000), b.now);
  assert.equal(dataBytes(b.take()), 1460, "the SYN,ACK's window is 1460 bytes, not 1460 << 3");
  b.at(b.now + 10_000);
  b.feed({ flags: ACK, seq: o.peerNxt, ack: (o.ourNxt + 1460) >>> 0, window: 1460 });
  assert.equal(dataBytes(b.take()), 8 * 1460, "a later window field of 1460 means 1460 << 3 bytes");
});

test("a peer's shift above 14 is used as 14 (RFC 7323 §2.3)", () => {
  // Window field 1: 16 KiB with a shift of 14, 32 KiB if 15 were used. Two rounds of slow start take cwnd
  // past 16 KiB, so what the second round sends shows which window limits it.
  const flights: number[] = [];
  for (const wscale of [14, 15]) {
    const b = new Bench();
    const o = passive(b, { mss: 1460, wscale }, 1);
    o.conn.send(new Uint8Array(200_000), b.now);
    let una = o.ourNxt;
    let round = b.take();
    for (let r = 0; r < 2; r++) {
      b.at(b.now + 10_000);
      for (const s of round) {
        una = (s.seq + s.payload.length) >>> 0;
        b.feed({ flags: ACK, seq: o.peerNxt, ack: una, window: 1 });
      }
      round = b.take();
    }
    flights.push(dataBytes(round));
  }
  const [shift14, shift15] = flights as [number, number];
  assert.ok(shift14 <= 16384 && shift14 > 16384 - 1460, `a 16 KiB window fills: ${shift14} bytes in flight`);
  assert.equal(shift15, shift14, "a shift of 15 behaves as 14");
});

test("after negotiation our window field × 2^shift is the buffer's free space, up to 1 GiB (RFC 7323 §2.3)", () => {
  for (const receiveBuffer of [131072, 4 * MIB, 1 << 30]) {
    const b = new Bench({ receiveBuffer, receiveWindowRule: "free-space" });
    const o = active(b, { mss: 1460, wscale: 0 });
    const shift = o.ourSyn.options.wscale!;
    const unit = 2 ** shift;
    const largest = 65535 * unit; // the largest window the field can describe
    assert.equal(o.ourAck.window * unit, Math.min(receiveBuffer, largest), `receiveBuffer ${receiveBuffer}`);
    // The application does not read: what arrives fills the buffer and the offered window shrinks.
    o.conn.pause();
    b.feed({ flags: ACK, seq: o.peerNxt, ack: o.ourNxt, payload: new Uint8Array(10_000) });
    const acks = settle(b).filter((s) => s.ack === o.peerNxt + 10_000);
    assert.ok(acks.length >= 1);
    const offered = acks.at(-1)!.window * unit;
    const free = Math.min(receiveBuffer - 10_000, largest);
    // The field is rounded up so the right edge never moves left (RFC 7323 §2.4): at most one unit over.
    assert.ok(offered >= free && offered < free + unit, `offered ${offered}, free ${free}`);
  }
});

test("with a scaled window the peer may send far beyond 65535: a segment 1 MiB ahead is held, 5 MiB ahead is not", () => {
  const b = new Bench({ receiveBuffer: 4 * MIB, receiveWindowRule: "free-space" });
  const o = passive(b, { mss: 1460, wscale: 0 });
  const m = b.mark();
  b.feed({ flags: ACK, seq: (o.peerNxt + MIB) >>> 0, ack: o.ourNxt, payload: new Uint8Array(100) });
  assert.deepEqual(b.drops(m), [], "in the 4 MiB window: kept for reassembly");
  const m2 = b.mark();
  b.feed({ flags: ACK, seq: (o.peerNxt + 5 * MIB) >>> 0, ack: o.ourNxt, payload: new Uint8Array(100) });
  assert.deepEqual(
    b.drops(m2).map((d) => d.reason),
    ["out-of-window"],
  );
});

// ---------------------------------------------------------------- timestamps and the send MSS

test("with timestamps the send MSS is min(peer MSS, ours) − 12: peer 1460 → 1448 (linux-profile.md)", () => {
  const cases: Array<{ peerMss: number; mtu: number; expected: number }> = [
    { peerMss: 1460, mtu: 1500, expected: 1448 },
    { peerMss: 1000, mtu: 1500, expected: 988 },
    { peerMss: 1460, mtu: 1200, expected: 1148 }, // ours is 1160 on a 1200-byte MTU
  ];
  for (const { peerMss, mtu, expected } of cases) {
    const b = new Bench({}, { mtu });
    const offer: TcpOptions = { mss: peerMss, timestamp: { val: PEER_TS, ecr: 0 } };
    const o = passive(b, offer);
    assert.equal(o.ourSyn.options.mss, mtu - 40, "we advertise MTU − 40");
    o.conn.setNoDelay(true, b.now);
    o.conn.send(new Uint8Array(5000), b.now);
    const out = b.take();
    assert.equal(out[0]!.payload.length, expected, `peer ${peerMss}, MTU ${mtu}`);
    for (const s of out) {
      assert.ok(s.options.timestamp, "every segment carries timestamps (RFC 7323 §3.2)");
      // The whole segment still fits the smaller MSS: data + 12 bytes of option.
      assert.ok(s.payload.length + 12 <= Math.min(peerMss, mtu - 40));
    }
  }
});

test("with timestamps every later segment carries them, echoing the peer's latest TSval", () => {
  const b = new Bench();
  const o = passive(b, { mss: 1460, timestamp: { val: PEER_TS, ecr: 0 } });
  const val = o.peerTs++;
  b.at(b.now + 10_000);
  b.feed({
    flags: ACK,
    seq: o.peerNxt,
    ack: o.ourNxt,
    payload: new Uint8Array(50),
    options: { timestamp: { val, ecr: 0 } },
  });
  o.conn.send(new Uint8Array(50), b.now);
  const out = settle(b, 100_000);
  assert.ok(out.length >= 1);
  for (const s of out) {
    assert.ok(s.options.timestamp, "timestamped");
    assert.equal(s.options.timestamp.ecr, val);
    assert.equal(optionHex(s).slice(0, 11), "01 01 08 0a", "<nop,nop,TS> on established segments");
  }
});

// ---------------------------------------------------------------- SACK in use

test("with SACK negotiated an out-of-order arrival is answered with its SACK block; without it, with none", () => {
  for (const sackPermitted of [true, false]) {
    const b = new Bench();
    const o = passive(b, { mss: 1460, ...(sackPermitted ? { sackPermitted } : {}) });
    const left = (o.peerNxt + 1000) >>> 0;
    b.feed({ flags: ACK, seq: left, ack: o.ourNxt, payload: new Uint8Array(500) });
    const acks = settle(b).filter((s) => s.ack === o.peerNxt);
    assert.ok(acks.length >= 1, "the hole is reported at once by a duplicate ACK");
    if (sackPermitted) assert.deepEqual(acks[0]!.options.sack, [[left, (left + 500) >>> 0]]);
    else assert.equal(acks[0]!.options.sack, undefined);
  }
});

// ---------------------------------------------------------------- options turned off in the profile

const FLAGS: Array<{ flag: "windowScaling" | "timestamps" | "sack"; option: keyof TcpOptions }> = [
  { flag: "windowScaling", option: "wscale" },
  { flag: "timestamps", option: "timestamp" },
  { flag: "sack", option: "sackPermitted" },
];

for (const { flag, option } of FLAGS) {
  test(`${flag}: false neither offers ${option} in a SYN nor confirms it in a SYN,ACK; the others stay`, () => {
    const syn = ourSyn({ [flag]: false });
    assert.equal(syn.options[option], undefined, "not offered");
    const sa = ourSynAck(ALL, { [flag]: false });
    assert.equal(sa.options[option], undefined, "not confirmed");
    for (const other of FLAGS.filter((f) => f.flag !== flag)) {
      assert.notEqual(syn.options[other.option], undefined, `${other.option} still offered`);
      assert.notEqual(sa.options[other.option], undefined, `${other.option} still confirmed`);
    }
  });
}

test("timestamps: false ignores a SYN,ACK that carries timestamps anyway: no TS afterwards", () => {
  const b = new Bench({ timestamps: false });
  const o = active(b, ALL);
  assert.equal(o.ourAck.options.timestamp, undefined);
  o.conn.setNoDelay(true, b.now);
  o.conn.send(new Uint8Array(3000), b.now);
  const out = b.take();
  assert.equal(out[0]!.payload.length, 1460, "no 12 bytes set aside for an option not in use");
  for (const s of out) assert.equal(s.options.timestamp, undefined);
});

test("windowScaling: false ignores a SYN,ACK's wscale: the peer's windows and ours stay unscaled", () => {
  const b = new Bench({ windowScaling: false, receiveBuffer: 4 * MIB });
  // Windows of whole 1448-byte segments (timestamps are on), so silly window avoidance holds nothing back.
  const o = active(b, ALL, 1448);
  assert.equal(o.ourAck.window, 65535, "our window field is the window itself, capped at 65535");
  o.conn.setNoDelay(true, b.now);
  o.conn.send(new Uint8Array(20_000), b.now);
  assert.equal(dataBytes(b.take()), 1448);
  b.at(b.now + 10_000);
  b.feed({
    flags: ACK,
    seq: o.peerNxt,
    ack: (o.ourNxt + 1448) >>> 0,
    window: 2896,
    options: { timestamp: { val: o.peerTs++, ecr: 0 } },
  });
  assert.equal(dataBytes(b.take()), 2896, "window field 2896 is 2896 bytes, not 2896 << 7");
});

test("sack: false ignores a SYN,ACK's sackOK: no SACK blocks for out-of-order data", () => {
  const b = new Bench({ sack: false });
  const o = active(b, ALL);
  const left = (o.peerNxt + 1000) >>> 0;
  b.feed({
    flags: ACK,
    seq: left,
    ack: o.ourNxt,
    payload: new Uint8Array(500),
    options: { timestamp: { val: o.peerTs++, ecr: 0 } },
  });
  const acks = settle(b).filter((s) => s.ack === o.peerNxt);
  assert.ok(acks.length >= 1);
  for (const s of acks) assert.equal(s.options.sack, undefined);
});
