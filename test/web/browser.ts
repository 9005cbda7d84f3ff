// Real Chromium for the playground tests: Debian's `chromium` (installed by .ci/run), driven by
// playwright-core, never a browser download. Flags keep it off the network and quiet; every launch gets
// a fresh profile directory. The page is served by `tcplab web`'s own server on 127.0.0.1.
import { existsSync, mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import type { BrowserContext, Page } from "playwright-core";
import { CHROMIUM, launchChromium } from "../chromium.js";
import { startWebServer, type WebServer } from "../../src/cli/web-server.js";

export { CHROMIUM };
export const ARTIFACTS = join("test-artifacts", "web");

/** Why the browser tests cannot run here, or null when they can. */
export function browserMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} not found (apt-get install chromium; .ci/run does)`;
}

export interface Browser {
  context: BrowserContext;
  server: WebServer;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Builds the app from the current sources, serves it and starts Chromium. */
export async function openBrowser(): Promise<Browser> {
  // A private copy of the app, built from the current sources: test files run side by side.
  const webDir = mkdtempSync(join(tmpdir(), "tcplab-web-"));
  const build = spawnSync(process.execPath, ["scripts/build-web.mjs", webDir], { encoding: "utf8" });
  if (build.status !== 0) throw new Error(`build-web failed: ${build.stderr}`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const server = await startWebServer(0, `${webDir}/`);
  const { context, close } = await launchChromium({ viewport: { width: 1400, height: 1000 } });
  return {
    context,
    server,
    newPage: () => context.newPage(),
    async close() {
      await close();
      await server.close();
      rmSync(webDir, { recursive: true, force: true });
    },
  };
}

/** Opens a playground URL and waits until the page has run and drawn its scenario; collects errors. */
export async function openPlayground(page: Page, url: string, errors: string[]): Promise<void> {
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector("body[data-ready]");
}

/** A screenshot of the page (its first 2,400 px when it is taller), for a human to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  // The sticky header would be painted in the middle of a full-page picture.
  await page.addStyleTag({ content: "header.top { position: static !important; }" });
  const height = await js<number>(page, "document.documentElement.scrollHeight");
  await page.screenshot({
    path: join(ARTIFACTS, `${name}.png`),
    fullPage: true,
    ...(height <= 2400 ? {} : { clip: { x: 0, y: 0, width: 1400, height: 2400 } }),
  });
}

/** Evaluates a JavaScript expression in the page (a string: the test files are compiled without the DOM types). */
export async function js<T>(page: Page, expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T;
}
