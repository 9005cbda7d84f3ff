// A scenario's "Try next" commands as links: `tcplab run S6 --time-wait 0: ...` opens this page with
// timeWait=0. Options the page has no knob for (--labels, --json) leave the line as plain text.
import { toQuery, commandState } from "./url-state.js";
import { html } from "./svg.js";

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
