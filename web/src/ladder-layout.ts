// Where everything of a run's ladder goes: one column per host, time flowing down to scale, long quiet
// stretches squeezed into a marked break, and for each segment where it starts, where it ends and how
// (arrived, refused by the receiver, lost in the network, still in flight). Pure data, no DOM: the SVG
// view (ladder-svg.ts) draws it and the tests read it.
import type { TraceEvent, SegmentSentEvent } from "../../src/tcp/events.js";
import { discoverHosts, hostTitle, hostsByAddress, type HostSpec } from "../../src/trace/hosts.js";
import { flagNames } from "../../src/wire/segment.js";

export type Fate = "delivered" | "refused" | "lost" | "in-flight";

export interface Arrow {
  /** Index of the segment-sent event in the shown events. */
  index: number;
  event: SegmentSentEvent;
  from: string;
  to: string;
  /** 1-based: which of its host's transmissions this is in the whole run (the fault address). */
  transmission: number;
  y1: number;
  /** Arrival (or death) height. */
  y2: number;
  fate: Fate;
  /** Index of the event that ended it (arrival, drop), or -1. */
  endIndex: number;
  /** Why it died or was refused: "lost: loss", "fault drop A#5", "refused: time-wait". */
  endReason: string;
  /** Later copies made by the network (duplicate), with their arrival heights. */
  copies: number[];
  /** A fault delayed it. */
  delayedBy: string | null;
  /** The network flipped a bit in it (the receiver's checksum then refuses it). */
  corrupted: boolean;
  flags: string;
}

export interface Column {
  name: string;
  title: string;
  x: number;
}

export interface Break {
  y: number;
  skipped: number;
}

export interface LadderLayout {
  columns: Column[];
  /** Height of each shown event (same index). */
  ys: number[];
  arrows: Arrow[];
  breaks: Break[];
  width: number;
  height: number;
  /** First and last time (µs). */
  start: number;
  end: number;
}

export const LADDER = {
  top: 44,
  /** A segment's flight at the nominal link delay takes this many pixels. */
  flight: 56,
  /** Rows (sends, arrivals, calls) never closer than this. */
  minRow: 18,
  /** A quiet stretch that would take more than this is squeezed to `breakHeight`. */
  maxGap: 90,
  breakHeight: 34,
  margin: 132,
};

/** Events that need a row of their own; the rest (network, state, timers) sit on the current row. */
function takesRow(e: TraceEvent): boolean {
  return (
    e.kind === "segment-sent" ||
    e.kind === "segment-received" ||
    e.kind === "segment-dropped" ||
    e.kind === "app" ||
    e.kind === "note"
  );
}

export function layoutLadder(
  shown: readonly TraceEvent[],
  all: readonly TraceEvent[],
  hostSpecs: readonly HostSpec[],
  nominalDelay: number,
  width: number,
): LadderLayout {
  const hosts = discoverHosts(shown, hostSpecs);
  const inner = Math.max(160, width - 2 * LADDER.margin);
  const step = hosts.length > 1 ? inner / (hosts.length - 1) : 0;
  const columns: Column[] = hosts.map((h, i) => ({
    name: h.name,
    title: hostTitle(h),
    x: hosts.length > 1 ? LADDER.margin + i * step : width / 2,
  }));
  const byAddress = hostsByAddress(hosts);

  // Heights: to scale (`flight` px per nominal delay), each row at least `minRow` below the last,
  // quiet stretches longer than `maxGap` px squeezed into a break that says how long it was.
  const scale = LADDER.flight / Math.max(nominalDelay, 1000);
  const ys: number[] = [];
  const breaks: Break[] = [];
  let y = LADDER.top;
  let lastRow = -Infinity;
  let lastT = shown[0]?.t ?? 0;
  for (const e of shown) {
    const gap = (e.t - lastT) * scale;
    if (gap > LADDER.maxGap) {
      breaks.push({ y: y + LADDER.breakHeight / 2, skipped: e.t - lastT });
      y += LADDER.breakHeight;
    } else y += gap;
    if (takesRow(e)) {
      y = Math.max(y, lastRow + LADDER.minRow);
      lastRow = y;
    }
    lastT = e.t;
    ys.push(y);
  }

  // Which transmission of its host each sent segment was, counted over the whole run.
  const transmissions = new Map<SegmentSentEvent, number>();
  const perHost = new Map<string, number>();
  for (const e of all) {
    if (e.kind !== "segment-sent") continue;
    const n = (perHost.get(e.host) ?? 0) + 1;
    perHost.set(e.host, n);
    transmissions.set(e, n);
  }

  const arrows: Arrow[] = [];
  const open = new Map<number, Arrow>();
  shown.forEach((e, i) => {
    if (e.kind === "segment-sent") {
      const arrow: Arrow = {
        index: i,
        event: e,
        from: e.host,
        to: byAddress.get(e.seg.dstAddr) ?? e.host,
        transmission: transmissions.get(e) ?? 0,
        y1: ys[i]!,
        y2: ys[i]! + LADDER.flight,
        fate: "in-flight",
        endIndex: -1,
        endReason: "",
        copies: [],
        delayedBy: null,
        corrupted: false,
        flags: flagNames(e.seg.flags),
      };
      arrows.push(arrow);
      open.set(e.id, arrow);
      return;
    }
    if (e.kind === "network") {
      const a = open.get(e.id);
      if (!a) return;
      if (e.action === "drop") {
        // Lost: the ✕ goes halfway down the flight it never finished, or where the MSL ran out.
        a.fate = "lost";
        a.endIndex = i;
        a.y2 = e.reason === "msl-expired" ? ys[i]! : a.y1 + LADDER.flight / 2;
        a.endReason = e.fault ? `lost: fault "${e.fault}"` : `lost: ${e.reason ?? "dropped"}`;
      } else if (e.action === "delay") a.delayedBy = e.fault ?? "delay";
      else if (e.action === "corrupt") a.corrupted = true;
      else if (e.action === "duplicate") a.endReason = a.endReason || "duplicated by the network";
      return;
    }
    if (e.kind === "segment-received") {
      const a = open.get(e.id);
      if (!a) return;
      if (a.fate === "in-flight") {
        a.fate = "delivered";
        a.endIndex = i;
        a.y2 = ys[i]!;
      } else a.copies.push(ys[i]!); // a second arrival of one packet: the network's duplicate
      return;
    }
    if (e.kind === "segment-dropped") {
      const a = open.get(e.id);
      // Only the first arrival's fate changes the arrow; a refused copy stays a copy.
      if (!a || (a.fate !== "in-flight" && a.fate !== "delivered") || a.copies.length > 0) return;
      a.fate = "refused";
      if (a.endIndex < 0) {
        a.endIndex = i;
        a.y2 = ys[i]!;
      }
      a.endReason = `refused by ${e.host}: ${e.reason}${e.detail ? ` (${e.detail})` : ""}`;
    }
  });
  return {
    columns,
    ys,
    arrows,
    breaks,
    width,
    height: y + LADDER.top + LADDER.flight,
    start: shown[0]?.t ?? 0,
    end: shown[shown.length - 1]?.t ?? 0,
  };
}
