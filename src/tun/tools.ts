// Finds the system programs the namespace harness runs (nsenter from util-linux, ip from iproute2).
// /usr/sbin and /sbin are searched too: a non-login root shell may not have them in PATH.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { NetnsError } from "./errors.js";

const EXTRA_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** The absolute path of an executable program, or undefined. */
export function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter((d) => d !== ""), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** Like findProgram, but a missing program is an ERR_TCPLAB_NETNS_TOOL_MISSING error naming its package. */
export function requireProgram(name: string, debianPackage: string): string {
  const path = findProgram(name);
  if (path === undefined) {
    throw new NetnsError(
      "ERR_TCPLAB_NETNS_TOOL_MISSING",
      `${name} is not installed; the TUN harness needs it (Debian/Ubuntu: apt-get install ${debianPackage})`,
    );
  }
  return path;
}
