// What the script interpreter (./runner.ts) needs from a target: a clock, packets in and out as bytes,
// and system calls. `sim` drives our engine in virtual time; `kernel` drives Linux in real time.
import type { SyscallSpec } from "./ast.js";

/** The result of a system call as the script compares it. */
export interface CallOutcome {
  ret: number;
  /** errno name when ret is -1. */
  errno?: string;
  /** An output argument (getsockopt's value, poll's revents, ioctl's count, tcp_info) differed. */
  mismatch?: string;
  /** The call uses something tcplab cannot carry out (found while running it): the script is UNSUPPORTED. */
  unsupported?: string;
}

export interface PendingCall {
  readonly name: string;
  done: boolean;
  outcome: CallOutcome | undefined;
  /** Target time (µs since the script started) when the call returned. */
  doneAt: number;
}

export interface Captured {
  bytes: Uint8Array;
  /** µs since the script started. */
  time: number;
}

export interface TargetAddresses {
  /** The address of the TCP under test (packetdrill's local address). */
  local: number;
  /** The address packetdrill's scripted peer uses. */
  remote: number;
}

export interface Target {
  readonly name: "sim" | "kernel";
  readonly addresses: TargetAddresses;
  /** How much longer (µs) to watch for an expected packet that is late, to report when it came (0: not). */
  readonly lateHorizon: number;
  /** µs since the script started. */
  now(): number;
  /** Lets time pass up to `t`: timers run, outbound packets queue, blocked calls may return. */
  advanceTo(t: number): Promise<void>;
  /** Delivers an inbound packet now. */
  inject(bytes: Uint8Array): Promise<void>;
  /** The oldest outbound packet not yet taken, waiting for one until time `limit`. */
  nextOutbound(limit: number): Promise<Captured | undefined>;
  /**
   * Starts a system call now; it may return at once or block. socket() and accept() map the script's fd
   * (the expected result) to theirs, as packetdrill does. Throws PacketdrillUnsupported (with `line`).
   */
  startCall(call: SyscallSpec, line: number): PendingCall;
  /**
   * Waits until the call has either returned or is blocked (waiting in the kernel for something to happen),
   * so that a call the script expects not to block can be told from one that does.
   */
  settle(call: PendingCall): Promise<void>;
  /** Waits (time passing) until the call returns or time `limit` is reached. */
  waitCall(call: PendingCall, limit: number): Promise<void>;
  /** A tcp_info snapshot (tcpi_* fields) of the socket the script calls `fd`, for `%{ }%` assertions. */
  tcpInfo(fd: number): Promise<Record<string, number> | undefined>;
  /** Frees everything (closes sockets, tears the namespace down). */
  close(): Promise<void>;
}
