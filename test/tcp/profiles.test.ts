// Profiles on the wire (S12): TIME_WAIT length and the SYN schedule per named profile, and overrides.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeProfile, ProfileError, SECOND } from "../../src/tcp/profile.js";
import { Bench, LOCAL_PORT, REMOTE, REMOTE_PORT, placeIn } from "./harness.js";

const TIME_WAIT: Array<[name: "linux" | "bsd" | "windows" | "rfc", seconds: number]> = [
  ["linux", 60], // TCP_TIMEWAIT_LEN, fixed
  ["bsd", 60], // 2·MSL, MSL 30 s
  ["windows", 120], // TcpTimedWaitDelay
  ["rfc", 240], // 2·MSL, MSL 2 min (RFC 9293 §3.4.2)
];

for (const [profile, seconds] of TIME_WAIT) {
  test(`${profile}: TIME_WAIT lasts ${seconds} s on the wire`, () => {
    const b = new Bench({}, { profile });
    const p = placeIn(b, "TIME_WAIT");
    const entered = b.now;
    b.runTo(entered + seconds * SECOND - 1);
    assert.equal(b.host.stateOf(p.conn), "TIME_WAIT");
    b.runTo(entered + seconds * SECOND);
    assert.equal(b.host.stateOf(p.conn), "CLOSED");
  });
}

const SYN_SCHEDULE: Array<[name: "windows" | "rfc", sends: number[], failAt: number]> = [
  ["windows", [0, 1, 3, 7, 15], 31], // 4 retries, exponential
  // 7 retries, exponential up to the 60 s maximum (RFC 6298 §5.5), giving up after RFC 1122's 3 minutes
  ["rfc", [0, 1, 3, 7, 15, 31, 63, 123], 183],
];

for (const [profile, sends, failAt] of SYN_SCHEDULE) {
  test(`${profile}: SYN sent at ${sends.join(",")} s, connect fails at ${failAt} s`, () => {
    const b = new Bench({}, { profile });
    const m = b.mark();
    const closes: Array<string | null> = [];
    b.host.connect(
      { address: REMOTE, port: REMOTE_PORT, localPort: LOCAL_PORT },
      { onClose: (_c, e) => void closes.push(e ? e.code : null) },
    );
    b.runTo(600 * SECOND);
    assert.deepEqual(
      b.sentEvents(m).map((e) => e.t / SECOND),
      sends,
    );
    assert.equal(b.since(m).find((e) => e.kind === "state" && e.to === "CLOSED")?.t, failAt * SECOND);
    assert.deepEqual(closes, ["ETIMEDOUT"]);
  });
}

test("overriding MSL gives TIME_WAIT = 2·MSL except on linux, where TIME_WAIT is fixed", () => {
  assert.equal(makeProfile("bsd", { msl: 10 * SECOND }).timeWait, 20 * SECOND);
  assert.equal(makeProfile("rfc", { msl: 10 * SECOND }).timeWait, 20 * SECOND);
  assert.equal(makeProfile("linux", { msl: 10 * SECOND }).timeWait, 60 * SECOND);
  assert.equal(makeProfile("linux", { timeWait: 0 }).timeWait, 0); // the S7 ablation is allowed
});

test("bad profile values are refused with a coded error", () => {
  assert.throws(() => makeProfile("linux", { rtoMin: 0 }), ProfileError);
  assert.throws(
    () => makeProfile("linux", { ephemeralPortLow: 5000, ephemeralPortHigh: 4000 }),
    ProfileError,
  );
  assert.throws(() => makeProfile("linux", { timeWait: -1 }), { code: "ERR_TCPLAB_PROFILE" });
  assert.throws(() => new Bench({}, { profile: "solaris" as "linux" }), { code: "ERR_TCPLAB_PROFILE" });
});
