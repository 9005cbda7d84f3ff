// Remedy and explanation texts, per platform, in the order they should be tried (host-inspection-facts
// §5.2 "Correct order of fixes"): reuse connections, let the other side close first, more 4-tuples,
// timestamp-based TIME_WAIT reuse, and abortive close only where the protocol tolerates it.
import type { HostSettings } from "../platform-settings.js";

const REUSE_CONNECTIONS =
  'Reuse connections instead of opening one per request: HTTP keep-alive and connection pools (Node: `new http.Agent({ keepAlive: true })`, database and Redis pools). nginx as a proxy: since 1.29.7 upstream keep-alive with HTTP/1.1 is the default (`keepalive 32 local`); older nginx needs `keepalive N;` in the upstream block plus `proxy_http_version 1.1;` and `proxy_set_header Connection "";`.';

const OTHER_SIDE_CLOSES_FIRST =
  "Let the side that can afford TIME_WAIT close first: when the server ends the connection and the client reads to EOF, TIME_WAIT lands on the server, where it holds no ephemeral port and costs ~256 bytes. (With keep-alive pools, keep the backend's idle timeout longer than the proxy's, so the two do not race to close.)";

const ABORTIVE_CLOSE =
  "Only where the protocol tolerates it: abortive close (SO_LINGER {on, 0}) sends RST instead of FIN, so no TIME_WAIT is left — but unsent data is lost and the peer sees ECONNRESET.";

export function portBudgetRemedies(st: HostSettings): string[] {
  if (st.platform === "windows") {
    return [
      REUSE_CONNECTIONS,
      OTHER_SIDE_CLOSES_FIRST,
      `More 4-tuples: widen the dynamic port range (now ${st.ephemeralFirst}–${st.ephemeralLast}; \`netsh int ipv4 set dynamicport tcp start=10000 num=55535\`), check \`netsh int ipv4 show excludedportrange protocol=tcp\` for reserved blocks, or spread connections over more backend IPs or ports.`,
      "TcpTimedWaitDelay (HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters, 30–300 s) shortens TIME_WAIT but only treats the symptom: first find the process that churns connections (`Get-NetTCPConnection | Group-Object State, OwningProcess`).",
      ABORTIVE_CLOSE,
    ];
  }
  if (st.platform === "macos") {
    return [
      REUSE_CONNECTIONS,
      OTHER_SIDE_CLOSES_FIRST,
      `More 4-tuples: widen net.inet.ip.portrange.first/last (now ${st.ephemeralFirst}–${st.ephemeralLast}), or spread connections over more backend IPs or ports.`,
      "Lowering net.inet.tcp.msl shortens TIME_WAIT (2 × msl) for every connection; it treats the symptom and weakens TIME_WAIT's protection against old duplicates.",
      ABORTIVE_CLOSE,
    ];
  }
  return [
    REUSE_CONNECTIONS,
    OTHER_SIDE_CLOSES_FIRST,
    `More 4-tuples: widen net.ipv4.ip_local_port_range (now ${st.ephemeralFirst} ${st.ephemeralLast}; e.g. 10000 65000, with listening ports kept out of it or listed in ip_local_reserved_ports), connect to more backend ports or IPs, or use more source IPs (bind with IP_BIND_ADDRESS_NO_PORT so the port is still chosen per 4-tuple).`,
    `net.ipv4.tcp_tw_reuse=1 on this client (now ${st.twReuse ?? "unknown"}) with net.ipv4.tcp_timestamps on (now ${st.timestamps ?? "unknown"}): an outgoing connect() may then take over a TIME_WAIT entry older than tcp_tw_reuse_delay (${st.twReuseDelayMs} ms); timestamps (PAWS) keep the old connection's segments out of the new one. It does nothing for incoming connections.`,
    ABORTIVE_CLOSE,
  ];
}

/** The wrong fixes for TIME_WAIT that this host's settings show someone has already applied or would. */
export function timeWaitWrongAdvice(st: HostSettings): string[] {
  if (st.platform !== "linux") {
    return [
      "Treating the TIME_WAIT count itself as the problem: entries on the server side cost only memory; what matters is a client-side 4-tuple near its port budget.",
    ];
  }
  const out: string[] = [];
  if (st.twRecycle !== null && st.twRecycle > 0) {
    out.push(
      `net.ipv4.tcp_tw_recycle = ${st.twRecycle} here: it drops SYNs from clients behind NAT (and from everyone since per-connection timestamp offsets in 4.10); Linux removed it in 4.12. Set it to 0.`,
    );
  } else {
    out.push(
      "tcp_tw_recycle, still in many tuning guides, was removed in Linux 4.12: it broke clients behind NAT, and every connection after 4.10.",
    );
  }
  if (st.finTimeout !== null && st.finTimeout < 60) {
    out.push(
      `net.ipv4.tcp_fin_timeout is lowered to ${st.finTimeout} s here, probably "to shorten TIME_WAIT": it does not. It only limits orphaned FIN_WAIT_2; TIME_WAIT is the fixed 60 s TCP_TIMEWAIT_LEN.`,
    );
  } else {
    out.push(
      "Lowering tcp_fin_timeout does not shorten TIME_WAIT: it only limits orphaned FIN_WAIT_2; TIME_WAIT is the fixed 60 s TCP_TIMEWAIT_LEN.",
    );
  }
  if (st.maxTwBuckets !== null && st.maxTwBuckets < st.maxTwBucketsDefault * 0.1) {
    out.push(
      `net.ipv4.tcp_max_tw_buckets is lowered to ${st.maxTwBuckets} here (default ${st.maxTwBucketsDefault}): above the cap the kernel silently destroys new TIME_WAIT entries (TcpExt.TCPTimeWaitOverflow), removing the protection without freeing anything that mattered. Raise it back.`,
    );
  }
  if (st.timestamps === 0) {
    out.push(
      'net.ipv4.tcp_timestamps = 0 here (a common "hardening" item): it disables PAWS and makes tcp_tw_reuse do nothing. Since 4.10 timestamps use random per-connection offsets and leak no uptime; turn them back on.',
    );
  }
  return out;
}
