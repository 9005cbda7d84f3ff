// Loads the native part of the TUN driver (native/, built into build/Release by npm install) on
// first use only: importing src/tun never touches it, so machines without the addon or without
// /dev/net/tun run everything else and get a TunUnavailableError only when they ask for a TUN device.
import { accessSync, constants, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { TunUnavailableError } from "./errors.js";

/** An open TUN device (IFF_TUN | IFF_NO_PI): each read and each write is one bare IP packet. */
export interface NativeTunDevice {
  readonly fd: number;
  /** The interface name the kernel gave it (the requested one, or tunN). */
  readonly name: string;
  readonly closed: boolean;
  readonly started: boolean;
  /**
   * Deliver packets on Node's loop: every readiness reads what is waiting (up to 256 packets)
   * into fresh Buffers and calls onPackets once. A read error stops delivery and calls onError.
   */
  start(onPackets: (packets: Uint8Array[]) => void, onError: (err: Error) => void): void;
  stop(): void;
  /** Write one packet; returns its length. Throws an errno-coded error (EAGAIN, EINVAL, ...). */
  write(packet: Uint8Array): number;
  /** Stop and close the fd; the kernel removes the (non-persistent) interface. Idempotent. */
  close(): void;
}

export interface TunAddon {
  /** A new, empty network namespace, held by the returned O_CLOEXEC fd (close it to let it go). */
  createNetns(): number;
  /** Open a TUN device in the namespace of nsFd (-1: the current one). name "" lets the kernel pick. */
  openTun(name: string, nsFd: number): NativeTunDevice;
}

const DEFAULT_ADDON_PATH = fileURLToPath(new URL("../../build/Release/tcplab_tun.node", import.meta.url));

/** Where the addon is looked for: TCPLAB_TUN_ADDON overrides the build output (tests, packagers). */
export function tunAddonPath(): string {
  return process.env.TCPLAB_TUN_ADDON ?? DEFAULT_ADDON_PATH;
}

let cached: { path: string; addon: TunAddon } | undefined;

/** The addon, loaded once. Throws TunUnavailableError (reason not-linux / addon-missing / addon-load-failed). */
export function loadTunAddon(path: string = tunAddonPath()): TunAddon {
  if (cached !== undefined && cached.path === path) return cached.addon;
  if (process.platform !== "linux") {
    throw new TunUnavailableError(
      "not-linux",
      `TUN devices need Linux; this is ${process.platform}. The simulator and every other tcplab feature work here.`,
    );
  }
  if (!existsSync(path)) {
    throw new TunUnavailableError(
      "addon-missing",
      `the TUN addon is not built (${path} is missing). Build it with "node scripts/build-native.mjs" ` +
        "(needs gcc, make, python3 and Node's headers), or reinstall with npm install.",
    );
  }
  try {
    const addon = createRequire(import.meta.url)(path) as TunAddon;
    cached = { path, addon };
    return addon;
  } catch (err) {
    throw new TunUnavailableError(
      "addon-load-failed",
      `the TUN addon at ${path} could not be loaded (${(err as Error).message}); rebuild it with "node scripts/build-native.mjs"`,
      { cause: err },
    );
  }
}

/** Whether TUN features can run here, and if not why. */
export type TunAvailability =
  { ok: true } | { ok: false; reason: TunUnavailableError["reason"]; message: string };

/**
 * Whether this process can create namespaces and TUN devices, without creating any: the addon
 * loads, /dev/net/tun exists and opens for writing, and we are root. Tests skip on `ok: false`.
 */
export function tunAvailability(): TunAvailability {
  try {
    loadTunAddon();
  } catch (err) {
    if (err instanceof TunUnavailableError) return { ok: false, reason: err.reason, message: err.message };
    throw err;
  }
  if (!existsSync("/dev/net/tun")) {
    return { ok: false, reason: "no-tun-device", message: "/dev/net/tun does not exist on this machine" };
  }
  if (process.geteuid?.() !== 0) {
    return {
      ok: false,
      reason: "not-permitted",
      message: "TUN devices in a private network namespace need root (CAP_SYS_ADMIN and CAP_NET_ADMIN)",
    };
  }
  try {
    accessSync("/dev/net/tun", constants.R_OK | constants.W_OK);
  } catch (err) {
    return { ok: false, reason: "not-permitted", message: `/dev/net/tun: ${(err as Error).message}` };
  }
  return { ok: true };
}

/**
 * Turns the system errors that mean "this machine cannot do it" into TunUnavailableError, so the
 * user reads one clear cause instead of a bare ENOENT or EPERM.
 */
export function explainTunFailure(err: unknown): unknown {
  const e = err as { code?: string; syscall?: string; message?: string };
  if (e.code === "ENOENT" && e.syscall === "open /dev/net/tun") {
    return new TunUnavailableError("no-tun-device", "/dev/net/tun does not exist on this machine", {
      cause: err,
    });
  }
  if (e.code === "EPERM" || e.code === "EACCES") {
    return new TunUnavailableError(
      "not-permitted",
      `${e.syscall ?? "the call"} was refused (${e.code}): TUN devices in a private network namespace need root ` +
        "(CAP_SYS_ADMIN and CAP_NET_ADMIN)",
      { cause: err },
    );
  }
  return err;
}
