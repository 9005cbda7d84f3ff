// One way to start real Chromium in the tests: Debian's `chromium` (installed by .ci/run) driven by
// playwright-core, never a browser download. The flags keep it off the network (this machine's closed
// network refuses Chromium's background connections) and quiet; each launch gets its own fresh profile.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface LaunchedChromium {
  context: BrowserContext;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/** Starts headless Chromium with a fresh profile directory. */
export async function launchChromium(
  options: { executablePath?: string; viewport?: { width: number; height: number } } = {},
): Promise<LaunchedChromium> {
  const profile = mkdtempSync(join(tmpdir(), "tcplab-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: options.executablePath ?? CHROMIUM,
    headless: true,
    ...(options.viewport ? { viewport: options.viewport } : {}),
    args: CHROMIUM_ARGS,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
