// A private network namespace for live tests: created per test, removed in an after hook. Tests that
// need one call netnsUnavailable() first and skip, with the reason printed, when it returns a reason.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const HELPERS = fileURLToPath(new URL("./", import.meta.url));

function have(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).status === 0;
}

/** Why live namespace tests cannot run here, or null if they can. */
export function netnsUnavailable(): string | null {
  if (process.platform !== "linux") return "needs Linux";
  if (process.getuid?.() !== 0) return "needs root to create network namespaces";
  for (const tool of ["ip", "nsenter"]) if (!have(tool)) return `needs ${tool} (iproute2 / util-linux)`;
  const probe = `tcplab-probe-${process.pid}`;
  const add = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  spawnSync("ip", ["netns", "del", probe]);
  return null;
}

let counter = 0;

export class TestNetns {
  readonly name: string;
  private readonly children: ChildProcess[] = [];

  constructor(prefix: string) {
    this.name = `${prefix}-${process.pid}-${counter++}`;
    this.run(["ip", "netns", "add", this.name], false);
    this.exec(["ip", "link", "set", "lo", "up"]);
  }

  private run(argv: string[], inside: boolean): string {
    const full = inside ? ["ip", "netns", "exec", this.name, ...argv] : argv;
    const r = spawnSync(full[0]!, full.slice(1), { encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${full.join(" ")} failed: ${r.stderr || r.error?.message}`);
    return r.stdout;
  }

  exec(argv: string[]): string {
    return this.run(argv, true);
  }

  sysctl(key: string, value: string): void {
    this.exec(["sysctl", "-q", "-w", `${key}=${value}`]);
  }

  /** Runs a helper script inside the namespace and resolves with the JSON after its first `marker` line. */
  start(
    script: string,
    args: string[],
    marker = "READY",
  ): Promise<{ child: ChildProcess; info: Record<string, unknown> }> {
    const child = spawn(
      "ip",
      ["netns", "exec", this.name, process.execPath, `${HELPERS}${script}`, ...args],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.children.push(child);
    return new Promise((resolve, reject) => {
      let out = "";
      let err = "";
      child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
      child.stdout!.on("data", (b: Buffer) => {
        out += b.toString();
        const m = new RegExp(`^${marker} (.*)$`, "m").exec(out);
        if (m) resolve({ child, info: JSON.parse(m[1]!) as Record<string, unknown> });
      });
      child.once("exit", (code) =>
        reject(new Error(`${script} ${args.join(" ")} exited (${code}) before ${marker}: ${err}`)),
      );
    });
  }

  destroy(): void {
    for (const c of this.children) if (c.exitCode === null) c.kill("SIGKILL");
    // `ip netns del` can fail with EBUSY while a process that was inside is still being torn down.
    for (let attempt = 0; attempt < 20; attempt++) {
      const r = spawnSync("ip", ["netns", "del", this.name], { encoding: "utf8" });
      if (r.status === 0) return;
      if (attempt === 19) console.log(`could not delete network namespace ${this.name}: ${r.stderr.trim()}`);
      spawnSync("sleep", ["0.1"]);
    }
  }
}
