// One colour per TCP state, used by the state bands, Figure 5 and the aggregate charts alike, so a state
// looks the same everywhere on the page. The values are CSS variables (light and dark themes).
import { ALL_STATES, type TcpState } from "../../src/tcp/state.js";

/** The states in the RFC's order (one list: src/tcp/state.ts). */
export const STATES = ALL_STATES;

export function stateColor(state: TcpState): string {
  return `var(--st-${state.toLowerCase().replace(/_/g, "-")})`;
}
