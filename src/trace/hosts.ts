// Which hosts a trace involves, in what order, and at which addresses: the columns of the ladder,
// the sections of the timeline and the host list of the JSON meta all come from here.
import type { TraceEvent } from "../tcp/events.js";
import { formatAddress, isIPv6Id, parseAddress } from "../wire/address-table.js";

/** A host as the views are told about it: a name, or a name with its address. */
export type HostSpec = string | { name: string; address?: number | string };

export interface HostInfo {
  name: string;
  /** Addresses as numbers (IPv4 uint32, IPv6 address-table id), in order of discovery; the first one is shown. */
  addresses: number[];
  /** True when the host emitted events itself (an engine we trace). A peer seen only on the wire,
   * such as the kernel across a TUN device, is false: its arrivals are never recorded. */
  traced: boolean;
  /** The column that gathers untraced peers beyond the first few; its addresses are not shown. */
  aggregate?: boolean;
}

const MAX_PEER_COLUMNS = 4;
export const OTHER_PEERS = "other hosts";

export class HostSpecError extends Error {
  readonly code = "ERR_TCPLAB_TRACE_HOSTS";
  constructor(message: string) {
    super(message);
    this.name = "HostSpecError";
  }
}

function toAddress(value: number | string, host: string): number {
  if (typeof value === "number") {
    if (isIPv6Id(value)) return value;
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new HostSpecError(`host ${JSON.stringify(host)}: address ${value} is not a uint32 IPv4 address`);
    }
    return value >>> 0;
  }
  try {
    return parseAddress(value);
  } catch {
    throw new HostSpecError(
      `host ${JSON.stringify(host)}: ${JSON.stringify(value)} is not an IPv4 or IPv6 address`,
    );
  }
}

/**
 * The hosts of a trace: those given first (in the given order), then every other host in order of
 * first appearance. A packet's sender or receiver that never emitted an event (a real kernel across a
 * TUN device, a packet injected with a spoofed source) becomes a host named by its address, so its
 * column still exists.
 */
export function discoverHosts(events: readonly TraceEvent[], given: readonly HostSpec[] = []): HostInfo[] {
  const hosts = new Map<string, HostInfo>();
  const byAddress = new Map<number, string>();
  const ensure = (name: string): HostInfo => {
    let info = hosts.get(name);
    if (!info) {
      info = { name, addresses: [], traced: false };
      hosts.set(name, info);
    }
    return info;
  };
  const learn = (name: string, address: number): void => {
    if (byAddress.has(address)) return;
    byAddress.set(address, name);
    ensure(name).addresses.push(address);
  };
  for (const spec of given) {
    const name = typeof spec === "string" ? spec : spec.name;
    if (typeof name !== "string" || name === "") throw new HostSpecError("a host needs a non-empty name");
    if (hosts.has(name)) throw new HostSpecError(`host ${JSON.stringify(name)} is listed twice`);
    ensure(name);
    if (typeof spec !== "string" && spec.address !== undefined) learn(name, toAddress(spec.address, name));
  }
  // Network events carry the simulator's own name in `host` ("network"): not a column. Nor is a
  // narrator that only writes notes (a scenario's "sim" summarising `ss` output): its notes span the diagram.
  for (const e of events) {
    if (e.kind === "network" || (e.kind === "note" && !hosts.has(e.host))) continue;
    ensure(e.host).traced = true;
    if (e.kind === "segment-sent") learn(e.host, e.seg.srcAddr);
    else if (e.kind === "segment-received") learn(e.host, e.seg.dstAddr);
  }
  // Peers seen only on the wire get a column named by their address; past a few of them (a SYN flood
  // from spoofed sources) the rest share one column rather than making the diagram thousands wide.
  let peerColumns = 0;
  const peer = (address: number): void => {
    if (byAddress.has(address)) return;
    if (peerColumns < MAX_PEER_COLUMNS) {
      peerColumns++;
      learn(formatAddress(address), address);
    } else {
      const others = ensure(OTHER_PEERS);
      others.aggregate = true;
      learn(OTHER_PEERS, address);
    }
  };
  for (const e of events) {
    if (e.kind === "segment-sent") peer(e.seg.dstAddr);
    else if (e.kind === "segment-received") peer(e.seg.srcAddr);
  }
  return [...hosts.values()];
}

/** Address → host name, for finding the column a segment goes to. */
export function hostsByAddress(hosts: readonly HostInfo[]): Map<number, string> {
  const map = new Map<number, string>();
  for (const h of hosts) for (const a of h.addresses) if (!map.has(a)) map.set(a, h.name);
  return map;
}

export function hostTitle(host: HostInfo): string {
  const first = host.addresses[0];
  if (first === undefined || host.aggregate || formatAddress(first) === host.name) return host.name;
  return `${host.name} ${formatAddress(first)}`;
}
