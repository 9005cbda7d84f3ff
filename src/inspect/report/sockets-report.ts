// `tcplab inspect --sockets`: one line per socket, like `ss -tano` with each socket's timer written the
// way `ss -o` writes it (`timewait,59sec`, `on,200ms`, `keepalive,9min59sec`), so an on-call engineer sees
// how long each TIME_WAIT has left, which socket is retransmitting, and who owns what.
import type { SocketOwner, SocketRecord, SocketTimer, TimerKind } from "../model.js";
import { ALL_STATES } from "../../tcp/state.js";
import { table } from "./table.js";

/** ss's timer names (print_tcp_timer / tcp_timer_print): "on" is the retransmission timer. */
const SS_TIMER_NAME: Record<TimerKind, string> = {
  none: "off",
  retransmit: "on",
  keepalive: "keepalive",
  timewait: "timewait",
  "zero-window-probe": "persist",
  other: "unknown",
};

/** Seconds in ss's print_ms_timer() form: "708ms", "59sec", "4.540sec", "9min59sec", "1h2min". */
export function formatSsDuration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const min = Math.floor((ms % 3_600_000) / 60_000);
  const restMs = ms % 60_000;
  let out = "";
  if (h > 0) out += `${h}h`;
  if (min > 0) out += `${min}min`;
  if (restMs > 0 || out === "") {
    // ss prints a fraction only for a lone seconds value; newer iproute2 writes it "4.540sec".
    const secs =
      h === 0 && min === 0 && restMs % 1000 !== 0
        ? (restMs / 1000).toFixed(3)
        : String(Math.floor(restMs / 1000));
    if (secs !== "0") out += `${secs}sec`;
  }
  return out;
}

export function formatSsTimer(timer: SocketTimer | null): string {
  if (!timer || timer.kind === "none") return "-";
  return `${SS_TIMER_NAME[timer.kind]},${formatSsDuration(timer.secondsLeft)}`;
}

function endpoint(address: string, port: number): string {
  const a = address.includes(":") ? `[${address}]` : address;
  return `${a}:${port === 0 ? "*" : port}`;
}

function ownersText(list: readonly SocketOwner[]): string {
  if (list.length === 0) return "-";
  return list.map((o) => `${o.command || "?"}(pid=${o.pid}${o.fd !== null ? `,fd=${o.fd}` : ""})`).join(",");
}

const ORDER = new Map<string, number>([...ALL_STATES, "BOUND"].map((s, i) => [s, i]));

export interface SocketRow {
  state: string;
  local: string;
  remote: string;
  recvQ: number | null;
  sendQ: number | null;
  timer: string;
  secondsLeft: number | null;
  owners: string;
}

export function socketRows(sockets: readonly SocketRecord[]): SocketRow[] {
  return [...sockets]
    .sort(
      (a, b) =>
        (ORDER.get(a.state) ?? 99) - (ORDER.get(b.state) ?? 99) ||
        a.local.port - b.local.port ||
        a.remote.port - b.remote.port,
    )
    .map((s) => ({
      state: s.state,
      local: endpoint(s.local.address, s.local.port),
      remote: endpoint(s.remote.address, s.remote.port),
      recvQ: s.recvQ,
      sendQ: s.sendQ,
      timer: formatSsTimer(s.timer),
      secondsLeft: s.timer && s.timer.kind !== "none" ? s.timer.secondsLeft : null,
      owners: ownersText(s.owners),
    }));
}

export function renderSockets(sockets: readonly SocketRecord[]): string[] {
  const rows = socketRows(sockets);
  return table(
    ["STATE", "LOCAL", "REMOTE", "RECV-Q", "SEND-Q", "TIMER", "PROCESS"],
    rows.map((r) => [r.state, r.local, r.remote, r.recvQ ?? "-", r.sendQ ?? "-", r.timer, r.owners]),
  );
}
