// The sender's push points (profile pushRule "write-end", Linux tcp_mark_push / forced_push): a small peer
// window forces one every MSS, so thousands can be outstanding; the lookup and the trimming on ACKs must
// answer exactly what a plain scan of the points would, across the 2^32 wrap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Sender } from "../../src/tcp/sender.js";
import { makeProfile } from "../../src/tcp/profile.js";
import { seqAdd, seqDiff, seqGt } from "../../src/tcp/seq.js";

function naiveReaches(points: readonly number[], bufSeq: number, seq: number, len: number): boolean {
  for (const p of points) if (seqGt(p, bufSeq) && seqGt(p, seq) && seqDiff(p, seq) <= len) return true;
  return false;
}

test("push points: lookups match a plain scan while thousands are outstanding and ACKs trim them", () => {
  const s = new Sender(makeProfile("linux"), 4 << 20);
  const iss = 0xffff0000; // the buffer crosses the 2^32 wrap
  s.init(iss);
  s.mss = 1000;
  s.maxSndWnd = 1000; // forced push every MSS
  const all: number[] = [];
  for (let w = 0; w < 150; w++) {
    const n = s.buffer.write(new Uint8Array(20000 + 37 * w));
    s.markWrite(n, false);
  }
  all.push(...s.pushPoints);
  assert.ok(all.length > 2048, `many push points (${all.length})`);
  let acked = seqAdd(iss, 1);
  for (let step = 0; step < 200; step++) {
    for (let probe = 0; probe < 50; probe++) {
      const seq = seqAdd(acked, (probe * 997 + step * 13) % 20000);
      const len = 1 + ((probe * 31) % 1500);
      assert.equal(s.reachesPush(seq, len), naiveReaches(all, s.bufSeq, seq, len), `seq ${seq} len ${len}`);
    }
    const next = seqAdd(acked, 25013);
    if (seqDiff(s.finSeq, next) < 0) break;
    s.sndNxt = s.sndMax = s.finSeq;
    s.acknowledge(next);
    acked = next;
  }
});
