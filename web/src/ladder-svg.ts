// The ladder of one run as SVG: host lines, a state band beside each, sloped segment arrows labelled
// with flags, seq/ack and length, lost segments ending in ✕ where they died, breaks for skipped time.
// Every segment is a <g class="segment"> (plus "lost" when the network dropped it) carrying its flags
// and its address (host and transmission number), so tests and the click handler read the picture.
import type { TimerName, TraceEvent } from "../../src/tcp/events.js";
import { timerLabel } from "../../src/trace/ladder-annotations.js";
import { stateTimeline } from "../../src/trace/timeline.js";
import { formatDuration } from "../../src/trace/duration.js";
import { SequenceNumbering } from "../../src/trace/segment-label.js";
import { SYN, FIN, RST } from "../../src/wire/segment.js";
import { LADDER, type Arrow, type LadderLayout } from "./ladder-layout.js";
import { stateColor } from "./state-colors.js";
import { svg } from "./svg.js";

export interface LadderView {
  root: SVGSVGElement;
  /** Elements that appear at a playback step: [event index, element]. */
  timed: Array<[number, SVGElement]>;
  cursor: SVGLineElement;
  /** Segment shafts, so playback can draw a segment only as far as it has flown. */
  flights: Array<{ shaft: SVGLineElement; x1: number; y1: number; x2: number; y2: number }>;
}

function arrowLabel(a: Arrow, n: SequenceNumbering): string {
  const s = a.event.seg;
  const parts = [a.flags || "none"];
  if (s.flags & (SYN | FIN | RST) || s.payload.length > 0 || !(s.flags & 0x10)) parts.push(`seq ${n.seq(s)}`);
  if (s.flags & 0x10) parts.push(`ack ${n.ack(s)}`);
  if (s.payload.length > 0) parts.push(`len ${s.payload.length}`);
  return parts.join(" ");
}

/** Text beside a host line for a call or a timer worth a line: "close()", "RTO fired". */
function annotation(e: TraceEvent): string | null {
  if (e.kind === "app") {
    if (e.error) return `${e.call}: ${e.error}`;
    if (e.call === "read") return e.detail === "EOF" ? "read() → EOF" : null;
    return `${e.call}()${e.detail ? ` ${e.detail}` : ""}`;
  }
  if (e.kind === "timer") {
    if (e.action === "fired") return `${timerName(e.timer)} fired`;
    if (
      e.action === "armed" &&
      (e.timer === "time-wait" || e.timer === "fin-wait-2") &&
      e.deadline !== undefined
    )
      return `${timerName(e.timer)} armed (${formatDuration(e.deadline - e.t)})`;
    return null;
  }
  if (e.kind === "note") return e.text;
  return null;
}

/** The timers' names as the text ladder writes them (one table: src/trace/ladder-annotations.ts). */
export function timerName(t: string): string {
  return timerLabel(t as TimerName);
}

export function drawLadder(
  layout: LadderLayout,
  shown: readonly TraceEvent[],
  sequence: "relative" | "absolute",
  runIndex: number,
): LadderView {
  const { columns, ys } = layout;
  const root = svg("svg", {
    class: "ladder",
    width: layout.width,
    height: layout.height,
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    role: "img",
    "data-run": runIndex + 1,
  });
  const timed: Array<[number, SVGElement]> = [];
  const flights: LadderView["flights"] = [];
  const colIndex = new Map(columns.map((c, i) => [c.name, i]));
  /** Outer side of a column: left for the first, right for the others. */
  const side = (name: string): number => ((colIndex.get(name) ?? 0) === 0 && columns.length > 1 ? -1 : 1);
  const colX = (name: string): number => columns[colIndex.get(name) ?? 0]?.x ?? 0;

  for (const c of columns) {
    root.append(svg("text", { x: c.x, y: 18, class: "host-title", "text-anchor": "middle" }, c.title));
    root.append(svg("line", { x1: c.x, y1: 26, x2: c.x, y2: layout.height - 10, class: "host-line" }));
  }

  for (const b of layout.breaks) {
    const g = svg("g", { class: "break" });
    g.append(svg("rect", { x: 0, y: b.y - 7, width: layout.width, height: 14, class: "break-band" }));
    g.append(
      svg(
        "text",
        { x: layout.width - 4, y: b.y + 4, "text-anchor": "end", class: "break-text" },
        `≈ ${formatDuration(b.skipped)} pass (not to scale)`,
      ),
    );
    root.append(g);
  }

  // State bands: one lane per connection life of a host, coloured by state, entered at the state event.
  const indexOf = new Map<TraceEvent, number>(shown.map((e, i) => [e, i]));
  const timeline = stateTimeline(shown);
  /** Per host, when each band lane is free again (a later connection reuses the lane of one that ended). */
  const laneFree = new Map<string, number[]>();
  /** Per host, how many lanes its bands use (the state names go beyond them). */
  const lanes = new Map<string, number>();
  const yAt = (t: number): number => {
    // The height of the first shown event at or after t (state changes are events themselves).
    let lo = 0;
    let hi = shown.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (shown[mid]!.t < t) lo = mid + 1;
      else hi = mid;
    }
    return ys[lo] ?? LADDER.top;
  };
  const stateEvents = shown.filter((e) => e.kind === "state");
  for (const life of timeline.connections) {
    // Bands are connections' lives; a listener's LISTEN is written beside its host line (below) but
    // takes no lane, so the first connection's band stays next to the line.
    if (!colIndex.has(life.host) || life.listener) continue;
    const free = laneFree.get(life.host) ?? [];
    laneFree.set(life.host, free);
    const start = life.intervals[0]?.enter ?? 0;
    let lane = free.findIndex((t) => t <= start);
    if (lane < 0) lane = free.length;
    free[lane] = life.closed?.t ?? Infinity;
    lanes.set(life.host, Math.max(lanes.get(life.host) ?? 0, lane + 1));
    if (lane > 3) continue; // more connections at once than fit: the aggregate chart tells that story
    const x = colX(life.host) + side(life.host) * (7 + lane * 7) - 3;
    for (const iv of life.intervals) {
      const enter = stateEvents.find(
        (e) =>
          e.kind === "state" &&
          e.host === life.host &&
          e.conn === life.conn &&
          e.t === iv.enter &&
          e.to === iv.state,
      );
      const i = enter ? (indexOf.get(enter) ?? 0) : 0;
      const y1 = enter ? ys[i]! : yAt(iv.enter);
      const y2 = iv.exit === null ? layout.height - 10 : yAt(iv.exit);
      const rect = svg("rect", {
        x,
        y: y1,
        width: 6,
        height: Math.max(2, y2 - y1),
        fill: stateColor(iv.state),
        class: "band",
        "data-state": iv.state,
        "data-y2": Math.max(y1 + 2, y2),
      });
      rect.append(svg("title", {}, `${life.host} ${life.conn}: ${iv.state}`));
      root.append(rect);
      timed.push([i, rect]);
    }
  }

  // Annotations beside the host lines: the state entered, calls, timers.
  let lastStateY = new Map<string, number>();
  shown.forEach((e, i) => {
    if (!colIndex.has(e.host)) return;
    const s = side(e.host);
    const x0 = colX(e.host);
    if (e.kind === "state") {
      const y = Math.max(ys[i]!, (lastStateY.get(e.host) ?? -Infinity) + 11);
      lastStateY.set(e.host, y);
      const t = svg(
        "text",
        {
          x: x0 + s * (12 + 7 * Math.min(3, (lanes.get(e.host) ?? 1) - 1)),
          y: y + 4,
          "text-anchor": s < 0 ? "end" : "start",
          class: "state-label",
          "data-i": i,
        },
        e.to,
      );
      t.append(svg("title", {}, `${e.conn}: ${e.from} → ${e.to} (${e.cause})`));
      root.append(t);
      timed.push([i, t]);
      return;
    }
    const text = annotation(e);
    if (text === null) return;
    // Calls and timers go on the inner side, just above the row: "close()" right where its FIN leaves.
    const t = svg(
      "text",
      {
        x: x0 - s * 5,
        y: ys[i]! - 4,
        "text-anchor": s < 0 ? "start" : "end",
        class: `call${e.kind === "app" && e.error ? " error" : ""}`,
        "data-i": i,
      },
      text.length > 30 ? `${text.slice(0, 29)}…` : text,
    );
    t.append(svg("title", {}, text));
    root.append(t);
    timed.push([i, t]);
  });
  lastStateY = new Map();

  // Segments.
  const numbering = new SequenceNumbering(sequence);
  for (const a of layout.arrows) {
    numbering.observe(a.event.seg);
    const x1 = colX(a.from);
    const xTo = colX(a.to);
    const lost = a.fate === "lost";
    const frac = lost ? 0.5 : 1;
    const x2 = x1 + (xTo - x1) * frac;
    const y2 = lost ? a.y1 + (a.y2 - a.y1) : a.y2;
    const cls = [
      "segment",
      a.fate === "lost" ? "lost" : "",
      a.fate === "refused" ? "refused" : "",
      a.fate === "in-flight" ? "in-flight" : "",
      a.event.retransmission ? "retransmission" : "",
      a.delayedBy ? "delayed" : "",
      a.corrupted ? "corrupted" : "",
      a.flags.includes("RST") ? "rst" : "",
    ]
      .filter(Boolean)
      .join(" ");
    const label = arrowLabel(a, numbering);
    const g = svg("g", {
      class: cls,
      tabindex: 0,
      role: "button",
      "data-i": a.index,
      "data-flags": a.flags,
      "data-host": a.from,
      "data-n": a.transmission,
      "aria-label": `${a.from} sends ${label}${a.event.retransmission ? " (retransmission)" : ""}; ${a.fate}${a.endReason ? `, ${a.endReason}` : ""}`,
    });
    const dx = x2 - x1;
    // A wide invisible stroke makes the thin arrow easy to click.
    g.append(svg("line", { x1, y1: a.y1, x2, y2, class: "hit" }));
    const shaft = svg("line", {
      x1,
      y1: a.y1,
      x2,
      y2,
      class: "shaft",
      ...(lost ? {} : { "marker-end": "url(#arrow)" }),
    });
    g.append(shaft);
    flights.push({ shaft, x1, y1: a.y1, x2, y2 });
    if (lost) g.append(svg("text", { x: x2, y: y2 + 5, "text-anchor": "middle", class: "cross" }, "✕"));
    if (a.fate === "refused")
      g.append(svg("circle", { cx: x2 - Math.sign(dx) * 10, cy: y2, r: 4, class: "refused-mark" }));
    for (const cy of a.copies)
      g.append(svg("line", { x1, y1: a.y1, x2: xTo, y2: cy, class: "copy", "marker-end": "url(#arrow)" }));
    // The label sits on the arrow's slope, above it: centred on the flight, or on the part a lost
    // segment flew (the ✕ marks the rest).
    const mx = (x1 + x2) / 2;
    const my = (a.y1 + y2) / 2;
    const angle = (Math.atan2(y2 - a.y1, x2 - x1) * 180) / Math.PI;
    const flip = Math.abs(angle) > 90;
    const text = svg(
      "text",
      {
        x: mx,
        y: my - 3,
        "text-anchor": "middle",
        class: "seg-label",
        transform: `rotate(${flip ? angle - 180 : angle} ${mx} ${my})`,
      },
      `${label}${a.event.retransmission ? " ⟲" : ""}${a.delayedBy ? " (delayed)" : ""}${a.corrupted ? " (corrupted)" : ""}`,
    );
    g.append(text);
    g.append(svg("title", {}, `${a.from} → ${a.to}: ${label}${a.endReason ? ` — ${a.endReason}` : ""}`));
    root.append(g);
    timed.push([a.index, g]);
  }

  const cursor = svg("line", { x1: 0, x2: layout.width, y1: 0, y2: 0, class: "cursor" });
  root.append(cursor);
  return { root, timed, cursor, flights };
}
