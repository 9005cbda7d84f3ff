// The JSON trace: round trip through JSON text, the meta block, and the validator's refusals.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { toJsonTrace, eventsFromJsonTrace, type JsonTrace } from "../../src/trace/json-trace.js";
import { fromJsonTrace, validateJsonTrace, TraceSchemaError } from "../../src/trace/json-validate.js";
import { renderLadder } from "../../src/trace/ladder.js";
import * as samples from "./sample-traces.js";
import * as more from "./more-traces.js";
import type { TraceEvent } from "../../src/tcp/events.js";

const META = {
  scenario: "S6-lost-final-ack",
  seed: 42,
  profile: "linux",
  hosts: [
    { name: "client", addresses: ["10.0.0.1"] },
    { name: "server", addresses: [0x0a000002], profile: "linux" },
  ],
  description: "the client's last ACK is lost",
};

function allTraces(): Array<[string, TraceEvent[]]> {
  return [
    ["fourWayClose", samples.fourWayClose()],
    ["lostFinalAck", samples.lostFinalAck()],
    ["simultaneousClose", samples.simultaneousClose()],
    ["noTimeWait", samples.noTimeWait()],
    ["dataInFlight", samples.dataInFlight()],
    ["networkFaults", more.networkFaults()],
    ["kernelPeer", more.kernelPeer()],
    ["threeHosts", more.threeHosts()],
  ];
}

/** A fresh, valid JSON trace to break in one place. */
function valid(): JsonTrace {
  return JSON.parse(JSON.stringify(toJsonTrace(samples.noTimeWait(), META))) as JsonTrace;
}

function errorsOf(value: unknown): string[] {
  const result = validateJsonTrace(value);
  assert.equal(result.ok, false, "expected the validator to refuse this");
  return result.ok ? [] : result.errors;
}

test("every hand-built trace survives JSON text and comes back equal", () => {
  for (const [name, events] of allTraces()) {
    const json = toJsonTrace(events, META);
    const text = JSON.stringify(json);
    const back = fromJsonTrace(JSON.parse(text));
    assert.deepEqual(back.events, events, name);
    assert.deepEqual(toJsonTrace(back.events, back.meta), json, name);
    // The views cannot tell the difference.
    assert.equal(renderLadder(back.events), renderLadder(events), name);
  }
});

test("the header, meta and a serialised segment look as documented", () => {
  const json = toJsonTrace(samples.fourWayClose(), META);
  assert.equal(json.schema, "tcplab-trace");
  assert.equal(json.version, 2);
  assert.equal(json.timeUnit, "us");
  assert.deepEqual(json.meta, {
    scenario: "S6-lost-final-ack",
    seed: 42,
    profile: "linux",
    hosts: [
      { name: "client", addresses: ["10.0.0.1"] },
      { name: "server", addresses: ["10.0.0.2"], profile: "linux" },
    ],
    description: "the client's last ACK is lost",
  });
  const data = json.events.find((e) => e.kind === "segment-sent" && e.seg.payload.length > 0);
  assert.deepEqual(data, {
    kind: "segment-sent",
    t: 2000,
    host: "client",
    id: 4,
    conn: samples.C,
    seg: {
      src: "10.0.0.1",
      dst: "10.0.0.2",
      srcPort: 40000,
      dstPort: 80,
      seq: 1001,
      ack: 5001,
      flags: ["PSH", "ACK"],
      window: 502,
      urgent: 0,
      options: {},
      payload: {
        length: 100,
        hex: Array.from({ length: 100 }, (_, i) => i.toString(16).padStart(2, "0")).join(""),
      },
    },
    retransmission: false,
    why: "data",
  });
});

test("without meta the hosts come from the events, and the rest is null", () => {
  const json = toJsonTrace(more.kernelPeer());
  assert.deepEqual(json.meta, {
    scenario: null,
    seed: null,
    profile: null,
    hosts: [
      { name: "tcplab", addresses: ["10.0.0.1"] },
      { name: "10.0.0.2", addresses: ["10.0.0.2"] },
    ],
  });
  assert.equal(validateJsonTrace(json).ok, true);
});

test("options, SACK blocks and timestamps round-trip", () => {
  const events = more.kernelPeer();
  const received = events.find((e) => e.kind === "segment-received");
  assert.ok(received && received.kind === "segment-received");
  received.seg.options = {
    mss: 1460,
    wscale: 7,
    sackPermitted: true,
    timestamp: { val: 4294967295, ecr: 0 },
    sack: [[1, 2]],
  };
  const back = fromJsonTrace(JSON.parse(JSON.stringify(toJsonTrace(events))));
  assert.deepEqual(back.events, events);
});

test("the validator names the path and the problem", () => {
  const cases: Array<[string, (t: JsonTrace & Record<string, unknown>) => void, RegExp]> = [
    ["wrong schema", (t) => void (t.schema = "pcap" as "tcplab-trace"), /^schema: expected "tcplab-trace"/],
    [
      "future version",
      (t) => void (t.version = 3),
      /^version: this reader understands versions 1 and 2, got number 3/,
    ],
    ["unknown top-level field", (t) => void (t.verdict = {}), /^\(root\): unknown field "verdict"/],
    ["time unit", (t) => void (t.timeUnit = "ms" as "us"), /^timeUnit: expected "us"/],
    [
      "missing meta field",
      (t) => void delete (t.meta as Partial<typeof t.meta>).seed,
      /^meta: missing field "seed"/,
    ],
    [
      "duplicate host",
      (t) => void (t.meta.hosts[1] = { name: "client", addresses: [] }),
      /meta\.hosts\[1\]\.name: host "client" listed twice/,
    ],
    [
      "bad host address",
      (t) => void (t.meta.hosts[0] = { name: "a", addresses: ["10.0.0"] }),
      /meta\.hosts\[0\]\.addresses\[0\]: expected a dotted IPv4 or an IPv6 address/,
    ],
    [
      "events not an array",
      (t) => void ((t as Record<string, unknown>).events = {}),
      /^events: expected an array/,
    ],
  ];
  for (const [what, breakIt, message] of cases) {
    const t = valid() as JsonTrace & Record<string, unknown>;
    breakIt(t);
    const errors = errorsOf(t);
    assert.ok(
      errors.some((e) => message.test(e)),
      `${what}: ${errors.join(" | ")}`,
    );
  }
});

test("the validator checks every event field", () => {
  const at = (t: JsonTrace, kind: string): Record<string, unknown> => {
    const e = t.events.find((x) => x.kind === kind);
    assert.ok(e, kind);
    return e as unknown as Record<string, unknown>;
  };
  const seg = (t: JsonTrace): Record<string, unknown> => at(t, "segment-sent").seg as Record<string, unknown>;
  const cases: Array<[string, (t: JsonTrace) => void, RegExp]> = [
    [
      "unknown kind",
      (t) => void ((t.events[0] as unknown as Record<string, unknown>).kind = "packet"),
      /^events\[0\]\.kind: expected one of segment-sent/,
    ],
    [
      "negative time",
      (t) => void ((t.events[0] as { t: number }).t = -1),
      /^events\[0\]\.t: expected 0\.\.\d+, got -1/,
    ],
    [
      "fractional time",
      (t) => void ((t.events[0] as { t: number }).t = 1.5),
      /^events\[0\]\.t: expected an integer, got number 1\.5/,
    ],
    [
      "empty host",
      (t) => void ((t.events[0] as { host: string }).host = ""),
      /^events\[0\]\.host: expected a non-empty string/,
    ],
    ["extra event field", (t) => void (at(t, "state").extra = 1), /unknown field "extra"/],
    ["missing event field", (t) => void delete at(t, "state").cause, /missing field "cause"/],
    ["bad state", (t) => void (at(t, "state").to = "TIME-WAIT"), /\.to: expected one of CLOSED, LISTEN/],
    ["bad timer", (t) => void (at(t, "timer").timer = "2msl"), /\.timer: expected one of retransmit/],
    [
      "bad drop reason",
      (t) => void (at(t, "segment-dropped").reason = "bored"),
      /\.reason: expected a decode or engine drop reason/,
    ],
    [
      "bad network action",
      (t) => void (at(t, "network").action = "teleport"),
      /\.action: expected one of deliver/,
    ],
    [
      "bad network reason",
      (t) => void (at(t, "network").reason = "gremlins"),
      /\.reason: expected one of loss/,
    ],
    [
      "retransmission not boolean",
      (t) => void (at(t, "segment-sent").retransmission = "no"),
      /\.retransmission: expected true or false/,
    ],
    [
      "unknown flag",
      (t) => void (seg(t).flags = ["SYN", "NS"]),
      /\.seg\.flags\[1\]: expected one of SYN, FIN/,
    ],
    [
      "repeated flag",
      (t) => void (seg(t).flags = ["SYN", "SYN"]),
      /\.seg\.flags\[1\]: flag SYN listed twice/,
    ],
    ["seq out of range", (t) => void (seg(t).seq = 2 ** 32), /\.seg\.seq: expected 0\.\.4294967295/],
    ["port out of range", (t) => void (seg(t).srcPort = 70000), /\.seg\.srcPort: expected 0\.\.65535/],
    [
      "bad address",
      (t) => void (seg(t).src = "10.0.0.256"),
      /\.seg\.src: expected a dotted IPv4 or an IPv6 address/,
    ],
    [
      "uppercase hex",
      (t) => void (seg(t).payload = { length: 1, hex: "AB" }),
      /\.seg\.payload\.hex: expected lowercase hex/,
    ],
    [
      "odd hex",
      (t) => void (seg(t).payload = { length: 1, hex: "abc" }),
      /\.seg\.payload\.hex: expected lowercase hex/,
    ],
    [
      "length mismatch",
      (t) => void (seg(t).payload = { length: 2, hex: "ab" }),
      /\.seg\.payload: length 2 does not match 1 bytes of hex/,
    ],
    [
      "unknown option",
      (t) => void (seg(t).options = { mss: 1460, md5: "x" }),
      /\.seg\.options: unknown field "md5"/,
    ],
    [
      "bad SACK block",
      (t) => void (seg(t).options = { sack: [[1]] }),
      /\.seg\.options\.sack\[0\]: expected a \[left, right\] pair/,
    ],
    [
      "packet id sent twice",
      (t) => {
        const sent = t.events.filter((e) => e.kind === "segment-sent");
        (sent[1] as { id: number }).id = (sent[0] as { id: number }).id;
      },
      /\.id: packet id 1 was already sent/,
    ],
  ];
  for (const [what, breakIt, message] of cases) {
    const t = valid();
    breakIt(t);
    const errors = errorsOf(t);
    assert.ok(
      errors.some((e) => message.test(e)),
      `${what}: ${errors.join(" | ")}`,
    );
  }
});

test("non-objects are refused, and fromJsonTrace throws a coded error listing the problems", () => {
  for (const value of [null, 42, "tcplab-trace", [], undefined]) {
    assert.match(errorsOf(value)[0] ?? "", /^\(root\): expected an object/);
  }
  const t = valid();
  (t.events[0] as { t: number }).t = -1;
  (t.events[1] as { host: string }).host = "";
  assert.throws(
    () => fromJsonTrace(t),
    (err: unknown) =>
      err instanceof TraceSchemaError &&
      err.code === "ERR_TCPLAB_TRACE_SCHEMA" &&
      err.errors.length === 2 &&
      /events\[0\]\.t/.test(err.message) &&
      /events\[1\]\.host/.test(err.message),
  );
});

test("the error list is bounded for a badly broken file", () => {
  const t = valid();
  for (const e of t.events) (e as { t: number }).t = -1;
  assert.ok(t.events.length > 50);
  assert.equal(errorsOf(t).length, 50);
});

test("eventsFromJsonTrace turns hex back into bytes", () => {
  const json = toJsonTrace(samples.fourWayClose());
  const data = eventsFromJsonTrace(json).find(
    (e) => e.kind === "segment-received" && e.seg.payload.length > 0,
  );
  assert.ok(data && data.kind === "segment-received");
  assert.deepEqual(Array.from(data.seg.payload.slice(0, 3)), [0, 1, 2]);
  assert.ok(data.seg.payload instanceof Uint8Array);
});

test("the example in docs/trace-schema.md is a valid trace", () => {
  const doc = readFileSync(new URL("../../docs/trace-schema.md", import.meta.url), "utf8");
  const block = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
  assert.ok(block, "the document has a json example");
  const result = validateJsonTrace(JSON.parse(block));
  assert.deepEqual(result.ok ? [] : result.errors, []);
  const { events } = fromJsonTrace(JSON.parse(block));
  const data = events.at(-1);
  assert.ok(data?.kind === "segment-sent");
  assert.equal(new TextDecoder().decode(data.seg.payload), "hello");
});

test("a listener's state events keep listener: true through JSON; version 1 files are still read", () => {
  const listen: TraceEvent = {
    kind: "state",
    t: 0,
    host: "server",
    conn: "10.0.0.2:80",
    from: "CLOSED",
    to: "LISTEN",
    cause: "listen",
    listener: true,
  };
  const events = [listen, ...samples.noTimeWait()];
  const json = toJsonTrace(events, META);
  assert.deepEqual(json.events[0], { ...listen });
  const back = fromJsonTrace(JSON.parse(JSON.stringify(json)));
  assert.deepEqual(back.events, events);
  // A connection's event is written without the field, as in version 1.
  json.events.forEach((e, i) => {
    const source = events[i]!;
    assert.equal("listener" in e, source.kind === "state" && source.listener === true, `event ${i}`);
  });

  // A version 1 file (no listener events) is read as before.
  const v1 = toJsonTrace(
    samples.noTimeWait().filter((e) => !(e.kind === "state" && e.listener === true)),
    META,
  );
  v1.version = 1;
  assert.equal(validateJsonTrace(v1).ok, true);
  // ...but listener is a version 2 field, and its only value is true.
  const withListener = JSON.parse(JSON.stringify(json)) as JsonTrace;
  withListener.version = 1;
  assert.ok(errorsOf(withListener).some((e) => /^events\[0\]\.listener: new in version 2/.test(e)));
  const notTrue = JSON.parse(JSON.stringify(json)) as JsonTrace;
  (notTrue.events[0] as unknown as Record<string, unknown>).listener = false;
  assert.ok(
    errorsOf(notTrue).some((e) => /^events\[0\]\.listener: expected true, got boolean false/.test(e)),
  );
});
