// The TUN driver's own logic, on a stand-in device (no root needed): packets in, segments out,
// the one timer, outgoing drops, and how device failures are reported.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TunDriver, type PacketDevice } from "../../src/tun/driver.js";
import type { PacketCapture, PacketDirection } from "../../src/tun/capture.js";
import { Trace } from "../../src/tcp/events.js";
import { decodePacket, encodeSegment } from "../../src/wire/codec.js";
import { parseIPv4 } from "../../src/wire/address.js";
import { ACK, RST, SYN, type Segment } from "../../src/wire/segment.js";
import { ScriptedEndpoint, segment } from "./helpers.js";

const US = parseIPv4("10.77.0.2");
const KERNEL = parseIPv4("10.77.0.1");

class FakeDevice implements PacketDevice {
  readonly name = "fake0";
  readonly written: Uint8Array[] = [];
  failWith: { code: string; message: string } | undefined;
  onPackets: ((p: Uint8Array[]) => void) | undefined;
  onError: ((e: Error) => void) | undefined;
  start(onPackets: (p: Uint8Array[]) => void, onError: (e: Error) => void): void {
    this.onPackets = onPackets;
    this.onError = onError;
  }
  stop(): void {
    this.onPackets = undefined;
  }
  write(packet: Uint8Array): number {
    if (this.failWith) throw Object.assign(new Error(this.failWith.message), { code: this.failWith.code });
    this.written.push(packet);
    return packet.length;
  }
  deliver(...segs: Segment[]): void {
    this.onPackets?.(segs.map((s) => encodeSegment(s)));
  }
}

class MemoryCapture implements PacketCapture {
  readonly packets: Array<{ direction: PacketDirection; bytes: Uint8Array; t: number }> = [];
  packet(direction: PacketDirection, bytes: Uint8Array, t: number): void {
    this.packets.push({ direction, bytes, t });
  }
}

function syn(fields: Partial<Segment> = {}): Segment {
  return segment({
    srcAddr: KERNEL,
    dstAddr: US,
    srcPort: 50000,
    dstPort: 80,
    seq: 7,
    flags: SYN,
    ...fields,
  });
}

function written(dev: FakeDevice): Segment[] {
  return dev.written.map((b) => {
    const r = decodePacket(b);
    assert.ok(r.ok, "the driver writes well-formed packets");
    return r.segment;
  });
}

test("packets from the device reach the endpoint and its replies are written, both captured", () => {
  const dev = new FakeDevice();
  const ep = new ScriptedEndpoint(US);
  const capture = new MemoryCapture();
  const driver = new TunDriver({ device: dev, endpoint: ep, capture });
  ep.onSegment = (seg) =>
    ep.send(
      segment({
        srcAddr: US,
        dstAddr: seg.srcAddr,
        srcPort: seg.dstPort,
        dstPort: seg.srcPort,
        ack: seg.seq + 1,
        flags: RST | ACK,
      }),
    );
  driver.start();
  assert.ok(ep.clock, "the endpoint got the driver's clock");
  dev.deliver(syn(), syn({ srcPort: 50001 }));
  assert.equal(ep.received.length, 2);
  const out = written(dev);
  assert.deepEqual(
    out.map((s) => [s.dstPort, s.ack, s.flags]),
    [
      [50000, 8, RST | ACK],
      [50001, 8, RST | ACK],
    ],
  );
  assert.deepEqual(
    capture.packets.map((p) => p.direction),
    ["in", "out", "in", "out"],
  );
  assert.ok(capture.packets.every((p) => p.t >= driver.clock.epochMicros));
  assert.deepEqual(
    { ...driver.stats, bytesIn: 0, bytesOut: 0 },
    {
      packetsIn: 2,
      bytesIn: 0,
      packetsOut: 2,
      bytesOut: 0,
      droppedByFilter: 0,
      droppedQueueFull: 0,
      droppedStopped: 0,
      timerFires: 0,
    },
  );
  driver.stop();
  dev.deliver(syn());
  assert.equal(ep.received.length, 2, "nothing is delivered after stop()");
});

test("kick() arms the one timer for the endpoint's deadline, and it fires no earlier than due", async () => {
  const dev = new FakeDevice();
  const ep = new ScriptedEndpoint(US);
  // A clock the test moves, read off the timer's own firings: with the real one, a loaded machine can pass
  // the 3 ms deadline before kick() runs, which then advances the endpoint itself and arms no timer. The
  // first firing still finds the clock short of the deadline (a timer can fire early: libuv measures from
  // its cached loop time), which must re-arm, not advance; the second finds the deadline come.
  const start = 1_000_000;
  const deadline = start + 3000;
  let driver: TunDriver | undefined = undefined;
  const now = (): number => [start, deadline - 1][driver?.stats.timerFires ?? 0] ?? deadline;
  driver = new TunDriver({ device: dev, endpoint: ep, clock: { now, epochMicros: 0 } });
  driver.start();
  const fired = new Promise<number>((resolve) => (ep.onDeadline = resolve));
  ep.deadline = deadline;
  driver.kick(); // as the socket layer does after an application call
  assert.deepEqual(ep.advances, [], "not due yet: kick() only arms the timer");
  const at = await fired;
  assert.equal(at, deadline, `advance(${at}) ran the deadline ${deadline} when due`);
  assert.deepEqual(ep.advances, [deadline], "the early firing re-armed instead of advancing");
  assert.equal(driver.stats.timerFires, 2);
  driver.stop();
});

test("a deadline already due is run at once, during kick()", () => {
  const dev = new FakeDevice();
  const ep = new ScriptedEndpoint(US);
  const driver = new TunDriver({ device: dev, endpoint: ep });
  driver.start();
  let ran = false;
  ep.onDeadline = () => (ran = true);
  ep.deadline = 0;
  driver.kick();
  assert.equal(ran, true);
  assert.equal(driver.stats.timerFires, 0);
  driver.stop();
});

test("dropOutgoing loses exactly the chosen segments and says so in the trace", () => {
  const dev = new FakeDevice();
  const ep = new ScriptedEndpoint(US);
  const trace = new Trace();
  let dropped = 0;
  const driver = new TunDriver({
    device: dev,
    endpoint: ep,
    trace,
    dropOutgoing: (seg) => seg.flags === ACK && dropped++ === 0,
  });
  driver.start();
  const ack = segment({
    srcAddr: US,
    dstAddr: KERNEL,
    srcPort: 80,
    dstPort: 50000,
    flags: ACK,
    seq: 1,
    ack: 2,
  });
  ep.send(ack);
  ep.send(ack);
  assert.equal(written(dev).length, 1, "the first ACK is lost, the second written");
  assert.equal(driver.stats.droppedByFilter, 1);
  const drops = trace.events.filter((e) => e.kind === "network");
  assert.equal(drops.length, 1);
  assert.deepEqual(
    drops.map((e) => e.kind === "network" && [e.action, e.reason, e.from, e.to, e.id]),
    [["drop", "fault", "scripted", "kernel", 1]],
  );
  driver.stop();
});

test("a full device queue is a lost packet; any other write error stops the driver with a code", () => {
  const dev = new FakeDevice();
  const ep = new ScriptedEndpoint(US);
  const errors: Error[] = [];
  const driver = new TunDriver({ device: dev, endpoint: ep, onError: (e) => errors.push(e) });
  driver.start();
  const seg = segment({ srcAddr: US, dstAddr: KERNEL, srcPort: 80, dstPort: 1, flags: ACK });
  dev.failWith = { code: "EAGAIN", message: "EAGAIN: Resource temporarily unavailable, write" };
  ep.send(seg);
  assert.equal(driver.stats.droppedQueueFull, 1);
  assert.equal(driver.started, true);
  assert.deepEqual(errors, []);

  dev.failWith = { code: "EIO", message: "EIO: Input/output error, write" };
  assert.doesNotThrow(() => ep.send(seg), "never throws into the engine");
  assert.equal(driver.started, false);
  assert.equal(errors.length, 1);
  const [failure] = errors as Array<Error & { code?: string }>;
  assert.equal(failure?.code, "ERR_TCPLAB_TUN_WRITE");
  assert.match(failure?.message ?? "", /fake0.*EIO/);
  ep.send(seg);
  assert.equal(driver.stats.droppedStopped, 1, "sent after stop: counted, not written");
});

test("an endpoint whose deadline never moves is reported, not spun on", () => {
  const dev = new FakeDevice();
  const ep = new ScriptedEndpoint(US);
  ep.nextDeadline = () => 0;
  const errors: Error[] = [];
  const driver = new TunDriver({ device: dev, endpoint: ep, onError: (e) => errors.push(e) });
  driver.start();
  assert.equal((errors[0] as { code?: string } | undefined)?.code, "ERR_TCPLAB_TUN_DEADLINE_STUCK");
  assert.equal(driver.started, false);
});

test("device read errors stop the driver and reach onError; start() twice is refused", () => {
  const dev = new FakeDevice();
  const ep = new ScriptedEndpoint(US);
  const errors: Error[] = [];
  const driver = new TunDriver({ device: dev, endpoint: ep, onError: (e) => errors.push(e) });
  driver.start();
  assert.throws(() => driver.start(), { code: "ERR_TCPLAB_TUN_DRIVER_STARTED" });
  dev.onError?.(Object.assign(new Error("EBADFD"), { code: "EBADFD" }));
  assert.equal(driver.started, false);
  assert.equal((errors[0] as { code?: string }).code, "EBADFD");
});

test("an endpoint with onDeadlineEarlier gets the driver's hook: it re-arms after the call returns", async () => {
  const dev = new FakeDevice();
  const ep = Object.assign(new ScriptedEndpoint(US), { onDeadlineEarlier: null as (() => void) | null });
  // A clock the test moves: with the real one, a loaded machine can pass the deadline before the
  // re-check runs, which then advances the endpoint itself and no timer ever fires.
  let clockNow = 1_000_000;
  const driver = new TunDriver({ device: dev, endpoint: ep, clock: { now: () => clockNow, epochMicros: 0 } });
  driver.start();
  assert.equal(typeof ep.onDeadlineEarlier, "function");
  const fired = new Promise<number>((resolve) => (ep.onDeadline = resolve));
  // What the Host does inside an application call: a new, earlier deadline, then the notification.
  const deadline = driver.now() + 2000;
  ep.deadline = deadline;
  ep.onDeadlineEarlier!();
  ep.onDeadlineEarlier!(); // coalesced: one re-check
  assert.equal(driver.stats.timerFires, 0, "nothing runs inside the engine's call");
  await Promise.resolve(); // the queued re-check runs and arms the timer for the deadline
  assert.equal(ep.advances.length, 0, "the deadline is not due yet: the re-check only arms the timer");
  clockNow = deadline; // by the time the timer fires, the deadline has come
  assert.ok((await fired) >= deadline);
  assert.equal(driver.stats.timerFires, 1);
  driver.stop();
  assert.equal(ep.onDeadlineEarlier, null, "stop() takes the hook back");
});
