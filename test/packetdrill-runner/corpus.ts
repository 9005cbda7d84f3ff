// The corpus (test/packetdrill/**/*.pkt) and the one list of corpus scripts known to fail on our engine
// (--target sim), each with its first difference. The list is the work of the follow-up fidelity issue: a
// script may leave it (it passes now), none may join it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export const CORPUS_DIR = new URL("../packetdrill/", import.meta.url).pathname;
export const KNOWN_FAILURES_FILE = new URL("./corpus-known-failures.json", import.meta.url).pathname;

export interface KnownFailure {
  /** The script line of the first difference, and what it was, as `tcplab packetdrill` reports it. */
  line: number | null;
  difference: string;
}

export interface KnownFailures {
  about: string;
  target: "sim";
  failures: Record<string, KnownFailure>;
}

/** Every corpus script, as paths relative to test/packetdrill/, sorted. */
export function corpusScripts(dir = CORPUS_DIR): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".pkt")) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

export function readKnownFailures(): KnownFailures {
  return JSON.parse(readFileSync(KNOWN_FAILURES_FILE, "utf8")) as KnownFailures;
}
