// RACK's send log is a ring of records in one typed array (src/tcp/rack.ts), grown on demand, split by
// retransmissions that straddle a record, trimmed by ACKs, and its loss scan stops at the first original
// transmission sent after RACK's point. This checks it against a plain list of record objects — the
// obvious implementation, which allocated per segment — over random flights across the 2^32 wrap.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Rack } from "../../src/tcp/rack.js";
import { seqAdd, seqGt, seqLe, seqLt } from "../../src/tcp/seq.js";

interface Rec {
  seq: number;
  end: number;
  xmit: number;
  retransmitted: boolean;
  sacked: boolean;
  lost: boolean;
}

/** The reference: one object per record, every ACK and loss check a full scan. */
class PlainLog {
  log: Rec[] = [];
  xmitTs = -1;
  endSeq = 0;
  rtt = 0;
  advanced = false;
  sent(seq: number, end: number, now: number, retransmission: boolean): void {
    const log = this.log;
    const tail = log[log.length - 1];
    if (!retransmission || !tail || !seqLt(seq, tail.end)) {
      log.push({ seq, end, xmit: now, retransmitted: retransmission, sacked: false, lost: false });
      return;
    }
    for (let i = 0; i < log.length; i++) {
      const r = log[i]!;
      if (seqLe(r.end, seq)) continue;
      if (seqLe(end, r.seq)) break;
      if (seqLt(r.seq, seq)) {
        log.splice(i + 1, 0, { ...r, seq });
        r.end = seq;
        continue;
      }
      if (seqLt(end, r.end)) {
        log.splice(i + 1, 0, { ...r, seq: end });
        r.end = end;
      }
      r.xmit = now;
      r.retransmitted = true;
      r.lost = false;
    }
  }
  acked(una: number, isSacked: ((q: number) => boolean) | null, now: number, minRtt: number): void {
    while (this.log.length > 0 && seqLe(this.log[0]!.end, una)) {
      const r = this.log.shift()!;
      if (!r.sacked) this.advance(r, now, minRtt);
    }
    if (this.log[0] && seqLt(this.log[0].seq, una)) this.log[0].seq = una;
    if (!isSacked) return;
    for (const r of this.log) {
      if (!r.sacked && isSacked(r.seq) && isSacked(r.end - 1)) {
        r.sacked = true;
        r.lost = false;
        this.advance(r, now, minRtt);
      }
    }
  }
  advance(r: Rec, now: number, minRtt: number): void {
    const rtt = now - r.xmit;
    if (r.retransmitted && rtt < minRtt) return;
    if (this.xmitTs >= 0 && !after(r.xmit, r.end, this.xmitTs, this.endSeq)) return;
    this.xmitTs = r.xmit;
    this.endSeq = r.end;
    this.rtt = rtt;
    this.advanced = true;
  }
  detectLoss(
    now: number,
    reoWnd: number,
    force: boolean,
  ): { lost: Array<[number, number]>; reoWait: number } {
    const v = { lost: [] as Array<[number, number]>, reoWait: 0 };
    if (!force && !this.advanced) return v;
    this.advanced = false;
    if (this.xmitTs < 0) return v;
    for (const r of this.log) {
      if (r.sacked || r.lost) continue;
      if (!after(this.xmitTs, this.endSeq, r.xmit, r.end)) continue;
      const remaining = this.rtt + reoWnd - (now - r.xmit);
      if (remaining <= 0) {
        r.lost = true;
        const prev = v.lost[v.lost.length - 1];
        if (prev && prev[1] === r.seq) prev[1] = r.end;
        else v.lost.push([r.seq, r.end]);
      } else v.reoWait = Math.max(v.reoWait, remaining);
    }
    return v;
  }
  clearMarks(): void {
    for (const r of this.log) r.sacked = r.lost = false;
  }
}

function after(t1: number, end1: number, t2: number, end2: number): boolean {
  return t1 > t2 || (t1 === t2 && seqGt(end1, end2));
}

type Step =
  | { op: "send"; len: number }
  | { op: "retransmit"; from: number; len: number }
  | { op: "ack"; upTo: number; sackFrom: number; sackLen: number }
  | { op: "check"; reoWnd: number; force: boolean }
  | { op: "rto" };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant("send" as const), len: fc.integer({ min: 1, max: 3000 }) }),
  fc.record({
    op: fc.constant("retransmit" as const),
    from: fc.integer({ min: 0, max: 20000 }),
    len: fc.integer({ min: 1, max: 4000 }),
  }),
  fc.record({
    op: fc.constant("ack" as const),
    upTo: fc.integer({ min: 0, max: 3000 }),
    sackFrom: fc.integer({ min: 0, max: 20000 }),
    sackLen: fc.integer({ min: 0, max: 6000 }),
  }),
  fc.record({
    op: fc.constant("check" as const),
    reoWnd: fc.integer({ min: 0, max: 30 }),
    force: fc.boolean(),
  }),
  fc.record({ op: fc.constant("rto" as const) }),
);

test("RACK's send log: the ring answers as a plain list of records would, across growth, splits and the wrap", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(1, 0xffffd000),
      fc.array(step, { minLength: 1, maxLength: 120 }),
      (iss, steps) => {
        const rack = new Rack();
        const plain = new PlainLog();
        let una: number = iss;
        let nxt: number = iss;
        let now = 0;
        let sackL: number = iss;
        let sackR: number = iss;
        const isSacked = (q: number): boolean => !seqLt(q, sackL) && seqLt(q, sackR);
        for (const s of steps) {
          now += 7;
          if (s.op === "send") {
            rack.sent(nxt, seqAdd(nxt, s.len), now, false);
            plain.sent(nxt, seqAdd(nxt, s.len), now, false);
            nxt = seqAdd(nxt, s.len);
          } else if (s.op === "retransmit") {
            const out = (nxt - una) >>> 0;
            if (out === 0) continue;
            const from = seqAdd(una, s.from % out);
            const end = seqAdd(from, Math.min(s.len, (nxt - from) >>> 0));
            rack.sent(from, end, now, true);
            plain.sent(from, end, now, true);
          } else if (s.op === "ack") {
            const out = (nxt - una) >>> 0;
            una = seqAdd(una, Math.min(s.upTo, out));
            const rest = (nxt - una) >>> 0;
            sackL = seqAdd(una, rest === 0 ? 0 : s.sackFrom % rest);
            sackR = seqAdd(sackL, Math.min(s.sackLen, (nxt - sackL) >>> 0));
            const any = sackL !== sackR;
            rack.acked(una, any ? { isSacked } : null, now, 10);
            plain.acked(una, any ? isSacked : null, now, 10);
          } else if (s.op === "check") {
            assert.deepEqual(
              rack.detectLoss(now, s.reoWnd, s.force),
              plain.detectLoss(now, s.reoWnd, s.force),
            );
          } else {
            rack.clearMarks();
            plain.clearMarks();
          }
          assert.equal(rack.packetsOut, plain.log.length);
          assert.equal(rack.sackedOut, plain.log.filter((r) => r.sacked).length);
          const last = plain.log[plain.log.length - 1];
          assert.deepEqual(rack.last, last && { seq: last.seq, end: last.end });
        }
      },
    ),
    { numRuns: 1000 },
  );
});
