// The static server behind `tcplab web`: it hands out the playground's three files and nothing else.
// Every computation happens in the browser tab; the server only ever listens on 127.0.0.1.
import { createServer, type Server } from "node:http";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The files of the app, by URL path, relative to web/. A fixed list: no path from a URL reaches the disk. */
const FILES: ReadonlyMap<string, { file: string; type: string }> = new Map([
  ["/", { file: "index.html", type: "text/html; charset=utf-8" }],
  ["/index.html", { file: "index.html", type: "text/html; charset=utf-8" }],
  ["/style.css", { file: "style.css", type: "text/css; charset=utf-8" }],
  ["/dist/app.js", { file: "dist/app.js", type: "text/javascript; charset=utf-8" }],
]);

/** web/ beside src/ (tsx) or beside dist/ (the built package): both are two levels up from this file. */
export const WEB_DIR = fileURLToPath(new URL("../../web/", import.meta.url));

export interface WebServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export class WebServerError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = "WebServerError";
  }
}

export async function startWebServer(port: number, webDir: string = WEB_DIR): Promise<WebServer> {
  try {
    await readFile(`${webDir}dist/app.js`);
  } catch {
    throw new WebServerError(
      "ERR_TCPLAB_WEB_NOT_BUILT",
      `the playground is not built (${webDir}dist/app.js is missing); run: npm run build`,
    );
  }
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const entry = FILES.get(path);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (!entry) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    readFile(`${webDir}${entry.file}`).then(
      (body) => {
        res.writeHead(200, { "content-type": entry.type, "cache-control": "no-cache" });
        res.end(req.method === "HEAD" ? undefined : body);
      },
      () => res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("cannot read file\n"),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE"
          ? new WebServerError(
              "ERR_TCPLAB_WEB_PORT_IN_USE",
              `port ${port} on 127.0.0.1 is in use; choose another with --port (0 picks a free one)`,
            )
          : err,
      ),
    );
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const actual = typeof address === "object" && address !== null ? address.port : port;
  return {
    url: `http://127.0.0.1:${actual}/`,
    port: actual,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
