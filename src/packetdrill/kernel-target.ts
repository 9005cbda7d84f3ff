// --target kernel: Linux's own TCP in a private network namespace (work in progress in this commit).
import type { RunConfig, Sysctl } from "./environment.js";
import { PacketdrillTargetError } from "./errors.js";
import type { Target } from "./target.js";

export function makeKernelTarget(_config: RunConfig, _sysctls: Sysctl[]): Promise<Target> {
  return Promise.reject(
    new PacketdrillTargetError(
      "ERR_TCPLAB_PACKETDRILL_KERNEL",
      "--target kernel is not available in this build yet",
    ),
  );
}
