#!/usr/bin/env node
// The `tcplab` command. Each subcommand lives in its own file and registers itself here.
import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { registerExploreCommand } from "./explore-command.js";
import { registerInspectCommand } from "./inspect-command.js";
import { registerListCommand } from "./list-command.js";
import { registerPacketdrillCommand } from "./packetdrill-command.js";
import { registerRunCommand } from "./run-command.js";
import { registerTourCommand } from "./tour-command.js";
import { registerTunCommand } from "./tun-command.js";
import { registerWebCommand } from "./web-command.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("tcplab")
    .description(
      "A real TCP (RFC 9293) you can watch: connection lifecycles on a simulated network, on a Linux TUN device, and on real hosts.",
    )
    .version(pkg.version)
    .showHelpAfterError()
    .exitOverride();
  // subcommands: register below
  registerTunCommand(program);
  registerListCommand(program);
  registerRunCommand(program);
  registerExploreCommand(program);
  registerTourCommand(program);
  registerInspectCommand(program);
  registerWebCommand(program);
  registerPacketdrillCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not failures; every other parse error is bad usage (exit 2).
      if (
        err.code === "commander.helpDisplayed" ||
        err.code === "commander.version" ||
        err.code === "commander.help"
      )
        return 0;
      return 2;
    }
    const e = err as { code?: string; message?: string };
    process.stderr.write(`tcplab: ${e.code ? `${e.code}: ` : ""}${e.message ?? String(err)}\n`);
    return typeof (err as { exitCode?: number }).exitCode === "number"
      ? (err as { exitCode: number }).exitCode
      : 1;
  }
}

/**
 * `tcplab tour | head` closes the pipe early: the reader has what it wanted, so stop writing and exit 0
 * quietly (as cat and grep do) instead of dying on an unhandled EPIPE with a stack trace.
 */
export function quietOnClosedPipe(
  stream: NodeJS.WriteStream,
  exit: (code: number) => void = process.exit,
): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") exit(0);
    else throw err;
  });
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly || process.argv[1]?.endsWith("/tcplab")) {
  quietOnClosedPipe(process.stdout);
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`tcplab: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
