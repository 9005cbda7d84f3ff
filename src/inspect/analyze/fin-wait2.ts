// FIN_WAIT_2: our FIN was ACKed, the peer's FIN has not come. After close() Linux turns it into an orphan
// minisock that dies after tcp_fin_timeout (normal). A FIN_WAIT_2 still held by a process means it did
// shutdown(SHUT_WR) and the peer never closed — often the peer's CLOSE_WAIT leak (facts §1.1, §7.6).
import type { SocketRecord } from "../model.js";
import type { HeldFinWait2 } from "./types.js";

export function finWait2Summary(sockets: readonly SocketRecord[]) {
  const fw2 = sockets.filter((s) => s.state === "FIN_WAIT_2");
  const orphans = fw2.filter((s) => s.minisock === "timewait").length;
  const held: HeldFinWait2[] = [];
  let unknown = 0;
  for (const s of fw2) {
    if (s.minisock === "timewait") continue;
    // A full socket (inode ≠ 0) or one a process owns is held; without either fact we cannot tell.
    if (s.owners.length > 0 || (s.inode !== null && s.inode !== 0)) {
      held.push({ local: s.local, remote: s.remote, owners: s.owners });
    } else unknown++;
  }
  return { total: fw2.length, orphans, held, unknown };
}
