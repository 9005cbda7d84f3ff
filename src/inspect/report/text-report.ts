// The terminal report: the numbers as tables, then the findings with why and what to do.
import { ALL_STATES } from "../../tcp/state.js";
import type { Analysis, Finding } from "../analyze/types.js";
import type { SocketOwner } from "../model.js";
import type { Paint } from "./colour.js";
import { table, wrap } from "./table.js";

/** Prose wraps at the terminal's width (the CLI passes it); tables keep their rows whole. */
const DEFAULT_WIDTH = 100;

function ep(address: string, port: number): string {
  const a = address.includes(":") ? `[${address}]` : address;
  return `${a}:${port === 0 ? "*" : port}`;
}

function owners(list: readonly SocketOwner[]): string {
  if (list.length === 0) return "-";
  const uniq = [...new Map(list.map((o) => [o.pid, o])).values()];
  return uniq.map((o) => (o.command ? `${o.command}(${o.pid})` : String(o.pid))).join(",");
}

function num(n: number, digits = 1): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

function settingsLine(a: Analysis, WIDTH: number): string[] {
  const s = a.settings;
  const parts = [
    `TIME_WAIT ${s.timeWaitSeconds} s (${s.timeWaitBasis})`,
    `ephemeral ports ${s.ephemeralFirst}–${s.ephemeralLast}${s.reservedPorts.length ? ` minus ${s.reservedPorts.length} reserved` : ""}`,
  ];
  if (s.platform === "linux") {
    parts.push(
      `tcp_tw_reuse=${s.twReuse ?? "?"}`,
      `tcp_timestamps=${s.timestamps ?? "?"}`,
      `tcp_fin_timeout=${s.finTimeout ?? "?"}`,
      `tcp_max_tw_buckets=${s.maxTwBuckets ?? "?"}`,
      `tcp_max_syn_backlog=${s.maxSynBacklog ?? "?"}`,
      `somaxconn=${s.somaxconn ?? "?"}`,
      `tcp_syncookies=${s.syncookies ?? "?"}`,
    );
    if (s.twRecycle !== null) parts.push(`tcp_tw_recycle=${s.twRecycle}`);
  }
  const out = wrap(parts.join(", "), WIDTH, "  ", "  ");
  if (s.assumed.length > 0)
    out.push(...wrap(`(not in the input, defaults assumed: ${s.assumed.join(", ")})`, WIDTH, "  "));
  return out;
}

function findingLines(f: Finding, paint: Paint, WIDTH: number): string[] {
  const tag = paint.severity(f.severity, `[${f.severity.toUpperCase()}]`);
  const out = [`  ${tag} ${paint.bold(f.title)}`];
  out.push(...wrap(f.why, WIDTH, "      ", "      "));
  f.remedies.forEach((r, i) =>
    out.push(...wrap(r, WIDTH, "         ", `    ${i === 0 ? "do" : "  "} ${i + 1}. `)),
  );
  for (const w of f.wrongAdvice) out.push(...wrap(w, WIDTH, "         ", `    ${paint.dim("not")}   `));
  return out;
}

export function renderText(a: Analysis, paint: Paint, width = DEFAULT_WIDTH): string {
  const WIDTH = width;
  const L: string[] = [];
  const src = a.source;
  L.push(
    paint.bold(
      `tcplab inspect — ${src.name} (${src.platform}, ${src.format})${src.takenAt ? ` at ${src.takenAt}` : ""}`,
    ),
  );
  L.push(...settingsLine(a, WIDTH), "");

  L.push(paint.bold(`States (${a.totalSockets} sockets)`));
  const states = [...ALL_STATES, ...(a.states.BOUND > 0 ? (["BOUND"] as const) : [])];
  L.push(
    ...table(
      ["STATE", "COUNT"],
      states.map((s) => [s, a.states[s]]),
    ),
  );
  if (src.platform === "linux") {
    L.push(
      `  of these: ${a.linux.finWait2Orphans} orphaned FIN_WAIT_2, ${a.linux.newSynRecv} NEW_SYN_RECV request socks`,
    );
  }
  L.push("");

  if (a.listeners.length > 0) {
    L.push(paint.bold("Listeners"));
    L.push(
      ...table(
        ["LOCAL", "ACCEPT-Q", "BACKLOG", "ESTAB", "SYN-RECV", "TIME-WAIT", "CLOSE-WAIT", "PROCESS"],
        a.listeners.map((l) => [
          ep(l.address, l.port),
          l.acceptQueue ?? "-",
          l.backlog ?? "-",
          l.established,
          l.synReceived,
          l.timeWait,
          l.closeWait,
          owners(l.owners),
        ]),
      ),
      "",
    );
  }

  if (a.remotes.length > 0) {
    L.push(paint.bold("Remote endpoints (incoming grouped by address, port *)"));
    L.push(
      ...table(
        ["REMOTE", "TOTAL", "STATES"],
        a.remotes.slice(0, 10).map((r) => [
          ep(r.address, r.port),
          r.total,
          Object.entries(r.states)
            .map(([s, n]) => `${s} ${n}`)
            .join(", "),
        ]),
      ),
      "",
    );
  }

  const tw = a.timeWait;
  L.push(
    paint.bold(
      `TIME_WAIT: ${tw.total} (${tw.serverSide} server-side, ${tw.clientSide} client-side), ~${Math.ceil(tw.memoryBytesEstimate / 1024)} KiB`,
    ),
  );
  if (tw.budgets.length > 0) {
    const measured = tw.budgets.some((b) => b.measuredRatePerSecond !== null);
    L.push("  Ephemeral-port budget per (local IP, remote IP, remote port):");
    L.push(
      ...table(
        ["LOCAL", "REMOTE", "USED/USABLE", "USED%", "TIME-WAIT", "REUSABLE", "RATE/s", "CEILING/s", "LEVEL"],
        tw.budgets
          .slice(0, 10)
          .map((b) => [
            b.localAddress,
            ep(b.remoteAddress, b.remotePort),
            `${b.used}/${b.usable}`,
            `${Math.round(b.usedRatio * 100)}%`,
            b.timeWait,
            b.reusableNow,
            num(b.measuredRatePerSecond ?? b.impliedRatePerSecond, 2),
            num(b.ceilingPerSecond, 2),
            paint.severity(b.level, b.exhausted ? "EXHAUSTED" : b.level),
          ]),
      ),
    );
    L.push(
      ...wrap(
        measured
          ? `RATE/s: new TIME_WAIT toward the destination per second over the interval, as in "Rates" below.`
          : `RATE/s: TIME_WAIT count ÷ ${a.settings.timeWaitSeconds} s, the connection rate those entries imply (--interval measures it).`,
        WIDTH,
        "    ",
      ),
    );
    const reuse = tw.budgets.slice(0, 10).find((b) => b.ceilingBasis.includes("tcp_tw_reuse"));
    L.push(
      ...wrap(
        `CEILING/s: usable ports ÷ ${a.settings.timeWaitSeconds} s${reuse ? `; ${reuse.ceilingBasis} (rows toward such destinations)` : ""}.`,
        WIDTH,
        "    ",
      ),
    );
  }
  L.push("");

  const cw = a.closeWait;
  L.push(paint.bold(`CLOSE_WAIT: ${cw.total}${cw.unreadBytes ? ` (${cw.unreadBytes} unread bytes)` : ""}`));
  if (cw.byProcess.length > 0) {
    L.push(
      ...table(
        ["PROCESS", "PID", "COUNT", "UNREAD", "PERSISTED"],
        cw.byProcess.map((p) => [p.command || "?", p.pid ?? "?", p.count, p.unreadBytes, p.persisted ?? "-"]),
      ),
    );
  }
  const fw = a.finWait2;
  L.push(
    "",
    paint.bold(
      `FIN_WAIT_2: ${fw.total} (${fw.orphans} orphaned, ${fw.held.length} held by a process${fw.unknown ? `, ${fw.unknown} undetermined` : ""})`,
    ),
  );
  for (const h of fw.held.slice(0, 10))
    L.push(
      `  ${ep(h.local.address, h.local.port)} → ${ep(h.remote.address, h.remote.port)}  ${owners(h.owners)}`,
    );
  const hs = a.handshake;
  const k = a.kernel;
  L.push(
    "",
    paint.bold("Kernel"),
    `  SYN_RECEIVED ${hs.synReceived}${hs.maxSynBacklog !== null ? ` (tcp_max_syn_backlog ${hs.maxSynBacklog})` : ""}` +
      (hs.listenOverflows !== null
        ? `, ListenOverflows ${hs.listenOverflows}, ListenDrops ${hs.listenDrops ?? "?"}`
        : "") +
      (hs.syncookiesSent !== null ? `, SyncookiesSent ${hs.syncookiesSent}` : ""),
  );
  if (k.sockstatTimeWait !== null || k.timeWaitOverflow !== null) {
    L.push(
      `  sockstat tw ${k.sockstatTimeWait ?? "?"} (TIME_WAIT + FIN_WAIT_2 minisocks) of tcp_max_tw_buckets ${k.maxTwBuckets ?? "?"}, TCPTimeWaitOverflow ${k.timeWaitOverflow ?? "?"}; orphans ${k.orphans ?? "?"} (machine-wide)${k.maxOrphans !== null ? ` of ${k.maxOrphans}` : ""}`,
    );
  }
  if (a.rates) {
    const r = a.rates;
    L.push(
      "",
      paint.bold(`Rates over ${num(r.intervalSeconds, 2)} s`),
      `  new TIME_WAIT: ${num(r.newTimeWaitPerSecond, 2)}/s` +
        (tw.budgets.length > 0
          ? ` (client-side: ${num(
              tw.budgets.reduce((n, b) => n + (b.measuredRatePerSecond ?? 0), 0),
              2,
            )}/s, the RATE/s column above)`
          : ""),
    );
    const keys = Object.keys(r.counterDeltas).filter((k2) =>
      /^(TcpExt\.(TW|TWRecycled|TWKilled|TCPTimeWaitOverflow|ListenOverflows|ListenDrops|SyncookiesSent|TCPAbortOn\w+)|Tcp\.(ActiveOpens|PassiveOpens|EstabResets|AttemptFails))$/.test(
        k2,
      ),
    );
    if (keys.length > 0)
      L.push(
        ...table(
          ["COUNTER", "DELTA", "PER SECOND"],
          keys.map((k2) => [k2, r.counterDeltas[k2]!, num(r.counterDeltas[k2]! / r.intervalSeconds, 2)]),
        ),
      );
  }
  L.push("", paint.bold("Findings"));
  for (const f of a.findings) L.push(...findingLines(f, paint, WIDTH), "");
  return `${L.join("\n").trimEnd()}\n`;
}
