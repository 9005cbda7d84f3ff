// Puts our Host on a TUN device inside a fresh namespace, for the interop tests: the kernel's
// programs run inside the namespace, our stack answers at 10.77.0.2, and the kernel's own TCP
// counters are read from inside to prove it accepted everything we sent.
import { Host } from "../../src/tcp/engine.js";
import { TunDriver, type TunDriverOptions } from "../../src/tun/driver.js";
import {
  KERNEL_ADDRESS6,
  STACK_ADDRESS,
  STACK_ADDRESS6,
  withNetworkNamespace,
  type NetworkNamespace,
} from "../../src/tun/netns.js";
import {
  Trace,
  isConnectionStateEvent,
  type StateChangeEvent,
  type TraceEvent,
} from "../../src/tcp/events.js";
import type { TcpState } from "../../src/tcp/state.js";
import type { ChildProcess } from "node:child_process";

export interface StackOnTun {
  ns: NetworkNamespace;
  host: Host;
  driver: TunDriver;
  trace: Trace;
  /** Failures the driver reported (a test asserts there were none). */
  driverErrors: Error[];
}

export type StackOptions = Pick<TunDriverOptions, "capture" | "dropOutgoing"> & {
  /** IPv6 on the device too: the kernel is also fd00:77::1, our dual-stack host also fd00:77::2. */
  ipv6?: boolean;
};

export async function withStackOnTun<T>(
  fn: (s: StackOnTun) => Promise<T>,
  options: StackOptions = {},
): Promise<T> {
  const { ipv6, ...driverOptions } = options;
  return withNetworkNamespace(async (ns) => {
    const device = await ns.openTun(ipv6 ? { kernelAddress6: KERNEL_ADDRESS6 } : {});
    const trace = new Trace();
    const host = new Host({
      name: "tcplab",
      address: STACK_ADDRESS,
      ...(ipv6 ? { address6: STACK_ADDRESS6 } : {}),
      trace,
    });
    const driverErrors: Error[] = [];
    const driver = new TunDriver({
      device,
      endpoint: host,
      trace,
      onError: (e) => driverErrors.push(e),
      ...driverOptions,
    });
    driver.start();
    try {
      return await fn({ ns, host, driver, trace, driverErrors });
    } finally {
      driver.stop();
    }
  });
}

/** The kernel's TCP counters (the Tcp: lines of /proc/net/snmp) as seen inside the namespace. */
export async function kernelTcpCounters(ns: NetworkNamespace): Promise<Record<string, number>> {
  const snmp = await ns.runChecked("cat", ["/proc/net/snmp"]);
  const lines = snmp.split("\n").filter((l) => l.startsWith("Tcp:"));
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
}

/**
 * The kernel's IPv6 error counters in the namespace (/proc/net/snmp6: Ip6 and Icmp6 — the kernel keeps
 * one TCP MIB for both families, so TCP's own InErrs/InCsumErrors are kernelRejectedNothing's).
 */
export async function kernelIp6Errors(ns: NetworkNamespace): Promise<Record<string, number>> {
  const text = await ns.runChecked("cat", ["/proc/net/snmp6"]);
  const wanted = [
    "Ip6InHdrErrors",
    "Ip6InAddrErrors",
    "Ip6InUnknownProtos",
    "Ip6InTruncatedPkts",
    "Ip6InDiscards",
    "Ip6InNoRoutes",
    "Icmp6InErrors",
    "Icmp6InCsumErrors",
    "Icmp6OutDestUnreachs",
  ];
  const all = Object.fromEntries(
    text
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .filter((p) => p.length === 2)
      .map(([k, v]) => [k!, Number(v)]),
  );
  for (const k of wanted) if (all[k] === undefined) throw new Error(`/proc/net/snmp6 has no ${k}`);
  return Object.fromEntries(wanted.map((k) => [k, all[k]!]));
}

/** The kernel's TcpExt counters (/proc/net/netstat) in the namespace. */
export async function kernelTcpExtCounters(ns: NetworkNamespace): Promise<Record<string, number>> {
  const text = await ns.runChecked("cat", ["/proc/net/netstat"]);
  const lines = text.split("\n").filter((l) => l.startsWith("TcpExt:"));
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
}

/**
 * What the kernel silently discarded of ours: segments past its window (we ignored its window) and
 * segments whose TSval went back (PAWS). Both were real bugs once, invisible except as stalls.
 */
export async function kernelDiscardedNothing(
  ns: NetworkNamespace,
): Promise<{ BeyondWindow: number; PAWSEstab: number }> {
  const c = await kernelTcpExtCounters(ns);
  return { BeyondWindow: c.BeyondWindow ?? 0, PAWSEstab: c.PAWSEstab ?? 0 };
}

/** Check 6 of issue 5: the kernel found no checksum error and no bad segment in anything we sent. */
export async function kernelRejectedNothing(
  ns: NetworkNamespace,
): Promise<{ InErrs: number; InCsumErrors: number }> {
  const c = await kernelTcpCounters(ns);
  return { InErrs: c.InErrs!, InCsumErrors: c.InCsumErrors! };
}

/**
 * The states our host's connections went through, in order (the "to" of each state event); a listener's
 * own CLOSED → LISTEN → CLOSED is no connection's and is left out.
 */
export function ourStates(trace: Trace): TcpState[] {
  return trace.events.filter((e): e is StateChangeEvent => isConnectionStateEvent(e)).map((e) => e.to);
}

/** Resolves at the first trace event that matches (already recorded ones included). */
export function traceEvent(trace: Trace, match: (e: TraceEvent) => boolean): Promise<TraceEvent> {
  const seen = trace.events.find(match);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => {
    const off = trace.subscribe((e) => {
      if (match(e)) {
        off();
        resolve(e);
      }
    });
  });
}

/** Start a Node program inside the namespace and wait for the line it prints when ready. */
export async function startNodePeer(
  ns: NetworkNamespace,
  script: string,
  ready: string,
): Promise<ChildProcess> {
  const child = ns.spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes(ready)) resolve();
    });
    child.once("exit", (code) => reject(new Error(`peer exited with ${code} before "${ready}": ${out}`)));
  });
  return child;
}

/** Bounded polling for a condition the kernel reaches on its own timers (a clean-up, not a timing check). */
export async function eventually(
  check: () => Promise<boolean>,
  attempts = 200,
  pauseMs = 50,
): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  return false;
}
