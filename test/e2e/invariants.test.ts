// The property tests are only as good as their checkers: each checker must catch the failure it names.
// Fed with hand-made application records and traces that are wrong in one way each.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Host } from "../../src/tcp/engine.js";
import { makeProfile, SECOND } from "../../src/tcp/profile.js";
import type { TraceEvent } from "../../src/tcp/events.js";
import { ACK, EMPTY_PAYLOAD, NO_OPTIONS, type Segment } from "../../src/wire/segment.js";
import {
  deliveryViolations,
  idleHostViolations,
  lifetimeViolations,
  quietLifetimeBound,
} from "./invariants.js";
import type { AppSide } from "./transfer-app.js";

function app(fields: { received: number[]; eof?: boolean; closes?: number; error?: string | null }): AppSide {
  const bytes = Uint8Array.from(fields.received);
  return {
    name: "side",
    received: () => bytes,
    eof: fields.eof ?? false,
    closes: fields.closes ?? 1,
    error: fields.error ?? null,
    callErrors: [],
    conn: null,
    lastCallAt: -1,
  } as unknown as AppSide;
}

const PEER = Uint8Array.from([1, 2, 3, 4, 5]);

test("delivery checker: accepts the right outcomes", () => {
  assert.deepEqual(deliveryViolations(app({ received: [1, 2, 3, 4, 5], eof: true }), PEER), []);
  assert.deepEqual(deliveryViolations(app({ received: [1, 2], error: "ETIMEDOUT" }), PEER), []);
  assert.deepEqual(deliveryViolations(app({ received: [], error: "ECONNRESET" }), PEER), []);
});

test("delivery checker: catches wrong bytes, truncation, a silent end, a double close and a foreign error", () => {
  const has = (v: string[], text: string) =>
    assert.ok(
      v.some((x) => x.includes(text)),
      `${text} in ${JSON.stringify(v)}`,
    );
  has(deliveryViolations(app({ received: [1, 2, 9, 4, 5], eof: true }), PEER), "wrong byte at offset 2");
  has(deliveryViolations(app({ received: [1, 2, 3], eof: true }), PEER), "silent truncation");
  has(deliveryViolations(app({ received: [1, 2, 3] }), PEER), "never read EOF");
  has(deliveryViolations(app({ received: [1, 2, 3, 4, 5, 6], eof: true }), PEER), "wrote only 5");
  has(
    deliveryViolations(app({ received: [1, 2, 3, 4, 5], eof: true, closes: 2 }), PEER),
    "onClose called 2 times",
  );
  has(deliveryViolations(app({ received: [], error: "EINVAL" }), PEER), "unexpected error EINVAL");
});

const host = new Host({ name: "h", address: "10.0.0.9", profile: "linux" });
const BOUND = quietLifetimeBound(host.profile);
const C = "10.0.0.9:40000>10.0.0.8:80";

function seg(fields: Partial<Segment>): Segment {
  return {
    srcAddr: 1,
    dstAddr: 2,
    srcPort: 1,
    dstPort: 2,
    seq: 0,
    ack: 0,
    flags: ACK,
    window: 1000,
    urgent: 0,
    options: NO_OPTIONS,
    payload: EMPTY_PAYLOAD,
    ...fields,
  };
}

const state = (t: number, from: string, to: string, cause = "x"): TraceEvent =>
  ({ kind: "state", t, host: "h", conn: C, from, to, cause }) as TraceEvent;

test("lifetime checker: a clean lifecycle with TIME_WAIT of exactly the profile's length passes", () => {
  const tw = host.profile.timeWait;
  const events: TraceEvent[] = [
    state(0, "CLOSED", "SYN_SENT"),
    { kind: "timer", t: 0, host: "h", conn: C, timer: "syn", action: "armed", deadline: SECOND },
    { kind: "segment-received", t: 10, host: "h", id: 1, conn: C, seg: seg({ ack: 1 }) },
    { kind: "timer", t: 10, host: "h", conn: C, timer: "syn", action: "cancelled" },
    state(10, "SYN_SENT", "TIME_WAIT"),
    { kind: "timer", t: 10, host: "h", conn: C, timer: "time-wait", action: "armed", deadline: 10 + tw },
    state(10 + tw, "TIME_WAIT", "CLOSED", "2MSL timeout"),
  ];
  assert.deepEqual(lifetimeViolations(events, host, BOUND, []), []);
});

test("lifetime checker: catches a connection that never ends, a wrong TIME_WAIT length, a leaked timer, a late end and an early keepalive", () => {
  const has = (v: string[], text: string) =>
    assert.ok(
      v.some((x) => x.includes(text)),
      `${text} in ${JSON.stringify(v)}`,
    );
  has(lifetimeViolations([state(0, "CLOSED", "SYN_SENT")], host, BOUND, []), "never reached CLOSED");
  has(
    lifetimeViolations(
      [
        state(0, "CLOSED", "TIME_WAIT"),
        { kind: "timer", t: 0, host: "h", conn: C, timer: "time-wait", action: "armed" },
        state(5, "TIME_WAIT", "CLOSED", "2MSL timeout"),
      ],
      host,
      BOUND,
      [],
    ),
    "TIME_WAIT expired at 5",
  );
  has(
    lifetimeViolations(
      [
        state(0, "CLOSED", "ESTABLISHED"),
        { kind: "timer", t: 0, host: "h", conn: C, timer: "retransmit", action: "armed" },
        state(5, "ESTABLISHED", "CLOSED"),
      ],
      host,
      BOUND,
      [],
    ),
    "retransmit timer still armed",
  );
  has(
    lifetimeViolations(
      [state(0, "CLOSED", "ESTABLISHED"), state(BOUND + 1, "ESTABLISHED", "CLOSED")],
      host,
      BOUND,
      [],
    ),
    "after its last activity",
  );
  has(
    lifetimeViolations(
      [
        state(0, "CLOSED", "ESTABLISHED"),
        { kind: "segment-received", t: 1, host: "h", id: 1, conn: C, seg: seg({ ack: 100 }) },
        {
          kind: "segment-sent",
          t: 2,
          host: "h",
          id: 2,
          conn: C,
          seg: seg({ seq: 199 }),
          retransmission: false,
          why: "keepalive",
        },
        state(3, "ESTABLISHED", "CLOSED"),
      ],
      host,
      BOUND,
      [],
    ),
    "MUST-26",
  );
});

test("idle-host checker: a host with a live connection or a pending deadline is reported", () => {
  const busy = new Host({ name: "busy", address: "10.0.0.7", profile: makeProfile("linux") });
  busy.attach(() => undefined);
  assert.deepEqual(idleHostViolations(busy), []);
  busy.connect({ address: "10.0.0.8", port: 80 }, {});
  const v = idleHostViolations(busy);
  assert.ok(v.some((x) => x.includes("connections left")));
  assert.ok(v.some((x) => x.includes("nextDeadline")));
});
