// Ephemeral ports and bind rules: allocation from the profile's range skipping 4-tuples in use or in TIME_WAIT,
// EADDRNOTAVAIL when the range is exhausted for one destination (S14), EADDRINUSE for a port held by TIME_WAIT
// unless the application asks for address reuse (S13).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, FIN, SYN } from "../../src/wire/segment.js";
import type { Connection } from "../../src/tcp/connection.js";
import { TcpError } from "../../src/tcp/errors.js";
import {
  Bench,
  REMOTE,
  REMOTE_ISS,
  REMOTE_PORT,
  listenRecording,
  passiveOpen,
  recordingHandlers,
} from "../tcp/harness.js";

const LOW = 50000;
const narrow = (n: number) => ({ ephemeralPortLow: LOW, ephemeralPortHigh: LOW + n - 1 });

function connect(b: Bench, port = REMOTE_PORT): Connection {
  const conn = b.host.connect({ address: REMOTE, port }, recordingHandlers());
  b.take();
  return conn;
}

const isCode = (code: string) => (e: unknown) => e instanceof TcpError && e.code === code;

/** Active open and active close of `conn` by crafted segments, leaving it in TIME_WAIT. */
function toTimeWait(b: Bench, conn: Connection): void {
  const from = { srcPort: conn.remotePort, dstPort: conn.localPort };
  const iss = conn.snd.iss;
  b.feed({ flags: SYN | ACK, seq: REMOTE_ISS, ack: iss + 1, ...from });
  conn.close(b.now);
  b.feed({ flags: ACK | FIN, seq: REMOTE_ISS + 1, ack: iss + 2, ...from });
  b.take();
  assert.equal(b.host.stateOf(conn), "TIME_WAIT");
}

test("ten ports for one destination: ten distinct ports from the range, the eleventh connect is EADDRNOTAVAIL", () => {
  const b = new Bench(narrow(10));
  const ports = new Set<number>();
  for (let i = 0; i < 10; i++) ports.add(connect(b).localPort);
  assert.equal(ports.size, 10);
  for (const p of ports) assert.ok(p >= LOW && p < LOW + 10, `port ${p} outside the range`);
  const m = b.mark();
  assert.throws(() => connect(b), isCode("EADDRNOTAVAIL"));
  b.none();
  assert.equal(b.transitions(m).length, 0);
  // Another destination has its own 4-tuples: the same ports serve again.
  const other = connect(b, REMOTE_PORT + 1);
  assert.ok(ports.has(other.localPort));
});

test("a port whose 4-tuple is in TIME_WAIT is skipped until TIME_WAIT ends (S14)", () => {
  const b = new Bench(narrow(3));
  const first = connect(b);
  toTimeWait(b, first);
  const held = first.localPort;
  const a = connect(b);
  const c = connect(b);
  assert.deepEqual(new Set([a.localPort, c.localPort, held]).size, 3);
  assert.throws(() => connect(b), isCode("EADDRNOTAVAIL"));
  b.runTo(b.now + b.host.profile.timeWait);
  assert.equal(b.host.stateOf(first), "CLOSED");
  assert.equal(connect(b).localPort, held);
});

test("a port freed by a closed connection is reused", () => {
  const b = new Bench(narrow(2));
  const a = connect(b);
  connect(b);
  assert.throws(() => connect(b), isCode("EADDRNOTAVAIL"));
  a.abort(b.now); // SYN_SENT: deleted without a segment
  assert.equal(connect(b).localPort, a.localPort);
});

test("a listening port inside the range is never handed out", () => {
  const b = new Bench(narrow(3));
  b.host.listen(LOW + 1, {}, { onConnection: () => undefined });
  const ports = [connect(b).localPort, connect(b).localPort];
  assert.deepEqual(ports.sort(), [LOW, LOW + 2]);
  assert.throws(() => connect(b), isCode("EADDRNOTAVAIL"));
});

test("bind to an explicit port in use is EADDRINUSE; the same 4-tuple in TIME_WAIT is EADDRNOTAVAIL even with reuse", () => {
  const b = new Bench(narrow(5));
  const a = connect(b);
  assert.throws(
    () => b.host.connect({ address: REMOTE, port: REMOTE_PORT + 7, localPort: a.localPort }, {}),
    isCode("EADDRINUSE"),
  );
  toTimeWait(b, a);
  assert.throws(
    () =>
      b.host.connect({ address: REMOTE, port: REMOTE_PORT, localPort: a.localPort, reuseAddress: true }, {}),
    isCode("EADDRNOTAVAIL"),
  );
  // Reuse of the port toward another destination is fine.
  const c = b.host.connect(
    { address: REMOTE, port: REMOTE_PORT + 7, localPort: a.localPort, reuseAddress: true },
    {},
  );
  assert.equal(c.state, "SYN_SENT");
});

test("S13: listen() on a port held by TIME_WAIT is EADDRINUSE; with reuseAddress it succeeds", () => {
  const b = new Bench();
  const p = passiveOpen(b);
  // The server closes first: its side of the 4-tuple enters TIME_WAIT on the listening port.
  p.conn.close(b.now);
  b.feed({ flags: ACK | FIN, seq: p.peerNxt, ack: p.ourNxt + 1 });
  b.take();
  assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
  b.host.closeListener(p.listener!);
  assert.throws(() => listenRecording(b), isCode("EADDRINUSE"));
  const { listener } = listenRecording(b, { reuseAddress: true });
  assert.equal(listener.closed, false);
  assert.equal(b.host.stateCounts().LISTEN, 1);
});

test("connect() argument errors are EINVAL, thrown synchronously", () => {
  const b = new Bench();
  assert.throws(() => b.host.connect({ address: REMOTE, port: 0 }, {}), isCode("EINVAL"));
  assert.throws(() => b.host.connect({ address: REMOTE, port: 70000 }, {}), isCode("EINVAL"));
  assert.throws(() => b.host.connect({ address: REMOTE, port: 80, localPort: -1 }, {}), isCode("EINVAL"));
  assert.throws(() => b.host.listen(1.5, {}, { onConnection: () => undefined }), isCode("EINVAL"));
});

test("port 0 means 'any port' (bind semantics): connect({ localPort: 0 }) uses an ephemeral port, never 0 on the wire", () => {
  const b = new Bench(narrow(10));
  const conn = b.host.connect({ address: REMOTE, port: REMOTE_PORT, localPort: 0 }, {});
  const syn = b.one();
  assert.notEqual(syn.srcPort, 0);
  assert.ok(conn.localPort >= LOW && conn.localPort < LOW + 10);
});

test("listen(0) picks a free port (Node's server.listen(0)) or refuses with EINVAL — never a listener on port 0", () => {
  const b = new Bench(narrow(10));
  let port = -1;
  try {
    port = b.host.listen(0, {}, { onConnection: () => undefined }).port;
  } catch (e) {
    assert.ok(e instanceof TcpError && e.code === "EINVAL", String(e));
    return;
  }
  assert.notEqual(port, 0);
});
