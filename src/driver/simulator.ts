// The simulator as tcplab's entries export it: src/sim's Simulator, plus the one thing the sans-I/O sim
// may not have itself — a way for runAsync to yield to the event loop of the program running it, so
// stream and promise code reacts between virtual events. The only timer use of the simulated world is here.
import { Simulator as SansIoSimulator, type SimulatorOptions } from "../sim/simulator.js";

/**
 * One turn of the JavaScript event loop: Node's setImmediate (after pending I/O, nextTick and promise
 * callbacks), or in a browser, which has no setImmediate, a zero timeout.
 */
export function eventLoopTurn(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === "function") setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}

/**
 * The deterministic simulated network: hosts, links, faults, a virtual clock in µs (docs/simulator.md).
 * Its runAsync yields with `eventLoopTurn` unless `options.turn` says otherwise; the class it extends, the
 * sans-I/O simulator of src/sim, has no timer of its own.
 */
export class Simulator extends SansIoSimulator {
  constructor(options: SimulatorOptions = {}) {
    // A wrong `options` is left to the base class, which says what it must be.
    super(
      typeof options === "object" && options !== null
        ? { ...options, turn: options.turn ?? eventLoopTurn }
        : options,
    );
  }
}
