// `tcplab web [--port N]`: serve the playground on 127.0.0.1 and print its URL. The engine runs in the
// browser tab; this process only serves files until it is stopped (Ctrl-C).
import type { Command } from "commander";
import { startWebServer } from "./web-server.js";
import { UsageError } from "./scenario-options.js";

export const DEFAULT_WEB_PORT = 8370;

export function parsePort(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535)
    throw new UsageError(`--port must be a whole number from 0 to 65535, got ${JSON.stringify(text)}`);
  return Number(text);
}

export function registerWebCommand(program: Command): void {
  program
    .command("web")
    .description(
      "Serve the web playground on 127.0.0.1 (the engine runs in your browser: ladders, Figure 5, drop a segment)",
    )
    .option("--port <n>", "TCP port on 127.0.0.1 (0: any free port)", String(DEFAULT_WEB_PORT))
    .action(async (raw: { port: string }) => {
      const server = await startWebServer(parsePort(raw.port));
      process.stdout.write(
        `tcplab playground: ${server.url}\n(open it in a browser; Ctrl-C stops the server)\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void server.close().then(resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
