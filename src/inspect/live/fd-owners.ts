// inode → owning processes, by reading every /proc/<pid>/fd/<n> link ("socket:[12345]"), the method
// ss -p, netstat -p and lsof use (host-inspection-facts §3.2). Threads share the fd table, so only
// process directories are read; a socket passed between processes is listed under each of them.
// Other users' processes are unreadable without root: those are skipped, and the caller says so.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { SocketOwner } from "../model.js";

export interface OwnerScan {
  byInode: Map<number, SocketOwner[]>;
  /** Processes whose fd directory could not be read (permissions, exited while scanning). */
  unreadable: number;
}

export function scanSocketOwners(procRoot = "/proc"): OwnerScan {
  const byInode = new Map<number, SocketOwner[]>();
  let unreadable = 0;
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${name}/fd`);
    } catch {
      unreadable++;
      continue;
    }
    let command: string | null = null;
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${procRoot}/${name}/fd/${fd}`);
      } catch {
        continue; // closed while we looked
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (!m) continue;
      if (command === null) {
        try {
          command = readFileSync(`${procRoot}/${name}/comm`, "utf8").replace(/\n$/, "");
        } catch {
          command = "";
        }
      }
      const inode = Number(m[1]);
      const list = byInode.get(inode) ?? [];
      list.push({ pid, command, fd: Number(fd) });
      byInode.set(inode, list);
    }
  }
  return { byInode, unreadable };
}
