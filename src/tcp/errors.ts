// Errors the application sees, with Node's codes so code written for `net` handles them unchanged.

/** The codes of TcpError (Node's errno names). */
export type TcpErrorCode =
  | "ECONNREFUSED"
  | "ECONNRESET"
  | "ETIMEDOUT"
  | "EPIPE"
  | "EADDRINUSE"
  | "EADDRNOTAVAIL"
  | "ENOTCONN"
  | "EINVAL"
  | "ECONNABORTED"
  | "ENETUNREACH";

const MESSAGES: Record<TcpErrorCode, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by peer",
  ETIMEDOUT: "connection timed out",
  EPIPE: "broken pipe: the connection is closing for writing",
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "cannot assign requested address",
  ENOTCONN: "socket is not connected",
  EINVAL: "invalid argument",
  ECONNABORTED: "connection aborted",
  ENETUNREACH: "network is unreachable",
};

/** An error of TCP itself, with Node's code (`ECONNREFUSED`...), so code written for node:net handles it unchanged. */
export class TcpError extends Error {
  readonly code: TcpErrorCode;
  readonly errno: TcpErrorCode;
  syscall: string;
  address?: string;
  port?: number;

  constructor(code: TcpErrorCode, syscall: string, detail?: string) {
    super(`${syscall} ${code}${detail ? ` ${detail}` : ""}: ${MESSAGES[code]}`);
    this.name = "TcpError";
    this.code = code;
    this.errno = code;
    this.syscall = syscall;
  }
}
