// `tcplab tun serve | connect | shell`: our TCP on a Linux TUN device, inside a private network
// namespace, with the kernel's TCP as the peer (docs/tun.md). Bad arguments exit 2; a machine that
// cannot do TUN (not root, no /dev/net/tun, addon not built) gets ERR_TCPLAB_TUN_UNAVAILABLE and
// exit 1 before anything is created.
import type { Command } from "commander";
import { tunAvailability } from "../tun/addon.js";
import { runConnect } from "../tun/connect.js";
import { TunUnavailableError } from "../tun/errors.js";
import {
  KERNEL_ADDRESS,
  KERNEL_ADDRESS6,
  STACK_ADDRESS,
  STACK_ADDRESS6,
  TUN_PREFIX_LENGTH,
} from "../tun/netns.js";
import { formatIPv6, parseIPv6 } from "../wire/address6.js";
import { runServe, type TunCommandIo } from "../tun/serve.js";
import { runShell } from "../tun/shell.js";
import type { ProfileName } from "../tcp/profile.js";
import { parseIPv4 } from "../wire/address.js";
import { PROFILE_NAMES, UsageError, colourWanted } from "./scenario-options.js";

interface CommonRaw {
  ipv6?: boolean;
  profile?: string;
  pcap?: string;
  color?: boolean;
  allSegments?: boolean;
  quiet?: boolean;
}

function port(flag: string, text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new UsageError(`${flag} must be a port number from 1 to 65535, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function profile(text: string | undefined): ProfileName {
  const name = text ?? "linux";
  if (!PROFILE_NAMES.includes(name as ProfileName)) {
    throw new UsageError(`--profile must be one of ${PROFILE_NAMES.join(", ")}, got ${JSON.stringify(name)}`);
  }
  return name as ProfileName;
}

/**
 * The connect target must be inside the namespace's subnet: anything else would be meaningless
 * there (the namespace has no route out) and refusing it early keeps a typo from looking like a
 * network fault.
 */
export function namespaceAddress(text: string, ipv6 = false): string {
  if (text.includes(":")) return namespaceAddress6(text, ipv6);
  let addr: number;
  try {
    addr = parseIPv4(text);
  } catch {
    throw new UsageError(
      `<addr> must be an IPv4 address such as ${KERNEL_ADDRESS}, got ${JSON.stringify(text)}`,
    );
  }
  const mask = (0xffffffff << (32 - TUN_PREFIX_LENGTH)) >>> 0;
  const subnet = parseIPv4(KERNEL_ADDRESS) & mask;
  if ((addr & mask) >>> 0 !== subnet >>> 0 || addr === parseIPv4(STACK_ADDRESS)) {
    throw new UsageError(
      `<addr> must be inside the private namespace, where the kernel is ${KERNEL_ADDRESS} ` +
        `(${STACK_ADDRESS} is our own stack); got ${text}. Start the server there with --peer, e.g. --peer "nc -l 7000"`,
    );
  }
  return text;
}

/** The IPv6 form: inside fd00:77::/64, not our own ::2, and only with --ipv6 (the device has IPv6 then). */
function namespaceAddress6(text: string, ipv6: boolean): string {
  let words;
  try {
    words = parseIPv6(text);
  } catch {
    throw new UsageError(
      `<addr> must be an IPv4 or IPv6 address such as ${KERNEL_ADDRESS6}, got ${JSON.stringify(text)}`,
    );
  }
  if (!ipv6)
    throw new UsageError(`<addr> ${text} is IPv6: add --ipv6 (the namespace then has ${KERNEL_ADDRESS6})`);
  const own = parseIPv6(STACK_ADDRESS6);
  const kernel = parseIPv6(KERNEL_ADDRESS6);
  if (words.w0 !== kernel.w0 || words.w1 !== kernel.w1 || (words.w2 === own.w2 && words.w3 === own.w3)) {
    throw new UsageError(
      `<addr> must be inside the private namespace, where the kernel is ${KERNEL_ADDRESS6} ` +
        `(${STACK_ADDRESS6} is our own stack); got ${text}`,
    );
  }
  return formatIPv6(words);
}

/** --send text: \n, \r, \t, \\ and \xHH are understood, so an HTTP request fits on the command line. */
export function sendBytes(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== "\\" || i + 1 >= text.length) {
      out.push(...Buffer.from(c, "utf8"));
      continue;
    }
    const next = text[++i]!;
    if (next === "n") out.push(10);
    else if (next === "r") out.push(13);
    else if (next === "t") out.push(9);
    else if (next === "\\") out.push(92);
    else if (next === "x" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      throw new UsageError(`--send: unknown escape \\${next} (use \\n, \\r, \\t, \\\\ or \\xHH)`);
    }
  }
  return Uint8Array.from(out);
}

function requireTun(): void {
  const a = tunAvailability();
  if (!a.ok) throw new TunUnavailableError(a.reason, a.message);
}

function io(raw: CommonRaw): TunCommandIo {
  return {
    out: (line) => process.stdout.write(line + "\n"),
    err: (line) => process.stderr.write(line + "\n"),
    color: colourWanted(raw.color, process.stdout, process.env),
  };
}

function common(cmd: Command): Command {
  return cmd
    .option("--profile <name>", `our host's profile: ${PROFILE_NAMES.join(", ")}`, "linux")
    .option("--pcap <file>", "write every packet of the TUN device, both ways, to this pcap file")
    .option("--all-segments", "print every segment (by default long runs of data and ACKs are summed up)")
    .option(
      "--ipv6",
      `IPv6 too: the kernel is also ${KERNEL_ADDRESS6}, our TCP ${STACK_ADDRESS6} (a private ULA /64)`,
    );
}

export function registerTunCommand(program: Command): void {
  const tun = program
    .command("tun")
    .description(
      "Run tcplab's TCP on a Linux TUN device against the kernel's TCP, inside a private network namespace (root; docs/tun.md)",
    );

  common(
    tun
      .command("serve")
      .description(
        "node:http on our TCP at 10.77.0.2; prints how to reach it with curl from the namespace, then the live ladder. Ctrl-C stops.",
      )
      .option("--port <n>", "port of the HTTP server", "8080")
      .option("--quiet", "no live ladder"),
  )
    .option("--no-color", "no ANSI colour (also: NO_COLOR=1)")
    .action(async (raw: CommonRaw & { port: string }) => {
      const options = {
        port: port("--port", raw.port),
        profile: profile(raw.profile),
        ...(raw.pcap !== undefined ? { pcap: raw.pcap } : {}),
        allSegments: raw.allSegments === true,
        quiet: raw.quiet === true,
        ipv6: raw.ipv6 === true,
      };
      requireTun();
      process.exitCode = await runServe(options, io(raw));
    });

  common(
    tun
      .command("connect")
      .description(
        "Our TCP connects to a kernel server inside the namespace (start it with --peer) and shows the live ladder until the connection has closed",
      )
      .argument("<addr>", `an address inside the namespace: the kernel is ${KERNEL_ADDRESS}`)
      .argument("<port>", "the server's port")
      .option(
        "--peer <command>",
        'a kernel-side server started inside the namespace first, e.g. "nc -l 7000"',
      )
      .option("--send <text>", "send this once connected (\\r \\n \\t \\\\ \\xHH understood)")
      .option("--keep-open", "do not half-close after sending; wait for the server to close")
      .option("--quiet", "no live ladder"),
  )
    .option("--no-color", "no ANSI colour (also: NO_COLOR=1)")
    .action(
      async (
        addrText: string,
        portText: string,
        raw: CommonRaw & { peer?: string; send?: string; keepOpen?: boolean },
      ) => {
        const options = {
          address: namespaceAddress(addrText, raw.ipv6 === true),
          port: port("<port>", portText),
          ...(raw.send !== undefined ? { send: sendBytes(raw.send) } : {}),
          ...(raw.peer !== undefined ? { peer: raw.peer } : {}),
          keepOpen: raw.keepOpen === true,
          profile: profile(raw.profile),
          ...(raw.pcap !== undefined ? { pcap: raw.pcap } : {}),
          allSegments: raw.allSegments === true,
          quiet: raw.quiet === true,
          ipv6: raw.ipv6 === true,
        };
        requireTun();
        process.exitCode = await runConnect(options, io(raw));
      },
    );

  common(
    tun
      .command("shell")
      .description(
        "A shell inside the namespace while our TCP runs (HTTP on 10.77.0.2:8080): try curl, nc, ss -tan by hand; exiting the shell removes everything",
      )
      .option("--port <n>", "port of the HTTP server", "8080")
      .option("--no-http", "no HTTP server")
      .option("--ladder <file>", "write the live ladder to this file (follow it with tail -f elsewhere)"),
  ).action(async (raw: CommonRaw & { port: string; http?: boolean; ladder?: string }) => {
    const options = {
      port: raw.http === false ? undefined : port("--port", raw.port),
      profile: profile(raw.profile),
      ...(raw.pcap !== undefined ? { pcap: raw.pcap } : {}),
      ...(raw.ladder !== undefined ? { ladder: raw.ladder } : {}),
      allSegments: raw.allSegments === true,
      ipv6: raw.ipv6 === true,
    };
    requireTun();
    process.exitCode = await runShell(options, io(raw));
  });
}
