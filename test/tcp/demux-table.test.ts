// The 4-tuple table (src/tcp/demux-table.ts) against a plain model: one Map per local port keyed by the
// remote end, which is what the table replaced. A port holding one entry keeps it without a map; the
// answers must not tell the two forms apart.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DemuxTable, remoteKey } from "../../src/tcp/demux-table.js";
import { propertyRuns } from "../e2e/property-runs.js";

interface Entry {
  remoteAddr: number;
  remotePort: number;
  id: number;
}

test("one entry per port is found by its remote end only; a second upgrades the port without losing the first", () => {
  const t = new DemuxTable<Entry>();
  const a = { remoteAddr: 0x0a000001, remotePort: 40000, id: 1 };
  const b = { remoteAddr: 0x0a000001, remotePort: 40001, id: 2 };
  t.set(80, a);
  assert.equal(t.get(80, a.remoteAddr, a.remotePort), a);
  assert.equal(t.get(80, a.remoteAddr, 40001), undefined, "same address, other port");
  assert.equal(t.get(81, a.remoteAddr, a.remotePort), undefined, "other local port");
  t.set(80, b);
  assert.equal(t.countOn(80), 2);
  assert.equal(t.get(80, a.remoteAddr, a.remotePort), a);
  assert.equal(t.get(80, b.remoteAddr, b.remotePort), b);
  assert.deepEqual([...t.values()], [a, b], "insertion order");
});

test("delete removes only the entry held for the remote end", () => {
  const t = new DemuxTable<Entry>();
  const a = { remoteAddr: 1, remotePort: 2, id: 1 };
  const stale = { remoteAddr: 1, remotePort: 2, id: 9 };
  t.set(5, a);
  assert.equal(t.delete(5, stale), false, "a different object for the same 4-tuple is not removed");
  assert.equal(t.get(5, 1, 2), a);
  assert.equal(t.delete(5, a), true);
  assert.equal(t.countOn(5), 0);
  assert.equal(t.delete(5, a), false);
});

test("the table answers as one map per port would, across any sequence of sets and deletes", () => {
  const op = fc.record({
    del: fc.boolean(),
    port: fc.integer({ min: 0, max: 3 }),
    addr: fc.constantFrom(0, 1, 0x0a000001, 0xffffffff, 0x1_0000_0005),
    rport: fc.constantFrom(0, 1, 65535),
  });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const t = new DemuxTable<Entry>();
      const model = new Map<number, Map<number, Entry>>();
      let id = 0;
      for (const o of ops) {
        const m = model.get(o.port) ?? new Map<number, Entry>();
        model.set(o.port, m);
        const key = remoteKey(o.addr, o.rport);
        const held = m.get(key);
        if (o.del) {
          if (held) assert.equal(t.delete(o.port, held), true);
          m.delete(key);
        } else if (!held) {
          const e = { remoteAddr: o.addr, remotePort: o.rport, id: ++id };
          t.set(o.port, e);
          m.set(key, e);
        }
        for (let p = 0; p <= 3; p++) {
          const mp = model.get(p) ?? new Map<number, Entry>();
          assert.equal(t.countOn(p), mp.size);
          for (const e of mp.values()) assert.equal(t.get(p, e.remoteAddr, e.remotePort), e);
        }
        for (const a of [0, 1, 0x0a000001, 0xffffffff, 0x1_0000_0005])
          for (const rp of [0, 1, 65535]) assert.equal(t.get(o.port, a, rp), m.get(remoteKey(a, rp)));
      }
      const all = [...model.entries()].sort((x, y) => x[0] - y[0]).flatMap(([, mp]) => [...mp.values()]);
      assert.deepEqual(
        [...t.values()].map((e) => e.id).sort((x, y) => x - y),
        all.map((e) => e.id).sort((x, y) => x - y),
      );
    }),
    propertyRuns(300),
  );
});
