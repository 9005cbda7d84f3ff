// Placeholder until the free lab is built (next commit).
import type { PageState } from "./url-state.js";
import { html } from "./svg.js";
export function renderLab(_state: PageState, _changed: () => void): HTMLElement {
  return html("p", {}, "The free lab is not built yet.");
}
