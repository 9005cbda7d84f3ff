#!/usr/bin/env node
// Bundles the web playground (web/src/main.ts and the engine, simulator and scenarios it imports from
// src/) into one browser script, web/dist/app.js, that `tcplab web` serves. Nothing is fetched at run
// time: the page works offline. Run by `npm run build`, so the bundle exists after `npm install`.
// Usage: node scripts/build-web.mjs [webDir]
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { copyFileSync, mkdirSync } from "node:fs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Writes `<webDir>/dist/app.js` (default: the package's web/). Another directory also gets a copy of
 * index.html and style.css, so it can be served on its own (the browser tests build into a private one:
 * test files running side by side never read a bundle another is writing).
 */
export async function buildWeb({ minify = true, webDir = join(root, "web") } = {}) {
  // esbuild is a devDependency: an installed package ships the built bundle instead.
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [join(root, "web/src/main.ts")],
    outfile: join(webDir, "dist/app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
  });
  if (resolve(webDir) !== resolve(root, "web")) {
    mkdirSync(webDir, { recursive: true });
    for (const f of ["index.html", "style.css"]) copyFileSync(join(root, "web", f), join(webDir, f));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const webDir = process.argv[2];
  buildWeb(webDir ? { webDir } : {}).catch((err) => {
    process.stderr.write(`build-web: ${err.message}\n`);
    process.exitCode = 1;
  });
}
