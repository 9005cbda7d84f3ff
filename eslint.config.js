// Lint config: recommended TypeScript rules, plus the direction of imports and the sans-I/O rule for the engine.
import { builtinModules } from "node:module";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Imports flow one way (docs/architecture.md, "Direction of dependencies"): wire ← tcp ← sim ← the rest.
// Each engine layer names the only folders of ours it may import; everything else in src/ (stack, driver,
// tun, trace, scenarios, inspect, packetdrill, node, cli and the entries) sits above and may import them.
// test/lint/import-direction.test.ts proves that each rule below fails a wrong arrow.
const ENGINE_LAYERS = {
  wire: [],
  tcp: ["wire"],
  sim: ["tcp", "wire"],
};

// Clocks, timers and Node's globals: the engine is sans-I/O, time is a parameter and the next deadline is
// reported, never armed — so the very same code runs in the simulator, on a TUN device and in a browser.
const CLOCKS_AND_TIMERS = [
  "Date",
  "performance",
  "setTimeout",
  "clearTimeout",
  "setInterval",
  "clearInterval",
  "setImmediate",
  "clearImmediate",
  "queueMicrotask",
  "requestAnimationFrame",
  "MessageChannel",
  "process",
  "Buffer",
  "require",
];

function engineLayerRules(layer, allowed) {
  const below =
    allowed.length === 0
      ? "nothing else of ours"
      : `only ${allowed.map((l) => `src/${l}`).join(" and ")} of ours`;
  const arrow = `src/${layer} may import ${below} (imports flow wire ← tcp ← sim ← the rest; docs/architecture.md)`;
  const sansIo = `src/${layer} is sans-I/O: no Node module, clock or timer (time is a parameter; docs/architecture.md)`;
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: builtinModules.map((name) => ({ name, message: sansIo })),
          patterns: [
            { group: ["node:*"], message: sansIo },
            // A relative import that leaves the layer's folder for any folder but the allowed ones.
            {
              regex: allowed.length === 0 ? "^\\.\\./" : `^\\.\\./(?!(${allowed.join("|")})/)`,
              message: arrow,
            },
          ],
        },
      ],
      "no-restricted-globals": ["error", ...CLOCKS_AND_TIMERS.map((name) => ({ name, message: sansIo }))],
      "no-restricted-properties": [
        "error",
        ...CLOCKS_AND_TIMERS.map((property) => ({ object: "globalThis", property, message: sansIo })),
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "ImportExpression", message: `${sansIo}; and no import() around the rule on imports` },
      ],
    },
  };
}

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
    // The browser entry (package.json exports, "browser" condition → src/engine.ts) and everything it
    // reaches (src/wire, src/tcp and src/sim have their stricter rules below): no Node built-in, or `import { Host } from "tcplab"` stops bundling for browsers (issue 15).
    // test/library/browser-bundle.test.ts bundles it with esbuild --platform=browser to be sure.
    files: [
      "src/engine.ts",
      "src/views.ts",
      "src/pcap.ts",
      "src/driver/**/*.ts",
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
  // Last, so that no block above replaces their options for these folders.
  ...Object.entries(ENGINE_LAYERS).map(([layer, allowed]) => engineLayerRules(layer, allowed)),
);
