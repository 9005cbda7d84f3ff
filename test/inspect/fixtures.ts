// Paths and facts of the captured fixtures (test/fixtures/inspect/README.md).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const FIXTURES = fileURLToPath(new URL("../fixtures/inspect/", import.meta.url));
export const LINUX = `${FIXTURES}linux-netns/`;

export function fixtureBytes(rel: string): Uint8Array {
  return readFileSync(`${FIXTURES}${rel}`);
}

/** The pids the capture's two processes had, from processes.jsonl. */
export function capturedPids(): { server: number; client: number } {
  const lines = readFileSync(`${LINUX}processes.jsonl`, "utf8").trim().split("\n");
  const byRole = Object.fromEntries(
    lines.map((l) => {
      const o = JSON.parse(l) as { pid: number; role: string };
      return [o.role, o.pid];
    }),
  );
  return { server: byRole.server as number, client: byRole.client as number };
}

/** The mix test/inspect/helpers/socket-mix.mjs leaves behind (see the table at its top). */
export const MIX = {
  listen: 7,
  established: 10,
  timeWait: 12,
  serverSideTimeWait: 4,
  clientSideTimeWait: 8,
  closeWait: 5,
  closeWaitUnread: 100,
  finWait2: 5,
  finWait2Orphans: 3,
  finWait2Held: 2,
} as const;
