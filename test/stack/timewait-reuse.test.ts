// tcp_tw_reuse (host-inspection-facts §1.3; Linux tcp_twsk_unique via __inet_hash_connect): an outgoing
// connect may take over a 4-tuple held only by TIME_WAIT when the policy covers the destination, the old
// connection used timestamps, and the record is at least tcp_tw_reuse_delay old. The new connection starts
// at ISS = old SND.NXT + 65535 + 2 and inherits TS.Recent. Each condition negated: EADDRNOTAVAIL when the
// range is exhausted, or another port when one is free.
//
// The old connection's timestamp state is set by hand before its last segment, as negotiation would have
// left it (the host reads conn.ts when it makes the TIME_WAIT record).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Connection } from "../../src/tcp/connection.js";
import { TcpError } from "../../src/tcp/errors.js";
import type { Profile } from "../../src/tcp/profile.js";
import { parseIPv4 } from "../../src/wire/address.js";
import { ACK, FIN, SYN } from "../../src/wire/segment.js";
import { Bench, LOCAL, REMOTE, REMOTE_ISS, REMOTE_PORT, recordingHandlers } from "../tcp/harness.js";

const LOW = 50000;
const DELAY = 1_000_000;
const RECENT = 123_456;
const isCode = (code: string) => (e: unknown) => e instanceof TcpError && e.code === code;

function bench(ports: number, over: Partial<Profile> = {}): Bench {
  return new Bench({
    ephemeralPortLow: LOW,
    ephemeralPortHigh: LOW + ports - 1,
    timeWaitReuse: "on",
    timeWaitReuseDelay: DELAY,
    ...over,
  });
}

function connect(b: Bench, address = REMOTE, extra: { localPort?: number; reuseAddress?: boolean } = {}) {
  const conn = b.host.connect({ address, port: REMOTE_PORT, ...extra }, recordingHandlers());
  b.take();
  return conn;
}

/**
 * Handshake, our FIN, the peer's FIN+ACK by crafted segments: `conn` ends in TIME_WAIT (the active closer)
 * with SND.NXT = ISS + 2. With `timestamps`, TS.Recent is RECENT.
 */
function toTimeWait(b: Bench, conn: Connection, timestamps = true): number {
  const from = { srcAddr: conn.remoteAddr, srcPort: conn.remotePort, dstPort: conn.localPort };
  const iss = conn.snd.iss;
  b.feed({ flags: SYN | ACK, seq: REMOTE_ISS, ack: iss + 1, ...from });
  if (timestamps) {
    conn.ts.ok = true;
    conn.ts.recent = RECENT;
    conn.ts.recentAt = b.now;
  }
  conn.close(b.now);
  const ts = timestamps ? { timestamp: { val: RECENT, ecr: conn.ts.val(b.now) } } : {};
  b.feed({ flags: ACK | FIN, seq: REMOTE_ISS + 1, ack: iss + 2, ...from, options: ts });
  b.take();
  assert.equal(b.host.stateOf(conn), "TIME_WAIT");
  return (iss + 2) >>> 0;
}

test("policy on, timestamps, delay passed: the only port is taken over; ISS = old SND.NXT + 65537, TS.Recent inherited", () => {
  const b = bench(1);
  const old = connect(b);
  const oldSndNxt = toTimeWait(b, old);
  const entered = b.now;
  b.runTo(entered + DELAY);
  const m = b.mark();
  const conn = b.host.connect({ address: REMOTE, port: REMOTE_PORT }, recordingHandlers());
  assert.equal(conn.localPort, old.localPort);
  const syn = b.one();
  assert.equal(syn.flags, SYN);
  assert.equal(syn.seq, (oldSndNxt + 65537) >>> 0);
  assert.equal(conn.ts.recent, RECENT);
  assert.ok(conn.ts.recentAt >= 0 && conn.ts.recentAt <= entered, `recentAt ${conn.ts.recentAt}`);
  assert.equal(b.host.counters.timeWaitReused, 1);
  assert.equal(b.host.timeWaitEntries, 0);
  assert.deepEqual(b.transitions(m), ["TIME_WAIT>CLOSED", "CLOSED>SYN_SENT"]);
  const ended = b.since(m).find((e) => e.kind === "state" && e.from === "TIME_WAIT" && e.to === "CLOSED");
  assert.equal(ended?.kind === "state" ? ended.cause : "", "reused by connect");
  assert.deepEqual(
    b.timers(m, "time-wait").map((e) => e.action),
    ["cancelled"],
  );
  // Exact deadline: the record's 60 s expiry is gone, the SYN's retransmission timer is next.
  assert.equal(b.host.nextDeadline(), conn.nextDeadline());
  assert.ok(b.host.nextDeadline() < entered + b.host.profile.timeWait);
});

test("policy off: the TIME_WAIT 4-tuple is not taken, EADDRNOTAVAIL", () => {
  const b = bench(1, { timeWaitReuse: "off" });
  toTimeWait(b, connect(b));
  b.runTo(b.now + 10 * DELAY);
  assert.throws(() => connect(b), isCode("EADDRNOTAVAIL"));
  assert.equal(b.host.counters.timeWaitReused, 0);
  assert.equal(b.host.timeWaitEntries, 1);
});

test("policy loopback: not for 10.0.0.2, but for 127.0.0.0/8 and for the host's own address", () => {
  const b = bench(1, { timeWaitReuse: "loopback" });
  toTimeWait(b, connect(b));
  b.runTo(b.now + DELAY);
  assert.throws(() => connect(b), isCode("EADDRNOTAVAIL"));

  for (const address of [parseIPv4("127.0.0.5"), LOCAL]) {
    const l = bench(1, { timeWaitReuse: "loopback" });
    const old = connect(l, address);
    toTimeWait(l, old);
    l.runTo(l.now + DELAY);
    const conn = connect(l, address);
    assert.equal(conn.localPort, old.localPort);
    assert.equal(l.host.counters.timeWaitReused, 1, `to ${address}`);
  }
});

test("no timestamps on the old connection: never reused, whatever the policy (tw_ts_recent_stamp = 0)", () => {
  const b = bench(1);
  toTimeWait(b, connect(b), false);
  b.runTo(b.now + 10 * DELAY);
  assert.throws(() => connect(b), isCode("EADDRNOTAVAIL"));
});

test("the reuse delay counts from entering TIME_WAIT: 1 µs short fails, exactly the delay succeeds", () => {
  const b = bench(1);
  const old = connect(b);
  toTimeWait(b, old);
  const entered = b.now;
  // A restart (the peer's bare ACK) does not move the entry time.
  const m = b.mark();
  b.feedAt(entered + DELAY / 2, {
    flags: ACK,
    seq: REMOTE_ISS + 2,
    ack: old.snd.sndNxt,
    srcPort: REMOTE_PORT,
    dstPort: old.localPort,
    options: { timestamp: { val: RECENT + 1, ecr: 0 } },
  });
  assert.deepEqual(
    b.timers(m, "time-wait").map((e) => e.action),
    ["restarted"],
  );
  b.runTo(entered + DELAY - 1);
  assert.throws(() => connect(b), isCode("EADDRNOTAVAIL"));
  b.runTo(entered + DELAY);
  assert.equal(connect(b).localPort, old.localPort);
  assert.equal(b.host.counters.timeWaitReused, 1);
});

test("with a free port in the range, a TIME_WAIT that may not be reused is skipped for another port", () => {
  const b = bench(2, { timeWaitReuse: "off" });
  const old = connect(b);
  toTimeWait(b, old);
  b.runTo(b.now + DELAY);
  const first = connect(b);
  assert.notEqual(first.localPort, old.localPort);
  assert.throws(() => connect(b), isCode("EADDRNOTAVAIL"));
});

test("like __inet_hash_connect, the walk takes the first port that is free or reusable: a free port is not preferred", () => {
  const b = bench(3);
  const a = connect(b);
  const c = connect(b);
  toTimeWait(b, a);
  c.abort(b.now); // its port is free again
  b.runTo(b.now + DELAY);
  // The walk resumes after c's port: the third port (free) comes first, then a's (reusable) before c's (free).
  const third = connect(b);
  assert.ok(third.localPort !== a.localPort && third.localPort !== c.localPort);
  assert.equal(b.host.counters.timeWaitReused, 0);
  const next = connect(b);
  assert.equal(next.localPort, a.localPort, "the reusable TIME_WAIT port, although c's port is free");
  assert.equal(b.host.counters.timeWaitReused, 1);
});

test("bind + connect to an explicit port: reuse needs SO_REUSEADDR for the bind, then timestamps only", () => {
  const b = bench(1);
  const old = connect(b);
  const oldSndNxt = toTimeWait(b, old);
  b.runTo(b.now + DELAY);
  assert.throws(() => connect(b, REMOTE, { localPort: old.localPort }), isCode("EADDRINUSE"));
  const conn = b.host.connect(
    { address: REMOTE, port: REMOTE_PORT, localPort: old.localPort, reuseAddress: true },
    recordingHandlers(),
  );
  assert.equal(b.one().seq, (oldSndNxt + 65537) >>> 0);
  assert.equal(conn.localPort, old.localPort);

  // Linux tcp_twsk_unique with twp == NULL: a bound socket takes the record over with tcp_tw_reuse off and
  // before tcp_tw_reuse_delay, as long as the old connection used timestamps.
  const off = bench(1, { timeWaitReuse: "off" });
  const o = connect(off);
  const offSndNxt = toTimeWait(off, o);
  const reused = off.host.connect(
    { address: REMOTE, port: REMOTE_PORT, localPort: o.localPort, reuseAddress: true },
    recordingHandlers(),
  );
  assert.equal(off.one().seq, (offSndNxt + 65537) >>> 0);
  assert.equal(reused.ts.recent, RECENT, "TS.Recent inherited: PAWS guards the new incarnation");
  assert.equal(off.host.counters.timeWaitReused, 1);

  // Without timestamps on the old connection, never.
  const noTs = bench(1, { timeWaitReuse: "off" });
  const n = connect(noTs);
  toTimeWait(noTs, n, false);
  assert.throws(
    () => connect(noTs, REMOTE, { localPort: n.localPort, reuseAddress: true }),
    isCode("EADDRNOTAVAIL"),
  );

  // A profile without Linux's bound-socket rule keeps the 4-tuple until TIME_WAIT ends.
  const strict = bench(1, { timeWaitReuse: "off", timeWaitReuseBound: false });
  const st = connect(strict);
  toTimeWait(strict, st);
  strict.runTo(strict.now + DELAY);
  assert.throws(
    () => connect(strict, REMOTE, { localPort: st.localPort, reuseAddress: true }),
    isCode("EADDRNOTAVAIL"),
  );
});
