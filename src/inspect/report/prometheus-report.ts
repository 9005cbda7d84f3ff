// `--prometheus`: text exposition format 0.0.4. Names follow node_exporter's (node_tcp_connection_states,
// node_sockstat_TCP_tw, node_netstat_TcpExt_*) under a tcplab_ prefix, so dashboards can sit side by side.
import type { Analysis } from "../analyze/types.js";
import { ALL_STATES } from "../../tcp/state.js";

function esc(v: string | number): string {
  return String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

class Exposition {
  private readonly lines: string[] = [];
  metric(
    name: string,
    type: "gauge" | "untyped" | "counter",
    help: string,
    samples: [Record<string, string | number>, number][],
  ): void {
    if (samples.length === 0) return;
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const l = Object.entries(labels)
        .map(([k, v]) => `${k}="${esc(v)}"`)
        .join(",");
      this.lines.push(`${name}${l ? `{${l}}` : ""} ${Number.isFinite(value) ? value : "NaN"}`);
    }
  }
  text(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

const EXPORTED_COUNTERS = [
  "TcpExt.TW",
  "TcpExt.TWRecycled",
  "TcpExt.TWKilled",
  "TcpExt.TCPTimeWaitOverflow",
  "TcpExt.ListenOverflows",
  "TcpExt.ListenDrops",
  "TcpExt.SyncookiesSent",
  "TcpExt.TCPAbortOnMemory",
  "TcpExt.TCPAbortOnData",
  "TcpExt.TCPAbortOnClose",
  "Tcp.ActiveOpens",
  "Tcp.PassiveOpens",
  "Tcp.CurrEstab",
  "Tcp.EstabResets",
];

export function renderPrometheus(a: Analysis, counters: Record<string, number> | null): string {
  const e = new Exposition();
  e.metric(
    "tcplab_tcp_connection_states",
    "gauge",
    "Sockets per TCP state (like node_tcp_connection_states).",
    [...ALL_STATES, "BOUND" as const].map((s) => [{ state: s.toLowerCase() }, a.states[s]]),
  );
  e.metric(
    "tcplab_tcp_time_wait_sockets",
    "gauge",
    "TIME_WAIT sockets by side: server (local port listens) or client (ephemeral port).",
    [
      [{ side: "server" }, a.timeWait.serverSide],
      [{ side: "client" }, a.timeWait.clientSide],
    ],
  );
  e.metric(
    "tcplab_tcp_fin_wait2_sockets",
    "gauge",
    "FIN_WAIT_2 sockets: orphaned (expire after tcp_fin_timeout) or held by a process.",
    [
      [{ kind: "orphan" }, a.finWait2.orphans],
      [{ kind: "held" }, a.finWait2.held.length],
      [{ kind: "unknown" }, a.finWait2.unknown],
    ],
  );
  e.metric(
    "tcplab_tcp_close_wait_sockets",
    "gauge",
    "CLOSE_WAIT sockets per owning process (each one is an application that has not called close()).",
    a.closeWait.byProcess.map((p) => [{ pid: p.pid ?? "", command: p.command ?? "" }, p.count]),
  );
  e.metric(
    "tcplab_tcp_close_wait_unread_bytes",
    "gauge",
    "Unread bytes in CLOSE_WAIT sockets per owning process.",
    a.closeWait.byProcess.map((p) => [{ pid: p.pid ?? "", command: p.command ?? "" }, p.unreadBytes]),
  );
  const budgetLabels = (b: Analysis["timeWait"]["budgets"][number]) => ({
    local_address: b.localAddress,
    remote_address: b.remoteAddress,
    remote_port: b.remotePort,
  });
  const budgets = a.timeWait.budgets;
  e.metric(
    "tcplab_tcp_port_budget_used",
    "gauge",
    "Ephemeral ports in use per (local IP, remote IP, remote port).",
    budgets.map((b) => [budgetLabels(b), b.used]),
  );
  e.metric(
    "tcplab_tcp_port_budget_usable",
    "gauge",
    "Ephemeral ports connect() can choose from for that tuple.",
    budgets.map((b) => [budgetLabels(b), b.usable]),
  );
  e.metric(
    "tcplab_tcp_port_budget_time_wait",
    "gauge",
    "TIME_WAIT entries holding ports of that tuple.",
    budgets.map((b) => [budgetLabels(b), b.timeWait]),
  );
  e.metric(
    "tcplab_tcp_port_budget_reusable",
    "gauge",
    "TIME_WAIT entries tcp_tw_reuse could hand to a new connect() now.",
    budgets.map((b) => [budgetLabels(b), b.reusableNow]),
  );
  e.metric(
    "tcplab_tcp_port_budget_ceiling_per_second",
    "gauge",
    "Sustained new connections per second the tuple allows: usable ports / TIME_WAIT length, or / tcp_tw_reuse_delay where tcp_tw_reuse applies.",
    budgets.map((b) => [budgetLabels(b), b.ceilingPerSecond]),
  );
  const measured = budgets.filter((b) => b.measuredRatePerSecond !== null);
  if (measured.length > 0)
    e.metric(
      "tcplab_tcp_port_budget_new_time_wait_per_second",
      "gauge",
      "New TIME_WAIT entries toward the tuple per second over --interval.",
      measured.map((b) => [budgetLabels(b), b.measuredRatePerSecond!]),
    );
  e.metric(
    "tcplab_tcp_listen_accept_queue",
    "gauge",
    "Connections waiting for accept() per listener.",
    a.listeners
      .filter((l) => l.acceptQueue !== null)
      .map((l) => [{ address: l.address, port: l.port }, l.acceptQueue!]),
  );
  e.metric("tcplab_tcp_time_wait_length_seconds", "gauge", "How long TIME_WAIT lasts on this platform.", [
    [{}, a.settings.timeWaitSeconds],
  ]);
  e.metric("tcplab_tcp_ephemeral_ports", "gauge", "Size of the ephemeral port range.", [
    [{}, a.settings.ephemeralLast - a.settings.ephemeralFirst + 1],
  ]);
  if (a.kernel.sockstatTimeWait !== null) {
    e.metric(
      "tcplab_sockstat_TCP_tw",
      "gauge",
      "TIME_WAIT + FIN_WAIT_2 minisocks in this namespace (like node_sockstat_TCP_tw).",
      [[{}, a.kernel.sockstatTimeWait]],
    );
  }
  if (a.kernel.orphans !== null) {
    e.metric(
      "tcplab_sockstat_TCP_orphan",
      "gauge",
      "Orphaned TCP sockets, machine-wide (like node_sockstat_TCP_orphan).",
      [[{}, a.kernel.orphans]],
    );
  }
  if (counters) {
    for (const key of EXPORTED_COUNTERS) {
      const v = counters[key];
      if (v === undefined) continue;
      const name = `tcplab_netstat_${key.replace(".", "_")}`;
      e.metric(
        name,
        "untyped",
        `Kernel counter ${key} from /proc/net/netstat or /proc/net/snmp (like node_netstat_*).`,
        [[{}, v]],
      );
    }
  }
  if (a.rates) {
    e.metric(
      "tcplab_tcp_new_time_wait_per_second",
      "gauge",
      "TIME_WAIT 4-tuples that appeared per second during --interval.",
      [[{}, a.rates.newTimeWaitPerSecond]],
    );
  }
  e.metric(
    "tcplab_inspect_findings",
    "gauge",
    "Findings of the inspection per severity.",
    (["critical", "warn", "ok"] as const).map((s) => [
      { severity: s },
      a.findings.filter((f) => f.severity === s).length,
    ]),
  );
  const perId = new Map<string, [Record<string, string>, number]>();
  for (const f of a.findings) {
    const key = `${f.id}|${f.severity}`;
    const entry = perId.get(key) ?? [{ id: f.id, severity: f.severity }, 0];
    entry[1]++;
    perId.set(key, entry);
  }
  e.metric(
    "tcplab_inspect_finding",
    "gauge",
    "Findings per id and severity (a series exists only for findings present).",
    [...perId.values()],
  );
  return e.text();
}
