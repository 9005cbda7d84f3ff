// What ./loss-detection.ts (TLP, RACK, PRR, limited transmit; RFC 8985, RFC 6937, RFC 3042) may read of a
// connection and do to it: a view, nothing copied. One LossPort per connection that needs loss detection,
// made on first use (Connection.loss); a class, not an object literal of getters and arrow functions:
// ~20 closures per connection cost a third of the connection-lifecycle benchmark (docs/benchmarks.md).
import type { Connection } from "./connection.js";
import type { Profile } from "./profile.js";
import type { Counters } from "./counters.js";
import type { Sender } from "./sender.js";
import type { SackScoreboard } from "./sack-scoreboard.js";
import type { LossDetectionPort, LossTimer } from "./loss-detection.js";
import { isSynchronized } from "./state.js";
import { T_REO, T_RTX, T_TLP } from "./timers.js";
import { armRetransmit, enterRecovery, retransmitRange } from "./retransmit.js";
import { output, sendNew } from "./output.js";
import { sackRoom } from "./emit.js";
import { seqLt } from "./seq.js";

/** The connection as ./loss-detection.ts sees it. */
export class LossPort implements LossDetectionPort {
  readonly profile: Profile;
  readonly snd: Sender;
  readonly counters: Counters;
  constructor(private readonly c: Connection) {
    this.profile = c.env.profile;
    this.snd = c.snd;
    this.counters = c.env.counters;
  }
  get now(): number {
    return this.c.now;
  }
  get sackOk(): boolean {
    return this.c.sackOk;
  }
  get scoreboard(): SackScoreboard | null {
    return this.c.recovery.scoreboard;
  }
  get inRecovery(): boolean {
    return this.c.recovery.active;
  }
  get dupAcks(): number {
    return this.c.recovery.dupAcks;
  }
  get belowRecoveryPoint(): boolean {
    return seqLt(this.c.snd.sndUna, this.c.recovery.recover);
  }
  get sending(): boolean {
    const state = this.c.current; // raw: CLOSED and a finished TIME_WAIT read alike here (not sending)
    return isSynchronized(state) && state !== "TIME_WAIT";
  }
  lossTimer(which: LossTimer, deadline: number): void {
    this.c.timers.set(which === "loss-probe" ? T_TLP : T_REO, deadline);
  }
  get rtoDeadline(): number {
    return this.c.timers.deadline(T_RTX);
  }
  get rtoNow(): number {
    return this.c.currentRto();
  }
  armRetransmit(): void {
    armRetransmit(this.c);
  }
  sendNewSegment(maxLen: number, why: string): boolean {
    // Linux's probe goes out with Nagle off (TCP_NAGLE_OFF) and past cwnd (tcp_write_xmit push_one 2).
    const c = this.c;
    const noDelay = c.noDelay;
    const before = c.snd.sndMax;
    c.noDelay = true;
    c.swsOverride = true;
    sendNew(c, maxLen, why);
    c.noDelay = noDelay;
    c.swsOverride = false;
    return c.snd.sndMax !== before;
  }
  retransmit(seq: number, len: number, why: string): void {
    retransmitRange(this.c, seq, len, why, 0);
  }
  get sackRoom(): number {
    return sackRoom(this.c);
  }
  enterRecovery(delivered: number, reduceNow: boolean): void {
    enterRecovery(this.c, delivered, reduceNow);
  }
  output(): void {
    output(this.c);
  }
}
