// The live connections of a host by 4-tuple (RFC 9293 §3.10.7: "the TCB is found by the 4-tuple"; Linux's
// established hash). Per local port: a port that holds one connection — every ephemeral port of a client —
// keeps it directly, with no map; a port with more (a listener's children) keeps a map keyed by the remote
// end's 48-bit (address, port) number, until it is down to one again.
//
// Why not one map per port always: a client makes and drops a port's map for every connection, and the
// 48-bit key is a heap number, allocated again for every lookup. Comparing the one connection's fields
// needs neither.

/** What the table reads of an entry: its remote end. */
export interface RemoteEnd {
  readonly remoteAddr: number;
  readonly remotePort: number;
}

/** The remote end as one number within a local port: 48 bits, exact in a double. */
export function remoteKey(addr: number, port: number): number {
  return addr * 65536 + port;
}

export class DemuxTable<T extends RemoteEnd> {
  private readonly ports: Array<T | Map<number, T> | undefined> = new Array(65536);

  /** The entry for (localPort, remote end), or undefined. */
  get(localPort: number, remoteAddr: number, remotePort: number): T | undefined {
    const e = this.ports[localPort];
    if (e === undefined) return undefined;
    if (e instanceof Map) return e.get(remoteKey(remoteAddr, remotePort));
    return e.remoteAddr === remoteAddr && e.remotePort === remotePort ? e : undefined;
  }

  has(localPort: number, remoteAddr: number, remotePort: number): boolean {
    return this.get(localPort, remoteAddr, remotePort) !== undefined;
  }

  /** Adds `entry` under its remote end (the caller has checked that the 4-tuple is free). */
  set(localPort: number, entry: T): void {
    const e = this.ports[localPort];
    if (e === undefined) {
      this.ports[localPort] = entry;
      return;
    }
    const key = remoteKey(entry.remoteAddr, entry.remotePort);
    if (e instanceof Map) {
      e.set(key, entry);
      return;
    }
    if (e.remoteAddr === entry.remoteAddr && e.remotePort === entry.remotePort) {
      this.ports[localPort] = entry;
      return;
    }
    this.ports[localPort] = new Map([
      [remoteKey(e.remoteAddr, e.remotePort), e],
      [key, entry],
    ]);
  }

  /** Removes `entry` if it is the one held for its remote end; returns whether it was. */
  delete(localPort: number, entry: T): boolean {
    const e = this.ports[localPort];
    if (e === undefined) return false;
    if (e instanceof Map) {
      const key = remoteKey(entry.remoteAddr, entry.remotePort);
      if (e.get(key) !== entry) return false;
      e.delete(key);
      // Back to the plain form at one entry: a client's port that briefly held a second connection (to
      // another destination) would otherwise keep a map for the rest of its first connection's life.
      if (e.size === 1) this.ports[localPort] = e.values().next().value;
      else if (e.size === 0) this.ports[localPort] = undefined;
      return true;
    }
    if (e !== entry) return false;
    this.ports[localPort] = undefined;
    return true;
  }

  /** Entries on the local port. */
  countOn(localPort: number): number {
    const e = this.ports[localPort];
    return e === undefined ? 0 : e instanceof Map ? e.size : 1;
  }

  /** Every entry, port by port. */
  *values(): IterableIterator<T> {
    for (const e of this.ports) {
      if (e === undefined) continue;
      if (e instanceof Map) yield* e.values();
      else yield e;
    }
  }
}
