// Our Host on a TUN device in a fresh namespace, as the interactive commands use it: one call to
// set everything up, one to take it all down (driver, capture file, namespace with whatever runs
// inside), safe to call twice and from a signal handler's path.
import { Host } from "../tcp/engine.js";
import type { ProfileName } from "../tcp/profile.js";
import type { TraceSink } from "../tcp/events.js";
import { PcapFileCapture } from "./capture.js";
import { TunDriver } from "./driver.js";
import { KERNEL_ADDRESS, NetworkNamespace, STACK_ADDRESS } from "./netns.js";

/** Options of StackSession.open. */
export interface StackSessionOptions {
  profile?: ProfileName;
  /** Write every packet of the device, both ways, to this pcap file. */
  pcap?: string;
  trace?: TraceSink;
  /** The driver stopped on a failure (device write error, stuck deadline). */
  onDriverError?: (err: Error) => void;
}

/** A tcplab Host on a TUN device in a fresh network namespace, with its driver and optional capture: open() sets it all up, close() takes it all down. */
export class StackSession {
  readonly stackAddress = STACK_ADDRESS;
  readonly kernelAddress = KERNEL_ADDRESS;
  private closing: Promise<void> | undefined;

  private constructor(
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
      const device = await ns.openTun();
      capture = options.pcap === undefined ? undefined : new PcapFileCapture(options.pcap);
      const host = new Host({
        name: "tcplab",
        address: STACK_ADDRESS,
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
      return new StackSession(ns, host, driver, capture);
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
