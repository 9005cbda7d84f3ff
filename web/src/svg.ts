// A few helpers for building SVG with the DOM (no library needed for this much).
const NS = "http://www.w3.org/2000/svg";

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  text?: string,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export function html<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") el.className = v;
    else el.setAttribute(k, v);
  }
  for (const c of children) el.append(c);
  return el;
}

/** Arrowhead markers shared by every SVG of the page (one hidden defs block). */
export function arrowDefs(): SVGSVGElement {
  const root = svg("svg", { width: 0, height: 0, "aria-hidden": "true", style: "position:absolute" });
  const defs = svg("defs");
  for (const [id, cls] of [
    ["arrow", "head"],
    ["arrow-lit", "head lit"],
  ] as const) {
    const m = svg("marker", {
      id,
      viewBox: "0 0 10 10",
      refX: 9,
      refY: 5,
      // Fixed size whatever the line's width: a lit (thick) edge keeps a normal arrowhead.
      markerUnits: "userSpaceOnUse",
      markerWidth: 8,
      markerHeight: 8,
      orient: "auto-start-reverse",
    });
    m.append(svg("path", { d: "M0,0 L10,5 L0,10 z", class: cls }));
    defs.append(m);
  }
  root.append(defs);
  return root;
}
