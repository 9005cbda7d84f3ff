// Runs with thousands of connections (S14, S16) are told as counts, not as thousands of arrows: for one
// host, how many of its connections are in each state over time, and how many local ports it holds
// against the range it may use. Read from the run's whole trace.
import { isConnectionStateEvent, type TraceEvent } from "../../src/tcp/events.js";
import type { TcpState } from "../../src/tcp/state.js";
import { formatClock } from "../../src/trace/duration.js";
import { STATES, stateColor } from "./state-colors.js";
import { svg, html } from "./svg.js";

export interface StateCounts {
  times: number[];
  counts: Map<TcpState, number[]>;
  max: number;
}

/** Connections of `host` per state, sampled at `samples` evenly spaced times (a sweep over the state events). */
export function countStates(events: readonly TraceEvent[], host: string, samples = 240): StateCounts {
  // Connections only: the listener's own LISTEN (listener: true) is no connection of the host.
  const changes = events.filter((e) => isConnectionStateEvent(e) && e.host === host);
  const start = events[0]?.t ?? 0;
  const end = events[events.length - 1]?.t ?? 0;
  const times = Array.from({ length: samples }, (_, i) => start + ((end - start) * i) / (samples - 1));
  const current = new Map<TcpState, number>(STATES.map((s) => [s, 0]));
  const counts = new Map<TcpState, number[]>(STATES.map((s) => [s, []]));
  let j = 0;
  let max = 0;
  for (const t of times) {
    while (j < changes.length && changes[j]!.t <= t) {
      const e = changes[j++]!;
      if (e.kind !== "state") continue;
      current.set(e.from, (current.get(e.from) ?? 0) - 1);
      current.set(e.to, (current.get(e.to) ?? 0) + 1);
    }
    for (const s of STATES) {
      if (s === "CLOSED") continue;
      const n = Math.max(0, current.get(s) ?? 0);
      counts.get(s)!.push(n);
      max = Math.max(max, n);
    }
  }
  return { times, counts, max };
}

/** Ports held = connections of the host not CLOSED and not LISTEN (TIME_WAIT holds its port too). */
export function portsHeld(c: StateCounts): number[] {
  return c.times.map((_, i) => {
    let n = 0;
    for (const [s, values] of c.counts) if (s !== "LISTEN" && s !== "CLOSED") n += values[i] ?? 0;
    return n;
  });
}

export function drawAggregate(
  events: readonly TraceEvent[],
  host: string,
  portRange: number | null,
  width: number,
): HTMLElement {
  const c = countStates(events, host);
  // Local ports only matter for a host that opens its connections (S14's client); a server's children
  // all share its one listening port (S16), so there the chart shows states only.
  let active = 0;
  let passive = 0;
  for (const e of events)
    if (e.kind === "state" && e.host === host && e.from === "CLOSED") {
      if (e.to === "SYN_SENT") active++;
      else if (e.to === "SYN_RECEIVED") passive++;
    }
  const showPorts = active > passive;
  const held = showPorts ? portsHeld(c) : [];
  if (!showPorts) portRange = null;
  const top = Math.max(c.max, portRange ?? 0, ...held, 1);
  const h = 180;
  const left = 52;
  const w = width - left - 10;
  const x = (i: number): number => left + (w * i) / (c.times.length - 1);
  const y = (v: number): number => 10 + h - (h * v) / top;
  const root = svg("svg", {
    class: "aggregate",
    width,
    height: h + 40,
    viewBox: `0 0 ${width} ${h + 40}`,
    role: "img",
    "aria-label": `${host}: connections per state over time`,
  });
  root.append(svg("line", { x1: left, y1: y(0), x2: left + w, y2: y(0), class: "axis" }));
  root.append(svg("line", { x1: left, y1: y(top), x2: left, y2: y(0), class: "axis" }));
  root.append(svg("text", { x: left - 4, y: y(top) + 4, "text-anchor": "end", class: "tick" }, String(top)));
  root.append(svg("text", { x: left - 4, y: y(0) + 4, "text-anchor": "end", class: "tick" }, "0"));
  root.append(svg("text", { x: left, y: h + 30, class: "tick" }, formatClock(c.times[0] ?? 0)));
  root.append(
    svg(
      "text",
      { x: left + w, y: h + 30, "text-anchor": "end", class: "tick" },
      formatClock(c.times.at(-1) ?? 0),
    ),
  );
  const legend = html("ul", { class: "legend" });
  for (const [s, values] of c.counts) {
    if (values.every((v) => v === 0)) continue;
    const d = values.map((v, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join("");
    root.append(svg("path", { d, class: "series", stroke: stateColor(s), "data-state": s }));
    const sw = html("span", { class: "swatch" });
    sw.style.background = stateColor(s);
    legend.append(html("li", {}, sw, `${s} (max ${Math.max(...values)})`));
  }
  const dHeld = held.map((v, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join("");
  if (showPorts) root.append(svg("path", { d: dHeld, class: "series held" }));
  if (showPorts)
    legend.append(
      html(
        "li",
        {},
        html("span", { class: "swatch held" }),
        `local ports held by ${host} (max ${Math.max(...held)})`,
      ),
    );
  if (portRange !== null) {
    root.append(svg("line", { x1: left, y1: y(portRange), x2: left + w, y2: y(portRange), class: "range" }));
    root.append(
      svg(
        "text",
        { x: left + w, y: y(portRange) - 4, "text-anchor": "end", class: "tick" },
        `ephemeral port range: ${portRange}`,
      ),
    );
  }
  return html(
    "figure",
    { class: "aggregate-figure" },
    root,
    html("figcaption", {}, `${host}: connections per state over the whole run (the ladder shows a sample)`),
    legend,
  );
}
