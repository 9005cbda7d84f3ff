// Segment labels in the three styles, and relative numbering per direction.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SequenceNumbering, segmentLabel } from "../../src/trace/segment-label.js";
import { ACK, FIN, PSH, RST, SYN, URG, type Segment } from "../../src/wire/segment.js";

function seg(from: "a" | "b", seq: number, ack: number, flags: number, data = 0, window = 1000): Segment {
  const a = 0x0a000001;
  const b = 0x0a000002;
  return {
    srcAddr: from === "a" ? a : b,
    dstAddr: from === "a" ? b : a,
    srcPort: from === "a" ? 40000 : 80,
    dstPort: from === "a" ? 80 : 40000,
    seq,
    ack,
    flags,
    window,
    urgent: 0,
    options: {},
    payload: new Uint8Array(data),
  };
}

/** A handshake, data and a FIN, labelled in order like the ladder does. */
function labels(style: "rfc" | "textbook" | "tcpdump", mode: "relative" | "absolute"): string[] {
  const n = new SequenceNumbering(mode);
  const segments = [
    seg("a", 4294967000, 0, SYN),
    seg("b", 100, 4294967001, SYN | ACK),
    seg("a", 4294967001, 101, ACK),
    seg("a", 4294967001, 101, PSH | ACK, 500), // crosses the 2^32 wrap
    seg("b", 101, 205, FIN | ACK), // 4294967001 + 500 wraps to 205
    seg("a", 205, 0, RST),
  ];
  return segments.map((s) => {
    n.observe(s);
    return segmentLabel(s, style, n);
  });
}

test("rfc labels: <SEQ><ACK><CTL>, ACK only with the ACK bit, <DATA=n> with payload", () => {
  assert.deepEqual(labels("rfc", "relative"), [
    "<SEQ=0><CTL=SYN>",
    "<SEQ=0><ACK=1><CTL=SYN,ACK>",
    "<SEQ=1><ACK=1><CTL=ACK>",
    "<SEQ=1><ACK=1><CTL=PSH,ACK><DATA=500>",
    "<SEQ=1><ACK=501><CTL=FIN,ACK>",
    "<SEQ=501><CTL=RST>",
  ]);
  assert.deepEqual(labels("rfc", "absolute"), [
    "<SEQ=4294967000><CTL=SYN>",
    "<SEQ=100><ACK=4294967001><CTL=SYN,ACK>",
    "<SEQ=4294967001><ACK=101><CTL=ACK>",
    "<SEQ=4294967001><ACK=101><CTL=PSH,ACK><DATA=500>",
    "<SEQ=101><ACK=205><CTL=FIN,ACK>",
    "<SEQ=205><CTL=RST>",
  ]);
});

test("textbook labels: flag=1 then seq, ack and len", () => {
  assert.deepEqual(labels("textbook", "relative"), [
    "SYN=1, seq=0",
    "SYN=1, ACK=1, seq=0, ack=1",
    "ACK=1, seq=1, ack=1",
    "PSH=1, ACK=1, seq=1, ack=1, len=500",
    "FIN=1, ACK=1, seq=1, ack=501",
    "RST=1, seq=501",
  ]);
});

test("tcpdump labels: letters in tcpdump's order, seq only when it matters, ranges for data", () => {
  assert.deepEqual(labels("tcpdump", "relative"), [
    "Flags [S], seq 0, win 1000, length 0",
    "Flags [S.], seq 0, ack 1, win 1000, length 0",
    "Flags [.], ack 1, win 1000, length 0",
    "Flags [P.], seq 1:501, ack 1, win 1000, length 500",
    "Flags [F.], seq 1, ack 501, win 1000, length 0",
    "Flags [R], seq 501, win 1000, length 0",
  ]);
  assert.equal(
    labels("tcpdump", "absolute")[3],
    "Flags [P.], seq 4294967001:205, ack 101, win 1000, length 500",
  );
  const n = new SequenceNumbering("absolute");
  assert.equal(
    segmentLabel(seg("a", 1, 2, FIN | PSH | ACK | URG), "tcpdump", n),
    "Flags [FP.U], seq 1, ack 2, win 1000, length 0",
  );
  assert.equal(segmentLabel(seg("a", 1, 2, 0), "tcpdump", n), "Flags [none], win 1000, length 0");
  assert.equal(segmentLabel(seg("a", 1, 2, 0), "rfc", n), "<SEQ=1><CTL=none>");
});

test("relative numbering: mid-connection traces use the first number seen, a new SYN re-bases", () => {
  const n = new SequenceNumbering("relative");
  const first = seg("a", 7000, 300, ACK, 10);
  n.observe(first);
  assert.equal(segmentLabel(first, "rfc", n), "<SEQ=0><ACK=300><CTL=ACK><DATA=10>");
  // A new incarnation on the same 4-tuple: its SYN becomes the base, and an old segment shows as a huge offset (mod 2^32).
  const syn = seg("a", 9000, 0, SYN);
  n.observe(syn);
  assert.equal(segmentLabel(syn, "rfc", n), "<SEQ=0><CTL=SYN>");
  const old = seg("a", 7010, 300, ACK, 10);
  n.observe(old);
  assert.equal(segmentLabel(old, "rfc", n), "<SEQ=4294965306><ACK=300><CTL=ACK><DATA=10>");
});

test("relative numbers are unsigned modulo 2^32: a number before the ISN is a huge offset, never negative", () => {
  const n = new SequenceNumbering("relative");
  const syn = seg("a", 1000, 0, SYN);
  const synAck = seg("b", 5000, 1001, SYN | ACK);
  // An old duplicate from an earlier incarnation: both numbers lie before this incarnation's ISNs.
  const old = seg("b", 10, 990, ACK, 100);
  for (const s of [syn, synAck, old]) n.observe(s);
  for (const style of ["rfc", "textbook", "tcpdump"] as const) {
    const label = segmentLabel(old, style, n);
    assert.doesNotMatch(label, /[=\s]-\d/, `${style}: ${label}`);
  }
  assert.equal(segmentLabel(old, "rfc", n), "<SEQ=4294962306><ACK=4294967286><CTL=ACK><DATA=100>");
});
