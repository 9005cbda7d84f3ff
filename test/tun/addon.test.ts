// The native addon's contract: lazy loading with a coded error when it is missing, argument
// checks, errno-coded errors, and a device that really carries packets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTunAddon, tunAvailability } from "../../src/tun/addon.js";
import { TunUnavailableError } from "../../src/tun/errors.js";
import { NetworkNamespace } from "../../src/tun/netns.js";
import { skipWithoutTun } from "./helpers.js";

function addonOrSkip(t: { skip(message?: string): void }) {
  try {
    return loadTunAddon();
  } catch (err) {
    const reason = `TUN addon unavailable: ${(err as Error).message}`;
    console.log(`skipping: ${reason}`);
    t.skip(reason);
    return undefined;
  }
}

test("a missing addon is a TunUnavailableError with code ERR_TCPLAB_TUN_UNAVAILABLE", () => {
  assert.throws(
    () => loadTunAddon("/nonexistent/tcplab_tun.node"),
    (err: unknown) =>
      err instanceof TunUnavailableError &&
      err.code === "ERR_TCPLAB_TUN_UNAVAILABLE" &&
      err.reason === (process.platform === "linux" ? "addon-missing" : "not-linux") &&
      /scripts\/build-native\.mjs|Linux/.test(err.message),
  );
});

test(
  "a file that is not an addon is reported as addon-load-failed",
  { skip: process.platform !== "linux" },
  () => {
    const dir = mkdtempSync(join(tmpdir(), "tcplab-addon-"));
    const path = join(dir, "not-an-addon.node");
    writeFileSync(path, "this is not an ELF shared object");
    try {
      assert.throws(
        () => loadTunAddon(path),
        (err: unknown) => err instanceof TunUnavailableError && err.reason === "addon-load-failed",
      );
    } finally {
      rmSync(dir, { recursive: true });
    }
  },
);

test("availability names a reason whenever TUN cannot be used", () => {
  const a = tunAvailability();
  if (!a.ok) {
    assert.match(a.reason, /^(not-linux|addon-missing|addon-load-failed|no-tun-device|not-permitted)$/);
    assert.ok(a.message.length > 0);
  } else {
    assert.equal(process.geteuid?.(), 0);
  }
});

test("openTun checks its arguments before touching the system", (t) => {
  const addon = addonOrSkip(t);
  if (!addon) return;
  const call = addon.openTun as unknown as (...args: unknown[]) => unknown;
  assert.throws(() => call(), { code: "ERR_INVALID_ARG_TYPE", name: "TypeError" });
  assert.throws(() => call("tun0", "3"), { code: "ERR_INVALID_ARG_TYPE" });
  assert.throws(() => addon.openTun("a-name-longer-than-15", -1), {
    code: "ERR_TCPLAB_TUN_NAME",
    name: "RangeError",
  });
  assert.throws(() => addon.openTun("a/b", -1), { code: "ERR_TCPLAB_TUN_NAME" });
  const Ctor = (addon as unknown as { TunDevice: new () => unknown }).TunDevice;
  assert.throws(() => new Ctor(), { code: "ERR_ILLEGAL_CONSTRUCTOR" });
});

test("an fd that is not a namespace fails in setns with an errno code", (t) => {
  if (skipWithoutTun(t)) return;
  const addon = loadTunAddon();
  const fd = openSync("/dev/null", "r");
  try {
    assert.throws(
      () => addon.openTun("tcplabx0", fd),
      (err: unknown) => {
        const e = err as { code?: string; syscall?: string; errno?: number; message: string };
        return (
          e.code === "EINVAL" &&
          e.syscall === "setns(CLONE_NEWNET)" &&
          e.errno === -22 &&
          /EINVAL/.test(e.message)
        );
      },
    );
  } finally {
    closeSync(fd);
  }
});

test("a device carries packets both ways and refuses use after close", { timeout: 30_000 }, async (t) => {
  if (skipWithoutTun(t)) return;
  const ns = await NetworkNamespace.create();
  try {
    const dev = await ns.openTun({ name: "tcplabt0" });
    assert.equal(dev.name, "tcplabt0");
    assert.equal(dev.started, false);
    assert.throws(() => dev.write("not bytes" as unknown as Uint8Array), { code: "ERR_INVALID_ARG_TYPE" });
    assert.throws(() => dev.start(() => {}, undefined as unknown as () => void), {
      code: "ERR_INVALID_ARG_TYPE",
    });

    // The kernel answers an ICMP echo request from 10.77.0.2 to 10.77.0.1 with a reply into the device.
    const request = icmpEcho(0x0a4d0002, 0x0a4d0001, 0x1234, 1);
    const reply = await new Promise<Uint8Array>((resolve, reject) => {
      dev.start((packets) => {
        for (const p of packets) if (p[9] === 1 && p[20] === 0) resolve(p);
      }, reject);
      assert.equal(dev.write(request), request.length);
    });
    assert.equal(dev.started, true);
    assert.deepEqual([...reply.subarray(12, 16)], [10, 77, 0, 1]);
    assert.deepEqual([...reply.subarray(16, 20)], [10, 77, 0, 2]);
    assert.equal((reply[24]! << 8) | reply[25]!, 0x1234, "echo id comes back");
    assert.throws(
      () =>
        dev.start(
          () => {},
          () => {},
        ),
      { code: "ERR_TCPLAB_TUN_STARTED" },
    );

    dev.close();
    assert.equal(dev.closed, true);
    dev.close(); // idempotent
    assert.throws(() => dev.write(request), { code: "ERR_TCPLAB_TUN_CLOSED" });
    assert.throws(
      () =>
        dev.start(
          () => {},
          () => {},
        ),
      { code: "ERR_TCPLAB_TUN_CLOSED" },
    );
    const links = await ns.runChecked("ip", ["-o", "link"]);
    assert.doesNotMatch(links, /tcplabt0/, "the kernel removed the device with its last fd");
  } finally {
    await ns.close();
  }
});

function icmpEcho(src: number, dst: number, id: number, seqNo: number): Uint8Array {
  const p = new Uint8Array(28);
  const v = new DataView(p.buffer);
  v.setUint8(0, 0x45);
  v.setUint16(2, p.length);
  v.setUint8(8, 64);
  v.setUint8(9, 1);
  v.setUint32(12, src);
  v.setUint32(16, dst);
  v.setUint16(10, checksum(p.subarray(0, 20)));
  v.setUint8(20, 8);
  v.setUint16(24, id);
  v.setUint16(26, seqNo);
  v.setUint16(22, checksum(p.subarray(20)));
  return p;
}

function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
