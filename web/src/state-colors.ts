// One colour per TCP state, used by the state bands, Figure 5 and the aggregate charts alike, so a state
// looks the same everywhere on the page. The values are CSS variables (light and dark themes).
import type { TcpState } from "../../src/tcp/state.js";

export const STATES: readonly TcpState[] = [
  "CLOSED",
  "LISTEN",
  "SYN_SENT",
  "SYN_RECEIVED",
  "ESTABLISHED",
  "FIN_WAIT_1",
  "FIN_WAIT_2",
  "CLOSE_WAIT",
  "CLOSING",
  "LAST_ACK",
  "TIME_WAIT",
];

export function stateColor(state: TcpState): string {
  return `var(--st-${state.toLowerCase().replace(/_/g, "-")})`;
}
