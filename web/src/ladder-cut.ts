// How much of a run the ladder draws. A run's `shown` events are what `tcplab run` prints; a few runs
// still have hundreds of segments there (S14's keep-alive remedy: 300 requests on one connection), which
// as arrows would be a ladder tens of thousands of pixels tall repeating one pattern. The ladder stops
// after LADDER_MAX_SEGMENTS segments and says how many it left out; the chart, the pcap and the JSON
// trace have them all. No DOM here: the browser tests compute the same cut.
import type { TraceEvent } from "../../src/tcp/events.js";

export const LADDER_MAX_SEGMENTS = 90;

export interface LadderCut {
  events: TraceEvent[];
  /** Segments of `shown` the ladder leaves out (0: none). */
  omitted: number;
}

export function ladderEvents(shown: readonly TraceEvent[]): LadderCut {
  let segments = 0;
  for (let i = 0; i < shown.length; i++) {
    if (shown[i]!.kind !== "segment-sent") continue;
    segments++;
    if (segments > LADDER_MAX_SEGMENTS) {
      const total = shown.filter((e) => e.kind === "segment-sent").length;
      return { events: shown.slice(0, i), omitted: total - LADDER_MAX_SEGMENTS };
    }
  }
  return { events: [...shown], omitted: 0 };
}
