// Errors the simulator raises for misuse (bad options, unknown hosts, time running backwards).
// Each carries a stable `code` so callers and the CLI can tell them apart without parsing text.

/** The codes of SimError. */
export type SimErrorCode =
  | "ERR_SIM_BAD_OPTION" // an option out of range or of the wrong type
  | "ERR_SIM_BAD_SEED" // the seed is not a safe integer
  | "ERR_SIM_UNKNOWN_HOST"
  | "ERR_SIM_DUPLICATE_HOST" // a second host with the same name or address
  | "ERR_SIM_DUPLICATE_LINK"
  | "ERR_SIM_UNKNOWN_LINK"
  | "ERR_SIM_PAST" // an action or injection scheduled before the current virtual time
  | "ERR_SIM_BAD_DEADLINE" // an endpoint's nextDeadline() is not a number ≥ 0 (or Infinity)
  | "ERR_SIM_HOST_STUCK" // an endpoint keeps asking to be woken at the same instant without progress
  | "ERR_SIM_REENTRANT" // run*() called from inside an event the simulator is running
  | "ERR_SIM_NO_TRACE" // pcap asked for but the trace sink does not record events
  | "ERR_SIM_NO_TURN"; // runAsync on a simulator given no way to yield to the event loop

/** Misuse of the simulator (bad options, unknown hosts, time running backwards), with a code. */
export class SimError extends Error {
  readonly code: SimErrorCode;

  constructor(code: SimErrorCode, message: string) {
    super(message);
    this.name = "SimError";
    this.code = code;
  }
}
