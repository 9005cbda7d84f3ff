// The text ladder diagram in the style of RFC 9293's figures (§3.5, Figures 6–13): one column per host,
// numbered lines, each host's state after the line written in its column, segments drawn between them.
//
//  2.  0.000 ms   connect()
//                 SYN_SENT     --> <SEQ=0><CTL=SYN>                 --> SYN_RECEIVED
//  3.  0.250 ms   ESTABLISHED  <-- <SEQ=0><ACK=1><CTL=SYN,ACK>      <-- SYN_RECEIVED
//
// Legend:
//   --> … -->   sent and arrived with nothing else happening in between (one line)
//   --> … ...   sent; it arrives on a later line (or, with "in flight at end of trace", never did)
//   ... … -->   the arrival of a segment sent on an earlier line (RFC 9293 Figure 7)
//   --> … XXX   lost in the network; the comment says why ("lost: fault "lose-final-ack"")
//   close(), read() → EOF, ECONNRESET, RTO fired, 2·MSL timer armed (60 s): calls and timers, in
//   their host's column, above the segment line they led to or below the one they followed
//   ~~~ 60.000 s pass ~~~   a quiet stretch, with its real length
// Comments (retransmission, drops and their reasons, network faults, unusual reasons for sending)
// go to the right of the last column, or under the label when the line would be too wide.
//
// Layout: [number] [time] | host 0 column | lane | host 1 column | lane | ... | comments.
// Annotations start in their host's column and may run across the lane to the right, since nothing
// else is on their row; rows are shared between hosts when the texts fit.
import type { TraceEvent } from "./events.js";
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
  /** Lines longer than this move a segment's comments to a line of their own. Default 132. */
  width?: number;
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
const DEFAULT_WIDTH = 132;

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
  const laneWidth = Math.max(MIN_LANE, maxLabel + 8);
  const numberWidth = String(steps.length).length + 1;
  const timeWidth =
    timeMode === "none"
      ? 0
      : maximum(
          steps.map((s) => timeText(s.t).length),
          0,
        );
  const prefixWidth = numberWidth + 2 + (timeWidth > 0 ? timeWidth + 3 : 1);
  const x = new Map<string, number>();
  hosts.forEach((h, i) => x.set(h.name, prefixWidth + i * (STATE_WIDTH + laneWidth + 2)));
  const lastX = prefixWidth + (hosts.length - 1) * (STATE_WIDTH + laneWidth + 2);
  const layout: Layout = {
    hosts,
    x,
    laneWidth,
    commentX: lastX + STATE_WIDTH + 2,
    prefixWidth,
    numberWidth,
    timeWidth,
    width: options.width ?? DEFAULT_WIDTH,
  };

  const out: string[] = [];
  const header = new TextLine();
  for (const h of hosts) header.place(x.get(h.name) ?? 0, hostTitle(h), "bold");
  out.push(header.render(color), "");

  const idleGap = options.idleGap ?? DEFAULT_IDLE_GAP;
  let previousEnd: number | null = null;
  for (const step of steps) {
    if (previousEnd !== null && step.t - previousEnd >= idleGap) {
      const text = `~~~ ${formatGap(step.t - previousEnd)} pass ~~~`;
      const centre = Math.floor((prefixWidth + layout.commentX - 2) / 2 - text.length / 2);
      out.push(new TextLine().place(Math.max(prefixWidth, centre), text, "dim").render(color));
    }
    previousEnd = previousEnd === null ? step.end : Math.max(previousEnd, step.end);
    const lines = renderStep(step, labels.get(step) ?? "", layout);
    const first = lines[0];
    if (first) {
      first.place(0, `${step.number}.`.padStart(numberWidth));
      if (timeWidth > 0) first.place(numberWidth + 2, timeText(step.t).padStart(timeWidth), "dim");
    }
    for (const line of lines) out.push(line.render(color));
  }
  return out.join("\n") + "\n";
}

function packAnnotations(notes: readonly Annotation[], layout: Layout): TextLine[] {
  const lines: TextLine[] = [];
  const lastRowOfHost = new Map<string, number>();
  for (const note of notes) {
    const at = layout.x.get(note.host) ?? layout.prefixWidth;
    const length = [...note.text].length;
    // Keep each host's own notes in event order: never above one of its earlier notes.
    let row = (lastRowOfHost.get(note.host) ?? -1) + 1;
    while (row < lines.length && !(lines[row] as TextLine).isFree(at, length)) row++;
    if (row === lines.length) lines.push(new TextLine());
    (lines[row] as TextLine).place(at, note.text, TONE_STYLE[note.tone]);
    lastRowOfHost.set(note.host, row);
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
      const labelX = drawSegment(line, row, label, layout);
      lines.push(...placeComments(line, row, labelX, layout));
    }
  }
  lines.push(...packAnnotations(step.post, layout));
  if (lines.length === 0) lines.push(new TextLine());
  return lines;
}

/** Draws arrows and label; returns the column where the label starts. */
function drawSegment(line: TextLine, row: SegmentRow, label: string, layout: Layout): number {
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
  line.place(start + 4, label, colour);
  line.place(end - 3, rightToken, rightToken === "XXX" ? "red" : colour);
  return start + 4;
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
  const room = Math.max(20, layout.width - labelX - 2); // 2 for the parentheses
  const lines: string[] = [];
  let current = "";
  for (const word of joined.split(" ")) {
    const candidate = current === "" ? word : `${current} ${word}`;
    if ([...candidate].length > room && current !== "") {
      lines.push(current);
      current = word;
    } else current = candidate;
  }
  if (current !== "") lines.push(current);
  return lines.map((text, i) => {
    const open = i === 0 ? "(" : " ";
    const close = i === lines.length - 1 ? ")" : "";
    return new TextLine().place(labelX, `${open}${text}${close}`, style);
  });
}
