// `tcplab tun serve | connect | shell` run as a user runs them, in child processes. The root-only
// tests reach the command's namespace through the `namespace: nsenter --net=...` line it prints;
// every kernel-side program (curl, the echo server) runs inside that namespace or one the command
// made, never in the root namespace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tunAvailability } from "../../src/tun/addon.js";
import { demoBytes } from "../../src/tun/demo-http.js";
import { findProgram } from "../../src/tun/tools.js";
import { decodePacket } from "../../src/wire/codec.js";
import { readPcapPackets, skipWithoutTun } from "../tun/helpers.js";

const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;
const NETWORK_TEST = { timeout: 120_000 };

function tcplabSync(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A running tcplab command whose output is collected as it comes. */
class Running {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], input?: string) {
    this.child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
      env: { ...process.env, NO_COLOR: "1" },
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    this.child.stdout!.on("data", (b: Buffer) => (this.stdout += b.toString()));
    this.child.stderr!.on("data", (b: Buffer) => (this.stderr += b.toString()));
    if (input !== undefined) this.child.stdin!.end(input);
    this.exited = new Promise((resolve) =>
      this.child.once("close", (code, signal) => resolve({ code, signal })),
    );
  }

  /** Resolves with the first match of re in stdout, or rejects if the command ends first. */
  waitFor(re: RegExp): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const m = re.exec(this.stdout);
        if (m) {
          this.child.stdout!.off("data", check);
          resolve(m);
        }
        return m !== null;
      };
      if (check()) return;
      this.child.stdout!.on("data", check);
      void this.exited.then(() => {
        if (!check()) reject(new Error(`ended before ${re}:\n${this.stdout}\n${this.stderr}`));
      });
    });
  }

  /** Safety net for a failed test: a leftover command is interrupted, then killed. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGINT");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Run a program inside the namespace the command printed (never in the root namespace). */
function inNamespace(nsPath: string, command: string, args: string[]) {
  assert.match(nsPath, /^\/proc\/\d+\/fd\/\d+$/, "a namespace path, so nothing runs outside it");
  const r = spawnSync("nsenter", [`--net=${nsPath}`, "--", command, ...args], {
    encoding: "buffer",
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** True while any process is inside the namespace or holds it open by an fd. */
function namespaceHeld(identity: string): boolean {
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) === identity) return true;
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === identity) return true;
      }
    } catch {
      // the process ended while we looked
    }
  }
  return false;
}

async function eventuallyGone(identity: string): Promise<boolean> {
  // Processes the command SIGKILLed are reaped by the kernel shortly after: bounded polling.
  for (let i = 0; i < 200; i++) {
    if (!namespaceHeld(identity)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const NO_STACK_TRACE = /^\s+at /m;

test("every tun command says clearly that TUN is unavailable, exit 1, no stack trace", () => {
  for (const args of [["serve"], ["connect", "10.77.0.1", "7000"], ["shell"]]) {
    const r = tcplabSync(["tun", ...args], { TCPLAB_TUN_ADDON: "/nonexistent/tcplab_tun.node" });
    assert.equal(r.code, 1, `tun ${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /^tcplab: ERR_TCPLAB_TUN_UNAVAILABLE: the TUN addon is not built/);
    assert.doesNotMatch(r.stderr, NO_STACK_TRACE);
    assert.equal(r.stdout, "");
  }
});

test("not root: ERR_TCPLAB_TUN_UNAVAILABLE naming root, exit 1", (t) => {
  const skip = (reason: string): void => {
    console.log(`skipping: ${reason}`);
    t.skip(reason);
  };
  // As root, the command runs as nobody through setpriv; otherwise it already runs without root.
  let r;
  if (process.geteuid?.() === 0) {
    const setpriv = findProgram("setpriv");
    if (setpriv === undefined) return skip("setpriv (util-linux) is needed to run the command as nobody");
    const asNobody = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    // A root user's checkout usually sits in a home folder of mode 0700: then nobody cannot even load
    // the command, and what this test checks cannot be asked there. Probe that first.
    const probe = spawnSync(
      setpriv,
      [...asNobody, process.execPath, "-e", `require("node:fs").accessSync(${JSON.stringify(MAIN)}, 4)`],
      { encoding: "utf8", timeout: 60_000 },
    );
    if (probe.status !== 0) return skip(`the checkout is not readable by nobody here (${MAIN})`);
    r = spawnSync(setpriv, [...asNobody, process.execPath, "--import", "tsx", MAIN, "tun", "serve"], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
      timeout: 60_000,
    });
    if (/EACCES|permission denied/i.test(r.stderr) && !/ERR_TCPLAB/.test(r.stderr)) {
      return skip("the repository is not readable by nobody here");
    }
  } else {
    const a = tunAvailability();
    if (a.ok || a.reason !== "not-permitted") return skip(`TUN here fails for another reason first`);
    const plain = tcplabSync(["tun", "serve"]);
    r = { status: plain.code, stderr: plain.stderr };
  }
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^tcplab: ERR_TCPLAB_TUN_UNAVAILABLE: .*need root/);
  assert.doesNotMatch(r.stderr, NO_STACK_TRACE);
});

test("bad arguments exit 2 with a clear message, before anything is created", () => {
  const cases: Array<[string[], RegExp]> = [
    [["serve", "--port", "0"], /--port must be a port number from 1 to 65535/],
    [["serve", "--port", "http"], /--port must be a port number/],
    [["serve", "--profile", "solaris"], /--profile must be one of linux, bsd, windows, rfc/],
    [["connect", "192.168.1.1", "80"], /<addr> must be inside the private namespace/],
    [["connect", "10.77.0.2", "80"], /10\.77\.0\.2 is our own stack/],
    [["connect", "example.com", "80"], /<addr> must be an IPv4 address/],
    [["connect", "10.77.0.1", "70000"], /<port> must be a port number/],
    [["connect", "10.77.0.1", "80", "--send", "a\\q"], /--send: unknown escape \\q/],
    [["shell", "--port", "99999"], /--port must be a port number/],
  ];
  for (const [args, message] of cases) {
    // Even where TUN is unavailable the usage error wins: arguments are checked first.
    const r = tcplabSync(["tun", ...args], { TCPLAB_TUN_ADDON: "/nonexistent/tcplab_tun.node" });
    assert.equal(r.code, 2, `tun ${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, NO_STACK_TRACE);
  }
});

test(
  "tun serve: curl in its namespace gets 200s and byte-exact bodies; the ladder shows it; Ctrl-C removes the namespace",
  NETWORK_TEST,
  async (t) => {
    if (skipWithoutTun(t)) return;
    if (findProgram("curl") === undefined) {
      console.log("skipping: curl is not installed");
      t.skip("curl is not installed");
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "tcplab-tun-serve-"));
    const pcap = join(dir, "serve.pcap");
    const serve = new Running(["tun", "serve", "--port", "8080", "--pcap", pcap]);
    try {
      const [, nsPath] = await serve.waitFor(/^namespace: nsenter --net=(\S+)$/m);
      const identity = readlinkSync(nsPath!);
      assert.match(identity, /^net:\[\d+\]$/);
      assert.notEqual(identity, readlinkSync("/proc/self/ns/net"), "a namespace of its own");

      const page = inNamespace(nsPath!, "curl", ["-sS", "-w", "\n%{http_code}", "http://10.77.0.2:8080/"]);
      assert.equal(page.code, 0, page.stderr);
      const text = page.stdout.toString();
      assert.match(text, /^Hello from tcplab's TCP at 10\.77\.0\.2:8080\./);
      assert.match(text, /\n200$/);

      const n = 3_000_000;
      const big = inNamespace(nsPath!, "curl", ["-sS", "-f", "http://10.77.0.2:8080/bytes/" + n]);
      assert.equal(big.code, 0, big.stderr);
      assert.equal(big.stdout.length, n);
      const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
      assert.equal(sha(big.stdout), sha(demoBytes(0, n)), "byte i is i mod 256, all of it");

      const missing = inNamespace(nsPath!, "curl", [
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "http://10.77.0.2:8080/nope",
      ]);
      assert.equal(missing.stdout.toString(), "404");

      // The live ladder printed the handshakes and the closes as they happened.
      await serve.waitFor(
        /LAST_ACK → CLOSED[^\n]*\n[\s\S]*LAST_ACK → CLOSED[^\n]*\n[\s\S]*LAST_ACK → CLOSED/,
      );
      assert.match(
        serve.stdout,
        /kernel → us {2}10\.77\.0\.1\.\d+ > 10\.77\.0\.2\.8080: Flags \[S\], seq 0,/,
      );
      assert.match(
        serve.stdout,
        /us → kernel {2}10\.77\.0\.2\.8080 > 10\.77\.0\.1\.\d+: Flags \[S\.\], seq 0, ack 1,/,
      );
      assert.match(serve.stdout, /SYN_RECEIVED → ESTABLISHED {2}\(rcv ACK\)/);
      assert.match(serve.stdout, /http {9}10\.77\.0\.1:\d+ {2}GET \/ → 200\n/);
      assert.match(serve.stdout, /http {9}10\.77\.0\.1:\d+ {2}GET \/nope → 404\n/);
      assert.match(serve.stdout, /… not shown: \d+ sent \(\d+ bytes of data\)/, "the 3 MB are summed up");
      assert.ok(!serve.stdout.includes("\x1b["), "no colour when not on a terminal");

      serve.child.kill("SIGINT");
      const end = await serve.exited;
      assert.equal(end.code, 0, serve.stderr);
      assert.match(serve.stdout, /stopped \(SIGINT\): 3 connections accepted/);
      assert.match(serve.stdout, /namespace tcplab-\d+-\d+ removed\n$/);
      assert.equal(serve.stderr, "");
      assert.ok(
        await eventuallyGone(identity),
        "nothing holds the namespace any more: the kernel removed it",
      );

      const { packets } = readPcapPackets(pcap);
      assert.ok(packets.length > 2000, `the pcap holds the run (${packets.length} packets)`);
      const first = decodePacket(packets[0]!);
      assert.ok(first.ok && first.segment.dstPort === 8080, "starting with curl's SYN to port 8080");
    } finally {
      await serve.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

const ECHO_PEER =
  'exec node -e \'require("node:net").createServer((s) => s.pipe(s)).listen(7000, "10.77.0.1")\'';

test(
  "tun connect: our client to a kernel echo server started with --peer; ladder from SYN_SENT to TIME_WAIT",
  NETWORK_TEST,
  async (t) => {
    if (skipWithoutTun(t)) return;
    const r = new Running([
      "tun",
      "connect",
      "10.77.0.1",
      "7000",
      "--peer",
      ECHO_PEER,
      "--send",
      "hello kernel\\r\\n",
    ]);
    try {
      const [, nsPath] = await r.waitFor(/^namespace: nsenter --net=(\S+)$/m);
      const identity = readlinkSync(nsPath!);
      const end = await r.exited;
      assert.equal(end.code, 0, r.stderr);
      assert.match(r.stdout, /CLOSED → SYN_SENT {2}\(connect\)/);
      assert.match(r.stdout, /us → kernel {2}10\.77\.0\.2\.\d+ > 10\.77\.0\.1\.7000: Flags \[S\], seq 0,/);
      assert.match(r.stdout, /SYN_SENT → ESTABLISHED/);
      assert.match(r.stdout, /data {2}14 bytes: "hello kernel\\r\\n"/, "the echo came back");
      assert.match(r.stdout, /ESTABLISHED → FIN_WAIT_1 {2}\(close\)/);
      assert.match(r.stdout, /FIN_WAIT_2 → TIME_WAIT|CLOSING → TIME_WAIT|FIN_WAIT_1 → TIME_WAIT/);
      assert.match(r.stdout, /connection closed \(our side: TIME_WAIT\); 14 bytes received/);
      assert.ok(await eventuallyGone(identity), "the namespace (and the echo server in it) is gone");
    } finally {
      await r.kill();
    }
  },
);

test(
  "tun connect: Ctrl-C while waiting for a --peer that never listens stops cleanly, peer and namespace gone",
  NETWORK_TEST,
  async (t) => {
    if (skipWithoutTun(t)) return;
    const r = new Running(["tun", "connect", "10.77.0.1", "7000", "--peer", "exec sleep 600"]);
    try {
      const [, nsPath] = await r.waitFor(/^namespace: nsenter --net=(\S+)$/m);
      const identity = readlinkSync(nsPath!);
      r.child.kill("SIGINT");
      const end = await r.exited;
      assert.equal(end.code, 1);
      assert.match(r.stdout, /^stopped \(SIGINT\) while setting up$/m);
      assert.doesNotMatch(r.stderr, NO_STACK_TRACE);
      assert.ok(await eventuallyGone(identity), "the sleeping peer and the namespace are gone");
    } finally {
      await r.kill();
    }
  },
);

test(
  "tun connect to a port where the kernel listens on nothing: refused by its RST, exit 1",
  NETWORK_TEST,
  async (t) => {
    if (skipWithoutTun(t)) return;
    const r = tcplabSync(["tun", "connect", "10.77.0.1", "7001"]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /kernel → us {2}10\.77\.0\.1\.7001 > 10\.77\.0\.2\.\d+: Flags \[R\.\]/);
    assert.match(r.stdout, /SYN_SENT → CLOSED/);
    assert.match(r.stderr, /^tcplab: connection to 10\.77\.0\.1:7001 failed: ECONNREFUSED/m);
    assert.doesNotMatch(r.stderr, NO_STACK_TRACE);
  },
);

test(
  "tun shell: commands run inside the namespace against our stack; exiting removes it",
  NETWORK_TEST,
  async (t) => {
    if (skipWithoutTun(t)) return;
    if (findProgram("curl") === undefined) {
      console.log("skipping: curl is not installed");
      t.skip("curl is not installed");
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "tcplab-tun-shell-"));
    const ladder = join(dir, "ladder.txt");
    // The shell reads its commands from the pipe; a stray background job must not survive either.
    const script = [
      "readlink /proc/self/ns/net",
      "curl -sS http://10.77.0.2:8080/ | head -1",
      "sleep 600 &",
      "ip -o -4 addr show dev tcplab0",
      "exit 0",
      "",
    ].join("\n");
    const r = new Running(["tun", "shell", "--ladder", ladder], script);
    try {
      const end = await r.exited;
      assert.equal(end.code, 0, r.stderr);
      const identity = /^(net:\[\d+\])$/m.exec(r.stdout)?.[1];
      assert.ok(identity, `the shell printed its namespace: ${r.stdout}`);
      assert.notEqual(identity, readlinkSync("/proc/self/ns/net"), "the shell ran in another namespace");
      assert.match(r.stdout, /^Hello from tcplab's TCP at 10\.77\.0\.2:8080\.$/m);
      assert.match(r.stdout, /tcplab0\s+inet 10\.77\.0\.1\/24/);
      assert.match(r.stdout, /shell ended \(0\): 1 connections accepted/);
      assert.ok(await eventuallyGone(identity!), "the namespace and the background sleep are gone");
      // (The shell may exit before curl's connection has finished closing on our side.)
      assert.match(
        readFileSync(ladder, "utf8"),
        /SYN_RECEIVED → ESTABLISHED/,
        "--ladder wrote the live ladder",
      );
    } finally {
      await r.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "tun serve --ipv6: curl -6 in its namespace gets the page at [fd00:77::2]; the ladder prints IPv6 addresses",
  NETWORK_TEST,
  async (t) => {
    if (skipWithoutTun(t)) return;
    if (findProgram("curl") === undefined) {
      console.log("skipping: curl is not installed");
      t.skip("curl is not installed");
      return;
    }
    const serve = new Running(["tun", "serve", "--ipv6", "--port", "8080"]);
    try {
      const [, nsPath] = await serve.waitFor(/^namespace: nsenter --net=(\S+)$/m);
      // The banner comes out line by line: wait for its curl line rather than read it at once.
      await serve.waitFor(/curl -6 http:\/\/\[fd00:77::2\]:8080\//);
      assert.match(serve.stdout, /node:http on our TCP at http:\/\/\[fd00:77::2\]:8080\//);
      const page = inNamespace(nsPath!, "curl", [
        "-6",
        "-sS",
        "-w",
        "\n%{http_code}",
        "http://[fd00:77::2]:8080/",
      ]);
      assert.equal(page.code, 0, page.stderr);
      assert.match(page.stdout.toString(), /^Hello from tcplab's TCP at \[fd00:77::2\]:8080\./);
      assert.match(page.stdout.toString(), /\n200$/);
      const v4 = inNamespace(nsPath!, "curl", ["-4", "-sS", "http://10.77.0.2:8080/"]);
      assert.match(v4.stdout.toString(), /^Hello from tcplab's TCP at 10\.77\.0\.2:8080\./, "dual-stack");
      await serve.waitFor(/LAST_ACK → CLOSED[^\n]*\n[\s\S]*LAST_ACK → CLOSED/);
      assert.match(serve.stdout, /kernel → us {2}fd00:77::1\.\d+ > fd00:77::2\.8080: Flags \[S\], seq 0,/);
      assert.match(serve.stdout, /http {9}fd00:77::1:\d+ {2}GET \/ → 200\n/);
      serve.child.kill("SIGINT");
      const end = await serve.exited;
      assert.equal(end.code, 0, serve.stderr);
      assert.match(serve.stdout, /stopped \(SIGINT\): 2 connections accepted/);
    } finally {
      await serve.kill();
    }
  },
);

test(
  "tun connect --ipv6: our client to a kernel echo server on fd00:77::1, from SYN_SENT to TIME_WAIT",
  NETWORK_TEST,
  async (t) => {
    if (skipWithoutTun(t)) return;
    const echo6 =
      'exec node -e \'require("node:net").createServer((s) => s.pipe(s)).listen(7000, "fd00:77::1")\'';
    const r = new Running([
      "tun",
      "connect",
      "--ipv6",
      "fd00:77::1",
      "7000",
      "--peer",
      echo6,
      "--send",
      "hello six",
    ]);
    try {
      const end = await r.exited;
      assert.equal(end.code, 0, r.stderr);
      assert.match(r.stdout, /our TCP at fd00:77::2 → \[fd00:77::1\]:7000/);
      assert.match(r.stdout, /us → kernel {2}fd00:77::2\.\d+ > fd00:77::1\.7000: Flags \[S\], seq 0,/);
      assert.match(r.stdout, /data {2}9 bytes: "hello six"/);
      assert.match(r.stdout, /connection closed \(our side: TIME_WAIT\); 9 bytes received/);
    } finally {
      await r.kill();
    }
  },
);

test("tun connect: an IPv6 <addr> needs --ipv6 and must be inside fd00:77::/64", () => {
  for (const [args, message] of [
    [["connect", "fd00:77::1", "7000"], /is IPv6: add --ipv6/],
    [
      ["connect", "--ipv6", "2001:db8::1", "7000"],
      /must be inside the private namespace, where the kernel is fd00:77::1/,
    ],
    [["connect", "--ipv6", "fd00:77::2", "7000"], /fd00:77::2 is our own stack/],
  ] as const) {
    const r = tcplabSync(["tun", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
