// The TUN driver's clocks: a monotonic one in integer microseconds for the engine (never jumps
// back when the wall clock is adjusted), and the wall-clock time of its zero for capture files.

export interface DriverClock {
  /** Microseconds since the clock was made; monotonic, integer. */
  now(): number;
  /** Wall-clock microseconds since the Unix epoch at now() = 0 (pcap timestamps). */
  readonly epochMicros: number;
}

export function monotonicClock(): DriverClock {
  const start = process.hrtime.bigint();
  const epochMicros = Date.now() * 1000;
  return {
    now: () => Number((process.hrtime.bigint() - start) / 1000n),
    epochMicros,
  };
}
