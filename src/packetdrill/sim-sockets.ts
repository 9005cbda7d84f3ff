// The system calls of a packetdrill script, carried out on our engine (a Host) with Linux's semantics:
// file descriptors, blocking and non-blocking sockets, errno values, the socket options of issue 12.
// Each call is an attempt that either returns an outcome or would block; a blocked call is attempted again
// whenever the engine has moved (./sim-target.ts), and its own timeout (poll, SO_LINGER) is a deadline.
import type { Expr, SyscallSpec } from "./ast.js";
import { PacketdrillUnsupported } from "./errors.js";
import { ERRNO, ExprError, SYMBOLS, evalInt, exprText } from "./symbols.js";
import {
  SCRIPT_PORT,
  compareStruct,
  compareValue,
  lingerArg,
  lingerFields,
  pollArgs,
  pollOutcome,
  scriptFdOf,
  transferArgs,
} from "./call-args.js";
import type { CallOutcome } from "./target.js";
import type { Connection } from "../tcp/connection.js";
import type { Listener } from "../tcp/listen.js";
import { SECOND, MS } from "../tcp/profile.js";
import type { TcpState } from "../tcp/state.js";
import { isSynchronized } from "../tcp/state.js";
import { TcpError } from "../tcp/errors.js";
import type { Host, SocketSettings } from "../tcp/engine.js";

/** Linux's sysctl_wmem_max default and SOCK_MIN_RCVBUF / SOCK_MIN_SNDBUF (sock_setsockopt); rmem_max is the profile's. */
const WMEM_MAX = 212992;
const MIN_RCVBUF = 2304;
const MIN_SNDBUF = 4608;
/** Linux TCP_MIN_MSS and the largest MSS TCP_MAXSEG accepts (MAX_TCP_WINDOW). */
const TCP_MIN_MSS = 88;
const MAX_TCP_WINDOW = 32767;
/** Linux MAX_TCP_KEEPINTVL (seconds) and MAX_TCP_KEEPCNT, the bounds do_tcp_setsockopt checks. */
const MAX_TCP_KEEPINTVL = 32767;
const MAX_TCP_KEEPCNT = 127;
/** TCP_FIN_TIMEOUT_MAX: TCP_LINGER2 is capped at 120 s. */
const FIN_TIMEOUT_MAX = 120 * SECOND;

/** Linux's numbering of TCP states (include/net/tcp_states.h), for tcpi_state. */
const LINUX_STATE: Record<TcpState, number> = {
  ESTABLISHED: 1,
  SYN_SENT: 2,
  SYN_RECEIVED: 3,
  FIN_WAIT_1: 4,
  FIN_WAIT_2: 5,
  TIME_WAIT: 6,
  CLOSED: 7,
  CLOSE_WAIT: 8,
  LAST_ACK: 9,
  LISTEN: 10,
  CLOSING: 11,
};

class SimSocket {
  nonblocking = false;
  reuseAddr = false;
  boundPort: number | undefined;
  listener: Listener | undefined;
  conn: Connection | undefined;
  readonly settings: SocketSettings = {};
  /** Values as set, for getsockopt (setsockopt before the connection exists). */
  rcvbufSet = 0;
  sndbufSet = 0;
  maxSegSet = 0;
  noDelay = false;
  keepAlive = false;
  cork = false;
  userTimeoutMs = 0;
  linger2Secs = 0;
  linger: { on: boolean; secs: number } = { on: false, secs: 0 };
  /** The connection's error was reported once (read/write/SO_ERROR); Linux clears sk_err on report. */
  errorReported = false;
}

export type Attempt = () => CallOutcome | null;

export interface StartedCall {
  attempt: Attempt;
  /** A time at which the attempt must be made again even if nothing else happens (a timeout). */
  wakeAt: number;
}

const ok = (ret: number): CallOutcome => ({ ret });
const fail = (errno: string): CallOutcome => ({ ret: -1, errno });

export class SimSockets {
  private readonly fds = new Map<number, SimSocket>();

  constructor(
    private readonly host: Host,
    private readonly remoteAddr: number,
  ) {}

  /** Starts a call: an attempt to make now and again while it would block. */
  start(spec: SyscallSpec, line: number): StartedCall {
    const u = (reason: string): never => {
      throw new PacketdrillUnsupported(reason, line, 1);
    };
    let started: StartedCall;
    try {
      started = this.dispatch(spec, u);
    } catch (err) {
      if (err instanceof ExprError) u(`${spec.name}: ${err.message}`);
      throw err;
    }
    const attempt = started.attempt;
    return {
      wakeAt: started.wakeAt,
      attempt: () => {
        try {
          return attempt();
        } catch (err) {
          if (err instanceof ExprError) return { ret: -1, unsupported: `${spec.name}: ${err.message}` };
          if (err instanceof PacketdrillUnsupported) return { ret: -1, unsupported: err.reason };
          throw err;
        }
      },
    };
  }

  private now(): number {
    return this.host.time();
  }

  private sock(arg: Expr | undefined): SimSocket | undefined {
    if (!arg) return undefined;
    return this.fds.get(evalInt(arg));
  }

  private scriptFd(spec: SyscallSpec): number {
    return scriptFdOf(spec, (fd) => this.fds.has(fd));
  }

  private dispatch(spec: SyscallSpec, u: (reason: string) => never): StartedCall {
    const a = spec.args;
    const now = (attempt: Attempt): StartedCall => ({ attempt, wakeAt: Infinity });
    const badf = now(() => fail("EBADF"));
    switch (spec.name) {
      case "socket": {
        const type = evalInt(a[1] ?? { kind: "int", value: 1, text: "1" });
        if ((type & 0xf) !== SYMBOLS.SOCK_STREAM) u("socket types other than SOCK_STREAM");
        const s = new SimSocket();
        s.nonblocking = (type & SYMBOLS.SOCK_NONBLOCK!) !== 0;
        const fd = this.scriptFd(spec);
        return now(() => {
          this.fds.set(fd, s);
          return ok(fd);
        });
      }
      case "bind": {
        const s = this.sock(a[0]);
        if (!s) return badf;
        return now(() => {
          if (s.boundPort !== undefined || s.conn || s.listener) return fail("EINVAL");
          if (this.host.bindConflict(SCRIPT_PORT, s.reuseAddr)) return fail("EADDRINUSE");
          s.boundPort = SCRIPT_PORT;
          return ok(0);
        });
      }
      case "listen": {
        const s = this.sock(a[0]);
        if (!s) return badf;
        const backlog = evalInt(a[1]!);
        return now(() => this.listen(s, backlog));
      }
      case "accept":
      case "accept4": {
        const s = this.sock(a[0]);
        if (!s) return badf;
        const fd = this.scriptFd(spec);
        return now(() => this.accept(s, fd));
      }
      case "connect": {
        const s = this.sock(a[0]);
        if (!s) return badf;
        const first = this.connect(s);
        let started = false;
        return now(() => {
          if (!started) {
            started = true;
            if (first) return first;
          }
          return this.connectDone(s);
        });
      }
      case "read":
      case "recv":
      case "recvfrom": {
        const s = this.sock(a[0]);
        if (!s) return badf;
        const { n, flags } = transferArgs(spec, u);
        return now(() => this.read(s, n, flags));
      }
      case "write":
      case "send":
      case "sendto":
      case "sendmsg": {
        const s = this.sock(a[0]);
        if (!s) return badf;
        const { n, flags } = transferArgs(spec, u);
        const state = { written: 0 };
        return now(() => this.write(s, n, flags, state));
      }
      case "close": {
        const fd = evalInt(a[0]!);
        const s = this.fds.get(fd);
        if (!s) return badf;
        return this.close(fd, s);
      }
      case "shutdown": {
        const s = this.sock(a[0]);
        if (!s) return badf;
        const how = evalInt(a[1]!);
        return now(() => this.shutdown(s, how));
      }
      case "setsockopt": {
        const s = this.sock(a[0]);
        if (!s) return badf;
        const level = evalInt(a[1]!);
        const opt = evalInt(a[2]!);
        return now(() => this.setsockopt(s, level, opt, a[3]!, u));
      }
      case "getsockopt": {
        const s = this.sock(a[0]);
        if (!s) return badf;
        const level = evalInt(a[1]!);
        const opt = evalInt(a[2]!);
        return now(() => this.getsockopt(s, level, opt, a[3]!, u));
      }
      case "fcntl": {
        const s = this.sock(a[0]);
        if (!s) return badf;
        const cmd = evalInt(a[1]!);
        if (cmd === SYMBOLS.F_GETFL) {
          return now(() => ok(SYMBOLS.O_RDWR! | (s.nonblocking ? SYMBOLS.O_NONBLOCK! : 0)));
        }
        if (cmd === SYMBOLS.F_SETFL) {
          const flags = evalInt(a[2]!);
          return now(() => {
            s.nonblocking = (flags & SYMBOLS.O_NONBLOCK!) !== 0;
            return ok(0);
          });
        }
        return u(`fcntl command ${exprText(a[1]!)}`);
      }
      case "ioctl": {
        const s = this.sock(a[0]);
        if (!s) return badf;
        const req = evalInt(a[1]!);
        return now(() => this.ioctl(s, req, a[2], u));
      }
      case "poll":
        return this.poll(spec, u);
      default:
        return u(`system call ${spec.name}()`);
    }
  }

  private applySettings(s: SimSocket, conn: Connection): void {
    conn.userTimeout = s.userTimeoutMs * MS;
    if (s.linger2Secs > 0) conn.finWait2Timeout = Math.min(s.linger2Secs * SECOND, FIN_TIMEOUT_MAX);
    if (s.cork) conn.setCork(true, this.now());
  }

  private listen(s: SimSocket, backlog: number): CallOutcome {
    if (s.conn) return fail("EINVAL");
    if (s.listener) return ok(0);
    try {
      const listener = this.host.listen(
        s.boundPort ?? 0,
        { backlog: Math.max(backlog, 0) || 1, reuseAddress: s.reuseAddr, socket: s.settings },
        { onConnection: () => undefined },
      );
      // Children wait in the accept queue until accept(), as in the kernel.
      listener.paused = true;
      s.listener = listener;
      s.boundPort = listener.port;
      return ok(0);
    } catch (err) {
      return errnoOf(err);
    }
  }

  private accept(s: SimSocket, fd: number): CallOutcome | null {
    const listener = s.listener;
    if (!listener || listener.closed) return fail("EINVAL");
    if (listener.acceptQueue.length === 0) return s.nonblocking ? fail("EAGAIN") : null;
    const conn = this.host.accept(listener)!;
    const child = new SimSocket();
    child.conn = conn;
    child.boundPort = listener.port;
    child.noDelay = s.noDelay;
    child.userTimeoutMs = s.userTimeoutMs;
    child.linger2Secs = s.linger2Secs;
    child.linger = { ...s.linger };
    this.applySettings(child, conn);
    if (s.noDelay) conn.setNoDelay(true, this.now());
    this.fds.set(fd, child);
    return ok(fd);
  }

  /** The first connect(): the SYN goes out; a non-blocking socket answers EINPROGRESS. */
  private connect(s: SimSocket): CallOutcome | null {
    if (s.listener) return fail("EISCONN");
    if (s.conn) {
      if (isSynchronized(s.conn.state)) return fail("EISCONN");
      if (s.conn.state === "SYN_SENT" || s.conn.state === "SYN_RECEIVED") return fail("EALREADY");
      return null;
    }
    try {
      const conn = this.host.connect(
        {
          address: this.remoteAddr,
          port: SCRIPT_PORT,
          ...(s.boundPort !== undefined ? { localPort: s.boundPort } : {}),
          reuseAddress: s.reuseAddr,
          noDelay: s.noDelay,
          keepAlive: s.keepAlive,
          socket: s.settings,
        },
        {},
      );
      s.conn = conn;
      this.applySettings(s, conn);
    } catch (err) {
      return errnoOf(err);
    }
    return s.nonblocking ? fail("EINPROGRESS") : null;
  }

  private connectDone(s: SimSocket): CallOutcome | null {
    const conn = s.conn;
    if (!conn) return fail("ENOTCONN");
    if (isSynchronized(conn.state)) return ok(0);
    if (conn.state === "CLOSED") {
      s.errorReported = true;
      return fail(conn.error?.code ?? "ECONNREFUSED");
    }
    return s.nonblocking ? fail("EALREADY") : null;
  }

  private pendingError(s: SimSocket): string | undefined {
    const err = s.conn?.error;
    if (!err || s.errorReported) return undefined;
    s.errorReported = true;
    return err.code;
  }

  private read(s: SimSocket, n: number, flags: number): CallOutcome | null {
    const conn = s.conn;
    if (!conn) return fail(s.listener ? "ENOTCONN" : "ENOTCONN");
    // Linux: after shutdown(SHUT_RD) queued data (and data still arriving) is read as usual; only an empty
    // queue answers end of file instead of waiting.
    if (conn.inq > 0) {
      if (flags & SYMBOLS.MSG_PEEK!) return ok(Math.min(n, conn.inq));
      return ok(conn.read(n, this.now()).length);
    }
    const err = this.pendingError(s);
    if (err) return fail(err);
    if (conn.readShutdown || conn.rcv.finReceived || conn.state === "CLOSED") return ok(0);
    if (conn.state === "SYN_SENT" && !s.nonblocking && !(flags & SYMBOLS.MSG_DONTWAIT!)) return null;
    if (s.nonblocking || flags & SYMBOLS.MSG_DONTWAIT!) return fail("EAGAIN");
    return null;
  }

  private write(s: SimSocket, n: number, flags: number, state: { written: number }): CallOutcome | null {
    const conn = s.conn;
    if (!conn) return fail("EPIPE");
    const err = this.pendingError(s);
    if (err) return state.written > 0 ? ok(state.written) : fail(err);
    if (conn.writeError()) return state.written > 0 ? ok(state.written) : fail("EPIPE");
    const nonblocking = s.nonblocking || (flags & SYMBOLS.MSG_DONTWAIT!) !== 0;
    // Linux (sk_stream_wait_connect): a write waits for the handshake to finish.
    if (conn.state === "SYN_SENT" || conn.state === "SYN_RECEIVED")
      return nonblocking ? fail("EAGAIN") : null;
    const want = n - state.written;
    const room = Math.min(want, conn.writable);
    if (room > 0) {
      const more = (flags & SYMBOLS.MSG_MORE!) !== 0;
      state.written += conn.send(new Uint8Array(room), this.now(), more);
    }
    if (state.written === n) return ok(n);
    if (nonblocking) return state.written > 0 ? ok(state.written) : fail("EAGAIN");
    return null;
  }

  private close(fd: number, s: SimSocket): StartedCall {
    const now = this.now();
    this.fds.delete(fd);
    if (s.listener) {
      this.host.closeListener(s.listener);
      return { attempt: () => ok(0), wakeAt: Infinity };
    }
    const conn = s.conn;
    if (!conn) return { attempt: () => ok(0), wakeAt: Infinity };
    if (s.linger.on && s.linger.secs === 0) {
      conn.abort(now, "close with SO_LINGER 0");
      return { attempt: () => ok(0), wakeAt: Infinity };
    }
    conn.close(now);
    if (!s.linger.on || s.nonblocking) return { attempt: () => ok(0), wakeAt: Infinity };
    // SO_LINGER with a time: close() waits until the FIN is acknowledged or the time is up.
    const until = now + s.linger.secs * SECOND;
    return {
      attempt: () => {
        const st = conn.state;
        const finished = st === "CLOSED" || st === "TIME_WAIT" || st === "FIN_WAIT_2" || conn.snd.finAcked;
        if (finished || this.now() >= until) return ok(0);
        return null;
      },
      wakeAt: until,
    };
  }

  private shutdown(s: SimSocket, how: number): CallOutcome {
    const conn = s.conn;
    if (how < 0 || how > 2) return fail("EINVAL");
    if (!conn || conn.state === "SYN_SENT" || conn.state === "CLOSED") return fail("ENOTCONN");
    if (how === SYMBOLS.SHUT_RD || how === SYMBOLS.SHUT_RDWR) conn.shutdownRead();
    if (how === SYMBOLS.SHUT_WR || how === SYMBOLS.SHUT_RDWR) conn.shutdown(this.now());
    return ok(0);
  }

  private setsockopt(
    s: SimSocket,
    level: number,
    opt: number,
    val: Expr,
    u: (r: string) => never,
  ): CallOutcome {
    const conn = s.conn;
    const now = this.now();
    if (level === SYMBOLS.SOL_SOCKET) {
      switch (opt) {
        case SYMBOLS.SO_REUSEADDR:
          s.reuseAddr = evalInt(val) !== 0;
          return ok(0);
        case SYMBOLS.SO_KEEPALIVE:
          s.keepAlive = evalInt(val) !== 0;
          conn?.setKeepAlive(s.keepAlive, undefined, now);
          return ok(0);
        case SYMBOLS.SO_RCVBUF: {
          const v = Math.max(0, evalInt(val));
          s.rcvbufSet = Math.max(MIN_RCVBUF, 2 * Math.min(v, this.host.profile.rmemMax));
          s.settings.receiveBuffer = s.rcvbufSet;
          return ok(0);
        }
        case SYMBOLS.SO_SNDBUF: {
          const v = Math.max(0, evalInt(val));
          s.sndbufSet = Math.max(MIN_SNDBUF, 2 * Math.min(v, WMEM_MAX));
          s.settings.sendBuffer = s.sndbufSet;
          return ok(0);
        }
        case SYMBOLS.SO_LINGER:
          s.linger = lingerArg(val, u);
          return ok(0);
        default:
          return u(`setsockopt SOL_SOCKET option ${opt}`);
      }
    }
    if (level === SYMBOLS.IPPROTO_TCP) {
      const v = evalInt(val);
      switch (opt) {
        case SYMBOLS.TCP_NODELAY:
          s.noDelay = v !== 0;
          conn?.setNoDelay(s.noDelay, now);
          return ok(0);
        case SYMBOLS.TCP_CORK:
          s.cork = v !== 0;
          conn?.setCork(s.cork, now);
          return ok(0);
        case SYMBOLS.TCP_QUICKACK:
          if (!conn) return u("TCP_QUICKACK on a socket without a connection");
          conn.setQuickAck(v !== 0, now);
          return ok(0);
        case SYMBOLS.TCP_MAXSEG:
          if (v !== 0 && (v < TCP_MIN_MSS || v > MAX_TCP_WINDOW)) return fail("EINVAL");
          s.maxSegSet = v;
          if (v > 0) s.settings.maxSegment = v;
          return ok(0);
        case SYMBOLS.TCP_USER_TIMEOUT:
          if (v < 0) return fail("EINVAL");
          s.userTimeoutMs = v;
          if (conn) conn.userTimeout = v * MS;
          return ok(0);
        case SYMBOLS.TCP_LINGER2:
          if (v < 0) return u("TCP_LINGER2 below 0 (no FIN_WAIT_2 at all)");
          s.linger2Secs = v;
          if (conn) {
            conn.finWait2Timeout =
              v === 0 ? this.host.profile.finWait2Timeout : Math.min(v * SECOND, FIN_TIMEOUT_MAX);
          }
          return ok(0);
        case SYMBOLS.TCP_KEEPIDLE:
          if (v < 1) return fail("EINVAL");
          conn?.setKeepAlive(s.keepAlive, v * SECOND, now);
          return ok(0);
        case SYMBOLS.TCP_KEEPINTVL:
          if (v < 1 || v > MAX_TCP_KEEPINTVL) return fail("EINVAL");
          if (conn) conn.keepAliveInterval = v * SECOND;
          return ok(0);
        case SYMBOLS.TCP_KEEPCNT:
          if (v < 1 || v > MAX_TCP_KEEPCNT) return fail("EINVAL");
          if (conn) conn.keepAliveCount = v;
          return ok(0);
        default:
          return u(`setsockopt IPPROTO_TCP option ${opt}`);
      }
    }
    return u(`setsockopt level ${level}`);
  }

  private getsockopt(
    s: SimSocket,
    level: number,
    opt: number,
    val: Expr,
    u: (r: string) => never,
  ): CallOutcome {
    const conn = s.conn;
    const p = this.host.profile;
    let actual: number;
    if (level === SYMBOLS.SOL_SOCKET) {
      switch (opt) {
        case SYMBOLS.SO_ERROR: {
          const err = this.pendingError(s);
          actual = err ? (ERRNO[err] ?? 0) : 0;
          break;
        }
        case SYMBOLS.SO_REUSEADDR:
          actual = s.reuseAddr ? 1 : 0;
          break;
        case SYMBOLS.SO_KEEPALIVE:
          actual = s.keepAlive ? 1 : 0;
          break;
        case SYMBOLS.SO_RCVBUF:
          actual = s.rcvbufSet || p.receiveBuffer;
          break;
        case SYMBOLS.SO_SNDBUF:
          actual = s.sndbufSet || p.sendBuffer;
          break;
        case SYMBOLS.SO_LINGER:
          return compareStruct(val, lingerFields(s.linger.on ? 1 : 0, s.linger.secs));
        default:
          return u(`getsockopt SOL_SOCKET option ${opt}`);
      }
    } else if (level === SYMBOLS.IPPROTO_TCP) {
      switch (opt) {
        case SYMBOLS.TCP_NODELAY:
          actual = s.noDelay ? 1 : 0;
          break;
        case SYMBOLS.TCP_CORK:
          actual = s.cork ? 1 : 0;
          break;
        case SYMBOLS.TCP_QUICKACK:
          if (!conn) return u("TCP_QUICKACK on a socket without a connection");
          actual = conn.quickAck ? 1 : 0;
          break;
        case SYMBOLS.TCP_MAXSEG:
          // Linux: the current send MSS once connected, else the value set (or the default 536).
          actual = conn && isSynchronized(conn.state) ? conn.info().sndMss : s.maxSegSet || 536;
          break;
        case SYMBOLS.TCP_USER_TIMEOUT:
          actual = s.userTimeoutMs;
          break;
        case SYMBOLS.TCP_LINGER2:
          actual =
            s.linger2Secs > 0
              ? Math.min(s.linger2Secs, FIN_TIMEOUT_MAX / SECOND)
              : p.finWait2Timeout / SECOND;
          break;
        case SYMBOLS.TCP_INFO: {
          if (!conn) return u("TCP_INFO on a socket without a connection");
          return compareStruct(val, this.tcpInfoOf(conn), u);
        }
        default:
          return u(`getsockopt IPPROTO_TCP option ${opt}`);
      }
    } else {
      return u(`getsockopt level ${level}`);
    }
    return compareValue(val, actual, "value");
  }

  /** tcp_info's fields as Linux names them, from the engine's snapshot (Connection.info). */
  private tcpInfoOf(conn: Connection): Record<string, number> {
    const i = conn.info();
    return {
      tcpi_state: LINUX_STATE[this.host.stateOf(conn)],
      tcpi_rto: i.rto,
      tcpi_rtt: i.rtt,
      tcpi_rttvar: i.rttvar,
      tcpi_snd_cwnd: i.cwnd,
      tcpi_snd_ssthresh: i.ssthresh,
      tcpi_retransmits: i.retransmits,
      tcpi_backoff: i.backoff,
      tcpi_probes: i.probes,
      tcpi_snd_mss: i.sndMss,
      tcpi_rcv_mss: i.rcvMss,
      tcpi_unacked: i.unacked,
      tcpi_snd_wscale: i.sndWscale,
      tcpi_rcv_wscale: i.rcvWscale,
    };
  }

  /** The tcp_info snapshot of a script fd, or undefined (no such fd, or no connection behind it). */
  tcpInfo(fd: number): Record<string, number> | undefined {
    const s = this.fds.get(fd);
    if (!s) return undefined;
    if (s.conn) return this.tcpInfoOf(s.conn);
    return { tcpi_state: s.listener ? LINUX_STATE.LISTEN : LINUX_STATE.CLOSED };
  }

  private ioctl(s: SimSocket, req: number, val: Expr | undefined, u: (r: string) => never): CallOutcome {
    const conn = s.conn;
    if (req === SYMBOLS.SIOCINQ || req === SYMBOLS.SIOCOUTQ || req === SYMBOLS.SIOCOUTQNSD) {
      if (s.listener || !conn) return fail("EINVAL");
      const actual =
        req === SYMBOLS.SIOCINQ
          ? conn.inq
          : req === SYMBOLS.SIOCOUTQ
            ? conn.outq
            : Math.max(0, conn.snd.unsent);
      return val ? compareValue(val, actual, "value") : ok(0);
    }
    return u(`ioctl request ${req}`);
  }

  private revents(fd: number, events: number): number {
    const s = this.fds.get(fd);
    if (!s) return SYMBOLS.POLLNVAL!;
    let r = 0;
    if (s.listener) {
      if (s.listener.acceptQueue.length > 0) r |= SYMBOLS.POLLIN! | SYMBOLS.POLLRDNORM!;
    } else if (s.conn) {
      const c = s.conn;
      const closed = c.state === "CLOSED";
      const rdhup = c.rcv.finReceived || c.readShutdown;
      if (c.inq > 0 || rdhup || closed) r |= SYMBOLS.POLLIN! | SYMBOLS.POLLRDNORM!;
      if (rdhup) r |= SYMBOLS.POLLRDHUP!;
      if (isSynchronized(c.state) && !c.snd.finQueued && c.writable > 0)
        r |= SYMBOLS.POLLOUT! | SYMBOLS.POLLWRNORM!;
      if (c.error && !s.errorReported) r |= SYMBOLS.POLLERR!;
      if (closed || (c.snd.finQueued && rdhup)) r |= SYMBOLS.POLLHUP!;
    } else {
      r |= SYMBOLS.POLLOUT! | SYMBOLS.POLLHUP!; // Linux: an unconnected TCP socket
    }
    return r & (events | SYMBOLS.POLLERR! | SYMBOLS.POLLHUP! | SYMBOLS.POLLNVAL!);
  }

  private poll(spec: SyscallSpec, u: (r: string) => never): StartedCall {
    const { entries, timeoutMs } = pollArgs(spec, u);
    const until = timeoutMs < 0 ? Infinity : this.now() + timeoutMs * MS;
    return {
      wakeAt: until,
      attempt: () => {
        const got = entries.map((e) => this.revents(e.fd, e.events));
        const ready = got.filter((r) => r !== 0).length;
        if (ready === 0 && this.now() < until) return null;
        return pollOutcome(entries, ready, got);
      },
    };
  }
}

function errnoOf(err: unknown): CallOutcome {
  if (err instanceof TcpError) return fail(err.code);
  throw err;
}
