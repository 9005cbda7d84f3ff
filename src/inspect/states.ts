// One table from every tool's state spelling to the RFC 9293 state (host-inspection-facts §3.6).
// Windows netstat localises state names on some locales, so the German names are here too; unknown
// spellings are rejected by the callers with the line number rather than guessed.
import type { SocketState } from "./model.js";

/** Linux include/net/tcp_states.h, as printed in the `st` column of /proc/net/tcp. */
export const LINUX_STATE_CODES: Readonly<Record<number, SocketState>> = {
  0x01: "ESTABLISHED",
  0x02: "SYN_SENT",
  0x03: "SYN_RECEIVED", // also TCP_NEW_SYN_RECV request socks, which the kernel prints as 03
  0x04: "FIN_WAIT_1",
  0x05: "FIN_WAIT_2",
  0x06: "TIME_WAIT",
  0x07: "CLOSED",
  0x08: "CLOSE_WAIT",
  0x09: "LAST_ACK",
  0x0a: "LISTEN",
  0x0b: "CLOSING",
};

const NAMES: Record<string, SocketState> = {
  // ss (iproute2)
  ESTAB: "ESTABLISHED",
  "SYN-SENT": "SYN_SENT",
  "SYN-RECV": "SYN_RECEIVED",
  "FIN-WAIT-1": "FIN_WAIT_1",
  "FIN-WAIT-2": "FIN_WAIT_2",
  "TIME-WAIT": "TIME_WAIT",
  UNCONN: "CLOSED",
  "CLOSE-WAIT": "CLOSE_WAIT",
  "LAST-ACK": "LAST_ACK",
  LISTEN: "LISTEN",
  CLOSING: "CLOSING",
  // net-tools netstat
  ESTABLISHED: "ESTABLISHED",
  SYN_SENT: "SYN_SENT",
  SYN_RECV: "SYN_RECEIVED",
  FIN_WAIT1: "FIN_WAIT_1",
  FIN_WAIT2: "FIN_WAIT_2",
  TIME_WAIT: "TIME_WAIT",
  CLOSE: "CLOSED",
  CLOSE_WAIT: "CLOSE_WAIT",
  LAST_ACK: "LAST_ACK",
  // Windows netstat (English) and BSD/macOS
  LISTENING: "LISTEN",
  SYN_RECEIVED: "SYN_RECEIVED",
  SYN_RCVD: "SYN_RECEIVED",
  FIN_WAIT_1: "FIN_WAIT_1",
  FIN_WAIT_2: "FIN_WAIT_2",
  CLOSED: "CLOSED",
  BOUND: "BOUND",
  // Windows netstat, German locale (host-inspection-facts §2.3; the German LAST_ACK/CLOSED/BOUND spellings were
  // never collected, so they are not guessed here: such a row is reported with its line number instead)
  ABHÖREN: "LISTEN",
  HERGESTELLT: "ESTABLISHED",
  WARTEND: "TIME_WAIT",
  SCHLIESSEN_WARTEN: "CLOSE_WAIT",
  SYN_GESENDET: "SYN_SENT",
  FIN_WARTEN_1: "FIN_WAIT_1",
  FIN_WARTEN_2: "FIN_WAIT_2",
  SCHLIESSEND: "CLOSING",
  // PowerShell Get-NetTCPConnection / .NET TcpState enum names
  Listen: "LISTEN",
  SynSent: "SYN_SENT",
  SynReceived: "SYN_RECEIVED",
  Established: "ESTABLISHED",
  FinWait1: "FIN_WAIT_1",
  FinWait2: "FIN_WAIT_2",
  CloseWait: "CLOSE_WAIT",
  Closing: "CLOSING",
  LastAck: "LAST_ACK",
  TimeWait: "TIME_WAIT",
  Closed: "CLOSED",
  Bound: "BOUND",
  DeleteTCB: "CLOSED",
};

/**
 * ConvertTo-Json writes enums as their numeric value unless the pipeline stringified them
 * (MSFT_NetTCPConnection State: 1 Closed … 12 DeleteTCB, 100 Bound).
 */
export const POWERSHELL_STATE_NUMBERS: Readonly<Record<number, SocketState>> = {
  1: "CLOSED",
  2: "LISTEN",
  3: "SYN_SENT",
  4: "SYN_RECEIVED",
  5: "ESTABLISHED",
  6: "FIN_WAIT_1",
  7: "FIN_WAIT_2",
  8: "CLOSE_WAIT",
  9: "CLOSING",
  10: "LAST_ACK",
  11: "TIME_WAIT",
  12: "CLOSED",
  100: "BOUND",
};

/** The state a tool's spelling stands for, or null if it is not a state name any supported tool prints. */
export function stateFromName(name: string): SocketState | null {
  // Windows' OEM code page turns Ö into other bytes when mis-decoded (ABH™REN, ABH�REN); accept any one char.
  if (/^ABH.REN$/u.test(name)) return "LISTEN";
  return NAMES[name] ?? null;
}
