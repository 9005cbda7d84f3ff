// tcplab's own snapshot file (`tcplab inspect --dump-snapshot`): the socket table *plus* the sysctls and
// counters, so a capture taken on one machine can be analysed on another with the host's real settings.
// It is also how `--netns` brings a reading back from the helper process that entered the namespace.
import { InspectError } from "../errors.js";
import { INPUT_FORMATS, type Snapshot } from "../model.js";

export const SNAPSHOT_MARKER = "tcplabSnapshot";
export const SNAPSHOT_VERSION = 1;

export function serialiseSnapshot(s: Snapshot): string {
  return `${JSON.stringify({ [SNAPSHOT_MARKER]: SNAPSHOT_VERSION, ...s }, null, 1)}\n`;
}

export function isSnapshotJson(text: string): boolean {
  return /^\s*\{\s*"tcplabSnapshot"\s*:/.test(text);
}

export function parseSnapshotJson(text: string, source: string): Snapshot {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new InspectError(
      "INSPECT_MALFORMED_LINE",
      `${source}: not a valid tcplab snapshot (${(err as Error).message})`,
    );
  }
  if (data[SNAPSHOT_MARKER] !== SNAPSHOT_VERSION) {
    throw new InspectError(
      "INSPECT_UNRECOGNISED_INPUT",
      `${source}: unsupported tcplab snapshot version ${String(data[SNAPSHOT_MARKER])}`,
    );
  }
  const platforms = ["linux", "windows", "macos"];
  if (!platforms.includes(data.platform as string) || !Array.isArray(data.sockets)) {
    throw new InspectError(
      "INSPECT_MALFORMED_LINE",
      `${source}: a tcplab snapshot needs "platform" and "sockets"`,
    );
  }
  if (data.format !== "live" && !INPUT_FORMATS.includes(data.format as never)) {
    throw new InspectError(
      "INSPECT_MALFORMED_LINE",
      `${source}: unknown snapshot format ${JSON.stringify(data.format)}`,
    );
  }
  for (const [i, s] of (data.sockets as unknown[]).entries()) {
    const r = s as Record<string, unknown> | null;
    const ok =
      r !== null &&
      typeof r === "object" &&
      typeof r.state === "string" &&
      typeof (r.local as { address?: unknown })?.address === "string" &&
      typeof (r.remote as { address?: unknown })?.address === "string" &&
      Array.isArray(r.owners);
    if (!ok)
      throw new InspectError(
        "INSPECT_MALFORMED_LINE",
        `${source}: socket ${i + 1} of the snapshot is incomplete`,
      );
  }
  const { [SNAPSHOT_MARKER]: _v, ...rest } = data;
  return rest as unknown as Snapshot;
}
