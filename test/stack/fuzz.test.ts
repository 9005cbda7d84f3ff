// Fuzz: 100,000 random and mutated segments (seeded) into a host with a listener and connections in many
// states. Nothing may throw out of the host, every segment-dropped event names a known reason, and the
// host's counters agree with the event stream (every input accounted for).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ENGINE_DROP_REASONS,
  isDropReason,
  type DropReason,
  type TraceEvent,
  type TraceSink,
} from "../../src/tcp/events.js";
import { DECODE_REASONS } from "../../src/wire/decode-error.js";
import { RandomStreams, type Rng } from "../../src/sim/random.js";
import { encodeSegment } from "../../src/wire/codec.js";
import { internetChecksum, tcpChecksum } from "../../src/wire/checksum.js";
import {
  ACK,
  FIN,
  PSH,
  RST,
  SYN,
  URG,
  EMPTY_PAYLOAD,
  type Segment,
  type TcpOptions,
} from "../../src/wire/segment.js";
import type { Connection } from "../../src/tcp/connection.js";
import type { Profile } from "../../src/tcp/profile.js";
import { TcpError } from "../../src/tcp/errors.js";
import { seqLe } from "../../src/tcp/seq.js";
import {
  Bench,
  LOCAL,
  LOCAL_PORT,
  REMOTE,
  placeIn,
  recordingHandlers,
  type PlaceableState,
} from "../tcp/harness.js";

/** Override with TCPLAB_FUZZ_SEED to reproduce or explore; the default keeps CI deterministic. */
const SEED = Number(process.env.TCPLAB_FUZZ_SEED ?? 20261121);
const SEGMENTS = 100_000;

const DECODE = new Set<string>(DECODE_REASONS);

/**
 * RFC 9293 Figure 5's arcs, plus the ones every state has to CLOSED (RST, ABORT, timeouts) and the host's view of a
 * passive child, which starts at CLOSED rather than at its listener's LISTEN. CLOSED → LISTEN → CLOSED are the
 * listening socket's own (listener: true).
 */
const FIGURE_5: Record<string, readonly string[]> = {
  CLOSED: ["LISTEN", "SYN_SENT", "SYN_RECEIVED"],
  LISTEN: ["CLOSED"],
  SYN_SENT: ["SYN_RECEIVED", "ESTABLISHED", "CLOSED"],
  SYN_RECEIVED: ["ESTABLISHED", "FIN_WAIT_1", "CLOSE_WAIT", "CLOSED"],
  ESTABLISHED: ["FIN_WAIT_1", "CLOSE_WAIT", "CLOSED"],
  FIN_WAIT_1: ["FIN_WAIT_2", "CLOSING", "TIME_WAIT", "CLOSED"],
  FIN_WAIT_2: ["TIME_WAIT", "CLOSED"],
  CLOSE_WAIT: ["LAST_ACK", "CLOSED"],
  CLOSING: ["TIME_WAIT", "CLOSED"],
  LAST_ACK: ["CLOSED"],
  TIME_WAIT: ["CLOSED"],
};

/** Counts events instead of keeping them: 100k segments make millions of events. */
class CountingSink implements TraceSink {
  readonly enabled = true;
  private ids = 0;
  received = 0;
  sent = 0;
  sentRst = 0;
  sentRetransmissions = 0;
  decodeFailures = 0;
  readonly drops = new Map<string, number>();
  readonly unknownReasons = new Set<string>();
  droppedWithoutReason = 0;
  transitions = 0;
  readonly illegal: string[] = [];

  emit(e: TraceEvent): void {
    switch (e.kind) {
      case "segment-received":
        this.received++;
        break;
      case "segment-sent":
        this.sent++;
        this.checkSent(e.seg);
        if (e.seg.flags & RST) this.sentRst++;
        if (e.retransmission) this.sentRetransmissions++;
        break;
      case "state":
        // The fuzz drives connections: the listener's one CLOSED → LISTEN is not counted as their work.
        if (e.listener !== true) this.transitions++;
        if (!FIGURE_5[e.from]?.includes(e.to) && this.illegal.length < 10)
          this.illegal.push(`${e.conn}: ${e.from} → ${e.to} (${e.cause})`);
        break;
      case "segment-dropped":
        if (typeof e.reason !== "string" || e.reason.length === 0) this.droppedWithoutReason++;
        else if (!isDropReason(e.reason)) this.unknownReasons.add(e.reason);
        if (DECODE.has(e.reason)) this.decodeFailures++;
        this.drops.set(e.reason, (this.drops.get(e.reason) ?? 0) + 1);
        break;
      default:
        break;
    }
  }

  nextPacketId(): number {
    return ++this.ids;
  }

  /** What we put on the wire stays well-formed whatever came in. */
  readonly badOutput: string[] = [];
  private checkSent(seg: Segment): void {
    const bad = (why: string): void => {
      if (this.badOutput.length < 10)
        this.badOutput.push(`${why}: ${JSON.stringify({ ...seg, payload: seg.payload.length })}`);
    };
    if (seg.srcAddr !== LOCAL) bad("source address is not ours");
    // Port 0 is reserved (RFC 6335 §6): we never send from it, except an RST answering a segment sent to it.
    if (seg.srcPort === 0 && !(seg.flags & RST)) bad("sent from port 0");
    if (seg.payload.length > 1460) bad("payload above our MSS");
    if (seg.flags & RST) {
      if (seg.payload.length > 0) bad("RST with data");
      if (seg.window !== 0) bad("RST with a window (linux: win 0)");
    } else if (!(seg.flags & ACK) && !(seg.flags & SYN)) {
      bad("a segment without ACK that is neither SYN nor RST"); // §3.10.7.4: everything after the SYN carries ACK
    }
    if (seg.flags & SYN && seg.options.mss === undefined) bad("SYN without an MSS option");
  }
}

interface Target {
  remotePort: number;
  localPort: number;
  conn: Connection | null;
}

const PLACED: PlaceableState[] = [
  "ESTABLISHED",
  "FIN_WAIT_1",
  "FIN_WAIT_2",
  "CLOSE_WAIT",
  "CLOSING",
  "LAST_ACK",
  "TIME_WAIT",
];

/** Connections in every state the harness can build, on fresh remote ports from `base`. */
const HARNESS_COMPLAINT = /^(expected (one|no) segment|passive open did not establish|placeIn\()/;

function populate(b: Bench, base: number): { targets: Target[]; next: number } {
  const targets: Target[] = [];
  let port = base;
  // Mutated raw packets can carry any source port, so fuzz-made state may already sit on a port we pick:
  // then that port is skipped and the next one tried.
  const place = (state: PlaceableState, orphan: boolean): void => {
    for (let attempt = 0; attempt < 50; attempt++) {
      const remotePort = port++;
      try {
        const p = placeIn(b, state, { remotePort, orphan });
        targets.push({ remotePort, localPort: LOCAL_PORT, conn: p.conn });
        return;
      } catch (e) {
        // Only the harness's own "this port is not fresh" complaints are tolerated; anything else escapes.
        if (!(e instanceof Error) || !HARNESS_COMPLAINT.test(e.message)) throw e;
        b.take(); // a collision with fuzz-made state: try the next port
      }
    }
    throw new Error(`could not place a connection in ${state}`);
  };
  for (const state of PLACED) place(state, false);
  place("FIN_WAIT_2", true);
  // A half-open child (SYN_RECEIVED) and an active open (SYN_SENT).
  b.feed({ flags: SYN, seq: 777, srcPort: port, options: { mss: 1400 } });
  targets.push({ remotePort: port++, localPort: LOCAL_PORT, conn: null });
  const active = b.host.connect({ address: REMOTE, port: port }, recordingHandlers());
  targets.push({ remotePort: port++, localPort: active.localPort, conn: active });
  // A port nobody uses (closed) and the listener itself.
  targets.push({ remotePort: port++, localPort: 8080, conn: null });
  targets.push({ remotePort: port++, localPort: LOCAL_PORT, conn: null });
  b.take();
  return { targets, next: port };
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.below(xs.length)]!;
}

const FLAG_SETS = [
  ACK,
  ACK | PSH,
  ACK,
  SYN,
  SYN | ACK,
  RST,
  RST | ACK,
  FIN | ACK,
  FIN,
  0,
  ACK | URG,
  SYN | FIN,
  SYN | RST,
];

function randomOptions(rng: Rng): TcpOptions {
  switch (rng.below(8)) {
    case 0:
      return { mss: rng.below(65536) };
    case 1:
      return { wscale: rng.below(20) };
    case 2:
      return { sackPermitted: true, mss: 536 };
    case 3:
      return { timestamp: { val: rng.uint32(), ecr: rng.uint32() } };
    case 4:
      return { sack: [[rng.uint32(), rng.uint32()]] };
    default:
      return {};
  }
}

function randomSegment(rng: Rng, t: Target): Segment {
  const c = t.conn;
  const rcvNxt = c ? c.rcv.rcvNxt : rng.uint32();
  const wnd = c ? Math.max(1, c.rcv.window) : 65535;
  const sndUna = c ? c.snd.sndUna : rng.uint32();
  const sndNxt = c ? c.snd.sndNxt : sndUna;
  const seqOffsets = [0, 0, 0, -1, 1, -100, 100, wnd - 1, wnd, wnd + 1, -wnd, 2 ** 31, rng.uint32()];
  const ackBase = rng.chance(0.5) ? sndUna : sndNxt;
  const ackOffsets = [0, 0, 1, -1, 1000, -70_000, 2 ** 31, rng.uint32()];
  const len = pick(rng, [0, 0, 0, 0, 1, 10, 536, 1460, rng.below(3000)]);
  const payload = len === 0 ? EMPTY_PAYLOAD : new Uint8Array(len).fill(rng.below(256));
  const wrongAddress = rng.chance(0.01);
  return {
    srcAddr: REMOTE,
    dstAddr: wrongAddress ? (LOCAL + 1) >>> 0 : LOCAL,
    // Stray source ports stay clear of the ports populate() hands out (2000 upwards), so set-up never collides.
    srcPort: rng.chance(0.02) ? pick(rng, [0, rng.below(2000), 40_000 + rng.below(25_536)]) : t.remotePort,
    dstPort: rng.chance(0.02) ? rng.below(65536) : t.localPort,
    seq: (rcvNxt + pick(rng, seqOffsets)) >>> 0,
    ack: (ackBase + pick(rng, ackOffsets)) >>> 0,
    flags: rng.chance(0.05) ? rng.below(256) : pick(rng, FLAG_SETS),
    window: pick(rng, [0, 1, 512, 65535, rng.below(65536)]),
    urgent: rng.chance(0.05) ? rng.below(65536) : 0,
    options: rng.chance(0.3) ? randomOptions(rng) : {},
    payload,
  };
}

/** Encoded bytes with a mutation: header fields, options or lengths changed, checksums often repaired. */
function mutatedPacket(rng: Rng, seg: Segment): Uint8Array {
  let bytes = encodeSegment(seg);
  const tcp = 20;
  switch (rng.below(6)) {
    case 0: // flip a byte anywhere
      {
        const at = rng.below(bytes.length);
        bytes[at] = bytes[at]! ^ (1 << rng.below(8));
      }
      break;
    case 1: // flip bytes in the TCP header and options
      for (let i = 0; i < 3; i++) bytes[tcp + rng.below(Math.min(60, bytes.length - tcp))] = rng.below(256);
      break;
    case 2: // data offset anywhere from 0 to 15
      bytes[tcp + 12] = (rng.below(16) << 4) | (bytes[tcp + 12]! & 0x0f);
      break;
    case 3: // truncate
      bytes = bytes.subarray(0, rng.below(bytes.length));
      break;
    case 4: // garbage option kinds/lengths right after the fixed header, if there is option space
      if (bytes.length > tcp + 24) for (let i = 20; i < 24; i++) bytes[tcp + i] = rng.below(256);
      break;
    default: // IP header fields: version, IHL, total length, flags/fragment, protocol
      bytes[pick(rng, [0, 2, 3, 6, 7, 9])] = rng.below(256);
  }
  if (bytes.length >= 40 && rng.chance(0.7)) {
    // Repair both checksums so the mutation reaches the option and header checks behind them.
    bytes[10] = 0;
    bytes[11] = 0;
    const ipSum = internetChecksum(bytes, 0, 20);
    bytes[10] = ipSum >>> 8;
    bytes[11] = ipSum & 0xff;
    bytes[tcp + 16] = 0;
    bytes[tcp + 17] = 0;
    const sum = tcpChecksum(bytes, tcp, bytes.length, seg.srcAddr, seg.dstAddr);
    bytes[tcp + 16] = sum >>> 8;
    bytes[tcp + 17] = sum & 0xff;
  }
  return bytes;
}

/** Application calls at random moments: all may fail only with a TcpError (EPIPE, ECONNRESET...). */
function randomAppCall(rng: Rng, b: Bench, conn: Connection): void {
  const now = b.now;
  switch (rng.below(7)) {
    case 0:
      conn.send(new Uint8Array(rng.below(5000)), now);
      break;
    case 1:
      conn.shutdown(now);
      break;
    case 2:
      conn.close(now);
      break;
    case 3:
      conn.abort(now);
      break;
    case 4:
      conn.pause();
      break;
    case 5:
      conn.resume(now);
      break;
    default:
      conn.setKeepAlive(true, 1_000_000, now);
  }
}

function fuzz(
  label: string,
  count: number,
  overrides: Partial<Profile>,
  options: { profile?: "linux" | "bsd" | "windows" | "rfc" },
): void {
  const sink = new CountingSink();
  const b = new Bench(overrides, { trace: sink, ...options });
  const rng = new RandomStreams(SEED).stream(`fuzz-${label}`);
  const failures: string[] = [];
  let targets: Target[] = [];
  let base = 2000;
  let inputs = 0;
  for (let i = 0; i < count; i++) {
    if (i % 2500 === 0) {
      const populated = populate(b, base);
      targets = populated.targets;
      base = populated.next;
    }
    const t = pick(rng, targets);
    if (t.conn && t.conn.state !== "CLOSED" && rng.chance(0.01)) {
      try {
        randomAppCall(rng, b, t.conn);
      } catch (e) {
        if (!(e instanceof TcpError)) failures.push(`app call at ${i}: ${String(e)}`);
      }
    }
    const seg = randomSegment(rng, t);
    try {
      b.runTo(b.now + rng.below(50_000));
      if (rng.chance(0.2)) b.host.inputPacket(mutatedPacket(rng, seg), b.now);
      else b.host.input(seg, b.now);
      inputs++;
    } catch (e) {
      failures.push(
        `segment ${i} (seed ${SEED}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
      if (failures.length > 5) break;
    }
    if (i % 512 === 0) b.take();
  }
  assert.deepEqual(failures, [], "no exception may escape the host");
  assert.equal(inputs, count);
  assert.equal(sink.droppedWithoutReason, 0);
  assert.deepEqual(sink.badOutput, [], "malformed segments sent");
  assert.deepEqual(sink.illegal, [], "state transitions outside RFC 9293 Figure 5");
  assert.ok(sink.transitions > count / 100, `only ${sink.transitions} state changes`);
  assert.deepEqual([...sink.unknownReasons], [], "drop reasons outside the known set");

  const c = b.host.counters;
  // Every input was either decoded (a segment-received event) or rejected by the codec with a reason.
  // (The set-up's own segments came through feed() and count as received too.)
  assert.equal(c.inSegs, sink.received);
  assert.equal(c.inErrs, sink.decodeFailures);
  assert.ok(sink.received + sink.decodeFailures >= count);
  assert.equal(c.outSegs, sink.sent);
  assert.equal(c.outRsts, sink.sentRst);
  assert.equal(c.retransSegs, sink.sentRetransmissions);
  const allReasons = [...DECODE_REASONS, ...(Object.keys(ENGINE_DROP_REASONS) as DropReason[])];
  for (const reason of allReasons) {
    // A rate-limited challenge ACK is a suppressed reply, counted on top of its segment's drop reason.
    if (reason === "challenge-ack-rate-limited") continue;
    assert.equal(c.dropCount(reason), sink.drops.get(reason) ?? 0, `counter for ${reason}`);
  }
  const counts = b.host.stateCounts();
  const total = Object.values(counts).reduce((a, n) => a + n, 0);
  assert.equal(total, b.host.connections().length + counts.LISTEN + b.host.timeWaitEntries);
  for (const conn of b.host.connections()) {
    assert.notEqual(conn.state, "CLOSED");
    assert.ok(seqLe(conn.snd.sndUna, conn.snd.sndNxt), `${conn.label}: SND.UNA <= SND.NXT`);
    assert.ok(seqLe(conn.snd.sndNxt, conn.snd.sndMax), `${conn.label}: SND.NXT <= SND.MAX`);
  }
  console.log(
    `fuzz ${label}: ${inputs} inputs, ${sink.received} decoded, ${sink.decodeFailures} rejected by the codec, ${sink.sent} sent; drops: ${JSON.stringify(Object.fromEntries(sink.drops))}`,
  );
  // Enough variety to mean something: most reasons were exercised.
  assert.ok(
    sink.drops.size >= 20,
    `only ${sink.drops.size} drop reasons seen: ${[...sink.drops.keys()].join(", ")}`,
  );
  // Whatever the fuzz left behind can still be torn down: abort everything, let TIME_WAIT run out.
  for (const conn of b.host.connections()) conn.abort(b.now);
  b.runTo(b.now + 600 * 1_000_000);
  assert.equal(b.host.connections().length, 0);
  assert.equal(b.host.timeWaitEntries, 0);
  assert.equal(b.host.stateCounts().LISTEN, 1);
}

test(`fuzz: ${SEGMENTS} random and mutated segments into a linux host (seed ${SEED}): no exception, known drop reasons, counters add up`, () => {
  fuzz("linux", SEGMENTS, { synBacklog: 4 }, {});
});

test(`fuzz: 20000 segments into an rfc-profile host with SYN cookies always and RFC 1337 (seed ${SEED})`, () => {
  fuzz("rfc-cookies", 20_000, { synCookies: "always" }, { profile: "rfc" });
});
