// RFC 9293 Figure 5 (§3.3.2) drawn as SVG, boxes where the RFC's ASCII figure puts them (CLOSED appears
// twice, as in the RFC: top for opening, bottom right for the end of a close). The current state of a
// host is lit and the transition that led there highlighted; a transition the figure does not draw
// (an RST or ABORT to CLOSED, FIN_WAIT_1 → TIME_WAIT on a FIN+ACK) is added dashed with its cause.
import type { StateChangeEvent } from "../../src/tcp/events.js";
import type { TcpState } from "../../src/tcp/state.js";
import { svg } from "./svg.js";

type Box = "CLOSED" | "CLOSED2" | Exclude<TcpState, "CLOSED">;

/** Box centres in the RFC figure's character grid (column, line). */
const BOXES: Record<Box, { col: number; line: number; label: string }> = {
  CLOSED: { col: 36, line: 1, label: "CLOSED" },
  LISTEN: { col: 36, line: 9, label: "LISTEN" },
  SYN_RECEIVED: { col: 8, line: 16, label: "SYN RCVD" },
  SYN_SENT: { col: 65, line: 16, label: "SYN SENT" },
  ESTABLISHED: { col: 36, line: 25, label: "ESTAB" },
  FIN_WAIT_1: { col: 8, line: 31.5, label: "FIN WAIT-1" },
  CLOSE_WAIT: { col: 65, line: 31.5, label: "CLOSE WAIT" },
  FIN_WAIT_2: { col: 8, line: 38, label: "FIN WAIT-2" },
  CLOSING: { col: 36, line: 38, label: "CLOSING" },
  LAST_ACK: { col: 65, line: 38, label: "LAST-ACK" },
  TIME_WAIT: { col: 36, line: 45, label: "TIME-WAIT" },
  CLOSED2: { col: 65, line: 45, label: "CLOSED" },
};

/** The figure's edges with their "event / action" labels; `bend` offsets parallel edges. */
const EDGES: Array<{ from: Box; to: Box; label: string; bend?: number }> = [
  { from: "CLOSED", to: "LISTEN", label: "passive OPEN", bend: -7 },
  { from: "LISTEN", to: "CLOSED", label: "CLOSE", bend: -7 },
  { from: "CLOSED", to: "SYN_SENT", label: "active OPEN / snd SYN" },
  { from: "LISTEN", to: "SYN_RECEIVED", label: "rcv SYN / snd SYN,ACK", bend: 6 },
  { from: "SYN_RECEIVED", to: "LISTEN", label: "rcv RST", bend: 6 },
  { from: "LISTEN", to: "SYN_SENT", label: "SEND / snd SYN" },
  { from: "SYN_SENT", to: "SYN_RECEIVED", label: "rcv SYN / snd SYN,ACK" },
  { from: "SYN_SENT", to: "CLOSED", label: "CLOSE", bend: 8 },
  { from: "SYN_RECEIVED", to: "ESTABLISHED", label: "rcv ACK of SYN" },
  { from: "SYN_SENT", to: "ESTABLISHED", label: "rcv SYN,ACK / snd ACK" },
  { from: "SYN_RECEIVED", to: "FIN_WAIT_1", label: "CLOSE / snd FIN" },
  { from: "ESTABLISHED", to: "FIN_WAIT_1", label: "CLOSE / snd FIN" },
  { from: "ESTABLISHED", to: "CLOSE_WAIT", label: "rcv FIN / snd ACK" },
  { from: "FIN_WAIT_1", to: "FIN_WAIT_2", label: "rcv ACK of FIN" },
  { from: "FIN_WAIT_1", to: "CLOSING", label: "rcv FIN / snd ACK" },
  { from: "CLOSE_WAIT", to: "LAST_ACK", label: "CLOSE / snd FIN" },
  { from: "FIN_WAIT_2", to: "TIME_WAIT", label: "rcv FIN / snd ACK" },
  { from: "CLOSING", to: "TIME_WAIT", label: "rcv ACK of FIN" },
  { from: "LAST_ACK", to: "CLOSED2", label: "rcv ACK of FIN" },
  { from: "TIME_WAIT", to: "CLOSED2", label: "Timeout=2MSL" },
];

const SX = 6.2;
const SY = 8.2;
const BW = 74;
const BH = 24;
const PAD = 10;

function centre(b: Box): { x: number; y: number } {
  return { x: BOXES[b].col * SX + PAD, y: BOXES[b].line * SY + PAD + 4 };
}

/** The point where the line from a box's centre towards (tx, ty) leaves the box. */
function exitPoint(b: Box, tx: number, ty: number): { x: number; y: number } {
  const c = centre(b);
  const dx = tx - c.x;
  const dy = ty - c.y;
  const k = Math.min(
    dx === 0 ? Infinity : BW / 2 / Math.abs(dx),
    dy === 0 ? Infinity : BH / 2 / Math.abs(dy),
  );
  return { x: c.x + dx * k, y: c.y + dy * k };
}

/**
 * The figure's boxes for a transition: CLOSED at the end of a close is the bottom-right box. `drawn` says
 * whether Figure 5 has this arrow *for this cause*: LAST_ACK → CLOSED on an RST, or TIME_WAIT → CLOSED on
 * an RST or the TIME_WAIT-0 ablation, end in the same box but are not the figure's "rcv ACK of FIN" and
 * "Timeout=2MSL" arrows.
 */
export function figureEdge(from: TcpState, to: TcpState, cause = ""): { from: Box; to: Box; drawn: boolean } {
  // A listener's child starts at CLOSED → SYN_RECEIVED in the trace: Figure 5's LISTEN → SYN RCVD.
  const f: Box = from === "CLOSED" ? (to === "SYN_RECEIVED" ? "LISTEN" : "CLOSED") : from;
  const t: Box = to === "CLOSED" ? (from === "LAST_ACK" || from === "TIME_WAIT" ? "CLOSED2" : "CLOSED") : to;
  let drawn = EDGES.some((e) => e.from === f && e.to === t);
  if (t === "CLOSED2") drawn = from === "LAST_ACK" ? /ACK of FIN/.test(cause) : /2MSL/.test(cause);
  return { from: f, to: t, drawn };
}

export interface Figure5 {
  root: SVGSVGElement;
  /** Light the state a host is in after `last` (null: nothing happened yet). */
  show(last: StateChangeEvent | null): void;
}

export function drawFigure5(host: string): Figure5 {
  const width = 75 * SX + 2 * PAD;
  const height = 47 * SY + 2 * PAD + 16;
  const root = svg("svg", {
    class: "fig5",
    "data-host": host,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": `RFC 9293 Figure 5 for host ${host}`,
  });
  const edgeEls = new Map<string, SVGGElement>();
  for (const e of EDGES) {
    const a = centre(e.from);
    const b = centre(e.to);
    const p1 = exitPoint(e.from, b.x, b.y);
    const p2 = exitPoint(e.to, a.x, a.y);
    // Perpendicular offset for the pairs the RFC draws side by side.
    const len = Math.hypot(p2.x - p1.x, p2.y - p1.y) || 1;
    const ox = e.bend ? (-(p2.y - p1.y) / len) * e.bend : 0;
    const oy = e.bend ? ((p2.x - p1.x) / len) * e.bend : 0;
    const g = svg("g", { class: "edge", "data-edge": `${e.from}>${e.to}` });
    g.append(
      svg("line", {
        x1: p1.x + ox,
        y1: p1.y + oy,
        x2: p2.x + ox,
        y2: p2.y + oy,
        "marker-end": "url(#arrow)",
      }),
    );
    const mx = (p1.x + p2.x) / 2 + ox * 1.6;
    const my = (p1.y + p2.y) / 2 + oy * 1.6;
    // Labels of the pairs drawn side by side go to their own side, so the two do not overlap.
    const anchor = ox < -0.5 ? "end" : ox > 0.5 ? "start" : "middle";
    g.append(svg("text", { x: mx, y: my - 2, "text-anchor": anchor, class: "edge-label" }, e.label));
    root.append(g);
    edgeEls.set(`${e.from}>${e.to}`, g);
  }
  const boxEls = new Map<Box, SVGGElement>();
  for (const [name, b] of Object.entries(BOXES) as Array<[Box, (typeof BOXES)[Box]]>) {
    const c = centre(name);
    const g = svg("g", { class: "box", "data-state": name === "CLOSED2" ? "CLOSED" : name });
    g.append(svg("rect", { x: c.x - BW / 2, y: c.y - BH / 2, width: BW, height: BH, rx: 4 }));
    g.append(svg("text", { x: c.x, y: c.y + 4, "text-anchor": "middle" }, b.label));
    root.append(g);
    boxEls.set(name, g);
  }
  const extra = svg("g", { class: "edge extra lit" });
  root.append(extra);
  const caption = svg("text", { x: PAD, y: height - 6, class: "fig5-caption" }, "");
  root.append(caption);

  return {
    root,
    show(last) {
      for (const g of boxEls.values()) g.classList.remove("lit");
      for (const g of edgeEls.values()) g.classList.remove("lit");
      extra.replaceChildren();
      if (last === null) {
        boxEls.get("CLOSED")!.classList.add("lit");
        root.setAttribute("data-lit", "CLOSED");
        root.removeAttribute("data-last");
        caption.textContent = `${host}: no state change yet`;
        return;
      }
      const edge = figureEdge(last.from, last.to, last.cause);
      boxEls.get(edge.to)?.classList.add("lit");
      const known = edge.drawn ? edgeEls.get(`${edge.from}>${edge.to}`) : undefined;
      if (known) known.classList.add("lit");
      else {
        // Not drawn in Figure 5: §3.10's text (RST, ABORT, timeouts, a FIN that also ACKs our FIN).
        const a = centre(edge.from);
        const b = centre(edge.to);
        const p1 = exitPoint(edge.from, b.x, b.y);
        const p2 = exitPoint(edge.to, a.x, a.y);
        extra.append(
          svg("line", {
            x1: p1.x,
            y1: p1.y,
            x2: p2.x,
            y2: p2.y,
            "marker-end": "url(#arrow-lit)",
            class: "dashed",
          }),
        );
        extra.append(
          svg(
            "text",
            { x: (p1.x + p2.x) / 2, y: (p1.y + p2.y) / 2 - 3, "text-anchor": "middle", class: "edge-label" },
            `${last.cause} (§3.10, not drawn in Figure 5)`,
          ),
        );
      }
      root.setAttribute("data-lit", last.to);
      root.setAttribute("data-last", `${last.from}>${last.to}`);
      caption.textContent = `${host} ${last.conn}: ${last.from} → ${last.to} (${last.cause})`;
    },
  };
}
