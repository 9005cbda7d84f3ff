// The free lab's controls: for each host the application calls, made at the lab's current virtual time,
// and buttons that move that time on. Each click appends one line to the script and the page re-runs it.
import { formatClock, formatDuration } from "../../src/trace/duration.js";
import {
  LAB_CALLS,
  LAB_HOSTS,
  labLine,
  parseLabScript,
  type LabAction,
  type LabResult,
} from "./lab-script.js";
import type { PageState } from "./url-state.js";
import { html } from "./svg.js";

const STEPS: Array<[string, number]> = [
  ["+1 ms", 1_000],
  ["+10 ms", 10_000],
  ["+100 ms", 100_000],
  ["+1 s", 1_000_000],
  ["+1 min", 60_000_000],
];

const CALL_HELP: Record<string, string> = {
  listen: "listen on port 80 (passive OPEN)",
  connect: "connect to the other host's port 80 (active OPEN)",
  write: "write a short line of text",
  shutdown: "shutdown(SHUT_WR): send FIN, keep reading (half close)",
  close: "close(): no more reading or writing",
  abort: "close with SO_LINGER 0: send RST",
};

export function renderLabControls(
  state: PageState,
  lab: LabResult,
  change: (script: string[]) => void,
): HTMLElement {
  const script: LabAction[] = parseLabScript(state.lab);
  const add = (a: LabAction): void => change([...script, a].map(labLine));
  const box = html("section", { class: "lab intro" });
  box.append(
    html("h2", {}, "Free lab: make your own connection lifecycle"),
    html(
      "p",
      { class: "explain" },
      "Two hosts on one link, running the real engine with the conditions above. Each button makes that call now, " +
        "at the lab's virtual time; move time on with the + buttons. The whole lab is the script below, and it is in the URL.",
    ),
    html("p", { class: "lab-now", id: "lab-now" }, `Virtual time now: ${formatClock(lab.now)}`),
  );
  for (const host of LAB_HOSTS) {
    const row = html("div", { class: "lab-row", role: "group", "aria-label": `host ${host}` });
    row.append(
      html("strong", {}, `${host} ${host === "A" ? "10.0.0.1" : "10.0.0.2"}`),
      html("span", { class: "lab-state" }, lab.apps[host] ? `(${lab.apps[host]})` : "(no connection)"),
    );
    for (const call of LAB_CALLS) {
      const b = html(
        "button",
        { type: "button", title: CALL_HELP[call] ?? call, "data-call": `${host}:${call}` },
        `${call}()`,
      );
      b.addEventListener("click", () => add({ t: lab.now, host, call }));
      row.append(b);
    }
    box.append(row);
  }
  const time = html(
    "div",
    { class: "lab-row", role: "group", "aria-label": "virtual time" },
    html("strong", {}, "Time"),
  );
  for (const [label, dt] of STEPS) {
    const b = html("button", { type: "button", "data-advance": String(dt) }, label);
    b.addEventListener("click", () => add({ t: lab.now + dt, call: "wait" }));
    time.append(b);
  }
  const quiet = html(
    "button",
    { type: "button", id: "lab-quiet", title: "run until no timer is left" },
    `until quiet (${formatDuration(Math.max(0, Math.round(lab.quietAt - lab.now)))} on)`,
  );
  quiet.addEventListener("click", () => add({ t: lab.quietAt, call: "wait" }));
  const undo = html("button", { type: "button" }, "undo last");
  undo.addEventListener("click", () => change(state.lab.slice(0, -1)));
  const clear = html("button", { type: "button" }, "clear");
  clear.addEventListener("click", () => change([]));
  time.append(quiet, undo, clear);
  box.append(time);
  box.append(
    html(
      "p",
      { class: "hint" },
      script.length === 0
        ? "Try: P listen(), A connect(), +10 ms, A write(), A close(), +10 ms, P close(), until quiet."
        : `Script: ${script.map(labLine).join("  ·  ")}`,
    ),
  );
  return box;
}
