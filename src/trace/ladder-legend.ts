// What the ladder's notation means, for readers: printed by `tcplab run --legend` and once at the start
// of `tcplab tour`. Kept beside the renderer so the two change together.
import { TextLine } from "./text-line.js";

const ENTRIES: ReadonlyArray<readonly [string, string]> = [
  ["columns", "line number, time, then one column per host with its TCP state after the line"],
  ["--> … -->", "a segment sent and arrived, nothing else happening in between"],
  [
    "at 1.000 ms",
    "on such a line the time column is when it was sent; where the receiver's state changed on arrival, the time next to the arrow's head (or under it) is when it arrived, and that state is from then",
  ],
  ["--> … ...", "sent; it arrives on a later line (or, 'in flight at end of trace', never did)"],
  ["... … -->", "the arrival of a segment sent on an earlier line (RFC 9293 Figure 7)"],
  ["--> … XXX", "lost in the network; the comment says why"],
  [
    "<SEQ=1><ACK=1>",
    "relative sequence numbers: offsets from each direction's ISN (the SYN is 0), unsigned modulo 2^32; a huge number means a segment from before this ISN, i.e. an earlier connection (--absolute shows the numbers on the wire)",
  ],
  ["<CTL=…><DATA=n>", "the control bits set, and n bytes of data"],
  ["close(), read()", "application calls, timers (RTO, TIME_WAIT timer) and notes, in their host's column"],
  ["~~~ 60 s pass ~~~", "a quiet stretch, with its real length"],
  ["~~~ lines 9–40 ~~~", "a repetitive stretch, counted instead of shown (--full shows every line)"],
];

/** The legend, wrapped to `width` columns. */
export function ladderLegend(width = 80): string {
  const keyWidth = Math.max(...ENTRIES.map(([k]) => k.length));
  // On a narrow terminal each key gets a line of its own and its text goes under it.
  const stacked = width - (2 + keyWidth + 2) < 40;
  const x = stacked ? 6 : 2 + keyWidth + 2;
  const room = Math.max(20, width - x);
  const out = ["How to read a ladder"];
  for (const [key, text] of ENTRIES) {
    const words = text.split(" ");
    let line = "";
    let first = true;
    const flush = (): void => {
      const row = new TextLine();
      if (first && stacked) out.push(new TextLine().place(2, key).render(false));
      else if (first) row.place(2, key);
      row.place(x, line);
      out.push(row.render(false));
      first = false;
      line = "";
    };
    for (const word of words) {
      if (line !== "" && line.length + 1 + word.length > room) flush();
      line = line === "" ? word : `${line} ${word}`;
    }
    if (line !== "") flush();
  }
  return out.join("\n") + "\n";
}
