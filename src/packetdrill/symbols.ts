// The symbolic constants scripts use (Linux values, x86-64 ABI) and the evaluation of syscall arguments.
import type { Expr } from "./ast.js";

/** Linux values of the names scripts write. Only names with a meaning here are listed. */
export const SYMBOLS: Readonly<Record<string, number>> = {
  AF_INET: 2,
  AF_INET6: 10,
  PF_INET: 2,
  SOCK_STREAM: 1,
  SOCK_NONBLOCK: 0o4000,
  IPPROTO_TCP: 6,
  IPPROTO_IP: 0,
  SOL_SOCKET: 1,
  SOL_TCP: 6,
  SO_REUSEADDR: 2,
  SO_ERROR: 4,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_KEEPALIVE: 9,
  SO_LINGER: 13,
  SO_REUSEPORT: 15,
  TCP_NODELAY: 1,
  TCP_MAXSEG: 2,
  TCP_CORK: 3,
  TCP_KEEPIDLE: 4,
  TCP_KEEPINTVL: 5,
  TCP_KEEPCNT: 6,
  TCP_LINGER2: 8,
  TCP_INFO: 11,
  TCP_QUICKACK: 12,
  TCP_USER_TIMEOUT: 18,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  O_RDONLY: 0,
  O_WRONLY: 1,
  O_RDWR: 2,
  O_NONBLOCK: 0o4000,
  SIOCINQ: 0x541b,
  FIONREAD: 0x541b,
  SIOCOUTQ: 0x5411,
  TIOCOUTQ: 0x5411,
  SIOCOUTQNSD: 0x894b,
  MSG_PEEK: 0x2,
  MSG_DONTWAIT: 0x40,
  MSG_WAITALL: 0x100,
  MSG_NOSIGNAL: 0x4000,
  MSG_MORE: 0x8000,
  POLLIN: 0x1,
  POLLPRI: 0x2,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  POLLRDNORM: 0x40,
  POLLWRNORM: 0x100,
  POLLRDHUP: 0x2000,
  TCP_ESTABLISHED: 1,
  TCP_SYN_SENT: 2,
  TCP_SYN_RECV: 3,
  TCP_FIN_WAIT1: 4,
  TCP_FIN_WAIT2: 5,
  TCP_TIME_WAIT: 6,
  TCP_CLOSE: 7,
  TCP_CLOSE_WAIT: 8,
  TCP_LAST_ACK: 9,
  TCP_LISTEN: 10,
  TCP_CLOSING: 11,
  TCP_CA_Open: 0,
  TCP_CA_Disorder: 1,
  TCP_CA_CWR: 2,
  TCP_CA_Recovery: 3,
  TCP_CA_Loss: 4,
};

/** errno names and numbers (Linux x86-64), for SO_ERROR and the kernel target. */
export const ERRNO: Readonly<Record<string, number>> = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  EPIPE: 32,
  ENOPROTOOPT: 92,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
};

export function errnoName(n: number): string {
  for (const [k, v] of Object.entries(ERRNO)) if (v === n) return k;
  return `errno ${n}`;
}

export class ExprError extends Error {}

/** An integer argument: a number, a known name, `A|B`, or `[n]` (a one-element array, as setsockopt's). */
export function evalInt(e: Expr | undefined): number {
  if (!e) throw new ExprError("an argument is missing");
  switch (e.kind) {
    case "int":
      return e.value;
    case "word": {
      // errno names are values too (getsockopt(fd, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4])).
      const v = SYMBOLS[e.name] ?? ERRNO[e.name];
      if (v === undefined) throw new ExprError(`unknown symbol ${e.name}`);
      return v;
    }
    case "or":
      return evalInt(e.lhs) | evalInt(e.rhs);
    case "list":
      if (e.items.length === 1) return evalInt(e.items[0]!);
      throw new ExprError("expected one integer in [ ]");
    case "call":
      if ((e.name === "htons" || e.name === "htonl" || e.name === "ntohs") && e.args.length === 1) {
        return evalInt(e.args[0]!);
      }
      throw new ExprError(`unsupported function ${e.name}()`);
    default:
      throw new ExprError(`expected an integer but found ${exprText(e)}`);
  }
}

/** The fields of a `{name=value, ...}` struct as numbers (words as symbols); positional items get `#i`. */
export function structFields(e: Expr | undefined): Map<string, Expr> {
  if (!e) throw new ExprError("an argument is missing");
  if (e.kind !== "struct") throw new ExprError(`expected a {…} struct but found ${exprText(e)}`);
  const m = new Map<string, Expr>();
  e.fields.forEach((f, i) => m.set(f.name ?? `#${i}`, f.value));
  return m;
}

export function exprText(e: Expr): string {
  switch (e.kind) {
    case "int":
      return e.text;
    case "word":
      return e.name;
    case "ellipsis":
      return "...";
    case "string":
      return JSON.stringify(e.value);
    case "list":
      return `[${e.items.map(exprText).join(", ")}]`;
    case "struct":
      return `{${e.fields.map((f) => (f.name ? `${f.name}=${exprText(f.value)}` : exprText(f.value))).join(", ")}}`;
    case "or":
      return `${exprText(e.lhs)}|${exprText(e.rhs)}`;
    case "call":
      return `${e.name}(${e.args.map(exprText).join(", ")})`;
  }
}
