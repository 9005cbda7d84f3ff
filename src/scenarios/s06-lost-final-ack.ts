// S6: the final ACK is lost; TIME_WAIT re-ACKs the retransmitted FIN. Counterfactual: S7's ablation.
import { lostFinalAckRun } from "./lost-final-ack.js";
import type { Scenario } from "./types.js";

export const lostFinalAck: Scenario = {
  id: "S6",
  name: "lost-final-ack",
  title: "Lost final ACK: TIME_WAIT answers P's retransmitted FIN (counterfactual: no TIME_WAIT → RST)",
  explain:
    "A's last ACK is dropped by a targeted fault (XXX in the ladder). P, still in LAST_ACK, hears nothing and " +
    "retransmits its FIN: first as a tail loss probe (Linux, RFC 8985 §7: about 2·SRTT after the FIN, at " +
    "most its RTO), then when its RTO fires. A is in TIME_WAIT, still remembers the connection, answers with " +
    "a fresh ACK and restarts its TIME_WAIT timer; P closes normally and no application sees an error. The " +
    "counterfactual run takes TIME_WAIT away: the same retransmitted FIN finds nothing on A, A answers RST, " +
    "and P's application gets ECONNRESET instead of an orderly close.",
  tryNext: [
    "tcplab run S6 --time-wait 0: the main run becomes S7 and its verdict fails (exit 1)",
    "tcplab run S6 --time-wait 200ms: a TIME_WAIT shorter than P's RTO is as bad as none",
  ],
  run: (options) => [
    lostFinalAckRun(options, "main", true),
    lostFinalAckRun(options, "counterfactual", false),
  ],
};
