// The namespace harness: an isolated namespace with lo and the TUN device configured inside only,
// commands run inside it, and nothing left behind however the process ends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readlinkSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { NetworkNamespace, withNetworkNamespace } from "../../src/tun/netns.js";
import { skipWithoutTun } from "./helpers.js";

const NETWORK_TEST = { timeout: 60_000 };

function isAlive(pid: number): boolean {
  return existsSync(`/proc/${pid}/ns/net`);
}

/** Bounded wait for processes that were killed to disappear from /proc (a clean-up, not a timing check). */
async function waitGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 250 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !isAlive(pid);
}

test("a namespace has only lo and our TUN device, configured inside it only", NETWORK_TEST, async (t) => {
  if (skipWithoutTun(t)) return;
  await withNetworkNamespace(async (ns) => {
    assert.match(ns.label, new RegExp(`^tcplab-${process.pid}-\\d+$`));
    assert.notEqual(ns.identity, readlinkSync("/proc/self/ns/net"), "a namespace of its own");
    assert.match(await ns.runChecked("ip", ["-o", "link", "show", "lo"]), /[<,]UP[,>]/);

    const dev = await ns.openTun({ name: "tcplabn0", mtu: 1400 });
    const links = (await ns.runChecked("ip", ["-o", "link"])).trim().split("\n");
    assert.deepEqual(
      links.map((l) => l.split(":")[1]!.trim()),
      ["lo", "tcplabn0"],
      "no interface leads out of the namespace",
    );
    const tun = links[1]!;
    assert.match(tun, /[<,]UP[,>]/);
    assert.match(tun, /mtu 1400/);
    const addr = await ns.runChecked("ip", ["-o", "-4", "addr", "show", "dev", "tcplabn0"]);
    assert.match(addr, /inet 10\.77\.0\.1\/24/);
    const route = await ns.runChecked("ip", ["-o", "route", "get", "10.77.0.2"]);
    assert.match(route, /dev tcplabn0/, "our stack's address is reached through the device");
    const v6 = await ns.runChecked("cat", ["/proc/sys/net/ipv6/conf/tcplabn0/disable_ipv6"]).catch(() => "1");
    assert.equal(v6.trim(), "1", "no IPv6 chatter into an IPv4 stack");

    // The device name is unknown outside.
    const ours = await new Promise<string>((resolve, reject) => {
      const p = spawn("ip", ["-o", "link"], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      p.stdout.on("data", (b: Buffer) => (out += b.toString()));
      p.on("error", reject);
      p.on("close", () => resolve(out));
    });
    assert.doesNotMatch(ours, /tcplabn0/);
    assert.equal(dev.closed, false);
  });
});

test(
  "close() kills every process inside, children or not, and releases the namespace",
  NETWORK_TEST,
  async (t) => {
    if (skipWithoutTun(t)) return;
    const ns = await NetworkNamespace.create();
    const dev = await ns.openTun();
    const child = ns.spawn("sleep", ["1000"], { stdio: "ignore" });
    await new Promise((resolve) => child.once("spawn", resolve));
    // A background job of a shell that has exited: not our child, still inside the namespace.
    const stray = Number((await ns.runChecked("sh", ["-c", "sleep 1000 >/dev/null 2>&1 & echo $!"])).trim());
    const path = ns.path;
    assert.ok(ns.processesInside().includes(child.pid!));
    assert.ok(ns.processesInside().includes(stray));

    await ns.close();
    assert.equal(ns.closed, true);
    assert.equal(dev.closed, true, "devices close with the namespace");
    assert.equal(child.signalCode, "SIGKILL");
    assert.ok(await waitGone(stray), "the stray process is gone");
    assert.equal(existsSync(path), false, "our fd on the namespace is closed");
    assert.throws(() => ns.path, { code: "ERR_TCPLAB_NETNS_CLOSED" });
    assert.throws(() => ns.spawn("true", []), { code: "ERR_TCPLAB_NETNS_CLOSED" });
    await assert.rejects(ns.openTun(), { code: "ERR_TCPLAB_NETNS_CLOSED" });
    await ns.close(); // idempotent
  },
);

test("withNetworkNamespace closes the namespace when the body throws", NETWORK_TEST, async (t) => {
  if (skipWithoutTun(t)) return;
  let seen: NetworkNamespace | undefined;
  await assert.rejects(
    withNetworkNamespace(async (ns) => {
      seen = ns;
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(seen?.closed, true);
});

test(
  "a failing command inside is an ERR_TCPLAB_NETNS_COMMAND error with its stderr",
  NETWORK_TEST,
  async (t) => {
    if (skipWithoutTun(t)) return;
    await withNetworkNamespace(async (ns) => {
      const r = await ns.run("sh", ["-c", "echo out; echo err >&2; exit 3"]);
      assert.deepEqual([r.code, r.stdout, r.stderr], [3, "out\n", "err\n"]);
      await assert.rejects(
        ns.runChecked("ip", ["link", "set", "dev", "nonexistent0", "up"]),
        (err: unknown) => {
          const e = err as { code?: string; message: string };
          return (
            e.code === "ERR_TCPLAB_NETNS_COMMAND" &&
            /nonexistent0/.test(e.message) &&
            /status/.test(e.message)
          );
        },
      );
      await assert.rejects(ns.openTun({ name: "bad name" }), RangeError);
      await assert.rejects(ns.openTun({ mtu: 100 }), RangeError);
    });
  },
);

for (const how of ["exit", "signal"] as const) {
  test(`processes inside are killed when the owner ends by ${how}`, NETWORK_TEST, async (t) => {
    if (skipWithoutTun(t)) return;
    const script = fileURLToPath(new URL("./fixtures/netns-exit-child.ts", import.meta.url));
    const owner = spawn(process.execPath, ["--import", "tsx", script], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    const sleeper = await new Promise<number>((resolve, reject) => {
      let out = "";
      owner.stdout.on("data", (b: Buffer) => {
        out += b.toString();
        if (out.includes("\n")) resolve(Number(out.trim()));
      });
      owner.on("error", reject);
      owner.on("exit", (code) => {
        if (!out.includes("\n")) reject(new Error(`owner exited early (${code})`));
      });
    });
    try {
      assert.ok(sleeper > 0 && isAlive(sleeper), "the sleeper runs inside the namespace");
      const ended = new Promise<[number | null, string | null]>((r) =>
        owner.once("exit", (c, s) => r([c, s])),
      );
      if (how === "signal") owner.kill("SIGTERM");
      else owner.stdin.write("exit\n");
      const [code, signal] = await ended;
      if (how === "exit") assert.equal(code, 0);
      else assert.equal(signal, "SIGTERM", "the default action still ends the process");
      assert.ok(await waitGone(sleeper), "the sleeper was killed with its owner");
    } finally {
      if (isAlive(sleeper)) process.kill(sleeper, "SIGKILL");
      owner.kill("SIGKILL");
    }
  });
}
