// Our Host on a TUN device in a fresh namespace, as the interactive commands use it: one call to
// set everything up, one to take it all down (driver, capture file, namespace with whatever runs
// inside), safe to call twice and from a signal handler's path.
import { Host } from "../tcp/engine.js";
import type { ProfileName } from "../tcp/profile.js";
import type { TraceSink } from "../tcp/events.js";
import { PcapFileCapture } from "./capture.js";
import { TunDriver } from "./driver.js";
import { KERNEL_ADDRESS, KERNEL_ADDRESS6, NetworkNamespace, STACK_ADDRESS, STACK_ADDRESS6 } from "./netns.js";

/** Options of StackSession.open. */
export interface StackSessionOptions {
  profile?: ProfileName;
  /** Write every packet of the device, both ways, to this pcap file. */
  pcap?: string;
  trace?: TraceSink;
  /** The driver stopped on a failure (device write error, stuck deadline). */
  onDriverError?: (err: Error) => void;
  /**
   * IPv6 too (`--ipv6`): the device carries both families, the kernel is also fd00:77::1 and our host,
   * dual-stack, also fd00:77::2.
   */
  ipv6?: boolean;
}

/** A tcplab Host on a TUN device in a fresh network namespace, with its driver and optional capture: open() sets it all up, close() takes it all down. */
export class StackSession {
  private closing: Promise<void> | undefined;

  /** Our address as commands print it: IPv4, or the IPv6 one (RFC 5952) in an --ipv6 session. */
  get stackAddress(): string {
    return this.ipv6 ? STACK_ADDRESS6 : STACK_ADDRESS;
  }

  /** The kernel's address as commands print it: IPv4, or its IPv6 one in an --ipv6 session. */
  get kernelAddress(): string {
    return this.ipv6 ? KERNEL_ADDRESS6 : KERNEL_ADDRESS;
  }

  /** Our address as a URL's host: "10.77.0.2" or "[fd00:77::2]". */
  get stackUrlHost(): string {
    return this.ipv6 ? `[${STACK_ADDRESS6}]` : STACK_ADDRESS;
  }

  private constructor(
    readonly ipv6: boolean,
    readonly ns: NetworkNamespace,
    readonly host: Host,
    readonly driver: TunDriver,
    readonly capture: PcapFileCapture | undefined,
  ) {}

  /** Namespace, device, host, driver started. Throws TunUnavailableError where TUN cannot work. */
  static async open(options: StackSessionOptions = {}): Promise<StackSession> {
    const ns = await NetworkNamespace.create();
    let capture: PcapFileCapture | undefined;
    try {
      const device = await ns.openTun(options.ipv6 ? { kernelAddress6: KERNEL_ADDRESS6 } : {});
      capture = options.pcap === undefined ? undefined : new PcapFileCapture(options.pcap);
      const host = new Host({
        name: "tcplab",
        address: STACK_ADDRESS,
        ...(options.ipv6 ? { address6: STACK_ADDRESS6 } : {}),
        ...(options.profile ? { profile: options.profile } : {}),
        ...(options.trace ? { trace: options.trace } : {}),
      });
      const driver = new TunDriver({
        device,
        endpoint: host,
        ...(capture ? { capture } : {}),
        ...(options.trace ? { trace: options.trace } : {}),
        ...(options.onDriverError ? { onError: options.onDriverError } : {}),
      });
      driver.start();
      return new StackSession(options.ipv6 === true, ns, host, driver, capture);
    } catch (err) {
      capture?.close();
      await ns.close();
      throw err;
    }
  }

  /** close() was called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Stop the driver, finish the capture file and remove the namespace (killing what runs in it). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.driver.stop();
      this.capture?.close();
      await this.ns.close();
    })();
    return this.closing;
  }
}
