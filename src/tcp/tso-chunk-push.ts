// PSH on the segments an ACK releases, under the `linux` push rule. Linux sends queued data in TSO/GSO
// chunks; on the kernel under test (6.18, a TUN device, RTTs of 10 ms and more) data written while the
// congestion window was full leaves, when ACKs open the window, as chunks of two full segments, and the
// second segment of each chunk carries PSH — on top of the push points of writes (sender.ts markWrite).
// The chunk then keeps its flag, so a retransmission of that segment carries PSH too.
// Measured, not derived: `recovery/limited-transmit.pkt` (the two segments the first duplicate ACK releases
// end in PSH, the single one the second releases does not) and `send/ack-released-chunks-psh.pkt` (a
// 9000-byte write behind a full window: PSH on every second segment). Which kernel path sets the flag was
// not pinned down (tso_fragment clears PSH on a chunk's head; tcp_min_tso_segs = 4 did not change the pairs),
// and a write sent at once, with the window open, showed either pattern from run to run — there we keep
// the write's own push points only. Only for a smoothed RTT of 10 ms or more, the range measured: at 1 ms
// the chunks were larger (four segments), a size this model does not know — there, too, only the writes'
// push points.
import type { Sender } from "./sender.js";

/** Full segments per chunk. */
const CHUNK_SEGMENTS = 2;
/** The smallest smoothed RTT (µs) at which two-segment chunks were measured. */
const MEASURED_MIN_SRTT = 10_000;

/** Do the chunks of this burst get PSH (the `linux` push rule, an ACK's burst, a measured RTT)? */
export function chunkPushApplies(writeEndRule: boolean, writing: boolean, srtt: number): boolean {
  return writeEndRule && !writing && srtt >= MEASURED_MIN_SRTT;
}

/**
 * Before the next segment of a burst of new data an ACK released: `index` full segments of this burst
 * are already out. When the next is full (`len` = `mss`) and completes a chunk, its end becomes a push
 * point. Returns the new index (a partial segment ends the chunk).
 */
export function markChunkPush(snd: Sender, index: number, len: number, mss: number): number {
  if (len !== mss || len <= 0) return 0;
  if ((index + 1) % CHUNK_SEGMENTS === 0) snd.addPushPoint((snd.sndNxt + len) >>> 0);
  return index + 1;
}
