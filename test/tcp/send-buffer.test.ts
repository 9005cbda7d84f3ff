// The send buffer hands out payloads that are views into the bytes it holds: every read must return the
// bytes written at those positions, and a payload once returned must never change afterwards (it may be
// in flight, queued at the peer, or sent again), whatever the application does with its own buffer.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { propertyRuns } from "../e2e/property-runs.js";
import { SendBuffer } from "../../src/tcp/send-buffer.js";

type Op = { conn: number } & (
  | { kind: "write"; size: number; fill: number }
  | { kind: "read"; at: number; len: number }
  | { kind: "consume"; n: number }
);

const conn = fc.integer({ min: 0, max: 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    conn,
    kind: fc.constant("write" as const),
    size: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 80_000 })),
    fill: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    conn,
    kind: fc.constant("read" as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    len: fc.integer({ min: 1, max: 3000 }),
  }),
  fc.record({ conn, kind: fc.constant("consume" as const), n: fc.integer({ min: 0, max: 40_000 }) }),
);

test("reads return the written bytes and never change afterwards, across chunks, blocks and connections", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1000, max: 300_000 }), fc.array(op, { maxLength: 80 }), (limit, ops) => {
      // Two connections' buffers, whose small writes share a slab.
      const conns = [0, 1].map(() => ({ buf: new SendBuffer(limit), model: [] as number[], acked: 0 }));
      let counter = 0;
      const appBuffer = new Uint8Array(80_000); // reused for every write, as an application may
      const handedOut: Array<{ view: Uint8Array; copy: Uint8Array }> = [];
      for (const o of ops) {
        // The model: every byte ever written, by absolute position; `acked` of them are acknowledged.
        const c = conns[o.conn]!;
        const { buf, model } = c;
        if (o.kind === "write") {
          const data = appBuffer.subarray(0, o.size);
          for (let i = 0; i < data.length; i++) data[i] = (o.fill + counter++) & 255;
          const taken = buf.write(data);
          assert.equal(taken, Math.min(o.size, limit - (model.length - c.acked)));
          for (let i = 0; i < taken; i++) model.push(data[i] as number);
          appBuffer.fill(0xee, 0, o.size); // scribble over the application's copy
        } else if (o.kind === "read") {
          const held = model.length - c.acked;
          if (held === 0) continue;
          const offset = Math.min(held - 1, Math.floor(o.at * held));
          const len = Math.min(o.len, held - offset);
          const view = buf.read(offset, len);
          assert.deepEqual([...view], model.slice(c.acked + offset, c.acked + offset + len));
          handedOut.push({ view, copy: view.slice() });
        } else {
          const n = Math.min(o.n, model.length - c.acked);
          buf.consume(n);
          c.acked += n;
        }
        assert.equal(buf.length, model.length - c.acked);
        assert.equal(buf.free, limit - buf.length);
      }
      for (const h of handedOut) assert.deepEqual(h.view, h.copy);
    }),
    propertyRuns(300),
  );
});

test("sequential MSS reads of one large write are views into one chunk, not copies", () => {
  const buf = new SendBuffer(1 << 20);
  buf.write(new Uint8Array(256 * 1024).fill(3));
  const a = buf.read(0, 1460);
  const b = buf.read(1460, 1460);
  assert.equal(a.buffer, b.buffer);
  assert.equal(b.byteOffset - a.byteOffset, 1460);
});

test("small writes merge: a segment spanning several of them is one view", () => {
  const buf = new SendBuffer(1 << 20);
  for (let i = 0; i < 20; i++) buf.write(new Uint8Array(10).fill(i));
  const seg = buf.read(5, 150);
  const whole = buf.read(0, 200);
  assert.equal(seg.buffer, whole.buffer);
  assert.deepEqual([...seg.subarray(0, 6)], [0, 0, 0, 0, 0, 1]);
});

test("an emptied buffer holds no memory for the bytes it had", () => {
  const buf = new SendBuffer(1 << 20);
  buf.write(new Uint8Array(40_000));
  buf.write(new Uint8Array(100));
  buf.consume(40_100);
  assert.equal(buf.length, 0);
  const internals = buf as unknown as { bufs: Uint8Array[] | null; block: Uint8Array | null };
  assert.equal(internals.bufs, null);
  assert.equal(internals.block, null);
});

test("hundreds of separate chunks acknowledged one by one: reads stay right across compactions", () => {
  const a = new SendBuffer(1 << 20);
  const b = new SendBuffer(1 << 20);
  const model: number[] = [];
  for (let i = 0; i < 500; i++) {
    const chunk = new Uint8Array(7).fill(i & 255);
    a.write(chunk);
    b.write(chunk); // interleaved in the shared slab, so a's chunks never merge
    for (let k = 0; k < 7; k++) model.push(i & 255);
  }
  let acked = 0;
  while (a.length > 10) {
    a.consume(5);
    acked += 5;
    const len = Math.min(20, a.length);
    assert.deepEqual([...a.read(0, len)], model.slice(acked, acked + len));
    assert.deepEqual([...a.read(a.length - 3, 3)], model.slice(model.length - 3));
  }
});

test("a read outside the unacknowledged bytes is refused, and the buffer still reads right afterwards", () => {
  const buf = new SendBuffer(1 << 20);
  buf.write(new Uint8Array([1, 2, 3, 4, 5]));
  buf.consume(2);
  assert.throws(() => buf.read(-1, 2), RangeError);
  assert.throws(() => buf.read(2, 2), RangeError);
  assert.deepEqual([...buf.read(0, 3)], [3, 4, 5]);
});
