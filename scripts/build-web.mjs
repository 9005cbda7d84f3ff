#!/usr/bin/env node
// Bundles the web playground (web/src/main.ts and the engine, simulator and scenarios it imports from
// src/) into one browser script, web/dist/app.js, that `tcplab web` serves. Nothing is fetched at run
// time: the page works offline. Run by `npm run build`, so the bundle exists after `npm install`.
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export async function buildWeb({ minify = true } = {}) {
  // esbuild is a devDependency: an installed package ships the built bundle instead.
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [join(root, "web/src/main.ts")],
    outfile: join(root, "web/dist/app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildWeb().catch((err) => {
    process.stderr.write(`build-web: ${err.message}\n`);
    process.exitCode = 1;
  });
}
