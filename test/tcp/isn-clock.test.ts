// Properties of the ISN clock M of each profile (RFC 9293 §3.4.1, RFC 6528). Linux's own clock cannot be
// checked from a packetdrill script: the kernel's ISN is keyed (siphash with a boot-time secret) and the
// runner maps every ISN to a relative 0, so a script sees neither M nor the difference between two
// incarnations' ISNs. These properties check our clock against the formula each profile cites instead.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { propertyRuns } from "../e2e/property-runs.js";
import { IsnGenerator, isnClockTicks, keyFromSeed } from "../../src/tcp/isn.js";
import { PROFILES } from "../../src/tcp/profile.js";

const TWO_32 = 2 ** 32;
const generator = (name: string, seed: number): IsnGenerator => {
  const p = PROFILES[name]!;
  return new IsnGenerator(keyFromSeed(seed, 1), {
    rate: p.isnClockRate,
    stepMin: p.isnStepMin,
    stepRandom: p.isnStepRandom,
    passive: p.passiveIsn,
  });
};
const tuple = fc.tuple(
  fc.nat(0xffffffff),
  fc.integer({ min: 1, max: 65535 }),
  fc.nat(0xffffffff),
  fc.integer({ min: 1, max: 65535 }),
);
// Up to ~11.6 days of µs: far past Linux's 275 s wrap and past 2^53 / 15.625 M (the exact-arithmetic trap).
const time = fc.integer({ min: 0, max: 1e12 });

test("linux's M is floor(ns / 64) (secure_seq.c seq_scale), exact at any time", () => {
  fc.assert(
    fc.property(time, (us) => {
      // ns >> 6 with ns = us · 1000, in BigInt: the kernel's arithmetic.
      const expected = Number((BigInt(us) * 1000n) >> 6n);
      assert.equal(isnClockTicks(us, PROFILES.linux!.isnClockRate), expected);
    }),
    propertyRuns(500),
  );
});

test("for one 4-tuple, the ISN difference between two times is the clock's ticks mod 2^32 (linux, rfc, windows)", () => {
  for (const name of ["linux", "rfc", "windows"]) {
    const rate = PROFILES[name]!.isnClockRate;
    fc.assert(
      fc.property(fc.nat(), tuple, time, time, (seed, [la, lp, ra, rp], t1, t2) => {
        const g = generator(name, seed);
        const i1 = g.isn(la, lp, ra, rp, t1);
        const i2 = g.isn(la, lp, ra, rp, t2);
        const ticks = (isnClockTicks(t2, rate) - isnClockTicks(t1, rate)) % TWO_32;
        assert.equal((i2 - i1 + TWO_32) % TWO_32, (ticks + TWO_32) % TWO_32, name);
        // Passive opens use the same clock on these systems.
        assert.equal(g.isn(la, lp, ra, rp, t2, true), i2);
      }),
      propertyRuns(200),
    );
  }
});

test("bsd: M never falls behind the 1 MiB/s clock, and each active ISN moves it on by 4096..clock-or-8191 (tcp_new_isn)", () => {
  const p = PROFILES.bsd!;
  fc.assert(
    fc.property(
      fc.nat(),
      tuple,
      fc.array(fc.integer({ min: 0, max: 5_000_000 }), { minLength: 2, maxLength: 20 }),
      (seed, [la, lp, ra, rp], gaps) => {
        const g = generator("bsd", seed);
        let t = 0;
        const f = g.isn(la, lp, ra, rp, t); // M = clock(0) = 0 for the first ISN: the ISN is F alone
        let prevM = 0;
        for (const gap of gaps) {
          t += gap;
          const m = (g.isn(la, lp, ra, rp, t) - f + TWO_32) % TWO_32;
          const clock = isnClockTicks(t, p.isnClockRate);
          assert.ok(m >= clock, `M ${m} behind the clock ${clock}`);
          assert.ok(m - prevM >= p.isnStepMin, `moved ${m - prevM}`);
          assert.ok(
            m - prevM <= Math.max(clock - prevM, p.isnStepMin + p.isnStepRandom - 1),
            `moved ${m - prevM}`,
          );
          prevM = m;
        }
      },
    ),
    propertyRuns(200),
  );
});

test("bsd: a passive open's ISS does not follow the clock (FreeBSD syncache: arc4random)", () => {
  const g = generator("bsd", 7);
  const diffs = new Set<number>();
  let prev = g.isn(1, 80, 2, 40000, 0, true);
  for (let i = 1; i <= 50; i++) {
    const isn = g.isn(1, 80, 2, 40000, i * 1000, true);
    diffs.add((isn - prev + TWO_32) % TWO_32);
    prev = isn;
  }
  // A 1 MiB/s clock would move every 1 ms step by the same 1048 or 1049.
  assert.ok(diffs.size > 40, `${diffs.size} distinct steps`);
});
