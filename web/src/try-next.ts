// A scenario's "Try next" commands as links: `tcplab run S6 --time-wait 0: ...` opens this page with
// timeWait=0. Options the page has no knob for (--labels, --json) leave the line as plain text.
import { toQuery, defaultState, type PageState } from "./url-state.js";
import { html } from "./svg.js";

const FLAGS: Record<string, "seed" | "profile" | "timeWait" | "msl" | "loss" | "delay"> = {
  "--seed": "seed",
  "--profile": "profile",
  "--time-wait": "timeWait",
  "--msl": "msl",
  "--loss": "loss",
  "--delay": "delay",
};

/** The page state a `tcplab run ...` command means, or null when the page cannot show it. */
export function commandState(command: string): PageState | null {
  const words = command.trim().split(/\s+/);
  if (words[0] !== "tcplab" || words[1] !== "run" || !words[2]) return null;
  const state = defaultState();
  state.scenario = words[2].toUpperCase();
  for (let i = 3; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--absolute") state.absolute = true;
    else if (FLAGS[w] && words[i + 1] !== undefined) state.raw[FLAGS[w]] = words[++i]!;
    else return null;
  }
  return state;
}

export function tryNextItem(line: string): HTMLElement {
  const colon = line.indexOf(": ");
  const command = colon >= 0 ? line.slice(0, colon) : line;
  const state = commandState(command);
  if (!state) return html("li", {}, html("code", {}, command), colon >= 0 ? line.slice(colon) : "");
  return html(
    "li",
    {},
    html("a", { href: toQuery(state) }, html("code", {}, command)),
    colon >= 0 ? line.slice(colon) : "",
  );
}
