// CLOSE_WAIT: the peer has closed (its FIN arrived and was ACKed) and the local application has not
// called close(). No kernel setting ends it; only the application can (host-inspection-facts §1.15, §7.5).
import type { SocketRecord } from "../model.js";
import type { CloseWaitByProcess } from "./types.js";

/** On Linux Recv-Q of a CLOSE_WAIT socket counts the FIN as one byte; BSD and Windows do not. */
function unread(s: SocketRecord, linux: boolean): number {
  if (s.recvQ === null) return 0;
  return linux ? Math.max(0, s.recvQ - 1) : s.recvQ;
}

/** A key that identifies the same socket in two samples: the inode when known, else the 4-tuple. */
export function socketIdentity(s: SocketRecord): string {
  if (s.inode) return `inode:${s.inode}`;
  return `${s.local.address}|${s.local.port}|${s.remote.address}|${s.remote.port}`;
}

export function closeWaitSummary(
  sockets: readonly SocketRecord[],
  linux: boolean,
  earlier: readonly SocketRecord[] | null,
) {
  const cw = sockets.filter((s) => s.state === "CLOSE_WAIT");
  const before = earlier
    ? new Set(earlier.filter((s) => s.state === "CLOSE_WAIT").map(socketIdentity))
    : null;
  const by = new Map<string, CloseWaitByProcess>();
  for (const s of cw) {
    const owner = s.owners[0] ?? null;
    const key = owner ? String(owner.pid) : "unknown";
    const row = by.get(key) ?? {
      pid: owner?.pid ?? null,
      command: owner?.command ?? null,
      count: 0,
      unreadBytes: 0,
      persisted: before ? 0 : null,
    };
    row.count++;
    row.unreadBytes += unread(s, linux);
    if (before && before.has(socketIdentity(s))) row.persisted = (row.persisted ?? 0) + 1;
    by.set(key, row);
  }
  const byProcess = [...by.values()].sort((a, b) => b.count - a.count || (a.pid ?? 0) - (b.pid ?? 0));
  return { total: cw.length, unreadBytes: byProcess.reduce((n, r) => n + r.unreadBytes, 0), byProcess };
}
