// Errors of the packetdrill runner, each with a code (ERR_TCPLAB_*), never a crash.

/** A script that is not valid packetdrill (or not the subset we read): line and column, exit 2. */
export class PacketdrillParseError extends Error {
  readonly code = "ERR_TCPLAB_PACKETDRILL_PARSE";
  constructor(
    readonly detail: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${detail}`);
    this.name = "PacketdrillParseError";
  }
}

/** A script that is valid packetdrill but uses something tcplab cannot run (reported as UNSUPPORTED). */
export class PacketdrillUnsupported extends Error {
  readonly code = "ERR_TCPLAB_PACKETDRILL_UNSUPPORTED";
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = "PacketdrillUnsupported";
  }
}

/** The kernel target cannot run here (no root, no /dev/net/tun, no addon): exit 2, like bad usage. */
export class PacketdrillTargetError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "PacketdrillTargetError";
  }
}
