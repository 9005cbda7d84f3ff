// --netns: a process cannot read another namespace's sysctls from outside (/proc/sys/net answers for
// the reader's own namespace, and /proc/<pid>/net has no sysctls), so tcplab re-runs itself inside the
// namespace with `nsenter --net=<ns file>` and reads a snapshot back as JSON. /proc stays the host's
// (only the network namespace changes), so the fd scan still finds the owning processes.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { InspectError } from "../errors.js";
import type { Snapshot } from "../model.js";
import { parseSnapshotJson } from "../parse/snapshot-json.js";

/** The namespace file for a name (`ip netns add NAME`) or a process id. */
export function netnsPath(target: string): string {
  if (/^\d+$/.test(target)) {
    const p = `/proc/${target}/ns/net`;
    if (!existsSync(p))
      throw new InspectError("INSPECT_NETNS", `--netns ${target}: no process with that pid`);
    return p;
  }
  if (!/^[\w.-]+$/.test(target)) {
    throw new InspectError(
      "INSPECT_BAD_ARGUMENT",
      `--netns ${JSON.stringify(target)}: not a namespace name or a pid`,
    );
  }
  for (const dir of ["/run/netns", "/var/run/netns"]) {
    if (existsSync(`${dir}/${target}`)) return `${dir}/${target}`;
  }
  throw new InspectError(
    "INSPECT_NETNS",
    `--netns ${target}: no such network namespace (see \`ip netns list\`)`,
  );
}

/** How to start this very CLI again: the compiled JS directly, or the TypeScript source through tsx. */
export function selfCommand(): string[] {
  const here = import.meta.url;
  const isTs = here.endsWith(".ts");
  const main = fileURLToPath(new URL(`../../cli/main.${isTs ? "ts" : "js"}`, here));
  return isTs ? [process.execPath, "--import", import.meta.resolve("tsx"), main] : [process.execPath, main];
}

export function readNetnsSnapshot(target: string): Promise<Snapshot> {
  const nsFile = netnsPath(target);
  const [node, ...args] = selfCommand();
  const argv = [`--net=${nsFile}`, "--", node!, ...args, "inspect", "--dump-snapshot"];
  return new Promise((resolve, reject) => {
    const child = spawn("nsenter", argv, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e: NodeJS.ErrnoException) => {
      reject(
        new InspectError(
          "INSPECT_NETNS",
          e.code === "ENOENT" ? "--netns needs nsenter (util-linux)" : `cannot start nsenter: ${e.message}`,
        ),
      );
    });
    child.on("close", (code) => {
      if (code !== 0) {
        const why = Buffer.concat(err).toString("utf8").trim() || `exit code ${code}`;
        reject(new InspectError("INSPECT_NETNS", `reading network namespace ${target} failed: ${why}`));
        return;
      }
      try {
        const snap = parseSnapshotJson(Buffer.concat(out).toString("utf8"), `netns ${target}`);
        snap.source = `live, network namespace ${target}`;
        resolve(snap);
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}
