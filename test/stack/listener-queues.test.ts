// A listener's two queues (Linux: the SYN queue bounded by min(backlog, tcp_max_syn_backlog), the accept queue
// bounded by the backlog) and their drop counters (ListenDrops, ListenOverflows), on a host fed by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ACK, RST, SYN } from "../../src/wire/segment.js";
import { Bench, bytes, LOCAL_PORT, listenRecording, text } from "../tcp/harness.js";

/** SYN from remote port `port` (ISN 1000·port), returns our SYN,ACK's sequence number or null. */
function syn(b: Bench, port: number): number | null {
  b.feed({ flags: SYN, seq: 1000 * port, srcPort: port, options: { mss: 1460 } });
  const out = b.take();
  if (out.length === 0) return null;
  assert.equal(out.length, 1);
  assert.equal(out[0]!.flags, SYN | ACK);
  return out[0]!.seq;
}

function ack(b: Bench, port: number, iss: number, payload?: Uint8Array): void {
  b.feed({ flags: ACK, seq: 1000 * port + 1, ack: iss + 1, srcPort: port, ...(payload ? { payload } : {}) });
}

test("SYN queue bound = backlog (cookies off): the SYN beyond it is dropped and counted (ListenDrops)", () => {
  const b = new Bench({ synCookies: "off" });
  listenRecording(b, { backlog: 3 });
  const m = b.mark();
  for (const port of [41000, 41001, 41002]) assert.notEqual(syn(b, port), null);
  assert.equal(syn(b, 41003), null);
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["syn-queue-full"],
  );
  assert.equal(b.host.counters.listenDrops, 1);
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 3);
  assert.equal(b.host.counters.dropCount("syn-queue-full"), 1);
});

test("SYN queue bound = tcp_max_syn_backlog when it is smaller than the backlog", () => {
  const b = new Bench({ synCookies: "off", synBacklog: 2 });
  listenRecording(b, { backlog: 100 });
  assert.notEqual(syn(b, 41000), null);
  assert.notEqual(syn(b, 41001), null);
  assert.equal(syn(b, 41002), null);
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 2);
});

test("a retransmitted SYN of a queued child does not take a second slot", () => {
  const b = new Bench({ synCookies: "off" });
  listenRecording(b, { backlog: 2 });
  const iss = syn(b, 41000);
  assert.equal(syn(b, 41000), iss); // the same SYN,ACK again
  assert.notEqual(syn(b, 41001), null);
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 2);
});

test("accept queue: an application that does not accept() fills it; then SYNs are dropped (ListenOverflows)", () => {
  const b = new Bench({ synCookies: "off" });
  const { listener, accepted } = listenRecording(b, { backlog: 2 });
  listener.paused = true;
  for (const port of [41000, 41001]) ack(b, port, syn(b, port)!);
  b.none();
  assert.equal(listener.acceptQueue.length, 2);
  assert.equal(b.host.stateCounts().ESTABLISHED, 2);
  assert.equal(accepted.length, 0);
  const m = b.mark();
  assert.equal(syn(b, 41002), null);
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["accept-queue-full"],
  );
  assert.equal(b.host.counters.listenOverflows, 1);
  // accept() hands over the oldest; there is room again.
  const first = b.host.accept(listener);
  assert.equal(first?.remotePort, 41000);
  assert.equal(accepted.length, 1);
  assert.notEqual(syn(b, 41002), null);
});

test("accept queue never holds more than the backlog, even when SYN_RECEIVED children complete later (linux drops the ACK)", () => {
  const b = new Bench({ synCookies: "off" });
  const { listener } = listenRecording(b, { backlog: 2 });
  listener.paused = true;
  ack(b, 41000, syn(b, 41000)!); // accept queue: 1
  const i1 = syn(b, 41001)!; // both admitted: the accept queue is not full yet
  const i2 = syn(b, 41002)!;
  ack(b, 41001, i1); // accept queue: 2 (full)
  ack(b, 41002, i2); // must not make it 3
  assert.ok(
    listener.acceptQueue.length <= listener.backlog,
    `accept queue holds ${listener.acceptQueue.length} > backlog ${listener.backlog}`,
  );
});

test("data that arrives before accept() is delivered when the application accepts", () => {
  const b = new Bench({ synCookies: "off" });
  const { listener, accepted } = listenRecording(b, { backlog: 4 });
  listener.paused = true;
  ack(b, 41000, syn(b, 41000)!, bytes("early request"));
  assert.equal(accepted.length, 0);
  b.host.resumeAccepting(listener);
  assert.equal(accepted.length, 1);
  assert.equal(text(accepted[0]!.log.data), "early request");
});

test("a connection taken from the accept queue gets onEstablished like one accepted at once", () => {
  const b = new Bench({ synCookies: "off" });
  const { listener, accepted } = listenRecording(b, { backlog: 4 });
  ack(b, 41000, syn(b, 41000)!);
  assert.equal(accepted[0]!.log.established, 1); // accepted at once
  listener.paused = true;
  ack(b, 41001, syn(b, 41001)!);
  b.host.accept(listener);
  assert.equal(accepted[1]!.log.established, 1); // accepted later
});

test("linux: a child reset before accept() is still returned, CLOSED: its data, then ECONNRESET (no EOF); a write fails with ECONNRESET", () => {
  const b = new Bench({ synCookies: "off" });
  const events: string[] = [];
  const listener = b.host.listen(
    LOCAL_PORT,
    { backlog: 4 },
    {
      onConnection: () => ({
        onData: (_c, d) => events.push(`data ${text([d])}`),
        onEnd: () => events.push("end"),
        onClose: (_c, e) => events.push(`close ${e ? e.code : "ok"}`),
      }),
    },
  );
  listener.paused = true;
  ack(b, 41000, syn(b, 41000)!, bytes("request"));
  b.take(); // the ACK of the request
  b.feed({ flags: RST, seq: 1000 * 41000 + 1 + 7, srcPort: 41000 });
  b.none();
  assert.equal(listener.acceptQueue.length, 1, "the reset child keeps its accept-queue slot");
  assert.deepEqual(events, []);
  const conn = b.host.accept(listener);
  assert.ok(conn, "accept() returns the reset child (linux-profile.md, Close semantics)");
  assert.equal(conn.state, "CLOSED");
  assert.deepEqual(events, ["data request", "close ECONNRESET"]);
  assert.throws(() => conn.send(bytes("x"), b.now), { code: "ECONNRESET" });
  b.none();
  assert.equal(b.host.accept(listener), null);
});

test("linux: a child reset before accept() with nothing queued: accept() returns it and it closes with ECONNRESET", () => {
  const b = new Bench({ synCookies: "off" });
  const { listener, accepted } = listenRecording(b, { backlog: 4 });
  listener.paused = true;
  ack(b, 41000, syn(b, 41000)!);
  b.feed({ flags: RST, seq: 1000 * 41000 + 1, srcPort: 41000 });
  const conn = b.host.accept(listener);
  assert.equal(conn?.state, "CLOSED");
  assert.deepEqual(accepted[0]!.log.closes, ["ECONNRESET"]);
  assert.equal(accepted[0]!.log.ends, 0);
  assert.equal(accepted[0]!.log.data.length, 0);
});

test("closing a listener resets children waiting in the accept queue (linux: R. snd_nxt ack rcv_nxt)", () => {
  const b = new Bench({ synCookies: "off" });
  const { listener } = listenRecording(b, { backlog: 4 });
  listener.paused = true;
  const iss = syn(b, 41000)!;
  ack(b, 41000, iss);
  syn(b, 41001); // one half-open child as well
  b.take();
  b.host.closeListener(listener);
  const out = b.take();
  assert.equal(out.length, 1, "one RST for the established child; the half-open one is forgotten");
  assert.equal(out[0]!.flags, RST | ACK);
  assert.equal(out[0]!.seq, iss + 1);
  assert.equal(out[0]!.ack, 1000 * 41000 + 1);
  assert.equal(b.host.connections().length, 0);
  assert.equal(b.host.stateCounts().LISTEN, 0);
});

test("listen(): a second listener on the port is EADDRINUSE; after closeListener it is free", () => {
  const b = new Bench();
  const { listener } = listenRecording(b);
  assert.throws(() => listenRecording(b), { code: "EADDRINUSE" });
  b.host.closeListener(listener);
  listenRecording(b);
  assert.equal(b.host.stateCounts().LISTEN, 1);
});

test("the backlog is capped by somaxconn (acceptBacklogMax) and defaults to 511 like Node; at least 1", () => {
  const b = new Bench({ acceptBacklogMax: 4096 });
  const big = b.host.listen(81, { backlog: 100_000 }, { onConnection: () => undefined });
  assert.equal(big.backlog, 4096);
  const dflt = b.host.listen(82, {}, { onConnection: () => undefined });
  assert.equal(dflt.backlog, 511);
  const zero = b.host.listen(83, { backlog: 0 }, { onConnection: () => undefined });
  assert.equal(zero.backlog, 1);
});

test("closing a listener leaves connections it already handed to the application alone", () => {
  const b = new Bench({ synCookies: "off" });
  const { listener, accepted } = listenRecording(b, { backlog: 4 });
  ack(b, 41000, syn(b, 41000)!);
  b.host.closeListener(listener);
  b.none();
  assert.equal(accepted[0]!.conn.state, "ESTABLISHED");
  accepted[0]!.conn.send(bytes("still here"), b.now);
  assert.equal(b.one().payload.length, 10);
});

test("a child held in SYN_RECEIVED by a full accept queue completes once accept() makes room (SYN,ACK retransmitted, re-ACKed)", () => {
  const b = new Bench({ synCookies: "off" });
  const { listener, accepted } = listenRecording(b, { backlog: 2 });
  listener.paused = true;
  const i0 = syn(b, 41000)!;
  const i1 = syn(b, 41001)!;
  ack(b, 41000, i0); // accept queue: 1
  const i2 = syn(b, 41002)!; // admitted: the accept queue still has room
  ack(b, 41001, i1); // accept queue: 2, full
  const m = b.mark();
  ack(b, 41002, i2); // dropped: no room
  assert.deepEqual(
    b.drops(m).map((d) => d.reason),
    ["accept-queue-full"],
  );
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 1);
  b.host.accept(listener); // room again
  b.runTo(b.now + 1_000_000); // the held child's SYN,ACK timer fires
  const again = b.take().filter((s) => s.dstPort === 41002);
  assert.equal(again.length, 1);
  assert.equal(again[0]!.flags, SYN | ACK);
  ack(b, 41002, i2); // the client answers the repeated SYN,ACK
  assert.equal(b.host.stateCounts().SYN_RECEIVED, 0);
  b.host.resumeAccepting(listener);
  assert.equal(accepted.length, 3);
  assert.equal(accepted[2]!.conn.remotePort, 41002);
  assert.equal(accepted[2]!.conn.state, "ESTABLISHED");
});
