// The sender's push points (profile pushRule "write-end", Linux tcp_mark_push / forced_push): a small peer
// window forces one every MSS, so thousands can be outstanding; the lookup and the trimming on ACKs must
// answer exactly what a plain scan of the points would, across the 2^32 wrap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Sender } from "../../src/tcp/sender.js";
import { makeProfile } from "../../src/tcp/profile.js";
import { seqAdd, seqDiff, seqGt } from "../../src/tcp/seq.js";
import { chunkPushApplies, markChunkPush } from "../../src/tcp/tso-chunk-push.js";

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
    s.markWrite(n, false, true);
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

test("push points: a sender's walk in sequence order (the lookup's remembered place), with steps back as retransmissions take", () => {
  const s = new Sender(makeProfile("linux"), 4 << 20);
  const iss = 0xfffe0000;
  s.init(iss);
  s.mss = 1448;
  s.maxSndWnd = 1 << 20;
  // Writes of uneven sizes, each ending in a push point (more = false), some forced ones between.
  for (let w = 0; w < 400; w++)
    s.markWrite(s.buffer.write(new Uint8Array(700 + ((w * 977) % 4000))), w % 7 === 0, true);
  const all = [...s.pushPoints];
  let seq = seqAdd(iss, 1);
  let acked = seq;
  for (let k = 0; k < 3000 && seqDiff(s.finSeq, seq) > 0; k++) {
    const len = Math.min(1448 - ((k * 13) % 300), seqDiff(s.finSeq, seq));
    assert.equal(
      s.reachesPush(seq, len),
      naiveReaches(all, s.bufSeq, seq, len),
      `walk: seq ${seq} len ${len}`,
    );
    if (k % 97 === 96) {
      // A retransmission from further back, then the walk goes on where it was.
      const back = seqAdd(acked, (k * 31) % Math.max(1, seqDiff(seq, acked)));
      assert.equal(s.reachesPush(back, 1448), naiveReaches(all, s.bufSeq, back, 1448), `back: seq ${back}`);
    }
    if (k % 40 === 39) {
      s.sndNxt = s.sndMax = s.finSeq;
      s.acknowledge(seq);
      acked = seq;
    }
    seq = seqAdd(seq, len);
  }
});

test("chunk push points (tso-chunk-push.ts): every second full segment of an ACK's burst, kept in order", () => {
  const s = new Sender(makeProfile("linux"), 1 << 20);
  s.init(0xfffff000); // across the 2^32 wrap
  s.mss = 1000;
  s.maxSndWnd = 65792;
  s.markWrite(s.buffer.write(new Uint8Array(9000)), false, true); // one point, at the write's end
  const start = s.sndNxt;
  let index = 0;
  for (let k = 0; k < 9; k++) {
    index = markChunkPush(s, index, 1000, 1000);
    s.sndNxt = seqAdd(s.sndNxt, 1000);
  }
  const ends = [2000, 4000, 6000, 8000, 9000].map((d) => seqAdd(start, d));
  assert.deepEqual(s.pushPoints, ends);
  assert.ok(!s.reachesPush(seqAdd(start, 2000), 1000), "the first segment of a chunk has none");
  assert.ok(s.reachesPush(seqAdd(start, 3000), 1000));
  assert.equal(markChunkPush(s, 1, 500, 1000), 0, "a partial segment ends the chunk");
  assert.ok(!chunkPushApplies(true, false, 9_000), "not below the measured 10 ms RTT");
  assert.ok(!chunkPushApplies(true, true, 100_000), "not for a write's own burst");
  assert.ok(chunkPushApplies(true, false, 100_000));
});
