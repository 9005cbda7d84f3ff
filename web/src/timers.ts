// The timers running at a playback moment, with countdown bars: each armed (or restarted) timer of the
// shown events up to the cursor that has not fired or been cancelled since, with how much is left.
import type { TraceEvent, TimerName } from "../../src/tcp/events.js";
import { formatDuration } from "../../src/trace/duration.js";
import { html } from "./svg.js";
import { timerName } from "./ladder-svg.js";

export interface RunningTimer {
  host: string;
  conn: string;
  timer: TimerName;
  armedAt: number;
  deadline: number;
}

export function runningTimers(shown: readonly TraceEvent[], upTo: number): RunningTimer[] {
  const live = new Map<string, RunningTimer>();
  for (let i = 0; i <= upTo && i < shown.length; i++) {
    const e = shown[i]!;
    if (e.kind === "state" && e.to === "CLOSED") {
      // A connection that ended has no timers left, whatever the trace says about them.
      for (const [k, t] of live) if (t.host === e.host && t.conn === e.conn) live.delete(k);
      continue;
    }
    if (e.kind !== "timer") continue;
    const key = `${e.host}\u0000${e.conn}\u0000${e.timer}`;
    if ((e.action === "armed" || e.action === "restarted") && e.deadline !== undefined)
      live.set(key, { host: e.host, conn: e.conn, timer: e.timer, armedAt: e.t, deadline: e.deadline });
    else live.delete(key);
  }
  return [...live.values()];
}

export function renderTimers(timers: readonly RunningTimer[], now: number): HTMLElement {
  const list = html("ul", { class: "timers" });
  if (timers.length === 0) list.append(html("li", { class: "none" }, "no timer running"));
  for (const t of timers) {
    const total = Math.max(1, t.deadline - t.armedAt);
    const left = Math.max(0, t.deadline - now);
    const bar = html("div", { class: "bar" });
    const fill = html("div", { class: `fill t-${t.timer}` });
    fill.style.width = `${(100 * left) / total}%`;
    bar.append(fill);
    list.append(
      html(
        "li",
        { "data-timer": t.timer, "data-host": t.host },
        html("span", { class: "timer-name" }, `${t.host} ${timerName(t.timer)}`),
        bar,
        html(
          "span",
          { class: "timer-left" },
          `${formatDuration(Math.round(left))} of ${formatDuration(total)} left`,
        ),
      ),
    );
  }
  return list;
}
