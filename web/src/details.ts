// What the page says about one clicked segment: its header, why it was sent, what became of it, and
// both ends' TCB at the moment it was sent — read by running the same deterministic simulation again
// and looking at the connections when the run reaches that event (the engine has no "history").
import type { TraceEvent } from "../../src/tcp/events.js";
import type { World } from "../../src/scenarios/world.js";
import { formatIPv4 } from "../../src/wire/address.js";
import { formatClock, formatDuration } from "../../src/trace/duration.js";
import type { Arrow } from "./ladder-layout.js";
import { html } from "./svg.js";
import { runningTimers } from "./timers.js";
import { timerName } from "./ladder-svg.js";

export interface TcbSnapshot {
  host: string;
  conn: string;
  state: string;
  rows: Array<[string, string]>;
}

/** The connection of `host` named `label` (or its reverse) as it stands now, if it is a live Connection. */
export function snapshotTcb(world: World, host: string, label: string): TcbSnapshot {
  const h = world.hosts.get(host);
  const c = h?.connections().find((x) => x.label === label);
  if (!h || !c) {
    return {
      host,
      conn: label,
      state: "no connection (CLOSED, or TIME_WAIT kept as a compact record)",
      rows: [],
    };
  }
  const s = c.snd;
  const r = c.rcv;
  const rel = (v: number, base: number): string => `${v >>> 0} (${(v - base) | 0})`;
  return {
    host,
    conn: label,
    state: h.stateOf(c),
    rows: [
      ["ISS", String(s.iss >>> 0)],
      ["SND.UNA", rel(s.sndUna, s.iss)],
      ["SND.NXT", rel(s.sndNxt, s.iss)],
      ["SND.WND", `${s.sndWnd} bytes`],
      ["IRS", String(r.irs >>> 0)],
      ["RCV.NXT", rel(r.rcvNxt, r.irs)],
      ["RCV.WND", `${r.window} bytes`],
      ["cwnd", `${s.cc.cwnd} bytes`],
      ["ssthresh", s.cc.ssthresh >= 0x7fffffff ? "∞" : `${s.cc.ssthresh} bytes`],
      ["RTO", formatDuration(Math.round(s.rto.rto))],
      ["SRTT", s.rto.hasSample ? formatDuration(Math.round(s.rto.srtt)) : "no sample yet"],
    ],
  };
}

function reverse(label: string): string {
  const [a = "", b = ""] = label.split(">");
  return `${b}>${a}`;
}

export interface DetailsInput {
  arrow: Arrow;
  shown: readonly TraceEvent[];
  runIndex: number;
  /** Re-run the scenario and call back at every event of this run. */
  replay(observe: (event: TraceEvent, world: World) => void): void;
  onDrop(): void;
  onDelay(delay: string): void;
}

export function renderDetails(input: DetailsInput): HTMLElement {
  const { arrow } = input;
  const e = arrow.event;
  const s = e.seg;
  const label = e.conn ?? `${formatIPv4(s.srcAddr)}:${s.srcPort}>${formatIPv4(s.dstAddr)}:${s.dstPort}`;
  let snaps: TcbSnapshot[] = [];
  input.replay((ev, world) => {
    // The same deterministic run again: the packet id names the same transmission.
    if (snaps.length === 0 && ev.kind === "segment-sent" && ev.id === e.id) {
      snaps = [snapshotTcb(world, arrow.from, label), snapshotTcb(world, arrow.to, reverse(label))];
    }
  });
  const opts = s.options;
  const optText: string[] = [];
  if (opts.mss !== undefined) optText.push(`MSS ${opts.mss}`);
  if (opts.wscale !== undefined) optText.push(`wscale ${opts.wscale}`);
  if (opts.sackPermitted) optText.push("SACK permitted");
  if (opts.timestamp) optText.push(`TS val ${opts.timestamp.val} ecr ${opts.timestamp.ecr}`);
  if (opts.sack && opts.sack.length > 0)
    optText.push(`SACK ${opts.sack.map(([l, r]) => `${l}-${r}`).join(" ")}`);
  const header: Array<[string, string]> = [
    [
      "from → to",
      `${arrow.from} ${formatIPv4(s.srcAddr)}:${s.srcPort} → ${arrow.to} ${formatIPv4(s.dstAddr)}:${s.dstPort}`,
    ],
    ["flags", arrow.flags || "none"],
    ["seq", String(s.seq >>> 0)],
    ["ack", s.flags & 0x10 ? String(s.ack >>> 0) : "(ACK flag not set)"],
    ["window", String(s.window)],
    ["payload", `${s.payload.length} bytes`],
    ["options", optText.join(", ") || "none"],
    ["sent at", formatClock(e.t)],
    ["why", `${e.why}${e.retransmission ? " (a retransmission)" : ""}`],
    [
      "fate",
      arrow.fate === "delivered"
        ? `arrived at ${formatClock(input.shown[arrow.endIndex]?.t ?? 0)}`
        : arrow.fate === "in-flight"
          ? "still in flight when the run ended"
          : arrow.endReason,
    ],
    ["address", `run ${input.runIndex + 1}, ${arrow.from}'s transmission #${arrow.transmission}`],
  ];
  const table = (rows: Array<[string, string]>): HTMLTableElement => {
    const t = html("table", {});
    for (const [k, v] of rows) t.append(html("tr", {}, html("th", {}, k), html("td", {}, v)));
    return t;
  };
  const panel = html("section", { class: "details", "aria-live": "polite", "data-i": String(arrow.index) });
  panel.append(html("h3", {}, `Segment ${arrow.from} → ${arrow.to}: ${arrow.flags}`), table(header));
  for (const snap of snaps) {
    panel.append(
      html("h4", {}, `${snap.host} at that moment: ${snap.state}`),
      html("p", { class: "conn" }, snap.conn),
    );
    if (snap.rows.length > 0) panel.append(table(snap.rows));
  }
  const timers = runningTimers(input.shown, arrow.index);
  if (timers.length > 0)
    panel.append(
      html("h4", {}, "Timers running"),
      html(
        "ul",
        {},
        ...timers.map((t) =>
          html(
            "li",
            {},
            `${t.host} ${timerName(t.timer)}: fires at ${formatClock(t.deadline)} (${formatDuration(Math.max(0, t.deadline - e.t))} after this)`,
          ),
        ),
      ),
    );
  const drop = html("button", { type: "button", class: "drop" }, "Drop this segment");
  drop.addEventListener("click", () => input.onDrop());
  const delayInput = html("input", { type: "text", value: "200ms", size: "7", "aria-label": "delay by" });
  const delay = html("button", { type: "button", class: "delay" }, "Delay it by");
  delay.addEventListener("click", () => input.onDelay(delayInput.value));
  panel.append(
    html("div", { class: "fault-buttons" }, drop, delay, delayInput),
    html(
      "p",
      { class: "hint" },
      "The run is repeated with that one fault, everything else identical (same seed).",
    ),
  );
  return panel;
}
