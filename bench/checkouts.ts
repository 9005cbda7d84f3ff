// The two checkouts a comparison measures (bench/compare.ts, bench/instructions.ts): this one, and a base
// commit checked out into a temporary git worktree that borrows this checkout's node_modules.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** This checkout's root. */
export const HEAD_DIR = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** The value after `--name` on the command line, or undefined. */
export function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function git(args: string[]): string {
  return execFileSync("git", args, {
    cwd: HEAD_DIR,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

/** The commit `ref` names here, or undefined when it names none. */
export function resolveCommit(ref: string): string | undefined {
  try {
    return git(["rev-parse", "--verify", `${ref}^{commit}`]);
  } catch {
    return undefined;
  }
}

/** This checkout's HEAD, and whether tracked files differ from it (measured as they are). */
export function head(): { sha: string; dirty: boolean } {
  return {
    sha: git(["rev-parse", "HEAD"]),
    dirty: git(["status", "--porcelain", "--untracked-files=no"]) !== "",
  };
}

/** Checks `sha` out at `dir` (a new, detached worktree), with node_modules linked from this checkout. */
export function checkOutBase(sha: string, dir: string): void {
  git(["worktree", "add", "--detach", dir, sha]);
  if (!existsSync(join(dir, "node_modules")))
    symlinkSync(join(HEAD_DIR, "node_modules"), join(dir, "node_modules"));
}

/** Removes a base checkout and git's record of it. */
export function removeBase(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  git(["worktree", "prune"]);
}
