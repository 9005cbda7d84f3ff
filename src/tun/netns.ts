// A private network namespace for running our stack on a TUN device against the kernel's TCP.
//
// The namespace is anonymous: the addon unshares it on a throwaway thread and hands back an fd,
// and that fd (plus the TUN devices opened in it) is all that keeps it alive. Nothing is mounted
// under /var/run/netns, no name can collide, and if this process dies in any way, even by SIGKILL,
// the kernel removes the namespace with its devices, routes and sockets. Commands run inside it
// through `nsenter --net=/proc/<our pid>/fd/<fd>`. See docs/tun.md for why this shape was chosen.
//
// Inside: lo is up, and each TUN device gets the kernel-side address (10.77.0.1/24 by default);
// our stack uses another address of that subnet (10.77.0.2), so every packet the kernel sends to it
// goes into the TUN device and nothing can leave the namespace: it has no other interface.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { closeSync, readdirSync, readlinkSync } from "node:fs";
import { explainTunFailure, loadTunAddon, type NativeTunDevice } from "./addon.js";
import { NetnsError } from "./errors.js";
import { requireProgram } from "./tools.js";

/** The kernel's address on the TUN device (inside the namespace only). */
export const KERNEL_ADDRESS = "10.77.0.1";
/** The address our stack uses behind the TUN device. */
export const STACK_ADDRESS = "10.77.0.2";
export const TUN_PREFIX_LENGTH = 24;
/**
 * IPv6 (tun serve/connect --ipv6): a unique local prefix (RFC 4193), fd00:77::/64, so nothing in the
 * namespace has a globally routable address; the kernel is ::1 of it, our stack ::2.
 */
export const KERNEL_ADDRESS6 = "fd00:77::1";
export const STACK_ADDRESS6 = "fd00:77::2";
export const TUN_PREFIX_LENGTH6 = 64;
export const DEFAULT_TUN_NAME = "tcplab0";
export const DEFAULT_TUN_MTU = 1500;

/** How the TUN device is set up in the namespace. */
export interface TunConfig {
  /** Interface name, at most 15 characters of [A-Za-z0-9_.-] (default tcplab0). */
  name?: string;
  /** Address the kernel side gets on the device (default 10.77.0.1). */
  kernelAddress?: string;
  prefixLength?: number;
  mtu?: number;
  /**
   * Also give the kernel side this IPv6 address (/64). Without it IPv6 is disabled on the device. With
   * it, the device carries IPv6 but nothing of IPv6's own chatter: no link-local address, no router
   * solicitations, no duplicate address detection (a TUN device has no neighbours to ask, RFC 4861 has
   * nothing to do on it), so the only IPv6 packets into our stack are the kernel's TCP.
   */
  kernelAddress6?: string;
}

/** What a command run in the namespace did. */
export interface RunResult {
  /** Exit status, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of NetworkNamespace.run. */
export interface RunOptions {
  /** Written to the command's standard input, which is then closed. */
  input?: string | Uint8Array;
  /** Kill the command (SIGKILL) after this many milliseconds: a safety net, not a measurement. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

const INTERFACE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;

let created = 0;
const open = new Set<NetworkNamespace>();

/** A private network namespace this process made (removed on close() or exit), where commands run with nsenter. */
export class NetworkNamespace {
  /** tcplab-<pid>-<n>: names this namespace in messages and logs. */
  readonly label: string;
  /** The kernel's identity of the namespace, as /proc/<pid>/ns/net links show it ("net:[4026532246]"). */
  readonly identity: string;
  private fd: number;
  private readonly nsenter: string;
  private readonly children = new Set<ChildProcess>();
  private readonly devices = new Set<NativeTunDevice>();

  private constructor(fd: number, nsenter: string) {
    this.fd = fd;
    this.nsenter = nsenter;
    this.label = `tcplab-${process.pid}-${++created}`;
    this.identity = readlinkSync(this.path);
  }

  /** A fresh namespace with lo up. Throws TunUnavailableError where namespaces cannot be made. */
  static async create(): Promise<NetworkNamespace> {
    const nsenter = requireProgram("nsenter", "util-linux");
    requireProgram("ip", "iproute2");
    const addon = loadTunAddon();
    let fd: number;
    try {
      fd = addon.createNetns();
    } catch (err) {
      throw explainTunFailure(err);
    }
    const ns = new NetworkNamespace(fd, nsenter);
    registerForExitCleanup(ns);
    try {
      await ns.runChecked("ip", ["link", "set", "dev", "lo", "up"]);
    } catch (err) {
      await ns.close();
      throw err;
    }
    return ns;
  }

  /** close() was called. */
  get closed(): boolean {
    return this.fd < 0;
  }

  /** A path that names the namespace for `nsenter --net=<path>` while this process lives. */
  get path(): string {
    this.assertOpen();
    return `/proc/${process.pid}/fd/${this.fd}`;
  }

  /** The command a person can type in another terminal to get a shell inside. */
  get enterCommand(): string {
    return `nsenter --net=${this.path}`;
  }

  /** Start a command inside the namespace. It is killed when the namespace closes. */
  spawn(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    this.assertOpen();
    const child = spawn(this.nsenter, [`--net=${this.path}`, "--", command, ...args], options);
    this.children.add(child);
    child.once("exit", () => this.children.delete(child));
    // A spawn failure also ends the child; its "error" is reported by whoever awaits it.
    child.once("error", () => this.children.delete(child));
    return child;
  }

  /** Run a command inside to completion and collect its output (never rejects on a nonzero exit). */
  run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = this.spawn(command, args, {
        stdio: ["pipe", "pipe", "pipe"],
        ...(options.env ? { env: options.env } : {}),
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout?.on("data", (b: Buffer) => out.push(b));
      child.stderr?.on("data", (b: Buffer) => err.push(b));
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
      child.once("error", (e) => {
        if (timer) clearTimeout(timer);
        reject(e);
      });
      child.once("close", (code, signal) => {
        if (timer) clearTimeout(timer);
        resolve({
          code,
          signal,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
        });
      });
      child.stdin?.on("error", () => {
        // The command may exit without reading its input; that is its business, not an error here.
      });
      child.stdin?.end(options.input ?? "");
    });
  }

  /** run(), but a nonzero exit is an ERR_TCPLAB_NETNS_COMMAND error; resolves to stdout. */
  async runChecked(command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
    const r = await this.run(command, args, options);
    if (r.code !== 0) {
      const how = r.code === null ? `was killed by ${r.signal}` : `exited with status ${r.code}`;
      throw new NetnsError(
        "ERR_TCPLAB_NETNS_COMMAND",
        `in namespace ${this.label}: "${[command, ...args].join(" ")}" ${how}: ${r.stderr.trim()}`,
      );
    }
    return r.stdout;
  }

  /**
   * Create a TUN device inside the namespace, give the kernel side its address and bring it up.
   * IPv6 is disabled on it so that the kernel does not send router solicitations and the like into
   * our IPv4-only stack. The device is closed with the namespace.
   */
  async openTun(config: TunConfig = {}): Promise<NativeTunDevice> {
    this.assertOpen();
    const name = config.name ?? DEFAULT_TUN_NAME;
    if (!INTERFACE_NAME.test(name)) {
      throw new RangeError(
        `bad interface name ${JSON.stringify(name)}: 1 to 15 characters of [A-Za-z0-9_.-]`,
      );
    }
    const prefix = config.prefixLength ?? TUN_PREFIX_LENGTH;
    const mtu = config.mtu ?? DEFAULT_TUN_MTU;
    if (!Number.isInteger(prefix) || prefix < 1 || prefix > 30) {
      throw new RangeError(`bad prefix length ${prefix}: 1..30 leaves room for two addresses`);
    }
    if (!Number.isInteger(mtu) || mtu < 576 || mtu > 65535) {
      throw new RangeError(`bad MTU ${mtu}: IPv4 needs 576..65535`);
    }
    if (config.kernelAddress6 !== undefined && mtu < 1280) {
      throw new RangeError(`bad MTU ${mtu}: IPv6 needs at least 1280 (RFC 8200 §5)`);
    }
    let device: NativeTunDevice;
    try {
      device = loadTunAddon().openTun(name, this.fd);
    } catch (err) {
      throw explainTunFailure(err);
    }
    this.devices.add(device);
    try {
      if (config.kernelAddress6 === undefined) {
        await this.runChecked("sh", [
          "-c",
          'p=/proc/sys/net/ipv6/conf/$1/disable_ipv6; [ ! -e "$p" ] || echo 1 > "$p"',
          "sh",
          device.name,
        ]);
      } else {
        // Before the link comes up: addr_gen_mode 1 makes no link-local address (so no MLD reports for
        // its solicited-node group either), and no router solicitations or DAD probes are sent.
        await this.runChecked("sh", [
          "-c",
          "d=/proc/sys/net/ipv6/conf/$1; echo 0 > $d/disable_ipv6 && echo 1 > $d/addr_gen_mode && " +
            "echo 0 > $d/accept_ra && echo 0 > $d/router_solicitations && echo 0 > $d/dad_transmits",
          "sh",
          device.name,
        ]);
      }
      const address = `${config.kernelAddress ?? KERNEL_ADDRESS}/${prefix}`;
      await this.runChecked("ip", ["addr", "add", address, "dev", device.name]);
      if (config.kernelAddress6 !== undefined) {
        const address6 = `${config.kernelAddress6}/${TUN_PREFIX_LENGTH6}`;
        await this.runChecked("ip", ["-6", "addr", "add", address6, "dev", device.name, "nodad"]);
      }
      await this.runChecked("ip", ["link", "set", "dev", device.name, "mtu", String(mtu), "up"]);
    } catch (err) {
      device.close();
      this.devices.delete(device);
      throw err;
    }
    return device;
  }

  /** Pids of every process whose network namespace is this one (ours spawned or not). */
  processesInside(): number[] {
    if (this.closed) return [];
    const pids: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readlinkSync(`/proc/${entry}/ns/net`) === this.identity) pids.push(Number(entry));
      } catch {
        // the process ended while we looked, or is not ours to inspect
      }
    }
    return pids;
  }

  /**
   * Kill everything inside, close the devices and let the namespace go. After this resolves no
   * process is left in it, so the kernel has removed it (with its sockets and TIME_WAIT entries).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const exits = [...this.children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve();
          else child.once("exit", () => resolve());
        }),
    );
    const strays = this.killEverything();
    await Promise.all(exits);
    await waitUntilGone(strays);
    this.release();
  }

  /** close() for process exit handlers: no waiting, the kernel reaps what is left. */
  closeSync(): void {
    if (this.closed) return;
    this.killEverything();
    this.release();
  }

  private killEverything(): number[] {
    for (const child of this.children) child.kill("SIGKILL");
    const strays = this.processesInside();
    for (const pid of strays) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    return strays;
  }

  private release(): void {
    for (const device of this.devices) device.close();
    this.devices.clear();
    closeSync(this.fd);
    this.fd = -1;
    open.delete(this);
    if (open.size === 0) removeExitHandlers();
  }

  private assertOpen(): void {
    if (this.fd < 0) throw new NetnsError("ERR_TCPLAB_NETNS_CLOSED", `namespace ${this.label} is closed`);
  }
}

/** Run fn with a fresh namespace that is closed afterwards, whatever happens. */
export async function withNetworkNamespace<T>(fn: (ns: NetworkNamespace) => Promise<T>): Promise<T> {
  const ns = await NetworkNamespace.create();
  try {
    return await fn(ns);
  } finally {
    await ns.close();
  }
}

// Processes we SIGKILLed that are not our children (a shell's background jobs) are reaped by
// their own parents; poll /proc until they are gone, for at most a few seconds.
async function waitUntilGone(pids: number[]): Promise<void> {
  for (let i = 0; i < 100 && pids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 20));
}

function isAlive(pid: number): boolean {
  // A zombie has left every namespace already: its ns links are gone, so it counts as gone here.
  try {
    readlinkSync(`/proc/${pid}/ns/net`);
    return true;
  } catch {
    return false;
  }
}

// Exit handling. The kernel frees the namespace itself when we die, but processes started inside
// would live on as orphans; so on exit and on the usual termination signals we kill them first.
const TERMINATION_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
let handlersInstalled = false;

function closeAllSync(): void {
  for (const ns of [...open]) ns.closeSync();
}

function onSignal(signal: NodeJS.Signals): void {
  closeAllSync();
  // Only stand in for the default action (terminate) when nobody else handles the signal.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function registerForExitCleanup(ns: NetworkNamespace): void {
  open.add(ns);
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", closeAllSync);
  for (const s of TERMINATION_SIGNALS) process.on(s, onSignal);
}

function removeExitHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off("exit", closeAllSync);
  for (const s of TERMINATION_SIGNALS) process.off(s, onSignal);
}
