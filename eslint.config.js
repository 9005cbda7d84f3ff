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
);
