// A segment that starts inside the receive window but runs past its right edge. RFC 9293 §3.10.7.4 trims
// it to the window ("only the portion within the window is accepted"); Linux 6.18 does not trim: its
// tcp_sequence() takes the whole segment when the receive queue is empty, and drops the whole segment
// (SKB_DROP_REASON_TCP_INVALID_END_SEQUENCE, answered with a duplicate ACK by tcp_validate_incoming) when
// the application has data queued. Scripts: `window/overlong-segment-dropped-or-taken.pkt`.
// Not modelled: Linux drops the segment before processing its ACK field; here the ACK was processed.

/** What to do with the part of a segment beyond the window. */
export type OverlongAction = "trim" | "take-whole" | "drop";

/**
 * `linuxRule`: the `linux` profile's receive rule; `room`: bytes of window left at the segment's start
 * (a zero window keeps the zero-window handling, tcp_data_queue's); `queued`: unread in-order data.
 */
export function overlongAction(linuxRule: boolean, room: number, queued: boolean): OverlongAction {
  if (!linuxRule || room <= 0) return "trim";
  return queued ? "drop" : "take-whole";
}
