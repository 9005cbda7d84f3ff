// The engine over IPv6 and dual-stack (issue 17): MSS from the IPv6 header, listeners per family with
// Linux's dual-stack default and IPV6_V6ONLY, bind conflicts across families, ENETUNREACH, TIME_WAIT
// records with IPv6 4-tuples, and the address table's references returning when connections go.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Host } from "../../src/tcp/engine.js";
import { Simulator } from "../../src/sim/simulator.js";
import { Trace, NullTrace } from "../../src/tcp/events.js";
import { addressTable, formatAddress, parseAddress } from "../../src/wire/address-table.js";
import { parseIPv6 } from "../../src/wire/address6.js";
import { encodeSegment6 } from "../../src/wire/codec6.js";
import { ACK, EMPTY_PAYLOAD, RST, SYN, type Segment } from "../../src/wire/segment.js";
import type { Connection } from "../../src/tcp/connection.js";
import type { TcpError } from "../../src/tcp/errors.js";

const enc = new TextEncoder();

function pair(
  server: { address: string; address6?: string },
  clients: Array<{ name: string; address: string }>,
) {
  const trace = new Trace();
  const sim = new Simulator({ seed: 3, trace });
  const p = new Host({ name: "P", ...server, trace, seed: 3 });
  sim.addHost(p);
  const hosts = clients.map((c) => {
    const h = new Host({ name: c.name, address: c.address, trace, seed: 3 });
    sim.addHost(h);
    sim.link(c.name, "P", { delay: 1000 });
    return h;
  });
  return { sim, trace, p, hosts };
}

function accepted(p: Host, port: number, options: Parameters<Host["listen"]>[1] = {}) {
  const conns: Connection[] = [];
  const listener = p.listen(port, options, {
    onConnection: (c) => {
      conns.push(c);
      return { onData: () => {} }; // reads everything (a close with unread data would reset)
    },
  });
  return { conns, listener };
}

test("an IPv6 connection: MSS 1440 on a 1500-byte link, data both ways, TIME_WAIT", () => {
  const { sim, trace, p, hosts } = pair({ address: "2001:db8::2" }, [{ name: "A", address: "2001:db8::1" }]);
  const a = hosts[0]!;
  const { conns } = accepted(p, 80);
  const received: string[] = [];
  const dec = new TextDecoder();
  const c = a.connect(
    { address: "2001:db8::2", port: 80 },
    {
      onData: (_c, d) => received.push(dec.decode(d)),
      onEstablished: (conn) => conn.send(enc.encode("hello"), sim.now),
    },
  );
  sim.runUntil(100_000);
  const syn = trace.events.find((e) => e.kind === "segment-sent" && e.seg.flags === SYN);
  assert.ok(syn && syn.kind === "segment-sent");
  assert.equal(syn.seg.options.mss, 1440);
  assert.equal(formatAddress(syn.seg.srcAddr), "2001:db8::1");
  assert.equal(c.label.startsWith("[2001:db8::1]:"), true);
  assert.equal(conns.length, 1);
  conns[0]!.send(enc.encode("world"), sim.now);
  sim.runUntil(200_000);
  assert.deepEqual(received, ["world"]);
  c.close(sim.now);
  sim.runUntil(300_000);
  conns[0]!.close(sim.now);
  sim.runUntil(400_000);
  assert.equal(a.timeWaitEntries, 1);
  assert.equal(a.stateOf(c), "TIME_WAIT");
  sim.runUntil(70_000_000);
  assert.equal(a.timeWaitEntries, 0);
});

test("a dual-stack listener on :: accepts IPv4 and IPv6 peers; with ipv6Only an IPv4 SYN meets a closed port", () => {
  const { sim, p, hosts } = pair({ address: "10.0.0.2", address6: "2001:db8::2" }, [
    { name: "A4", address: "10.0.0.1" },
    { name: "A6", address: "2001:db8::1" },
  ]);
  const { conns, listener } = accepted(p, 80, { family: 6 });
  hosts[0]!.connect({ address: "10.0.0.2", port: 80 });
  hosts[1]!.connect({ address: "2001:db8::2", port: 80 });
  sim.runUntil(100_000);
  assert.deepEqual(
    conns.map((c) => formatAddress(c.remoteAddr)),
    ["10.0.0.1", "2001:db8::1"],
  );
  // The IPv4 peer's connection is IPv4 on the wire (our address 10.0.0.2, MSS 1460).
  assert.equal(formatAddress(conns[0]!.localAddr), "10.0.0.2");
  p.closeListener(listener);
  const only = accepted(p, 81, { family: 6, ipv6Only: true });
  let err: string | null = null;
  hosts[0]!.connect({ address: "10.0.0.2", port: 81 }, { onClose: (_c, e) => (err = e?.code ?? null) });
  hosts[1]!.connect({ address: "2001:db8::2", port: 81 });
  sim.runUntil(200_000);
  assert.equal(err, "ECONNREFUSED");
  assert.deepEqual(
    only.conns.map((c) => formatAddress(c.remoteAddr)),
    ["2001:db8::1"],
  );
});

test("bind rules across families: :: (dual-stack) and 0.0.0.0 on one port conflict, an ipv6Only one does not", () => {
  const h = new Host({ name: "h", address: "10.0.0.2", address6: "2001:db8::2" });
  const none = { onConnection: () => {} };
  h.listen(80, { family: 4 }, none);
  assert.throws(
    () => h.listen(80, { family: 6 }, none),
    (e: TcpError) => e.code === "EADDRINUSE",
  );
  h.listen(80, { family: 6, ipv6Only: true }, none);
  h.listen(81, { family: 6 }, none);
  assert.throws(
    () => h.listen(81, { family: 4 }, none),
    (e: TcpError) => e.code === "EADDRINUSE",
  );
  const v4only = new Host({ name: "v4", address: "10.0.0.3" });
  assert.throws(
    () => v4only.connect({ address: "2001:db8::2", port: 80 }),
    (e: TcpError) => e.code === "ENETUNREACH",
  );
  assert.throws(
    () => v4only.listen(80, { family: 6 }, none),
    (e: TcpError) => e.code === "EADDRNOTAVAIL",
  );
  assert.throws(() => new Host({ name: "x", address: "2001:db8::9", mtu: 1200 }), /minimum of 1280/);
});

test("the IPv6 MSS is at least 1220 at IPv6's minimum MTU of 1280", () => {
  const h = new Host({ name: "h", address: "2001:db8::1", mtu: 1280 });
  const sent: Segment[] = [];
  h.attach((s) => sent.push(s));
  h.connect({ address: "2001:db8::2", port: 80 });
  assert.equal(sent[0]!.options.mss, 1220);
});

test("a SYN flood from random IPv6 sources, answered with cookies, leaves no address behind", () => {
  const server = parseIPv6("2001:db8::2");
  const h = new Host({
    name: "h",
    address: "2001:db8::2",
    trace: new NullTrace(),
    overrides: { synCookies: "always" },
  });
  let out = 0;
  h.attach(() => out++);
  h.listen(80, {}, { onConnection: () => {} });
  const before = addressTable.size;
  for (let i = 0; i < 5000; i++) {
    const src = parseIPv6(
      `2001:db8:bad:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::${(i % 7) + 1}`,
    );
    const bytes = encodeSegment6({
      srcAddr: src,
      dstAddr: server,
      srcPort: 1024 + (i % 60000),
      dstPort: 80,
      seq: i * 7919,
      ack: 0,
      flags: SYN,
      window: 65535,
      urgent: 0,
      options: { mss: 1440 },
      payload: EMPTY_PAYLOAD,
    });
    h.inputPacket(bytes, i * 10);
  }
  assert.equal(out, 5000, "a cookie SYN-ACK per SYN");
  assert.equal(h.counters.synCookiesSent, 5000);
  assert.equal(addressTable.size, before, "no address of the flood is left in the table");
});

test("a SYN queue entry holds its peer's address; it is released when the entry times out", () => {
  const h = new Host({ name: "h", address: "2001:db8::2", trace: new NullTrace() });
  const sent: Segment[] = [];
  h.attach((s) => sent.push(s));
  h.listen(80, {}, { onConnection: () => {} });
  const src = parseIPv6("2001:db8:1::77");
  const seg = {
    srcAddr: src,
    dstAddr: parseIPv6("2001:db8::2"),
    srcPort: 5555,
    dstPort: 80,
    seq: 1,
    ack: 0,
    flags: SYN,
    window: 65535,
    urgent: 0,
    options: { mss: 1440 },
    payload: EMPTY_PAYLOAD,
  };
  h.inputPacket(encodeSegment6(seg), 0);
  const id = addressTable.find(src.w0, src.w1, src.w2, src.w3);
  assert.ok(id >= 0);
  assert.equal(addressTable.references(id), 1);
  assert.equal(h.stateCounts().SYN_RECEIVED, 1);
  for (let t = 0; t < 200_000_000 && h.nextDeadline() < Infinity;) {
    t = h.nextDeadline();
    h.advance(t);
  }
  assert.equal(h.stateCounts().SYN_RECEIVED, 0);
  assert.equal(addressTable.find(src.w0, src.w1, src.w2, src.w3), -1);
  // A reset SYN-ACK's ACK to a closed port: RST sent back to the IPv6 source, from our address.
  h.inputPacket(encodeSegment6({ ...seg, flags: ACK, ack: 99, dstPort: 9 }), 300_000_000);
  const rst = sent.at(-1)!;
  assert.equal(rst.flags, RST);
  assert.equal(formatAddress(rst.srcAddr), "2001:db8::2");
  assert.equal(addressTable.find(src.w0, src.w1, src.w2, src.w3), -1);
});

test("TIME_WAIT holds IPv4 and IPv6 records side by side, each found only by its own family", () => {
  const { sim, p, hosts } = pair({ address: "10.0.0.2", address6: "2001:db8::2" }, [
    { name: "A", address: "10.0.0.1" },
  ]);
  void hosts;
  // P closes first toward both families, so P holds both records.
  const a6 = new Host({ name: "A6", address: "2001:db8::1", trace: new NullTrace(), seed: 3 });
  sim.addHost(a6);
  sim.link("A6", "P", { delay: 1000 });
  const { conns } = accepted(p, 80, { family: 6 });
  hosts[0]!.connect({ address: "10.0.0.2", port: 80, localPort: 5000 }, { onEnd: (c) => c.close(sim.now) });
  a6.connect({ address: "2001:db8::2", port: 80, localPort: 5000 }, { onEnd: (c) => c.close(sim.now) });
  sim.runUntil(100_000);
  for (const c of conns) c.close(sim.now);
  sim.runUntil(1_000_000);
  assert.equal(p.timeWaitEntries, 2);
  assert.deepEqual(
    conns.map((c) => p.stateOf(c)),
    ["TIME_WAIT", "TIME_WAIT"],
  );
  assert.ok(addressTable.references(parseAddress("2001:db8::1")) > 0);
});

test("the TIME_WAIT table tells an IPv6 id from the IPv4 address with the same low 32 bits", async () => {
  const { TimeWaitTable } = await import("../../src/tcp/time-wait-table.js");
  const t = new TimeWaitTable(5);
  const v6 = parseAddress("2001:db8::4242");
  const v4 = v6 % 2 ** 32; // the same low 32 bits
  const rec = (remoteAddr: number, sndNxt: number, remotePort = 5000) => ({
    localPort: 80,
    remoteAddr,
    remotePort,
    sndNxt,
    rcvNxt: 1,
    rcvWnd: 65535,
    rcvWscale: 7,
    tsOk: true,
    tsRecent: 9,
    tsRecentAt: 0,
    enteredAt: 0,
    expiresAt: 60_000_000,
  });
  const bytesV4Only = (() => {
    const only = new TimeWaitTable(5);
    only.insert(rec(v4, 1));
    return only.bytes();
  })();
  const s4 = t.insert(rec(v4, 1));
  assert.equal(t.bytes(), bytesV4Only, "no IPv6 record yet: no IPv6 cost");
  const s6 = t.insert(rec(v6, 2));
  assert.equal(t.find(80, v4, 5000), s4);
  assert.equal(t.find(80, v6, 5000), s6);
  assert.equal(t.remoteAddr(s6), v6);
  assert.equal(t.view(s4).remoteAddr, v4);
  assert.equal(t.ipv6Records, 1);
  // 1,000 more of each family on other ports, interleaved: each found by its own 4-tuple only.
  const slots: Array<[number, number, number]> = [];
  for (let port = 6000; port < 7000; port++) {
    slots.push([t.insert(rec(v4, port, port)), v4, port], [t.insert(rec(v6, port + 1, port)), v6, port]);
  }
  assert.equal(t.ipv6Records, 1001);
  t.remove(s6);
  assert.equal(t.find(80, v6, 5000), -1);
  assert.equal(t.find(80, v4, 5000), s4);
  for (const [s, addr, port] of slots) {
    assert.equal(t.find(80, addr, port), s);
    assert.equal(t.sndNxt(s), addr === v4 ? port : port + 1);
  }
  for (const [s] of slots) t.remove(s);
  t.remove(s4);
  assert.equal(t.size, 0);
  assert.equal(t.ipv6Records, 0);
});
