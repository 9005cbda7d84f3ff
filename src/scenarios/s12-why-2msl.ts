// S12: why 2·MSL, and how long each profile keeps TIME_WAIT. The same close runs under every profile and
// the TIME_WAIT length is measured from the trace: linux 60 s (fixed, TCP_TIMEWAIT_LEN), bsd 2·MSL with
// MSL 30 s (FreeBSD; macOS uses 15 s), windows 120 s (TcpTimedWaitDelay, see WINDOWS_TIME_WAIT), rfc 2·MSL
// with MSL 2 min.
import { MS, PROFILES, makeProfile, type ProfileName } from "../tcp/profile.js";
import { SECOND, WINDOWS_TIME_WAIT } from "../tcp/profile.js";
import { connect, listen, type AppConnection } from "./app.js";
import { makePair, SERVER_CLOSE_DELAY } from "./pair.js";
import type { Check, Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import { check, duration, timeIn } from "./verdict.js";

/** The documented defaults (linux-profile.md, the seed articles): what each profile must give. */
const DOCUMENTED: Record<ProfileName, { timeWait: number; why: string }> = {
  linux: { timeWait: 60 * SECOND, why: "fixed TCP_TIMEWAIT_LEN, not derived from an MSL" },
  bsd: { timeWait: 60 * SECOND, why: "2·MSL with FreeBSD's net.inet.tcp.msl = 30 s" },
  windows: {
    timeWait: WINDOWS_TIME_WAIT.profile.seconds * SECOND,
    why: `TcpTimedWaitDelay default (${WINDOWS_TIME_WAIT.profile.version})`,
  },
  rfc: { timeWait: 240 * SECOND, why: "2·MSL with the RFC's MSL of 2 minutes" },
};

function profileRun(options: ScenarioOptions, profile: ProfileName): ScenarioRun {
  // Every run here is the experiment itself, so the user's --time-wait applies to each of them.
  const { world, a, p, serverAddress, serverPort } = makePair({
    options,
    role: "variant",
    profile,
    ...(options.timeWait !== undefined ? { overrides: { timeWait: options.timeWait } } : {}),
  });
  const { sim } = world;
  listen(p, serverPort, {}, { onEnd: (app) => sim.after(SERVER_CLOSE_DELAY, () => app.end()) });
  let client: AppConnection | null = null;
  sim.at(0, () => {
    client = connect(a, { address: serverAddress, port: serverPort });
  });
  sim.at(100 * MS, () => client?.close());
  sim.runUntilIdle();
  const ev = world.trace.events;
  const measured = timeIn(ev, "A", "TIME_WAIT");
  // What the profile says, after the user's --msl / --time-wait (S12 honours both on every run).
  const configured = makeProfile(profile, {
    ...(options.msl !== undefined ? { msl: options.msl } : {}),
    ...(options.timeWait !== undefined ? { timeWait: options.timeWait } : {}),
  });
  const checks: Check[] = [
    check(
      `${profile}: TIME_WAIT lasts ${duration(configured.timeWait)}`,
      measured === configured.timeWait && a.profile.timeWait === configured.timeWait,
      `measured ${measured === null ? "(never ended)" : duration(measured)} in virtual time; MSL ${duration(configured.msl)}`,
    ),
  ];
  if (options.msl === undefined && options.timeWait === undefined) {
    const doc = DOCUMENTED[profile];
    checks.push(
      check(
        `${profile}: the documented default (${doc.why})`,
        measured === doc.timeWait,
        `expected ${duration(doc.timeWait)}`,
      ),
    );
  }
  return world.finish(`profile ${profile}`, checks, ["A", "P"]);
}

export const whyTwoMsl: Scenario = {
  id: "S12",
  name: "why-2msl",
  title:
    "Why 2·MSL, and how long TIME_WAIT lasts in each profile (linux 60 s, bsd 60 s, windows 120 s, rfc 240 s)",
  explain:
    "TIME_WAIT must outlast two trips across the network: one MSL for the last segment of the old connection " +
    "to die in one direction and one for any answer to it to die in the other. MSL is 2 minutes in the RFC; " +
    "FreeBSD's net.inet.tcp.msl is 30 s (the bsd profile: TIME_WAIT 60 s) and macOS's 15 s (TIME_WAIT 30 s); " +
    "Linux has no MSL setting and keeps TIME_WAIT a fixed 60 s (TCP_TIMEWAIT_LEN); Windows uses " +
    "TcpTimedWaitDelay, whose default Microsoft documents as 120 s (Windows Server 2003) or 240 s (Windows " +
    "2000, and Windows 10's port-exhaustion guide); the windows profile takes 120 s. The same close is run " +
    "with each profile and the TIME_WAIT interval is " +
    "measured from the trace. --msl and --time-wait change every run (this scenario ignores --profile).",
  tryNext: [
    "tcplab run S12 --msl 10s: bsd, windows and rfc follow the MSL (2·MSL = 20 s); linux keeps its fixed 60 s",
  ],
  run: (options) => (Object.keys(PROFILES) as ProfileName[]).map((name) => profileRun(options, name)),
};
