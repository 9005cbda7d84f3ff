// The words written beside a host in the ladder for timers, application calls and notes.
import type { AppEvent, NoteEvent, TimerEvent, TimerName } from "../tcp/events.js";
import { formatDuration } from "./duration.js";

const TIMER_LABELS: Record<TimerName, string> = {
  retransmit: "RTO",
  syn: "SYN RTO",
  synack: "SYN-ACK RTO",
  persist: "persist timer",
  "delayed-ack": "delayed-ACK timer",
  keepalive: "keepalive timer",
  "fin-wait-2": "FIN_WAIT_2 timer",
  // Not "2·MSL timer": Linux's 60 s is the constant TCP_TIMEWAIT_LEN, not derived from any MSL.
  "time-wait": "TIME_WAIT timer",
  "loss-probe": "loss-probe timer",
  reorder: "RACK reordering timer",
};

export function timerLabel(timer: TimerName): string {
  return TIMER_LABELS[timer] ?? timer;
}

/** "RTO armed (1 s)", "2·MSL timer restarted (60 s)", "FIN_WAIT_2 timer fired". */
export function timerText(e: TimerEvent): string {
  const label = timerLabel(e.timer);
  if ((e.action === "armed" || e.action === "restarted") && e.deadline !== undefined) {
    const left = Math.max(0, Math.round(e.deadline - e.t));
    return `${label} ${e.action} (${formatDuration(left)})`;
  }
  return `${label} ${e.action}`;
}

// Calls whose detail is what they were asked to do (an address, a port), not what they returned.
const DETAIL_IS_ARGUMENT = new Set(["listen", "connect", "bind", "close-listener"]);

/**
 * "close()", "read() → EOF", "listen(port 80)", "connect(10.0.0.2:80) → EADDRNOTAVAIL". An "error"
 * event (the socket's error surfacing on its own, not as a call's result) is written as the bare code,
 * e.g. "ECONNRESET".
 */
export function appText(e: AppEvent): string {
  if (e.call === "error" && e.error) return e.detail ? `${e.error} (${e.detail})` : e.error;
  if (DETAIL_IS_ARGUMENT.has(e.call)) {
    return `${e.call}(${e.detail ?? ""})${e.error ? ` → ${e.error}` : ""}`;
  }
  let text = `${e.call}()`;
  if (e.error) text += ` → ${e.error}`;
  if (e.detail) text += e.error ? ` (${e.detail})` : ` → ${e.detail}`;
  return text;
}

export function noteText(e: NoteEvent): string {
  return `(${e.text})`;
}
