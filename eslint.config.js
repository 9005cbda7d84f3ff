// Lint config: recommended TypeScript rules, plus the sans-I/O rule for the engine.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "node_modules/",
      "build/",
      "coverage/",
      "test/fixtures/",
      "docs/",
      "web/dist/",
      "test-artifacts/",
      "scratch/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: "readonly",
        process: "readonly",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setImmediate: "readonly",
        queueMicrotask: "readonly",
        URL: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // The playground runs in a browser tab: the DOM's globals, no Node's.
    files: ["web/src/**/*.ts"],
    languageOptions: {
      globals: {
        window: "readonly",
        document: "readonly",
        location: "readonly",
        history: "readonly",
        matchMedia: "readonly",
        performance: "readonly",
        URLSearchParams: "readonly",
        Blob: "readonly",
        clearInterval: "readonly",
        process: "off",
        Buffer: "off",
        setImmediate: "off",
      },
    },
  },
  {
    // The engine and codec are sans-I/O (docs/architecture.md): no Node modules, clocks or timers,
    // so the very same code runs in the simulator, on a TUN device and in a browser.
    files: ["src/tcp/**/*.ts", "src/wire/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: ["node:*", "fs", "net", "os", "dgram", "timers", "child_process"] },
      ],
      "no-restricted-globals": ["error", "setTimeout", "setInterval", "process", "Buffer", "performance"],
      "no-restricted-properties": ["error", { object: "Date", property: "now" }],
    },
  },
  {
    // The browser entry (package.json exports, "browser" condition → src/engine.ts) and everything it
    // reaches: no Node built-in, or `import { Host } from "tcplab"` stops bundling for browsers (issue 15).
    // test/library/browser-bundle.test.ts bundles it with esbuild --platform=browser to be sure.
    files: [
      "src/engine.ts",
      "src/views.ts",
      "src/pcap.ts",
      "src/sim/**/*.ts",
      "src/trace/**/*.ts",
      "src/stack/**/*.ts",
    ],
    ignores: ["src/trace/pcap-file.ts", "src/stack/socket.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            "node:*",
            "fs",
            "net",
            "os",
            "dgram",
            "timers",
            "child_process",
            "stream",
            "events",
            "http",
          ],
        },
      ],
    },
  },
  {
    // The Node-style layer never opens kernel sockets: only the trap may touch node:net (it wraps it).
    files: ["src/stack/socket.ts", "src/node/agent.ts", "src/node.ts", "src/index.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: ["node:net", "net", "node:tls", "tls", "node:dgram", "dgram"] },
      ],
    },
  },
);
