// Findings: what the numbers mean, how bad, why (in terms of the four-way close) and what to do.
// Thresholds follow host-inspection-facts §7: port budget warn ≥ 50 %, critical ≥ 80 % (after
// subtracting TIME_WAIT entries that are reusable now); a lowered tcp_max_tw_buckets is one under 10 %
// of the kernel default.
import { isLoopback } from "../address.js";
import type { HostSettings } from "../platform-settings.js";
import { portBudgetRemedies, timeWaitWrongAdvice } from "./remedies.js";
import type { Analysis, Finding, Severity } from "./types.js";

type Facts = Omit<Analysis, "findings">;

const RANK: Record<Severity, number> = { critical: 0, warn: 1, ok: 2 };
const MAX_PER_KIND = 5;

function pct(r: number): string {
  return `${Math.round(r * 100)}%`;
}

function rate(n: number): string {
  return n >= 10 ? n.toFixed(0) : n.toFixed(2).replace(/\.?0+$/, "");
}

/** Windows netstat shows TIME_WAIT with PID 0: the process that closed first is no longer attached. */
function windowsOwnerNote(st: HostSettings): string {
  return st.platform === "windows"
    ? " (Windows lists TIME_WAIT with PID 0: no process owns them any more, so they are counted per endpoint.)"
    : "";
}

function twLength(st: HostSettings): string {
  if (st.platform === "linux") return "60 s (Linux's fixed TCP_TIMEWAIT_LEN; RFC 9293 asks for 2·MSL)";
  return `${st.timeWaitSeconds} s (${st.timeWaitBasis})`;
}

function endpoint(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

function processName(pid: number | null, command: string | null): string {
  if (pid === null) return "an unknown process (owner not visible: run as root, or save `ss -tanp`)";
  return command ? `"${command}" (pid ${pid})` : `pid ${pid}`;
}

/** Why tcp_tw_reuse cannot hand this tuple's TIME_WAIT entries to a new connect(). */
function reuseBlocker(local: string, remote: string, st: HostSettings): string {
  if (st.twReuse === 0) return "tcp_tw_reuse is 0";
  if (st.twReuse === 2 && !isLoopback(local) && !isLoopback(remote)) {
    return "tcp_tw_reuse=2 applies to loopback connections only";
  }
  if (st.timestamps === 0) return "TCP timestamps are off";
  return `none is older than tcp_tw_reuse_delay (${st.twReuseDelayMs} ms), or their age is not in the input`;
}

function portBudgetFindings(a: Facts): Finding[] {
  const st = a.settings;
  const out: Finding[] = [];
  const pressing = a.timeWait.budgets.filter((b) => b.level !== "ok");
  for (const b of pressing.slice(0, MAX_PER_KIND)) {
    const tuple = `${b.localAddress} → ${endpoint(b.remoteAddress, b.remotePort)}`;
    const reuse =
      b.reusableNow > 0
        ? ` ${b.reusableNow} of the TIME_WAIT entries are old enough for tcp_tw_reuse to hand to a new connect() right now.`
        : st.platform === "linux" && b.timeWait > 0
          ? ` None of the TIME_WAIT entries can be reused now: ${reuseBlocker(b.localAddress, b.remoteAddress, st)}.`
          : "";
    out.push({
      id: "client-port-budget",
      severity: b.level,
      title: `${b.exhausted ? "Ephemeral ports exhausted" : "Ephemeral ports running out"} for ${tuple}: ${b.used} of ${b.usable} in use (${pct(b.usedRatio)})`,
      why:
        `This host opens connections to ${endpoint(b.remoteAddress, b.remotePort)} and closes them first, so each closed one stays in TIME_WAIT on this side for ${twLength(st)} and keeps its local port for that 4-tuple. ` +
        `With the local IP, remote IP and remote port fixed, only the local port can differ, so this destination has ${b.usable} usable ephemeral ports. ` +
        `${b.timeWait} TIME_WAIT entries imply about ${rate(b.impliedRatePerSecond)} new connections per second; without reuse the ceiling is ${rate(b.ceilingPerSecond)} per second.` +
        reuse +
        windowsOwnerNote(st) +
        (b.exhausted
          ? ' At the ceiling connect() fails with EADDRNOTAVAIL ("Cannot assign requested address") although the machine is idle.'
          : ""),
      remedies: portBudgetRemedies(st),
      wrongAdvice: timeWaitWrongAdvice(st),
      evidence: {
        localAddress: b.localAddress,
        remoteAddress: b.remoteAddress,
        remotePort: b.remotePort,
        used: b.used,
        usable: b.usable,
        timeWait: b.timeWait,
        reusableNow: b.reusableNow,
      },
    });
  }
  if (pressing.length === 0 && a.timeWait.clientSide > 0) {
    const top = a.timeWait.budgets[0];
    out.push({
      id: "client-time-wait",
      severity: "ok",
      title: `${a.timeWait.clientSide} client-side TIME_WAIT, port budgets fine${top ? ` (fullest: ${top.used} of ${top.usable}, ${pct(top.usedRatio)})` : ""}`,
      why: `This host closed these outgoing connections first, so it holds TIME_WAIT for ${twLength(st)}; each entry keeps one ephemeral port for its own 4-tuple only. No destination is near its budget.${windowsOwnerNote(st)}`,
      remedies: [
        "Nothing needed now. If the rate grows, reusing connections (keep-alive, pools) is the first fix.",
      ],
      wrongAdvice: [],
      evidence: { clientSide: a.timeWait.clientSide },
    });
  }
  return out;
}

function serverTimeWaitFinding(a: Facts): Finding[] {
  if (a.timeWait.serverSide === 0) return [];
  return [
    {
      id: "server-time-wait",
      severity: "ok",
      title: `${a.timeWait.serverSide} server-side TIME_WAIT (on listening ports): harmless`,
      why:
        `This host closed these incoming connections first, so the TIME_WAIT is here, for ${twLength(a.settings)}. ` +
        "Server-side TIME_WAIT holds no ephemeral port: the local port is the listening port. It costs about 256 bytes of kernel memory " +
        `(≈ ${Math.ceil(a.timeWait.memoryBytesEstimate / 1024)} KiB for all TIME_WAIT here) and blocks only its own 4-tuple, and Linux accepts a new SYN with a newer sequence number or timestamp into it.`,
      remedies: [
        "Nothing to fix. Only its count against tcp_max_tw_buckets matters, and that cap should be raised, never lowered.",
      ],
      wrongAdvice:
        a.settings.platform === "linux" ? timeWaitWrongAdvice(a.settings).filter((t) => / here/.test(t)) : [],
      evidence: { serverSide: a.timeWait.serverSide },
    },
  ];
}

function closeWaitFindings(a: Facts): Finding[] {
  const out: Finding[] = [];
  const interval = a.rates?.intervalSeconds ?? null;
  for (const p of a.closeWait.byProcess.slice(0, MAX_PER_KIND)) {
    const persisted = p.persisted ?? 0;
    const leakProven = interval !== null && interval >= 60 && persisted > 0;
    const find =
      a.settings.platform === "windows"
        ? "Find the code path: `Get-NetTCPConnection -State CloseWait | Group-Object OwningProcess`, then the process's handling of end-of-stream and errors."
        : `Find the code path: \`ls -l /proc/${p.pid ?? "PID"}/fd\` or \`lsof -nP -iTCP -sTCP:CLOSE_WAIT\` show the sockets; look for reads that hit EOF without a close() after them.`;
    out.push({
      id: "close-wait-leak",
      severity: leakProven ? "critical" : "warn",
      title:
        `${processName(p.pid, p.command)} holds ${p.count} socket${p.count === 1 ? "" : "s"} in CLOSE_WAIT` +
        (p.persisted !== null && interval !== null
          ? ` (${persisted} still there after ${rate(interval)} s)`
          : ""),
      why:
        "The peer closed its side first: its FIN arrived and this kernel acknowledged it, and the application was told (read() returned 0 / an 'end' event). " +
        "CLOSE_WAIT lasts until the application calls close() — no timer and no kernel setting ends it — so this is always a bug in the local application: a missing close() after EOF or on an error path, an HTTP response body never consumed, a pool without an idle timeout. " +
        `Meanwhile each socket holds a file descriptor${p.unreadBytes > 0 ? ` and ${p.unreadBytes} bytes sit unread` : ""}, and the peer waits in FIN_WAIT_2 until its own timeout.` +
        (leakProven
          ? " The same sockets outlived the peer's 60 s FIN_WAIT_2 timeout: a leak, not a slow close."
          : ""),
      remedies: [
        "Fix the application: close the socket when a read returns end-of-stream and on every error path; consume or close HTTP response bodies; give pools an idle timeout.",
        find,
        a.settings.platform === "linux"
          ? "Stop-gap only: restart the process, or `ss -K state close-wait` (Linux ≥ 4.5) — the process keeps the fd and gets ECONNABORTED on it."
          : "Stop-gap only: restart the process.",
      ],
      wrongAdvice: [
        "Kernel tuning (tcp_keepalive_*, tcp_fin_timeout, tcp_tw_*) does not clear CLOSE_WAIT: only the application's close() does.",
      ],
      evidence: {
        pid: p.pid ?? "unknown",
        command: p.command ?? "unknown",
        count: p.count,
        unreadBytes: p.unreadBytes,
      },
    });
  }
  return out;
}

function finWait2Findings(a: Facts): Finding[] {
  const out: Finding[] = [];
  const f = a.finWait2;
  if (f.held.length > 0) {
    const peers = [...new Set(f.held.map((h) => endpoint(h.remote.address, h.remote.port)))];
    out.push({
      id: "fin-wait-2-held",
      severity: "warn",
      title: `${f.held.length} FIN_WAIT_2 held open by a process, waiting for the peer to close`,
      why:
        "This side sent its FIN (shutdown for writing) and still holds the socket; the peer acknowledged the FIN but has not sent its own. " +
        "tcp_fin_timeout only limits orphaned FIN_WAIT_2, so these wait as long as the process keeps them. " +
        `The peer${peers.length > 1 ? "s" : ""} (${peers.slice(0, 5).join(", ")}) most likely ${peers.length > 1 ? "have" : "has"} a CLOSE_WAIT leak.`,
      remedies: [
        "Check the peer for sockets in CLOSE_WAIT and fix its missing close().",
        "In this application, bound the wait after shutdown(): a read timeout, then close().",
      ],
      wrongAdvice: ["Lowering tcp_fin_timeout does not touch these: they are not orphans."],
      evidence: { held: f.held.length },
    });
  }
  if (f.orphans > 0) {
    out.push({
      id: "fin-wait-2-orphans",
      severity: "ok",
      title: `${f.orphans} orphaned FIN_WAIT_2 (closed by the application): normal`,
      why:
        "The application closed these sockets first and the peer acknowledged the FIN but has not closed yet. " +
        `Without an owner, Linux keeps them as small timewait stand-ins for tcp_fin_timeout (${a.settings.finTimeout ?? 60} s) and then drops them. Many of them to one peer mean that peer is slow to close — look there for CLOSE_WAIT.`,
      remedies: ["Nothing to do here."],
      wrongAdvice: [],
      evidence: { orphans: f.orphans },
    });
  }
  return out;
}

function handshakeFindings(a: Facts): Finding[] {
  const out: Finding[] = [];
  const h = a.handshake;
  const deltas = a.rates?.counterDeltas ?? null;
  // Since Linux 4.x the SYN queue of a listener is bounded by its accept backlog (min(listen() backlog,
  // somaxconn)); with syncookies off, tcp_max_syn_backlog also drops new SYNs once 3/4 full.
  const st = a.settings;
  for (const l of a.listeners.filter((x) => x.synReceived > 0).slice(0, MAX_PER_KIND)) {
    const limits: [number, string][] = [];
    if (l.backlog !== null) limits.push([l.backlog, "its backlog"]);
    else if (st.somaxconn !== null) limits.push([st.somaxconn, "net.core.somaxconn"]);
    if (st.syncookies === 0 && h.maxSynBacklog !== null)
      limits.push([Math.floor((h.maxSynBacklog * 3) / 4), "3/4 of tcp_max_syn_backlog"]);
    if (limits.length === 0) continue;
    const [limit, what] = limits.reduce((m, x) => (x[0] < m[0] ? x : m));
    const ratio = limit > 0 ? l.synReceived / limit : 1;
    if (ratio < 0.5) continue;
    out.push({
      id: "syn-backlog",
      severity: ratio >= 0.8 ? "critical" : "warn",
      title: `${l.synReceived} half-open connections in SYN_RECEIVED on ${endpoint(l.address, l.port)} (${what}: ${limit})`,
      why: "Each SYN_RECEIVED entry answered a SYN with SYN-ACK and waits for the client's ACK. A pile-up is a SYN flood or clients that cannot complete the handshake; when the SYN queue is full new SYNs are answered with SYN cookies (tcp_syncookies=1) or dropped.",
      remedies: [
        "Keep net.ipv4.tcp_syncookies=1 so legitimate clients still get in when the queue overflows.",
        "If the load is legitimate, raise the application's listen() backlog together with net.core.somaxconn (and tcp_max_syn_backlog).",
        "Filter the flood upstream if it is an attack.",
      ],
      wrongAdvice: [],
      evidence: { port: l.port, synReceived: l.synReceived, limit },
    });
  }
  for (const l of a.listeners) {
    if (l.backlog !== null && l.acceptQueue !== null && l.acceptQueue >= l.backlog) {
      out.push({
        id: "accept-queue-full",
        severity: "critical",
        title: `Accept queue of ${endpoint(l.address, l.port)} is full (${l.acceptQueue} of ${l.backlog})`,
        why: "Connections completed the three-way handshake but the application is not calling accept() fast enough; new ones are dropped (TcpExt.ListenOverflows) and clients retry their SYN after a second or more.",
        remedies: [
          "Make the application accept faster (more workers, no blocking work in the accept loop).",
          "Raise the listen() backlog together with net.core.somaxconn.",
        ],
        wrongAdvice: [],
        evidence: { port: l.port, acceptQueue: l.acceptQueue, backlog: l.backlog },
      });
    }
  }
  const overflowDelta = deltas?.["TcpExt.ListenOverflows"] ?? null;
  if ((h.listenOverflows ?? 0) > 0 || (overflowDelta ?? 0) > 0) {
    out.push({
      id: "listen-overflows",
      severity: (overflowDelta ?? 0) > 0 ? "critical" : "warn",
      title:
        (overflowDelta ?? 0) > 0
          ? `Listen queues overflowed ${overflowDelta} times during the interval`
          : `Listen queues have overflowed ${h.listenOverflows} times (since boot, or since this namespace was created)`,
      why: "A listener's accept queue was full when a handshake completed, so the connection was dropped (TcpExt.ListenOverflows, ListenDrops). The client sees a slow or failed connect.",
      remedies: [
        "Find the listener with a full Recv-Q (`ss -ltn`) and make its application accept faster.",
        "Raise the listen() backlog together with net.core.somaxconn.",
      ],
      wrongAdvice: [],
      evidence: { listenOverflows: h.listenOverflows ?? 0, listenDrops: h.listenDrops ?? 0 },
    });
  }
  if ((h.syncookiesSent ?? 0) > 0) {
    const d = deltas?.["TcpExt.SyncookiesSent"] ?? null;
    out.push({
      id: "syncookies-sent",
      severity: (d ?? 0) > 0 ? "critical" : "warn",
      title: `SYN cookies were sent ${(d ?? 0) > 0 ? `${d} times during the interval` : `${h.syncookiesSent} times since boot`}`,
      why: "A listener's SYN queue overflowed (a SYN flood, or a backlog too small for the legitimate rate), so the kernel answered with stateless SYN cookies instead of keeping SYN_RECEIVED entries.",
      remedies: [
        "If the traffic is legitimate, raise tcp_max_syn_backlog, somaxconn and the listen() backlog: cookies are a fallback, not a capacity plan.",
        "If it is a flood, keep tcp_syncookies=1 and filter upstream.",
      ],
      wrongAdvice: [],
      evidence: { syncookiesSent: h.syncookiesSent ?? 0 },
    });
  }
  return out;
}

function kernelFindings(a: Facts): Finding[] {
  const out: Finding[] = [];
  const st = a.settings;
  const k = a.kernel;
  const overflowDelta = a.rates?.counterDeltas["TcpExt.TCPTimeWaitOverflow"] ?? null;
  if (
    (k.timeWaitOverflow ?? 0) > 0 ||
    (k.sockstatTimeWait !== null && k.maxTwBuckets !== null && k.sockstatTimeWait >= k.maxTwBuckets * 0.8)
  ) {
    const growing = (overflowDelta ?? 0) > 0;
    out.push({
      id: "time-wait-cap",
      severity: growing || (k.sockstatTimeWait ?? 0) >= (k.maxTwBuckets ?? Infinity) ? "critical" : "warn",
      title: `TIME_WAIT at the tcp_max_tw_buckets cap: ${k.sockstatTimeWait ?? "?"} of ${k.maxTwBuckets ?? "?"}, ${k.timeWaitOverflow ?? 0} overflows${growing ? ` (+${overflowDelta} during the interval)` : ""}`,
      why: "Above tcp_max_tw_buckets the kernel closes connections without TIME_WAIT (TcpExt.TCPTimeWaitOverflow; recent kernels log nothing). Those 4-tuples lose the protection TIME_WAIT gives: a delayed segment of the old connection can land in a new one, and a lost final ACK gets answered with RST.",
      remedies: [
        `Raise net.ipv4.tcp_max_tw_buckets (now ${k.maxTwBuckets ?? "?"}; the kernel default here is ${st.maxTwBucketsDefault}) — each entry costs only ~256 bytes.`,
        "Then reduce the connection churn: reuse connections (keep-alive, pools).",
      ],
      wrongAdvice: timeWaitWrongAdvice(st).filter((t) => /tcp_max_tw_buckets/.test(t)),
      evidence: {
        sockstatTimeWait: k.sockstatTimeWait ?? "unknown",
        maxTwBuckets: k.maxTwBuckets ?? "unknown",
        overflows: k.timeWaitOverflow ?? 0,
      },
    });
  }
  if (k.orphans !== null && k.maxOrphans !== null && k.orphans >= k.maxOrphans * 0.5) {
    out.push({
      id: "orphans",
      severity: k.orphans >= k.maxOrphans * 0.8 ? "critical" : "warn",
      title: `${k.orphans} orphaned sockets (machine-wide) against tcp_max_orphans ${k.maxOrphans}`,
      why: "Orphans are sockets the applications already closed that are still finishing their close (FIN_WAIT_1, LAST_ACK, CLOSING, early FIN_WAIT_2). Above the cap the kernel resets them immediately (TcpExt.TCPAbortOnMemory).",
      remedies: [
        "Find peers that do not acknowledge FINs (slow or dead clients); consider lowering tcp_orphan_retries on busy web servers.",
        "Do not lower tcp_max_orphans.",
      ],
      wrongAdvice: [],
      evidence: { orphans: k.orphans, maxOrphans: k.maxOrphans },
    });
  }
  if ((k.abortOnMemory ?? 0) > 0) {
    out.push({
      id: "abort-on-memory",
      severity: "warn",
      title: `${k.abortOnMemory} connections were reset for lack of memory (TcpExt.TCPAbortOnMemory)`,
      why: "Too many orphans or TCP memory pressure made the kernel reset connections instead of closing them in order.",
      remedies: ["Check tcp_mem and the orphan count; find peers that stall closes."],
      wrongAdvice: [],
      evidence: { abortOnMemory: k.abortOnMemory! },
    });
  }
  return out;
}

function settingsFindings(a: Facts): Finding[] {
  const st = a.settings;
  if (st.platform !== "linux") return [];
  const out: Finding[] = [];
  const pressure = a.timeWait.budgets.some((b) => b.level !== "ok");
  if (st.twRecycle !== null && st.twRecycle > 0) {
    out.push({
      id: "tw-recycle-enabled",
      severity: "critical",
      title: "net.ipv4.tcp_tw_recycle is enabled",
      why: "tcp_tw_recycle expired TIME_WAIT after ~3.5 RTO and dropped SYNs whose timestamp was older than the last one seen from that IP. Behind a NAT (many hosts, one IP, different clocks) clients' SYNs are silently dropped; with per-connection random timestamp offsets (4.10) it breaks every connection. Linux 4.12 removed it.",
      remedies: [
        "Set net.ipv4.tcp_tw_recycle=0 and remove it from sysctl.conf.",
        "For client-side port pressure use the remedies of the port-budget finding (connection reuse first).",
      ],
      wrongAdvice: [],
      evidence: { tcp_tw_recycle: st.twRecycle },
    });
  }
  if (st.maxTwBuckets !== null && st.maxTwBuckets < st.maxTwBucketsDefault * 0.1) {
    out.push({
      id: "max-tw-buckets-lowered",
      severity: "warn",
      title: `net.ipv4.tcp_max_tw_buckets is lowered to ${st.maxTwBuckets} (default ${st.maxTwBucketsDefault})`,
      why: "The cap exists only against DoS; above it new TIME_WAIT entries are destroyed silently, so connections lose TIME_WAIT's protection (old duplicates, lost final ACK) while nothing of value is saved (~256 bytes each). The kernel documentation says it must not be lowered.",
      remedies: [`Set it back to the default (${st.maxTwBucketsDefault}) or higher.`],
      wrongAdvice: [],
      evidence: { tcp_max_tw_buckets: st.maxTwBuckets },
    });
  }
  if (st.timestamps === 0) {
    out.push({
      id: "timestamps-off",
      severity: pressure ? "critical" : "warn",
      title: "net.ipv4.tcp_timestamps is off",
      why: "Without timestamps there is no PAWS protection against old duplicates and tcp_tw_reuse cannot reuse any TIME_WAIT entry. Since 4.10 timestamps carry random per-connection offsets, so they no longer leak uptime.",
      remedies: ["Set net.ipv4.tcp_timestamps=1."],
      wrongAdvice: [],
      evidence: { tcp_timestamps: 0 },
    });
  }
  if (st.finTimeout !== null && st.finTimeout < 60) {
    out.push({
      id: "fin-timeout-not-for-time-wait",
      severity: pressure ? "warn" : "ok",
      title: `net.ipv4.tcp_fin_timeout is ${st.finTimeout} s: this does not shorten TIME_WAIT`,
      why: "tcp_fin_timeout limits how long an orphaned FIN_WAIT_2 waits for the peer's FIN. TIME_WAIT is the fixed 60 s TCP_TIMEWAIT_LEN; no sysctl changes it. Lowering this is fine for orphans, useless against TIME_WAIT.",
      remedies: pressure
        ? [
            "For the TIME_WAIT pressure reported above, use the port-budget remedies (connection reuse first).",
          ]
        : ["Nothing to do if it was meant for orphaned FIN_WAIT_2."],
      wrongAdvice: [],
      evidence: { tcp_fin_timeout: st.finTimeout },
    });
  }
  if (st.syncookies === 0) {
    out.push({
      id: "syncookies-off",
      severity: "warn",
      title: "net.ipv4.tcp_syncookies is off",
      why: "Without SYN cookies a full SYN queue (a SYN flood) locks legitimate clients out.",
      remedies: ["Set net.ipv4.tcp_syncookies=1 (the default)."],
      wrongAdvice: [],
      evidence: { tcp_syncookies: 0 },
    });
  }
  const size = st.ephemeralLast - st.ephemeralFirst + 1;
  if (size < 10000) {
    out.push({
      id: "port-range-narrow",
      severity: "warn",
      title: `The ephemeral port range ${st.ephemeralFirst}–${st.ephemeralLast} has only ${size} ports`,
      why: `Each destination (remote IP and port) can have at most that many connections from one local IP, open or in TIME_WAIT — with 60 s of TIME_WAIT that is ${rate(size / 60)} new connections per second.`,
      remedies: [
        "Widen net.ipv4.ip_local_port_range (default 32768 60999), keeping listening ports out of it or in ip_local_reserved_ports.",
      ],
      wrongAdvice: [],
      evidence: { first: st.ephemeralFirst, last: st.ephemeralLast },
    });
  }
  const overlap = a.listeners
    .map((l) => l.port)
    .filter(
      (p, i, all) =>
        all.indexOf(p) === i &&
        p >= st.ephemeralFirst &&
        p <= st.ephemeralLast &&
        !st.reservedPorts.includes(p),
    );
  if (overlap.length > 0) {
    // Ok, not warn: a listener that bound port 0 gets its port from this very range, by design.
    out.push({
      id: "listeners-in-ephemeral-range",
      severity: "ok",
      title: `Listening port${overlap.length > 1 ? "s" : ""} ${overlap.slice(0, 8).join(", ")} inside the ephemeral range`,
      why: "If these are fixed service ports, an outgoing connection may be given one while its service is down, and the service then fails to start with EADDRINUSE. Ports a program got by binding port 0 come from this range by design.",
      remedies: [
        `For fixed service ports: list them in net.ipv4.ip_local_reserved_ports (e.g. ${overlap.slice(0, 4).join(",")}).`,
      ],
      wrongAdvice: [],
      evidence: { ports: overlap.join(",") },
    });
  }
  return out;
}

function visibilityFindings(a: Facts): Finding[] {
  if (a.source.ownersKnown || a.totalSockets === 0) return [];
  const how =
    a.source.platform === "windows"
      ? "save `netstat -ano` or Get-NetTCPConnection (with OwningProcess)"
      : a.source.platform === "macos"
        ? "use `lsof -nP -iTCP` for owners"
        : "run as root, or save `ss -tanp` / `netstat -tanp` output";
  return [
    {
      id: "owners-unknown",
      severity: "ok",
      title: "Process ownership is not available",
      why: "Without owners, CLOSE_WAIT cannot be attributed to a process and FIN_WAIT_2 orphans cannot always be told from held ones.",
      remedies: [`To see owners: ${how}.`],
      wrongAdvice: [],
      evidence: {},
    },
  ];
}

export function buildFindings(a: Facts): Finding[] {
  const all = [
    ...portBudgetFindings(a),
    ...closeWaitFindings(a),
    ...finWait2Findings(a),
    ...handshakeFindings(a),
    ...kernelFindings(a),
    ...settingsFindings(a),
    ...serverTimeWaitFinding(a),
    ...visibilityFindings(a),
  ];
  if (!all.some((f) => f.severity !== "ok")) {
    all.unshift({
      id: "all-clear",
      severity: "ok",
      title: "No TCP lifecycle problems found",
      why: "No destination is near its ephemeral-port budget, no process holds CLOSE_WAIT, and no kernel limit is near.",
      remedies: [],
      wrongAdvice: [],
      evidence: {},
    });
  }
  // Stable sort: most severe first, generation order within a severity.
  return all
    .map((f, i) => ({ f, i }))
    .sort((x, y) => RANK[x.f.severity] - RANK[y.f.severity] || x.i - y.i)
    .map((x) => x.f);
}
