// The text ladder diagram in the style of RFC 9293's figures (§3.5, Figures 6–13): one column per host,
// numbered lines, each host's state after the line written in its column, segments drawn between them.
//
//  2.  0.000 ms  connect()
//                SYN_SENT     --> <SEQ=0><CTL=SYN>  at 1.000 ms --> SYN_RECEIVED
//  3.  1.000 ms  ESTABLISHED  <-- <SEQ=0><ACK=1><CTL=SYN,ACK>   <-- SYN_RECEIVED
//
// What the notation means is said once, for readers, in ladder-legend.ts (`tcplab run --legend`).
//
// Layout: [number] [time] | host 0 column | lane | host 1 column | lane | ... | comments, within a
// width (80 columns by default, the terminal's when the CLI knows it). A label too long for its lane
// goes on a line of its own under the arrow; comments go to the right of the last column when they
// fit, else under the label; notes too long for their column move left or wrap. Nothing is cut.
// Annotations start in their host's column and may run across the lane to the right, since nothing
// else is on their row; rows are shared between hosts when the texts fit.
import type { TraceEvent } from "../tcp/events.js";
import { FIN, RST, SYN } from "../wire/segment.js";
import { formatClock } from "./duration.js";
import { maximum, minimum } from "./extremes.js";
import { buildSteps, type Annotation, type LadderStep, type SegmentRow, type Tone } from "./ladder-steps.js";
import { discoverHosts, hostTitle, type HostInfo, type HostSpec } from "./hosts.js";
import { SequenceNumbering, segmentLabel, type LabelStyle, type SequenceMode } from "./segment-label.js";
import { TextLine, type Style } from "./text-line.js";

/** Options of renderLadder. */
export interface LadderOptions {
  /** Column order; hosts not listed follow in order of first appearance. An address names a host's column
   * for segments whose sender or receiver records no events. */
  hosts?: readonly HostSpec[];
  /** "relative" (default): offsets from each direction's ISN. "absolute": the numbers on the wire. */
  sequence?: SequenceMode;
  /** "rfc" (default), "textbook" or "tcpdump". */
  labels?: LabelStyle;
  /** "relative" (default): time since `timeOrigin`; "absolute": trace time as is; "none": no time column. */
  time?: "relative" | "absolute" | "none";
  /** Where relative time starts, in µs; the first event's time by default. */
  timeOrigin?: number;
  /** Quiet gaps at least this long (µs) get a "~~~ 60.000 s pass ~~~" line. Default 1 s; Infinity: never. */
  idleGap?: number;
  /** Show timers armed, restarted and fired. Default true. */
  timers?: boolean;
  /** The width the ladder must fit in (columns). Default 80. */
  width?: number;
  /**
   * Summarize repetitive stretches (the same lines again and again: bulk data, many identical
   * connections) with a count and the time they span. Default true; false shows every line.
   */
  summarize?: boolean;
  /** ANSI colour. Default false; callers decide from the TTY and NO_COLOR. */
  color?: boolean;
}

/** An invalid ladder option. */
export class LadderOptionError extends Error {
  readonly code = "ERR_TCPLAB_LADDER_OPTION";
  constructor(message: string) {
    super(message);
    this.name = "LadderOptionError";
  }
}

const STATE_WIDTH = 12; // "SYN_RECEIVED", the longest state name
const MIN_LANE = 28;
const DEFAULT_IDLE_GAP = 1_000_000;
const DEFAULT_WIDTH = 80;
/** The narrowest lane that still carries its arrows and a short label. */
const MIN_FIT_LANE = 12;

const TONE_STYLE: Record<Tone, Style> = { app: "blue", error: "red", timer: "cyan", note: "dim" };

function checkOptions(o: LadderOptions): void {
  const oneOf = (name: string, value: unknown, allowed: readonly string[]): void => {
    if (value !== undefined && !allowed.includes(value as string)) {
      throw new LadderOptionError(
        `ladder option ${name} must be one of ${allowed.join(", ")}, got ${String(value)}`,
      );
    }
  };
  oneOf("sequence", o.sequence, ["relative", "absolute"]);
  oneOf("labels", o.labels, ["rfc", "textbook", "tcpdump"]);
  oneOf("time", o.time, ["relative", "absolute", "none"]);
  if (o.idleGap !== undefined && !(typeof o.idleGap === "number" && o.idleGap > 0)) {
    throw new LadderOptionError(
      `ladder option idleGap must be a positive number of µs, got ${String(o.idleGap)}`,
    );
  }
  if (o.width !== undefined && !(Number.isInteger(o.width) && o.width >= 40)) {
    throw new LadderOptionError(
      `ladder option width must be an integer of at least 40, got ${String(o.width)}`,
    );
  }
  if (o.timeOrigin !== undefined && !Number.isFinite(o.timeOrigin)) {
    throw new LadderOptionError(
      `ladder option timeOrigin must be a number of µs, got ${String(o.timeOrigin)}`,
    );
  }
}

/** A quiet stretch's length: seconds from one second on, so a TIME_WAIT reads "60.000 s". */
function formatGap(us: number): string {
  return us >= 1_000_000 ? `${(us / 1_000_000).toFixed(3)} s` : formatClock(us);
}

function segmentStyle(flags: number): Style | undefined {
  if (flags & RST) return "red";
  if (flags & SYN) return "green";
  if (flags & FIN) return "yellow";
  return undefined;
}

interface Layout {
  hosts: HostInfo[];
  /** Where a host's notes start: its column, or further left (into the lane) so they fit the width. */
  noteX: Map<string, number>;
  timeText: (t: number) => string;
  x: Map<string, number>;
  laneWidth: number;
  commentX: number;
  prefixWidth: number;
  numberWidth: number;
  timeWidth: number;
  width: number;
}

/** Arrow tokens at the near (sender) end and far (receiver) end of a segment line. */
function arrowTokens(row: SegmentRow, leftToRight: boolean): { near: string; far: string } {
  const arrow = leftToRight ? "-->" : "<--";
  switch (row.shape) {
    case "complete":
    case "external":
      return { near: arrow, far: arrow };
    case "sent":
    case "in-flight":
      return { near: arrow, far: "..." };
    case "arrival":
      return { near: "...", far: arrow };
    case "lost":
      return { near: arrow, far: "XXX" };
  }
}

export function renderLadder(events: readonly TraceEvent[], options: LadderOptions = {}): string {
  checkOptions(options);
  const color = options.color === true;
  const hosts = discoverHosts(events, options.hosts ?? []);
  if (events.length === 0) return "(no events)\n";
  const steps = buildSteps(events, hosts, { timers: options.timers !== false });
  const numbering = new SequenceNumbering(options.sequence ?? "relative");
  const style = options.labels ?? "rfc";
  const labels = new Map<LadderStep, string>();
  for (const step of steps) {
    const row = step.row;
    if (row?.kind !== "segment") continue;
    // An arrival line repeats a segment already observed on its send line.
    if (row.shape !== "arrival") numbering.observe(row.seg);
    labels.set(step, segmentLabel(row.seg, style, numbering));
  }

  const timeMode = options.time ?? "relative";
  const firstT = minimum(
    events.map((e) => e.t),
    0,
  );
  const origin = timeMode === "absolute" ? 0 : (options.timeOrigin ?? firstT);
  const timeText = (t: number): string => (timeMode === "none" ? "" : formatClock(t - origin));

  const maxLabel = maximum(
    [...labels.values()].map((l) => l.length),
    0,
  );
  const width = options.width ?? DEFAULT_WIDTH;
  const numberWidth = String(steps.length).length + 1;
  const timeWidth =
    timeMode === "none"
      ? 0
      : maximum(
          steps.map((s) => timeText(s.t).length),
          0,
        );
  const prefixWidth = numberWidth + 1 + (timeWidth > 0 ? timeWidth + 2 : 1);
  // Lanes as wide as the longest label needs, narrowed to fit the width; labels that no longer fit
  // their lane get a line of their own.
  const lanes = Math.max(1, hosts.length - 1);
  const fitting = Math.floor((width - prefixWidth - Math.max(2, hosts.length) * STATE_WIDTH) / lanes) - 2;
  const arrivalRoom = maximum(
    steps.map((st) =>
      st.row?.kind === "segment" && st.row.arrivedAt !== undefined
        ? (labels.get(st)?.length ?? 0) + timeText(st.row.arrivedAt).length + 4
        : 0,
    ),
    0,
  );
  const natural = Math.max(MIN_LANE, maxLabel + 8, arrivalRoom + 8);
  const laneWidth = Math.max(MIN_FIT_LANE, Math.min(natural, fitting));
  const x = new Map<string, number>();
  hosts.forEach((h, i) => x.set(h.name, prefixWidth + i * (STATE_WIDTH + laneWidth + 2)));
  const lastX = prefixWidth + (hosts.length - 1) * (STATE_WIDTH + laneWidth + 2);
  // Notes of a host near the right edge all start at one column, left of its state column when they
  // must, never further left than the lane before it, so they line up instead of each ending at the edge.
  const noteX = new Map<string, number>();
  const longest = new Map<string, number>();
  for (const step of steps)
    for (const n of [...step.pre, ...step.post])
      // A note longer than a lane wraps anyway; it must not drag the others left.
      if ([...n.text].length <= MIN_LANE + STATE_WIDTH)
        longest.set(n.host, Math.max(longest.get(n.host) ?? 0, [...n.text].length));
  hosts.forEach((h, i) => {
    const at = x.get(h.name) ?? prefixWidth;
    const floor = i === 0 ? at : at - laneWidth;
    noteX.set(h.name, Math.max(floor, Math.min(at, width - (longest.get(h.name) ?? 0))));
  });
  const layout: Layout = {
    hosts,
    noteX,
    timeText,
    x,
    laneWidth,
    commentX: lastX + STATE_WIDTH + 2,
    prefixWidth,
    numberWidth,
    timeWidth,
    width,
  };

  const out: string[] = [];
  const header = new TextLine();
  for (const h of hosts) {
    const title = hostTitle(h);
    header.place(fitX(x.get(h.name) ?? 0, title.length, layout), title, "bold");
  }
  out.push(header.render(color), "");

  const idleGap = options.idleGap ?? DEFAULT_IDLE_GAP;
  const centred = (text: string, style: Style): string => {
    const centre = Math.floor((prefixWidth + Math.min(layout.commentX - 2, width)) / 2 - text.length / 2);
    return new TextLine().place(Math.max(prefixWidth, centre), text, style).render(color);
  };
  const blocks =
    options.summarize === false ? steps.map((step) => ({ step })) : summarizeRepeats(steps, labels);
  let previousEnd: number | null = null;
  for (const block of blocks) {
    if ("repeat" in block) {
      const r = block.repeat;
      const first = r.steps[0] as LadderStep;
      const last = r.steps[r.steps.length - 1] as LadderStep;
      const what = r.period === 1 ? "line" : `${r.period} lines`;
      // No-break spaces keep "1.000 ms" together when the line wraps.
      const when = (t: number): string => timeText(t).replace(" ", "\u00a0");
      const span =
        timeWidth === 0
          ? ""
          : first.t === last.t
            ? `, at ${when(first.t)}`
            : `, ${when(first.t)} to ${when(last.t)}`;
      const times = r.times === 1 ? "once" : `${r.times} times`;
      const text = `~~~ lines ${first.number}–${last.number}: the ${what} above ${times} more${span} (--full shows them) ~~~`;
      for (const line of wrapWords(text, width - prefixWidth)) out.push(centred(line, "dim"));
      previousEnd = r.steps.reduce((m, st) => Math.max(m, st.end), previousEnd ?? 0);
      continue;
    }
    const step = block.step;
    if (previousEnd !== null && step.t - previousEnd >= idleGap)
      out.push(centred(`~~~ ${formatGap(step.t - previousEnd)} pass ~~~`, "dim"));
    previousEnd = previousEnd === null ? step.end : Math.max(previousEnd, step.end);
    const lines = renderStep(step, labels.get(step) ?? "", layout);
    const first = lines[0];
    if (first) {
      first.place(0, `${step.number}.`.padStart(numberWidth));
      if (timeWidth > 0) first.place(numberWidth + 1, timeText(step.t).padStart(timeWidth), "dim");
    }
    for (const line of lines) out.push(line.render(color));
  }
  return out.join("\n") + "\n";
}

/**
 * Where text starting in a column goes so that it ends within the width: moved left when it must be,
 * into the time column only if even the diagram's full width is too narrow for it.
 */
function fitX(at: number, length: number, layout: Layout): number {
  if (at + length <= layout.width) return at;
  const left = layout.width - length;
  return left >= layout.prefixWidth ? left : Math.max(0, left);
}

/** Words of `text` in lines of at most `room` columns (a longer word stays whole on its own line). */
function wrapWords(text: string, room: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(" ")) {
    const candidate = current === "" ? word : `${current} ${word}`;
    if ([...candidate].length > room && current !== "") {
      lines.push(current);
      current = word;
    } else current = candidate;
  }
  if (current !== "") lines.push(current);
  return lines;
}

type Block = { step: LadderStep } | { repeat: { steps: LadderStep[]; period: number; times: number } };

/** What a step looks like with its numbers taken out: equal signatures read the same to a person. */
function signature(step: LadderStep, label: string): string {
  const notes = (list: readonly Annotation[]): string => list.map((n) => `${n.host}:${n.text}`).join("|");
  let row = "";
  if (step.row?.kind === "segment") {
    const r = step.row;
    row = `${r.from}>${r.to}:${r.shape}:${label}:${r.retransmission}:${r.comments.join(";")}`;
  }
  if (step.row) row += `:${[...step.row.states].join(",")}`;
  return `${notes(step.pre)}#${row}#${notes(step.post)}`.replace(/\d+(\.\d+)?/g, "N");
}

/** Longest repeating block looked for: one short connection's life is 13 lines (S14). */
const MAX_PERIOD = 32;
/** A stretch is summarized when its block repeats at least this many times after the first. */
const MIN_REPEATS = 3;

/**
 * The steps with repetitive stretches folded: a block of 1–12 steps that recurs, unchanged but for its
 * numbers, is shown once, the further repetitions but the last are counted, and the last is shown, so
 * a reader sees the pattern, how often and how long it went on, and how it ended.
 */
function summarizeRepeats(steps: readonly LadderStep[], labels: ReadonlyMap<LadderStep, string>): Block[] {
  const sig = steps.map((st) => signature(st, labels.get(st) ?? ""));
  const blocks: Block[] = [];
  let i = 0;
  while (i < steps.length) {
    let best = { period: 0, times: 0 };
    for (let p = 1; p <= MAX_PERIOD && i + 2 * p <= steps.length; p++) {
      let times = 0;
      while (i + (times + 2) * p <= steps.length) {
        let same = true;
        for (let k = 0; k < p && same; k++) same = sig[i + k] === sig[i + (times + 1) * p + k];
        if (!same) break;
        times++;
      }
      if (times >= MIN_REPEATS && times * p > best.times * best.period) best = { period: p, times };
    }
    if (best.period === 0) {
      blocks.push({ step: steps[i] as LadderStep });
      i++;
      continue;
    }
    const { period, times } = best;
    for (let k = 0; k < period; k++) blocks.push({ step: steps[i + k] as LadderStep });
    // Repetitions 1 … times-1 are counted; the last one (index `times`) is shown.
    const folded = steps.slice(i + period, i + times * period);
    blocks.push({ repeat: { steps: folded, period, times: times - 1 } });
    for (let k = 0; k < period; k++) blocks.push({ step: steps[i + times * period + k] as LadderStep });
    i += (times + 1) * period;
  }
  return blocks;
}

function packAnnotations(notes: readonly Annotation[], layout: Layout): TextLine[] {
  const lines: TextLine[] = [];
  const lastRowOfHost = new Map<string, number>();
  for (const note of notes) {
    const own = layout.x.get(note.host) ?? layout.prefixWidth;
    const column = own + [...note.text].length <= layout.width ? own : (layout.noteX.get(note.host) ?? own);
    // A note wider than the room right of its column wraps; each piece moves left as far as it must.
    const room = Math.max(20, layout.width - Math.min(column, layout.width - 40));
    for (const text of wrapWords(note.text, room)) {
      const length = [...text].length;
      const at = fitX(column, length, layout);
      // Keep each host's own notes in event order: never above one of its earlier notes.
      let row = (lastRowOfHost.get(note.host) ?? -1) + 1;
      while (row < lines.length && !(lines[row] as TextLine).isFree(at, length)) row++;
      if (row === lines.length) lines.push(new TextLine());
      (lines[row] as TextLine).place(at, text, TONE_STYLE[note.tone]);
      lastRowOfHost.set(note.host, row);
    }
  }
  return lines;
}

function renderStep(step: LadderStep, label: string, layout: Layout): TextLine[] {
  const lines = packAnnotations(step.pre, layout);
  const row = step.row;
  if (row) {
    const line = new TextLine();
    for (const [host, state] of row.states) line.place(layout.x.get(host) ?? 0, state, "bold");
    lines.push(line);
    if (row.kind === "segment") {
      const when = row.arrivedAt !== undefined ? layout.timeText(row.arrivedAt) : "";
      const arrival = when !== "" ? `at ${when}` : "";
      // What does not fit on the arrow's line (a long label, then the arrival time) goes under it.
      const extra: Array<{ x: number; text: string; style: Style | undefined }> = [];
      const { labelX } = drawSegment(line, row, label, arrival, layout, extra);
      let under: TextLine | null = null;
      for (const piece of extra) {
        const at = fitX(piece.x, piece.text.length, layout);
        if (!under || !under.isFree(at, piece.text.length, 1)) lines.push((under = new TextLine()));
        under.place(at, piece.text, piece.style);
      }
      lines.push(...placeComments(line, row, labelX, layout));
    }
  }
  lines.push(...packAnnotations(step.post, layout));
  if (lines.length === 0) lines.push(new TextLine());
  return lines;
}

/**
 * Draws arrows, the label when it fits the lane, and the arrival time of a merged line before the
 * arrow's head; returns the column where the label starts and whether it was drawn.
 */
function drawSegment(
  line: TextLine,
  row: SegmentRow,
  label: string,
  arrival: string,
  layout: Layout,
  extra: Array<{ x: number; text: string; style: Style | undefined }>,
): { labelX: number; inline: boolean } {
  const fromX = layout.x.get(row.from) ?? layout.prefixWidth;
  const toX = layout.x.get(row.to) ?? layout.prefixWidth;
  let left = Math.min(fromX, toX);
  let right = Math.max(fromX, toX);
  if (left === right) {
    // A host talking to itself (loopback): draw in the lane to its right, or to its left if it is last.
    if (left + STATE_WIDTH + layout.laneWidth + 2 <= layout.commentX - 2)
      right = left + STATE_WIDTH + layout.laneWidth + 2;
    else left = left - STATE_WIDTH - layout.laneWidth - 2;
  }
  const start = left + STATE_WIDTH + 1;
  const end = right - 1; // exclusive
  const leftToRight = fromX <= toX;
  const { near, far } = arrowTokens(row, leftToRight);
  const [leftToken, rightToken] = leftToRight ? [near, far] : [far, near];
  const colour = segmentStyle(row.seg.flags);
  line.place(start, leftToken, leftToken === "XXX" ? "red" : colour);
  line.place(end - 3, rightToken, rightToken === "XXX" ? "red" : colour);
  const lane = end - start;
  const arrivalRoom = arrival === "" ? 0 : arrival.length + 1;
  const both = label.length + 8 + arrivalRoom <= lane;
  const inline = label.length + 8 <= lane;
  // The arrival time sits next to the arrow's head (right end, or left end for a right-to-left
  // segment): the receiver's state beside it is from then. What does not fit goes under the arrow.
  const labelX = both && !leftToRight ? start + 4 + arrivalRoom : start + 4;
  if (inline) line.place(labelX, label, colour);
  else extra.push({ x: labelX, text: label, style: colour });
  if (arrival !== "") {
    const arrivalX = leftToRight ? end - 4 - arrival.length : start + 4;
    if (both) line.place(arrivalX, arrival, "dim");
    else extra.push({ x: arrivalX, text: arrival, style: "dim" });
  }
  return { labelX, inline };
}

/**
 * A segment's comments go to the right of the last column, as long as the line stays within the width;
 * otherwise on lines of their own under the label, in parentheses like the comments of RFC 9293's
 * figures, wrapped at spaces to fit.
 */
function placeComments(main: TextLine, row: SegmentRow, labelX: number, layout: Layout): TextLine[] {
  if (row.comments.length === 0) return [];
  const style: Style = row.shape === "lost" ? "red" : row.retransmission ? "magenta" : "dim";
  const joined = row.comments.join("; ");
  if (layout.commentX + [...joined].length <= layout.width) {
    main.place(layout.commentX, joined, style);
    return [];
  }
  const x = Math.max(layout.prefixWidth, Math.min(labelX, layout.width - 32));
  const lines = wrapWords(joined, Math.max(20, layout.width - x - 2)); // 2 for the parentheses
  return lines.map((text, i) => {
    const open = i === 0 ? "(" : " ";
    const close = i === lines.length - 1 ? ")" : "";
    return new TextLine().place(x, `${open}${text}${close}`, style);
  });
}
