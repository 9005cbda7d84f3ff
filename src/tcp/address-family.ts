// What differs between IPv4 and IPv6 for a host, in one place, so the host's demultiplexing, TIME_WAIT
// and port code stays family-blind: addresses are numbers (IPv4 its uint32, IPv6 an id ≥ 2^32 of the
// address table, ../wire/address-table.ts), and the few family facts — which local address answers a
// peer, the MSS an MTU allows, which listener a SYN meets, what counts as loopback — are read off the
// number here.
import { TcpError } from "./errors.js";
import { addressTable, isIPv6Id, parseAddress } from "../wire/address-table.js";
import { isLoopback6 } from "../wire/address6.js";
import type { Listener } from "./listen.js";

/** RFC 8200 §5: every IPv6 link has an MTU of at least 1280 bytes (so an IPv6 MSS is at least 1220). */
export const IPV6_MIN_MTU = 1280;
/** Header bytes in front of TCP: the IPv4 header without options, the fixed IPv6 header. */
export const IPV4_HEADER_BYTES = 20;
export const IPV6_HEADER_BYTES = 40;

/** An address given by a caller: text of either family, a uint32, or an IPv6 id someone holds. */
export function toAddress(a: string | number, syscall: string): number {
  if (typeof a === "string") return parseAddress(a);
  if (isIPv6Id(a)) {
    if (addressTable.references(a) === 0)
      throw new TcpError("EINVAL", syscall, `address id ${a} is not held`);
    return a;
  }
  return a >>> 0;
}

/** 4 or 6. */
export function familyOf(addr: number): 4 | 6 {
  return isIPv6Id(addr) ? 6 : 4;
}

/** 127.0.0.0/8 or ::1: tcp_tw_reuse's default policy covers these (Linux's sysctl value 2). */
export function isLoopbackAddress(addr: number): boolean {
  return isIPv6Id(addr) ? isLoopback6(addressTable.address(addr)) : addr >>> 24 === 127;
}

/**
 * The MSS a host advertises toward a peer of a family: the IPv4 one less the 20 extra header bytes of
 * IPv6 (Linux: tcp_v6 mss = MTU − 40 − 20, 1440 on a 1500-byte link; 1220 at the IPv6 minimum MTU).
 */
export function mssForFamily(mss4: number, remoteAddr: number): number {
  return isIPv6Id(remoteAddr) ? mss4 - (IPV6_HEADER_BYTES - IPV4_HEADER_BYTES) : mss4;
}

/** The send MSS when the peer's SYN has no MSS option: 536 (576 − 40) for IPv4, 1220 (1280 − 60) for IPv6 (RFC 9293 §3.7.1, MUST-15). */
export function defaultPeerMss(remoteAddr: number): number {
  return isIPv6Id(remoteAddr) ? 1220 : 536;
}

/** A host's addresses, at most one per family; -1 where it has none. */
export class HostAddresses {
  readonly address4: number;
  readonly address6: number;

  constructor(primary: string | number, second: string | number | undefined, mtu: number) {
    const addrs = [toAddress(primary, "host")];
    if (second !== undefined) addrs.push(toAddress(second, "host"));
    const v4 = addrs.filter((a) => !isIPv6Id(a));
    const v6 = addrs.filter(isIPv6Id);
    if (v4.length > 1 || v6.length > 1) {
      throw new TcpError("EINVAL", "host", "a host has at most one address of each family");
    }
    this.address4 = v4[0] ?? -1;
    this.address6 = v6[0] ?? -1;
    if (this.address6 >= 0 && mtu < IPV6_MIN_MTU) {
      throw new TcpError(
        "EINVAL",
        "host",
        `MTU ${mtu} is below IPv6's minimum of ${IPV6_MIN_MTU} (RFC 8200 §5)`,
      );
    }
  }

  /** A destination address of ours (a packet to any other is dropped as not-our-address). */
  owns(addr: number): boolean {
    return addr === this.address4 || addr === this.address6;
  }

  /** Our address of the peer's family, or -1 when we have none. */
  localFor(remoteAddr: number): number {
    return isIPv6Id(remoteAddr) ? this.address6 : this.address4;
  }
}

/**
 * The listeners of a port, per family. An IPv6 listener that is not ipv6Only is dual-stack: it also
 * accepts IPv4 SYNs (they reach it as v4-mapped peers, Linux's default net.ipv6.bindv6only = 0), and it
 * conflicts with an IPv4 listener on the same port, as bind(2) on Linux refuses either order with
 * EADDRINUSE. An ipv6Only listener and an IPv4 listener share a port.
 */
export class ListenerTable {
  private readonly v4 = new Map<number, Listener>();
  private readonly v6 = new Map<number, Listener>();

  /** The listener a SYN from `remoteAddr` to `port` meets: its family's, or a dual-stack one for IPv4. */
  forPeer(port: number, remoteAddr: number): Listener | undefined {
    if (isIPv6Id(remoteAddr)) return this.v6.get(port);
    const own = this.v4.get(port);
    if (own) return own;
    const dual = this.v6.get(port);
    return dual && !dual.ipv6Only ? dual : undefined;
  }

  /** A listener of either family on the port (ephemeral ports skip such ports). */
  has(port: number): boolean {
    return this.v4.has(port) || this.v6.has(port);
  }

  /** The open listener a new one of `family` on `port` would collide with, if any. */
  conflict(port: number, family: 4 | 6, ipv6Only: boolean): Listener | undefined {
    const same = (family === 6 ? this.v6 : this.v4).get(port);
    if (same && !same.closed) return same;
    const other = (family === 6 ? this.v4 : this.v6).get(port);
    if (!other || other.closed) return undefined;
    const dual = family === 6 ? !ipv6Only : !other.ipv6Only;
    return dual ? other : undefined;
  }

  set(listener: Listener): void {
    (listener.family === 6 ? this.v6 : this.v4).set(listener.port, listener);
  }

  delete(listener: Listener): void {
    const map = listener.family === 6 ? this.v6 : this.v4;
    if (map.get(listener.port) === listener) map.delete(listener.port);
  }

  /** Open listeners, IPv4 first. */
  values(): Listener[] {
    return [...this.v4.values(), ...this.v6.values()];
  }
}
