// S7: S6 with TIME_WAIT taken away (length 0): the retransmitted FIN draws an RST and P sees a reset.
import { lostFinalAckRun } from "./lost-final-ack.js";
import type { Scenario } from "./types.js";

export const noTimeWait: Scenario = {
  id: "S7",
  name: "no-time-wait",
  title: "The same without TIME_WAIT: the retransmitted FIN draws an RST, P's close ends in ECONNRESET",
  explain:
    "The ablation of S6: A's TIME_WAIT length is 0, so after its (lost) last ACK A forgets the connection at " +
    "once. P's retransmitted FIN arrives at a port with nothing behind it, A answers RST (RFC 9293 §3.10.7.1), " +
    "and P's application, waiting for its close to finish, is told ECONNRESET (Linux and FreeBSD report it; " +
    "RFC 9293 §3.10.7.4 just closes LAST-ACK). No data was lost — the close was simply not reliable. The " +
    "counterfactual puts TIME_WAIT back and the close is orderly again.",
  tryNext: [
    "tcplab run S7 --profile bsd: the same reset with BSD timers",
    "tcplab run S7 --profile rfc: the RFC closes LAST-ACK on the RST without telling the application",
  ],
  run: (options) => [
    lostFinalAckRun(options, "main", false),
    lostFinalAckRun(options, "counterfactual", true),
  ],
};
