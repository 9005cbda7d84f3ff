// SYN cookies (RFC 4987 §3.6; linux-profile.md "SYN cookies"): policy off / on overflow / always, the cookie's
// final ACK creating an ESTABLISHED connection with no SYN_RECEIVED state kept, forged ACKs reset.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, RST, SYN } from "../../src/wire/segment.js";
import type { TcpOptions } from "../../src/wire/segment.js";
import { Bench, bytes, listenRecording, text } from "../tcp/harness.js";

const PORT = 41000;
const CLIENT_ISN = 5_000_000;

function cookieSyn(b: Bench, options: TcpOptions = { mss: 1460 }, port = PORT): number {
  b.feed({ flags: SYN, seq: CLIENT_ISN, srcPort: port, options });
  const sa = b.one();
  assert.equal(sa.flags, SYN | ACK);
  assert.equal(sa.ack, CLIENT_ISN + 1);
  return sa.seq;
}

test("always: a SYN gets a cookie SYN,ACK and leaves no state; the ACK creates an ESTABLISHED connection", () => {
  const b = new Bench({ synCookies: "always" });
  const { accepted } = listenRecording(b);
  const m = b.mark();
  const cookie = cookieSyn(b);
  assert.equal(b.sentEvents(m)[0]!.why, "syn-ack-cookie");
  assert.equal(b.host.connections().length, 0);
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 0);
  assert.equal(b.host.counters.synCookiesSent, 1);
  b.at(b.now + 50_000).feed({ flags: ACK, seq: CLIENT_ISN + 1, ack: cookie + 1, srcPort: PORT });
  b.none();
  assert.equal(accepted.length, 1);
  const conn = accepted[0]!.conn;
  assert.equal(conn.state, "ESTABLISHED");
  assert.equal(conn.snd.sndNxt, cookie + 1);
  assert.equal(conn.rcv.rcvNxt, CLIENT_ISN + 1);
  assert.equal(b.host.counters.synCookiesRecv, 1);
  assert.ok(b.since(m).some((e) => e.kind === "state" && e.to === "ESTABLISHED"));
  // The connection works: data both ways.
  conn.send(bytes("hi"), b.now);
  const data = b.one();
  assert.equal(data.seq, cookie + 1);
  assert.equal(data.ack, CLIENT_ISN + 1);
});

test("cookie SYN,ACKs are not retransmitted (no state, no timer)", () => {
  const b = new Bench({ synCookies: "always" });
  listenRecording(b);
  cookieSyn(b);
  b.runTo(120_000_000);
  b.none();
  assert.equal(b.host.nextDeadline(), Infinity);
});

for (const [name, fields] of [
  ["wrong ACK number", (c: number) => ({ seq: CLIENT_ISN + 1, ack: c + 2 })],
  ["wrong sequence number (another ISN)", (c: number) => ({ seq: CLIENT_ISN + 100, ack: c + 1 })],
] as const) {
  test(`always: a forged cookie ACK (${name}) gets <SEQ=SEG.ACK><CTL=RST> and creates nothing`, () => {
    const b = new Bench({ synCookies: "always" });
    const { accepted } = listenRecording(b);
    const cookie = cookieSyn(b);
    const f = fields(cookie);
    b.feed({ flags: ACK, srcPort: PORT, ...f });
    const rst = b.one();
    assert.equal(rst.flags, RST);
    assert.equal(rst.seq, f.ack >>> 0);
    assert.equal(accepted.length, 0);
    assert.equal(b.host.connections().length, 0);
    assert.equal(b.host.counters.synCookiesFailed, 1);
  });
}

test("a cookie is valid for its 64 s period and the next, not later", () => {
  for (const [delay, ok] of [
    [70_000_000, true],
    [200_000_000, false],
  ] as const) {
    const b = new Bench({ synCookies: "always" });
    const { accepted } = listenRecording(b);
    const cookie = cookieSyn(b);
    b.at(delay).feed({ flags: ACK, seq: CLIENT_ISN + 1, ack: cookie + 1, srcPort: PORT });
    assert.equal(accepted.length, ok ? 1 : 0, `ACK after ${delay / 1e6} s`);
    if (!ok) assert.equal(b.one().flags, RST);
  }
});

test("overflow: cookies only once the SYN queue is full; the cookie client still connects (S16)", () => {
  const b = new Bench({ synCookies: "overflow", synBacklog: 1 });
  const { accepted } = listenRecording(b, { backlog: 10 });
  const m = b.mark();
  b.feed({ flags: SYN, seq: 1, srcPort: 42000, options: { mss: 1460 } });
  b.one();
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 1);
  const cookie = cookieSyn(b);
  assert.deepEqual(
    b.sentEvents(m).map((e) => e.why),
    ["syn-ack", "syn-ack-cookie"],
  );
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 1); // the cookie kept no state
  b.feed({ flags: ACK, seq: CLIENT_ISN + 1, ack: cookie + 1, srcPort: PORT });
  assert.equal(accepted.length, 1);
  assert.equal(accepted[0]!.conn.remotePort, PORT);
});

test("off: an overflowing SYN is dropped, no cookie", () => {
  const b = new Bench({ synCookies: "off", synBacklog: 1 });
  listenRecording(b, { backlog: 10 });
  b.feed({ flags: SYN, seq: 1, srcPort: 42000 });
  b.one();
  b.feed({ flags: SYN, seq: CLIENT_ISN, srcPort: PORT });
  b.none();
  assert.equal(b.host.counters.synCookiesSent, 0);
  assert.equal(b.host.counters.dropCount("syn-queue-full"), 1);
});

test("the cookie carries the peer MSS quantised to linux's IPv4 table {536,1300,1440,1460}", () => {
  for (const [offered, expected] of [
    [1460, 1460],
    [1450, 1440],
    [1000, 536],
    [1300, 1300],
    [undefined, 536],
  ] as const) {
    const b = new Bench({ synCookies: "always" });
    const { accepted } = listenRecording(b);
    const cookie = cookieSyn(b, offered === undefined ? {} : { mss: offered });
    b.feed({ flags: ACK, seq: CLIENT_ISN + 1, ack: cookie + 1, srcPort: PORT });
    assert.equal(accepted[0]!.conn.snd.mss, expected, `peer MSS ${String(offered)}`);
  }
});

test("a cookie ACK carrying data delivers the data", () => {
  const b = new Bench({ synCookies: "always" });
  const { accepted } = listenRecording(b);
  const cookie = cookieSyn(b);
  b.feed({
    flags: ACK,
    seq: CLIENT_ISN + 1,
    ack: cookie + 1,
    srcPort: PORT,
    payload: bytes("GET / HTTP/1.0"),
  });
  b.runTo(b.now + 200_000);
  assert.equal(text(accepted[0]!.log.data), "GET / HTTP/1.0");
  assert.equal(b.take().at(-1)!.ack, CLIENT_ISN + 1 + 14);
});

test("a cookie ACK while the accept queue is full is dropped (ListenOverflows), no connection", () => {
  const b = new Bench({ synCookies: "always" });
  const { listener } = listenRecording(b, { backlog: 1 });
  listener.paused = true;
  // Both cookies are minted while the accept queue is empty.
  const c1 = cookieSyn(b, { mss: 1460 }, 42000);
  const c2 = cookieSyn(b, { mss: 1460 }, 42001);
  b.feed({ flags: ACK, seq: CLIENT_ISN + 1, ack: c1 + 1, srcPort: 42000 });
  assert.equal(listener.acceptQueue.length, 1);
  const m = b.mark();
  b.feed({ flags: ACK, seq: CLIENT_ISN + 1, ack: c2 + 1, srcPort: 42001 });
  b.none();
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["accept-queue-full"],
  );
  assert.equal(b.host.counters.listenOverflows, 1);
  assert.equal(b.host.connections().length, 1);
  assert.equal(listener.acceptQueue.length, 1);
});

test("overflow: a stray ACK to a listener that never overflowed is not a failed cookie (linux: cookies checked only after a recent overflow)", () => {
  const b = new Bench({ synCookies: "overflow" });
  listenRecording(b);
  b.feed({ flags: ACK, seq: 100, ack: 12345, srcPort: PORT });
  assert.equal(b.one().flags, RST);
  assert.equal(b.host.counters.synCookiesFailed, 0);
});
