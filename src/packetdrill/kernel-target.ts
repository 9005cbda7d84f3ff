// --target kernel: the same script against Linux's own TCP, as packetdrill itself runs it — inside a
// private network namespace made for the run (src/tun/netns.ts), the system calls on real kernel sockets,
// packets injected and captured on a TUN device, in real time.
//
// Inside the namespace: tun0 holds the local address 192.168.0.1/16 and a route sends 192.0.2.0/24 (the
// scripted peer, TEST-NET-1) into it; nothing else exists, so no packet can leave. packetdrill's defaults
// and the script's sysctls are written inside the namespace (the TCP sysctls are per namespace).
//
// Every call runs on libuv's thread pool (the addon's socketCall), so the loop keeps moving packets while
// a call is in the kernel. The kernel sockets are non-blocking; a call the script makes on a blocking
// socket waits with poll(2) and tries again — the same answer, and no thread is ever stuck in a call the
// run has given up on.
import type { Expr, SyscallSpec } from "./ast.js";
import type { RunConfig, Sysctl } from "./environment.js";
import { PacketdrillTargetError, PacketdrillUnsupported } from "./errors.js";
import { LOCAL_ADDRESS, LOCAL_ADDRESS6, REMOTE_ADDRESS, runAddresses } from "./runner.js";
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
import { ERRNO, ExprError, SYMBOLS, errnoName, evalInt, exprText } from "./symbols.js";
import type { CallOutcome, Captured, PendingCall, Target, TargetAddresses } from "./target.js";
import { loadTunAddon, tunAvailability, type NativeTunDevice } from "../tun/addon.js";
import { NetworkNamespace } from "../tun/netns.js";
import { formatIPv4 } from "../wire/address.js";
import { ipv6Of, isIPv6Id } from "../wire/address-table.js";

const OP = {
  SOCKET: 0,
  BIND: 1,
  LISTEN: 2,
  ACCEPT: 3,
  CONNECT: 4,
  RECV: 5,
  SEND: 6,
  CLOSE: 7,
  SHUTDOWN: 8,
  SETSOCKOPT_INT: 9,
  GETSOCKOPT_INT: 10,
  SETSOCKOPT_LINGER: 11,
  GETSOCKOPT_LINGER: 12,
  TCP_INFO: 13,
  FCNTL: 14,
  IOCTL_INT: 15,
  POLL: 16,
  PACKET_OPEN: 17,
  PACKET_RECV: 18,
} as const;

/** The order native/socket_call.c writes tcp_info's fields in. */
const TCP_INFO_FIELDS = [
  "tcpi_state",
  "tcpi_ca_state",
  "tcpi_retransmits",
  "tcpi_probes",
  "tcpi_backoff",
  "tcpi_snd_wscale",
  "tcpi_rcv_wscale",
  "tcpi_rto",
  "tcpi_ato",
  "tcpi_snd_mss",
  "tcpi_rcv_mss",
  "tcpi_unacked",
  "tcpi_sacked",
  "tcpi_lost",
  "tcpi_retrans",
  "tcpi_rtt",
  "tcpi_rttvar",
  "tcpi_snd_ssthresh",
  "tcpi_snd_cwnd",
  "tcpi_advmss",
  "tcpi_reordering",
  "tcpi_total_retrans",
];

interface RawResult {
  ret: number;
  errno: number;
  out: number[];
}

type SocketCall = (op: number, args: number[], nsPath?: string, ifname?: string) => Promise<RawResult>;

/** How long one poll(2) of a blocked call waits before looking again (so a cancelled call ends soon). */
const POLL_SLICE_MS = 50;

interface KSock {
  fd: number;
  /** O_NONBLOCK as the script set it (the kernel fd itself is always non-blocking). */
  nonblocking: boolean;
}

interface KPending extends PendingCall {
  promise: Promise<void>;
  cancelled: boolean;
  /** Resolves when the call returns or first waits in poll(2) (it blocks). */
  settled: Promise<void>;
  markSettled: () => void;
}

const ok = (ret: number): CallOutcome => ({ ret });
const fail = (errno: string): CallOutcome => ({ ret: -1, errno });

export class KernelTarget implements Target {
  readonly name = "kernel" as const;
  readonly addresses: TargetAddresses;
  /** Real time is not free: a late packet is reported as missing. */
  readonly lateHorizon = 0;
  private readonly start = performance.now();
  private readonly queue: Captured[] = [];
  private wake: (() => void) | undefined;
  private readonly fds = new Map<number, KSock>();
  private readonly calls = new Set<KPending>();

  /** Kernel send times (µs, our clock) and lengths of outbound packets, from the packet socket, in order. */
  private readonly stamps: Array<{ time: number; len: number }> = [];
  /** Our clock's zero as CLOCK_REALTIME µs, to read the kernel's timestamps. */
  private readonly epochZero = (performance.timeOrigin + this.start) * 1000;

  constructor(
    private readonly ipVersion: 4 | 6,
    private readonly ns: NetworkNamespace,
    private readonly tun: NativeTunDevice,
    private readonly socketCall: SocketCall,
    /** A packet socket on tun0 with kernel timestamps (packetdrill's clock for outbound packets), if any. */
    private readonly packetFd: number | undefined,
  ) {
    this.addresses = runAddresses(ipVersion);
    tun.start(
      (packets) => {
        const t = this.now();
        for (const p of packets)
          if (p.length >= 20 && (p[0]! >> 4 === 4 || p[0]! >> 4 === 6))
            this.queue.push({ bytes: p, time: t });
        this.wake?.();
      },
      () => this.wake?.(),
    );
  }

  now(): number {
    return Math.round((performance.now() - this.start) * 1000);
  }

  async advanceTo(t: number): Promise<void> {
    for (;;) {
      const left = t - this.now();
      if (left <= 0) return;
      // A timer for most of the wait, then short hops: timers fire late by a millisecond or so.
      await sleepMs(left > 2000 ? (left - 1500) / 1000 : 0);
    }
  }

  inject(bytes: Uint8Array): Promise<void> {
    this.tun.write(bytes);
    return Promise.resolve();
  }

  /**
   * The time the kernel sent a packet, as packetdrill takes it (a packet socket's kernel timestamp), not the
   * time this process read it from the TUN device, which adds our scheduling latency. Falls back to the
   * read time without a packet socket.
   */
  private async kernelTime(p: Captured): Promise<Captured> {
    if (this.packetFd === undefined) return p;
    for (;;) {
      const r = await this.socketCall(OP.PACKET_RECV, [this.packetFd]);
      for (let i = 0; i + 2 < r.out.length; i += 3) {
        this.stamps.push({
          time: Math.round(r.out[i]! * 1e6 + r.out[i + 1]! / 1e3 - this.epochZero),
          len: r.out[i + 2]!,
        });
      }
      if (r.ret < 13) break; // the last batch was not full: the queue is drained
    }
    // Both see the device's transmissions in the same order; a length that differs means a stamp was lost.
    while (this.stamps.length > 0 && this.stamps[0]!.len !== p.bytes.length) this.stamps.shift();
    const stamp = this.stamps.shift();
    return stamp && stamp.time <= p.time ? { bytes: p.bytes, time: Math.max(0, stamp.time) } : p;
  }

  async nextOutbound(limit: number): Promise<Captured | undefined> {
    for (;;) {
      const head = this.queue.shift();
      if (head) return this.kernelTime(head);
      const left = limit - this.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 2 ** 31 - 1) / 1000);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  startCall(spec: SyscallSpec, line: number): PendingCall {
    let run: () => Promise<CallOutcome>;
    try {
      run = this.prepare(spec, (reason) => {
        throw new PacketdrillUnsupported(reason, line, 1);
      });
    } catch (err) {
      if (err instanceof ExprError) throw new PacketdrillUnsupported(`${spec.name}: ${err.message}`, line, 1);
      throw err;
    }
    let markSettled = () => {};
    const settled = new Promise<void>((r) => (markSettled = r));
    const p: KPending = {
      name: spec.name,
      done: false,
      outcome: undefined,
      doneAt: 0,
      cancelled: false,
      promise: Promise.resolve(),
      settled,
      markSettled,
    };
    this.current = p;
    p.promise = run().then(
      (outcome) => {
        p.done = true;
        p.outcome = outcome;
        p.doneAt = this.now();
        this.calls.delete(p);
        p.markSettled();
      },
      (err: unknown) => {
        p.done = true;
        p.outcome =
          err instanceof PacketdrillUnsupported || err instanceof ExprError
            ? {
                ret: -1,
                unsupported: `${spec.name}: ${err instanceof PacketdrillUnsupported ? err.reason : err.message}`,
              }
            : { ret: -1, errno: "EIO", mismatch: `the call failed in tcplab: ${String(err)}` };
        p.doneAt = this.now();
        this.calls.delete(p);
        p.markSettled();
      },
    );
    this.calls.add(p);
    return p;
  }

  async settle(call: PendingCall): Promise<void> {
    await (call as KPending).settled;
  }

  async waitCall(call: PendingCall, limit: number): Promise<void> {
    const p = call as KPending;
    const left = limit - this.now();
    if (p.done || left <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([p.promise, new Promise<void>((r) => (timer = setTimeout(r, left / 1000)))]);
    clearTimeout(timer);
  }

  async tcpInfo(fd: number): Promise<Record<string, number> | undefined> {
    const s = this.fds.get(fd);
    if (!s) return undefined;
    const r = await this.raw(OP.TCP_INFO, [s.fd]);
    if (r.ret < 0) return undefined;
    const fields: Record<string, number> = {};
    TCP_INFO_FIELDS.forEach((name, i) => (fields[name] = r.out[i]!));
    return fields;
  }

  async close(): Promise<void> {
    for (const c of this.calls) c.cancelled = true;
    this.tun.stop();
    // Wait for calls still in the kernel (each looks again within POLL_SLICE_MS), then close our fds:
    // a socket fd keeps its namespace alive.
    await Promise.race([Promise.all([...this.calls].map((c) => c.promise)), sleepMs(2000)]);
    for (const s of this.fds.values()) await this.socketCall(OP.CLOSE, [s.fd]).catch(() => undefined);
    if (this.packetFd !== undefined) await this.socketCall(OP.CLOSE, [this.packetFd]).catch(() => undefined);
    this.fds.clear();
    await this.ns.close();
  }

  // ---------------------------------------------------------------- system calls

  private current: KPending | undefined;

  private async raw(op: number, args: number[]): Promise<RawResult> {
    return this.socketCall(op, args, this.ns.path);
  }

  private outcome(r: RawResult): CallOutcome {
    return r.ret < 0 ? fail(errnoName(r.errno)) : ok(r.ret);
  }

  /**
   * Repeats a non-blocking attempt until it stops saying EAGAIN, waiting for `events` in between, when the
   * script's socket blocks; a non-blocking one gets the EAGAIN.
   */
  private async blocking(
    s: KSock,
    events: number,
    dontWait: boolean,
    attempt: () => Promise<CallOutcome | "again">,
  ): Promise<CallOutcome> {
    const me = this.current!;
    for (;;) {
      const r = await attempt();
      if (r !== "again") return r;
      if (s.nonblocking || dontWait) return fail("EAGAIN");
      if (me.cancelled) return fail("EINTR");
      me.markSettled(); // it blocks
      await this.raw(OP.POLL, [POLL_SLICE_MS, 1, s.fd, events]);
    }
  }

  /** The socket-address arguments of bind/connect: [addr, port] for IPv4, [port, w0..w3] for IPv6. */
  private sockaddr(addr: number): number[] {
    if (!isIPv6Id(addr)) return [addr, SCRIPT_PORT];
    const a = ipv6Of(addr);
    return [SCRIPT_PORT, a.w0, a.w1, a.w2, a.w3];
  }

  private prepare(spec: SyscallSpec, u: (reason: string) => never): () => Promise<CallOutcome> {
    const a = spec.args;
    const sockOf = (e: Expr | undefined): KSock | undefined => (e ? this.fds.get(evalInt(e)) : undefined);
    const s = spec.name === "socket" || spec.name === "poll" ? undefined : sockOf(a[0]);
    const badf = () => Promise.resolve(fail("EBADF"));
    const scriptFd = (): number => scriptFdOf(spec, (fd) => this.fds.has(fd));
    if (spec.name !== "socket" && spec.name !== "poll" && !s) return badf;
    switch (spec.name) {
      case "socket": {
        const type = evalInt(a[1] ?? { kind: "int", value: 1, text: "1" });
        if ((type & 0xf) !== SYMBOLS.SOCK_STREAM) u("socket types other than SOCK_STREAM");
        const fd = scriptFd();
        return async () => {
          // --ip-version 6: packetdrill opens its configured socket domain (AF_INET6) whatever the script says.
          const r = await this.raw(OP.SOCKET, [
            SYMBOLS.SOCK_STREAM! | SYMBOLS.SOCK_NONBLOCK!,
            this.ipVersion,
          ]);
          if (r.ret < 0) return this.outcome(r);
          this.fds.set(fd, { fd: r.ret, nonblocking: (type & SYMBOLS.SOCK_NONBLOCK!) !== 0 });
          return ok(fd);
        };
      }
      case "bind":
        return async () =>
          this.outcome(await this.raw(OP.BIND, [s!.fd, ...this.sockaddr(this.addresses.local)]));
      case "listen": {
        const backlog = evalInt(a[1]!);
        return async () => this.outcome(await this.raw(OP.LISTEN, [s!.fd, backlog]));
      }
      case "accept":
      case "accept4": {
        const fd = scriptFd();
        return () =>
          this.blocking(s!, SYMBOLS.POLLIN!, false, async () => {
            const r = await this.raw(OP.ACCEPT, [s!.fd]);
            if (r.ret < 0) return r.errno === ERRNO.EAGAIN ? "again" : this.outcome(r);
            this.fds.set(fd, { fd: r.ret, nonblocking: false });
            return ok(fd);
          });
      }
      case "connect":
        return async () => {
          const me = this.current!;
          const r = await this.raw(OP.CONNECT, [s!.fd, ...this.sockaddr(this.addresses.remote)]);
          if (r.ret === 0 || r.errno !== ERRNO.EINPROGRESS) return this.outcome(r);
          if (s!.nonblocking) return fail("EINPROGRESS");
          // A blocking connect: wait for the handshake, then its result is SO_ERROR.
          me.markSettled();
          for (;;) {
            const p = await this.raw(OP.POLL, [POLL_SLICE_MS, 1, s!.fd, SYMBOLS.POLLOUT!]);
            if (me.cancelled) return fail("EINTR");
            if (p.ret > 0) break;
          }
          const e = await this.raw(OP.GETSOCKOPT_INT, [s!.fd, SYMBOLS.SOL_SOCKET!, SYMBOLS.SO_ERROR!]);
          return e.out[0] ? fail(errnoName(e.out[0])) : ok(0);
        };
      case "read":
      case "recv":
      case "recvfrom": {
        const { n, flags } = transferArgs(spec, u);
        return () =>
          this.blocking(s!, SYMBOLS.POLLIN!, (flags & SYMBOLS.MSG_DONTWAIT!) !== 0, async () => {
            const r = await this.raw(OP.RECV, [s!.fd, n, flags | SYMBOLS.MSG_DONTWAIT!]);
            return r.ret < 0 && r.errno === ERRNO.EAGAIN ? "again" : this.outcome(r);
          });
      }
      case "write":
      case "send":
      case "sendto":
      case "sendmsg": {
        const { n, flags } = transferArgs(spec, u);
        let written = 0;
        return () =>
          this.blocking(s!, SYMBOLS.POLLOUT!, (flags & SYMBOLS.MSG_DONTWAIT!) !== 0, async () => {
            const r = await this.raw(OP.SEND, [s!.fd, n - written, flags | SYMBOLS.MSG_DONTWAIT!]);
            if (r.ret >= 0) written += r.ret;
            if (written === n) return ok(n);
            if (r.ret < 0 && r.errno !== ERRNO.EAGAIN) return written > 0 ? ok(written) : this.outcome(r);
            if (s!.nonblocking || flags & SYMBOLS.MSG_DONTWAIT!)
              return written > 0 ? ok(written) : fail("EAGAIN");
            return "again";
          });
      }
      case "close": {
        const fd = evalInt(a[0]!);
        return async () => {
          this.fds.delete(fd);
          return this.outcome(await this.raw(OP.CLOSE, [s!.fd]));
        };
      }
      case "shutdown": {
        const how = evalInt(a[1]!);
        return async () => this.outcome(await this.raw(OP.SHUTDOWN, [s!.fd, how]));
      }
      case "setsockopt": {
        const level = evalInt(a[1]!);
        const opt = evalInt(a[2]!);
        if (level === SYMBOLS.SOL_SOCKET && opt === SYMBOLS.SO_LINGER) {
          const linger = lingerArg(a[3], u);
          const args = [s!.fd, linger.on ? 1 : 0, linger.secs];
          return async () => this.outcome(await this.raw(OP.SETSOCKOPT_LINGER, args));
        }
        const v = evalInt(a[3]!);
        return async () => this.outcome(await this.raw(OP.SETSOCKOPT_INT, [s!.fd, level, opt, v]));
      }
      case "getsockopt": {
        const level = evalInt(a[1]!);
        const opt = evalInt(a[2]!);
        const val = a[3]!;
        if (level === SYMBOLS.SOL_SOCKET && opt === SYMBOLS.SO_LINGER) {
          return async () => {
            const r = await this.raw(OP.GETSOCKOPT_LINGER, [s!.fd]);
            if (r.ret < 0) return this.outcome(r);
            return compareStruct(val, lingerFields(r.out[0]!, r.out[1]!));
          };
        }
        if (level === SYMBOLS.IPPROTO_TCP && opt === SYMBOLS.TCP_INFO) {
          return async () => {
            const r = await this.raw(OP.TCP_INFO, [s!.fd]);
            if (r.ret < 0) return this.outcome(r);
            const fields: Record<string, number> = {};
            TCP_INFO_FIELDS.forEach((name, i) => (fields[name] = r.out[i]!));
            return compareStruct(val, fields, u);
          };
        }
        return async () => {
          const r = await this.raw(OP.GETSOCKOPT_INT, [s!.fd, level, opt]);
          return r.ret < 0 ? this.outcome(r) : compareValue(val, r.out[0]!, "value");
        };
      }
      case "fcntl": {
        const cmd = evalInt(a[1]!);
        if (cmd === SYMBOLS.F_GETFL) {
          return () => Promise.resolve(ok(SYMBOLS.O_RDWR! | (s!.nonblocking ? SYMBOLS.O_NONBLOCK! : 0)));
        }
        if (cmd === SYMBOLS.F_SETFL) {
          const flags = evalInt(a[2]!);
          return () => {
            s!.nonblocking = (flags & SYMBOLS.O_NONBLOCK!) !== 0;
            return Promise.resolve(ok(0));
          };
        }
        return u(`fcntl command ${exprText(a[1]!)}`);
      }
      case "ioctl": {
        const req = evalInt(a[1]!);
        const val = a[2];
        return async () => {
          const r = await this.raw(OP.IOCTL_INT, [s!.fd, req]);
          return r.ret < 0 || !val ? this.outcome(r) : compareValue(val, r.out[0]!, "value");
        };
      }
      case "poll": {
        const { entries, timeoutMs } = pollArgs(spec, u);
        return async () => {
          const args = [timeoutMs, entries.length];
          for (const e of entries) args.push(this.fds.get(e.fd)?.fd ?? -1, e.events);
          const r = await this.raw(OP.POLL, args);
          return r.ret < 0 ? this.outcome(r) : pollOutcome(entries, r.ret, r.out);
        };
      }
      default:
        return u(`system call ${spec.name}()`);
    }
  }
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((r) => (ms <= 0 ? setImmediate(r) : setTimeout(r, ms)));
}

/**
 * A kernel target in a fresh namespace with packetdrill's defaults and the script's sysctls applied.
 * Throws PacketdrillTargetError (ERR_TCPLAB_PACKETDRILL_KERNEL_UNAVAILABLE) where that cannot be done.
 */
export async function makeKernelTarget(config: RunConfig, sysctls: Sysctl[]): Promise<Target> {
  const avail = tunAvailability();
  if (!avail.ok) {
    throw new PacketdrillTargetError(
      "ERR_TCPLAB_PACKETDRILL_KERNEL_UNAVAILABLE",
      `--target kernel needs root, /dev/net/tun and the native addon: ${avail.message}`,
    );
  }
  const addon = loadTunAddon() as unknown as { socketCall?: SocketCall };
  if (typeof addon.socketCall !== "function") {
    throw new PacketdrillTargetError(
      "ERR_TCPLAB_PACKETDRILL_KERNEL_UNAVAILABLE",
      'the native addon predates --target kernel (no socketCall); rebuild it with "node scripts/build-native.mjs"',
    );
  }
  const ns = await NetworkNamespace.create();
  try {
    for (const s of sysctls) {
      // Written through /proc/sys as seen from inside the namespace (the net.* entries are per namespace).
      const path = `/proc/sys/${s.name.replace(/\./g, "/")}`;
      const r = await ns.run("sh", [
        "-c",
        'printf "%s\\n" "$2" > "$1"',
        "sh",
        path,
        s.value.replace(/^["']|["']$/g, ""),
      ]);
      // defaults.sh settings a kernel lacks are skipped, as defaults.sh itself ignores their failure.
      if (r.code !== 0 && s.line > 0) {
        throw new PacketdrillUnsupported(
          `sysctl ${s.name}=${s.value} cannot be set in a network namespace here: ${r.stderr.trim()}`,
          s.line,
          1,
        );
      }
    }
    const v6 = config.ipVersion === 6;
    const tun = await ns.openTun({
      name: "tun0",
      kernelAddress: formatIPv4(LOCAL_ADDRESS),
      prefixLength: 16,
      mtu: config.mtu,
      ...(v6 ? { kernelAddress6: LOCAL_ADDRESS6 } : {}),
    });
    await ns.runChecked("ip", [
      "route",
      "add",
      `${formatIPv4((REMOTE_ADDRESS & 0xffffff00) >>> 0)}/24`,
      "dev",
      "tun0",
    ]);
    // The scripted peer's /48 (packetdrill routes it via a gateway; a TUN device needs no next hop).
    if (v6) await ns.runChecked("ip", ["-6", "route", "add", "fd3d:fa7b:d17d::/48", "dev", "tun0"]);
    const socketCall = addon.socketCall.bind(addon);
    const packet = await socketCall(OP.PACKET_OPEN, [0], ns.path, "tun0");
    return new KernelTarget(config.ipVersion, ns, tun, socketCall, packet.ret >= 0 ? packet.ret : undefined);
  } catch (err) {
    await ns.close();
    throw err;
  }
}
