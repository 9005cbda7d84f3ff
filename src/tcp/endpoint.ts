// What a driver (simulator, TUN device, browser loop) sees of a host: packets in, packets out,
// and one deadline. The host never reads a clock or sets a timer; the driver passes `now` in
// (integer microseconds) and calls `advance` when `nextDeadline()` is reached.
import type { Segment } from "../wire/segment.js";

/** Called synchronously, during input/advance/application calls, for every segment the host sends. */
export type Transmit = (seg: Segment, packetId: number) => void;

/** What a driver (simulator, TUN device, browser loop) sees of a host: packets in, packets out, one deadline. */
export interface Endpoint {
  readonly name: string;
  /** The host's address: an IPv4 uint32, or an IPv6 id of the address table (../wire/address-table.ts). */
  readonly address: number;
  /** Every address of the host when it has more than `address` (a dual-stack host): the simulator routes each. */
  readonly allAddresses?: readonly number[];
  /** Path MTU of the host's interface; decides the MSS it advertises. */
  readonly mtu: number;
  /**
   * Install the driver's transmit function (replaces any earlier one) and, optionally, its clock.
   * The clock (integer microseconds) stamps application calls (connect, write, close) made between
   * packets and timers; without one the host uses the last `now` it was given.
   */
  attach(transmit: Transmit, clock?: () => number): void;
  /** A segment arrived, already decoded (fast path of the simulator). */
  input(seg: Segment, now: number, packetId?: number): void;
  /** Raw IPv4 bytes arrived (TUN device, corrupted packets in the simulator): decoded, or dropped with a reason. */
  inputPacket(bytes: Uint8Array, now: number, packetId?: number): void;
  /** Run every timer due at or before `now`. */
  advance(now: number): void;
  /** The earliest time at which `advance` has work to do, or Infinity. */
  nextDeadline(): number;
}
