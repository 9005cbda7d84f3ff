// `tcplab list`: the scenarios with one-line descriptions.
import type { Command } from "commander";
import { SCENARIOS } from "../scenarios/index.js";

export function listText(): string {
  const width = Math.max(...SCENARIOS.map((s) => `${s.id} ${s.name}`.length));
  return SCENARIOS.map((s) => `${`${s.id} ${s.name}`.padEnd(width)}  ${s.title}`).join("\n") + "\n";
}

export function registerListCommand(program: Command): void {
  program
    .command("list")
    .description("List the scenarios (run one with: tcplab run <id or name>)")
    .action(() => {
      process.stdout.write(listText());
    });
}
