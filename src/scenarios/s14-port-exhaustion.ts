// S14: too many TIME_WAIT. A client (an nginx proxying to one backend over short connections) opens
// connection after connection to one server address and port, closing each first: every close leaves a
// TIME_WAIT entry holding one local port for 60 s, and once the ephemeral range is used up connect()
// fails with EADDRNOTAVAIL on an idle machine. The port range is narrowed (100 ports) so the run is short;
// the arithmetic is the same as with Linux's 28 232. Then each remedy is run the same way, tcp_tw_reuse
// among them with the conditions it needs (s14-tw-reuse.ts).
import { MS, SECOND, type Profile } from "../tcp/profile.js";
import { connect, listen, tryConnect, type AppConnection } from "./app.js";
import { World } from "./world.js";
import { onlyConnection } from "./shown.js";
import { reuseChecks, type ReuseCase } from "./s14-tw-reuse.js";
import type { Check, RunRole, Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import { appEvents, check, duration } from "./verdict.js";

const PORT_LOW = 40000;
const PORT_HIGH = 40099;
const RATE = 10; // connections per second
const RUN_FOR = 30 * SECOND;
const LINUX_RANGE = 60999 - 32768 + 1;

type Remedy = "none" | "reuse" | "server-closes" | "more-ports" | "fin-timeout" | ReuseCase;

interface Plan {
  remedy: Remedy;
  title: string;
  role: RunRole;
  /** Whether this remedy removes the failure. */
  fixes: boolean;
  client?: Partial<Profile>;
  server?: Partial<Profile>;
  /** Connections per second and run length, when not the scenario's. */
  rate?: number;
  runFor?: number;
}

const isReuseCase = (r: Remedy): r is ReuseCase => r.startsWith("tw-reuse");

const PLANS: Plan[] = [
  { remedy: "none", title: "short connections, the client closes first", role: "main", fixes: false },
  {
    remedy: "reuse",
    title: "remedy: reuse one connection (keep-alive / pooling)",
    role: "variant",
    fixes: true,
  },
  { remedy: "server-closes", title: "remedy: let the server close first", role: "variant", fixes: true },
  {
    remedy: "more-ports",
    title: "remedy: more destination ports (8 server ports)",
    role: "variant",
    fixes: true,
  },
  {
    remedy: "fin-timeout",
    title: "popular advice: shorten tcp_fin_timeout to 5 s",
    role: "variant",
    fixes: false,
  },
  {
    remedy: "tw-reuse",
    title: "remedy: tcp_tw_reuse = 1 on the client, timestamps on",
    role: "variant",
    fixes: true,
    client: { timeWaitReuse: "on" },
  },
  {
    remedy: "tw-reuse-delay",
    title: "tcp_tw_reuse = 1 at 200 connections/s: the reuse delay becomes the limit",
    role: "variant",
    fixes: false,
    client: { timeWaitReuse: "on" },
    rate: 200,
    runFor: 5 * SECOND,
  },
  {
    remedy: "tw-reuse-no-ts-client",
    title: "tcp_tw_reuse = 1 with timestamps off on the client",
    role: "variant",
    fixes: false,
    client: { timeWaitReuse: "on", timestamps: false },
  },
  {
    remedy: "tw-reuse-no-ts-server",
    title: "tcp_tw_reuse = 1 with timestamps off on the server",
    role: "variant",
    fixes: false,
    client: { timeWaitReuse: "on" },
    server: { timestamps: false },
  },
  {
    remedy: "tw-reuse-loopback",
    title: "tcp_tw_reuse = 2, Linux's default (loopback only)",
    role: "variant",
    fixes: false,
    client: { timeWaitReuse: "loopback" },
  },
];

function remedyRun(options: ScenarioOptions, plan: Plan, progress: (f: number) => void): ScenarioRun {
  const rate = plan.rate ?? RATE;
  const runFor = plan.runFor ?? RUN_FOR;
  const clientOverrides: Partial<Profile> = {
    ephemeralPortLow: PORT_LOW,
    ephemeralPortHigh: PORT_HIGH,
    ...plan.client,
  };
  if (plan.remedy === "fin-timeout") clientOverrides.finWait2Timeout = 5 * SECOND;
  const world = new World({ options, role: plan.role });
  const { sim } = world;
  const a = world.addHost({ name: "A", address: "10.0.0.1", overrides: clientOverrides });
  const p = world.addHost({ name: "P", address: "10.0.0.2", overrides: plan.server ?? {} });
  world.link("A", "P");
  const quiet = { logReads: false };
  const serverPorts = plan.remedy === "more-ports" ? [80, 81, 82, 83, 84, 85, 86, 87] : [80];
  const serverCloses = plan.remedy === "server-closes";
  for (const port of serverPorts) {
    listen(
      p,
      port,
      {},
      {
        onData: (app) => {
          app.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
          if (serverCloses) app.end();
        },
        onEnd: (app) => {
          if (!serverCloses) app.end();
        },
      },
      quiet,
    );
  }
  const failures: number[] = [];
  let completed = 0;
  let first: AppConnection | null = null;
  const total = (runFor / SECOND) * rate;
  if (plan.remedy === "reuse") {
    // One connection, one request every 100 ms over it.
    const pooled = connect(
      a,
      { address: world.address("10.0.0.2"), port: 80 },
      { onData: () => completed++ },
      quiet,
    );
    first = pooled;
    for (let i = 0; i < total; i++)
      sim.at(i * (SECOND / rate) + 10 * MS, () => pooled.write("GET / HTTP/1.1\r\n\r\n"));
  } else {
    for (let i = 0; i < total; i++) {
      sim.at(i * (SECOND / rate), (now) => {
        const port = serverPorts[i % serverPorts.length] as number;
        const r = tryConnect(
          a,
          { address: world.address("10.0.0.2"), port },
          {
            onEstablished: (app) => app.write("GET / HTTP/1.1\r\n\r\n"),
            onData: (app) => {
              completed++;
              if (!serverCloses) app.close();
            },
            onEnd: (app) => {
              if (serverCloses) app.end();
            },
          },
          quiet,
        );
        if (typeof r === "string") failures.push(now);
        else if (first === null) first = r;
      });
    }
  }
  let peakTimeWait = 0;
  let peakServerTimeWait = 0;
  for (let t = SECOND; t <= runFor; t += SECOND) {
    sim.runUntil(t);
    peakTimeWait = Math.max(peakTimeWait, a.timeWaitEntries);
    peakServerTimeWait = Math.max(peakServerTimeWait, p.timeWaitEntries);
    progress(t / runFor);
  }
  sim.note(
    `after ${duration(runFor)}: ${completed} requests answered, ${failures.length} connect() failures, ${a.timeWaitEntries} TIME_WAIT on A, ${p.timeWaitEntries} on P`,
  );

  const ev = world.trace.events;
  const errors = appEvents(ev, "A", (e) => e.call === "connect" && e.error !== undefined);
  const ports = PORT_HIGH - PORT_LOW + 1;
  const tw = a.profile.timeWait;
  const checks: Check[] = [];
  if (plan.remedy === "none") {
    const expectedAt = (ports / rate) * SECOND;
    checks.push(
      check(
        "connect() fails with EADDRNOTAVAIL although the machine is idle",
        failures.length > 0 && errors.every((e) => e.error === "EADDRNOTAVAIL"),
        `${failures.length} of ${total} connects failed (${[...new Set(errors.map((e) => e.error))].join(", ") || "none"})`,
      ),
      check(
        `the range runs out when ${ports} ports are in TIME_WAIT, after ${ports} / ${rate} per s = ${duration(expectedAt)}`,
        failures[0] === expectedAt && peakTimeWait === ports,
        `first failure at ${failures[0] === undefined ? "never" : duration(failures[0])}; at most ${peakTimeWait} TIME_WAIT entries on A`,
      ),
    );
  } else if (plan.fixes) {
    checks.push(
      check(
        `${plan.remedy}: no connect() fails`,
        failures.length === 0,
        `${failures.length} failures; ${completed} of ${total} requests answered`,
      ),
      check(`${plan.remedy}: every request is answered`, completed === total, `${completed} of ${total}`),
    );
    if (plan.remedy === "server-closes") {
      checks.push(
        check(
          "the TIME_WAIT entries are on the server now, where they cost no ports",
          peakTimeWait === 0 && peakServerTimeWait > 0,
          `at most ${peakTimeWait} TIME_WAIT on A, ${peakServerTimeWait} on P`,
        ),
      );
    }
  } else if (plan.remedy === "fin-timeout") {
    checks.push(
      check(
        "shortening tcp_fin_timeout changes nothing: the ports are held by TIME_WAIT, not FIN_WAIT_2",
        failures.length > 0 && failures[0] === (ports / rate) * SECOND,
        `first failure still at ${failures[0] === undefined ? "never" : duration(failures[0])}; ${failures.length} failures`,
      ),
    );
  }
  if (isReuseCase(plan.remedy)) {
    const exhaustedAt = (ports / rate) * SECOND;
    checks.push(
      ...reuseChecks(plan.remedy, {
        events: ev,
        client: a,
        clientName: "A",
        failures,
        errors,
        total,
        rate,
        ports,
        exhaustedAt,
      }),
    );
  }
  const summary: string[] = [];
  if (plan.remedy === "none") {
    summary.push(
      `arithmetic: ${rate} connections/s × TIME_WAIT ${duration(tw)} = ${rate * (tw / SECOND)} ports needed at steady state, ` +
        `against ${ports} in the range ${PORT_LOW}–${PORT_HIGH}: the range is exhausted after ${ports} / ${rate} = ${duration((ports / rate) * SECOND)}.`,
      `with Linux's default range 32768–60999 (${LINUX_RANGE} ports) the ceiling is ${LINUX_RANGE} / ${tw / SECOND} s ≈ ` +
        `${Math.floor(LINUX_RANGE / (tw / SECOND))} new connections per second to one server address and port.`,
    );
  }
  if (plan.remedy === "none" && a.profile.timeWaitReuse !== "on")
    summary.push(
      `tcp_tw_reuse on A: ${a.profile.timeWaitReuse}${a.profile.timeWaitReuse === "loopback" ? " (Linux's default, 2)" : ""}, ` +
        `which takes over no TIME_WAIT 4-tuple toward ${world.address("10.0.0.2")}.`,
    );
  if (plan.remedy === "tw-reuse")
    summary.push(
      `A still holds up to ${peakTimeWait} TIME_WAIT entries: tcp_tw_reuse does not shorten TIME_WAIT, a connect() ` +
        `takes over a 4-tuple whose record is at least ${duration(a.profile.timeWaitReuseDelay)} old and whose old ` +
        `connection used timestamps (${a.counters.timeWaitReused} taken over). It applies to outgoing connections only: ` +
        "it is a client setting, useless on a server.",
    );
  if (plan.remedy === "tw-reuse-delay") {
    const delay = a.profile.timeWaitReuseDelay;
    summary.push(
      `with tcp_tw_reuse each 4-tuple can be taken over once per ${duration(delay)} instead of once per ${duration(tw)}: ` +
        `the ceiling toward one destination rises from ${ports} / ${tw / SECOND} s to ${ports} / ${duration(delay)} ` +
        `= ${ports / (delay / SECOND)} per s (Linux's full range: ${Math.floor(LINUX_RANGE / (delay / SECOND))} per s). ` +
        `Here ${total - failures.length} of ${total} connects succeeded in ${duration(runFor)}.`,
    );
  }
  if (plan.remedy === "more-ports")
    summary.push(
      `8 destination ports × ${ports} local ports = ${8 * ports} 4-tuples ≥ ${rate * (tw / SECOND)} needed.`,
    );
  const firstLabel = (first as AppConnection | null)?.conn.label ?? "";
  const firstFailure = errors[0];
  const shown = onlyConnection(ev, firstLabel, (e) => e === firstFailure);
  summary.push(
    plan.remedy === "tw-reuse"
      ? "The ladder shows the connections on the first 4-tuple: the first one and those that took over its TIME_WAIT " +
          "(with --absolute it shows each new ISS 65537 above the old SND.NXT)."
      : `The ladder shows the first connection only${firstFailure ? " and the first failed connect()" : ""}.`,
  );
  return world.finish(plan.title, checks, ["A", "P"], { shown, summary });
}

function run(options: ScenarioOptions): ScenarioRun[] {
  const runs = PLANS.map((plan, i) =>
    remedyRun(options, plan, (f) => options.onProgress?.((i + f) / PLANS.length)),
  );
  const notes = runs[0] as ScenarioRun;
  notes.summary.push(
    "not run here: tcp_tw_recycle, removed from Linux 4.12 because it broke clients behind NAT (it compared " +
      "timestamps per remote address, and hosts behind one address have different clocks).",
  );
  return runs;
}

export const portExhaustion: Scenario = {
  id: "S14",
  name: "port-exhaustion",
  title:
    "Too many TIME_WAIT: short connections exhaust the ephemeral ports (EADDRNOTAVAIL), and which remedies work",
  long: true,
  explain:
    "A client opens 10 short connections a second to one server address and port and closes each first, so " +
    "each leaves a TIME_WAIT entry that holds its local port for 60 s. The ephemeral range is narrowed to 100 " +
    "ports to keep the run short: after 10 s every port toward that server is in TIME_WAIT and connect() fails " +
    "with EADDRNOTAVAIL though nothing is busy. The same load is then run with each remedy: reusing one " +
    "connection, letting the server close first, spreading over more destination ports — all remove the " +
    "failure — and the popular advice of shortening tcp_fin_timeout, which changes nothing (it governs " +
    "FIN_WAIT_2, not TIME_WAIT). Last comes tcp_tw_reuse = 1 on the client — Linux's own policy, which " +
    "relies on RFC 7323 timestamps as RFC 6191 does: a connect() takes over " +
    "a TIME_WAIT 4-tuple once the record is 1 s old (tcp_tw_reuse_delay), with an ISS above the old SND.NXT, " +
    "and PAWS keeps the old connection's duplicates out. TIME_WAIT itself stays; the ceiling toward one " +
    "destination rises from ports / 60 s to ports / 1 s, which a 200/s run reaches. It needs timestamps on " +
    "both sides (with either side's off nothing is reusable) and the sysctl set to 1: Linux's default, 2, " +
    "covers loopback only and does nothing toward 10.0.0.2. It helps outgoing connections only, so it is a " +
    "client setting.",
  tryNext: [
    "tcplab run S14 --time-wait 5s: 10/s × 5 s = 50 ports needed, fewer than 100: no failure, and the verdict (which expects one) fails",
    "tcplab run S14 --json | jq '.runs[5:] | map(.checks)': the tcp_tw_reuse runs' checks with what was observed",
  ],
  run,
};
