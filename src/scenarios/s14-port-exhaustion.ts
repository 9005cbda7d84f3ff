// S14: too many TIME_WAIT. A client (an nginx proxying to one backend over short connections) opens
// connection after connection to one server address and port, closing each first: every close leaves a
// TIME_WAIT entry holding one local port for 60 s, and once the ephemeral range is used up connect()
// fails with EADDRNOTAVAIL on an idle machine. The port range is narrowed (100 ports) so the run is short;
// the arithmetic is the same as with Linux's 28 232. Then each remedy is run the same way.
import { MS, SECOND, type Profile } from "../tcp/profile.js";
import { connect, listen, tryConnect, type AppConnection } from "./app.js";
import { World } from "./world.js";
import { onlyConnection } from "./shown.js";
import type { Check, RunRole, Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import { appEvents, check, duration } from "./verdict.js";

const PORT_LOW = 40000;
const PORT_HIGH = 40099;
const RATE = 10; // connections per second
const RUN_FOR = 30 * SECOND;
const LINUX_RANGE = 60999 - 32768 + 1;

type Remedy = "none" | "reuse" | "server-closes" | "more-ports" | "fin-timeout";

interface Plan {
  remedy: Remedy;
  title: string;
  role: RunRole;
  /** Whether this remedy removes the failure. */
  fixes: boolean;
}

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
];

function remedyRun(options: ScenarioOptions, plan: Plan, progress: (f: number) => void): ScenarioRun {
  const clientOverrides: Partial<Profile> = { ephemeralPortLow: PORT_LOW, ephemeralPortHigh: PORT_HIGH };
  if (plan.remedy === "fin-timeout") clientOverrides.finWait2Timeout = 5 * SECOND;
  const world = new World({ options, role: plan.role });
  const { sim } = world;
  const a = world.addHost({ name: "A", address: "10.0.0.1", overrides: clientOverrides });
  const p = world.addHost({ name: "P", address: "10.0.0.2" });
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
  const total = (RUN_FOR / SECOND) * RATE;
  if (plan.remedy === "reuse") {
    // One connection, one request every 100 ms over it.
    const pooled = connect(a, { address: "10.0.0.2", port: 80 }, { onData: () => completed++ }, quiet);
    first = pooled;
    for (let i = 0; i < total; i++)
      sim.at(i * (SECOND / RATE) + 10 * MS, () => pooled.write("GET / HTTP/1.1\r\n\r\n"));
  } else {
    for (let i = 0; i < total; i++) {
      sim.at(i * (SECOND / RATE), (now) => {
        const port = serverPorts[i % serverPorts.length] as number;
        const r = tryConnect(
          a,
          { address: "10.0.0.2", port },
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
  for (let t = SECOND; t <= RUN_FOR; t += SECOND) {
    sim.runUntil(t);
    peakTimeWait = Math.max(peakTimeWait, a.timeWaitEntries);
    peakServerTimeWait = Math.max(peakServerTimeWait, p.timeWaitEntries);
    progress(t / RUN_FOR);
  }
  sim.note(
    `after ${duration(RUN_FOR)}: ${completed} requests answered, ${failures.length} connect() failures, ${a.timeWaitEntries} TIME_WAIT on A, ${p.timeWaitEntries} on P`,
  );

  const ev = world.trace.events;
  const errors = appEvents(ev, "A", (e) => e.call === "connect" && e.error !== undefined);
  const ports = PORT_HIGH - PORT_LOW + 1;
  const tw = a.profile.timeWait;
  const checks: Check[] = [];
  if (plan.remedy === "none") {
    const expectedAt = (ports / RATE) * SECOND;
    checks.push(
      check(
        "connect() fails with EADDRNOTAVAIL although the machine is idle",
        failures.length > 0 && errors.every((e) => e.error === "EADDRNOTAVAIL"),
        `${failures.length} of ${total} connects failed (${[...new Set(errors.map((e) => e.error))].join(", ") || "none"})`,
      ),
      check(
        `the range runs out when ${ports} ports are in TIME_WAIT, after ${ports} / ${RATE} per s = ${duration(expectedAt)}`,
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
  } else {
    checks.push(
      check(
        "shortening tcp_fin_timeout changes nothing: the ports are held by TIME_WAIT, not FIN_WAIT_2",
        failures.length > 0 && failures[0] === (ports / RATE) * SECOND,
        `first failure still at ${failures[0] === undefined ? "never" : duration(failures[0])}; ${failures.length} failures`,
      ),
    );
  }
  const summary: string[] = [];
  if (plan.remedy === "none") {
    summary.push(
      `arithmetic: ${RATE} connections/s × TIME_WAIT ${duration(tw)} = ${RATE * (tw / SECOND)} ports needed at steady state, ` +
        `against ${ports} in the range ${PORT_LOW}–${PORT_HIGH}: the range is exhausted after ${ports} / ${RATE} = ${duration((ports / RATE) * SECOND)}.`,
      `with Linux's default range 32768–60999 (${LINUX_RANGE} ports) the ceiling is ${LINUX_RANGE} / ${tw / SECOND} s ≈ ` +
        `${Math.floor(LINUX_RANGE / (tw / SECOND))} new connections per second to one server address and port.`,
    );
  }
  if (plan.remedy === "more-ports")
    summary.push(
      `8 destination ports × ${ports} local ports = ${8 * ports} 4-tuples ≥ ${RATE * (tw / SECOND)} needed.`,
    );
  const firstLabel = (first as AppConnection | null)?.conn.label ?? "";
  const firstFailure = errors[0];
  const shown = onlyConnection(ev, firstLabel, (e) => e === firstFailure);
  summary.push(
    `The ladder shows the first connection only${firstFailure ? " and the first failed connect()" : ""}.`,
  );
  return world.finish(plan.title, checks, ["A", "P"], { shown, summary });
}

function run(options: ScenarioOptions): ScenarioRun[] {
  const runs = PLANS.map((plan, i) =>
    remedyRun(options, plan, (f) => options.onProgress?.((i + f) / PLANS.length)),
  );
  const notes = runs[0] as ScenarioRun;
  notes.summary.push(
    "not run here: timestamp-based reuse of TIME_WAIT 4-tuples (RFC 6191, Linux tcp_tw_reuse) arrives with the data-path " +
      "work (TCP timestamps); tcp_tw_recycle was removed from Linux 4.12 because it broke clients behind NAT.",
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
    "FIN_WAIT_2, not TIME_WAIT).",
  tryNext: [
    "tcplab run S14 --time-wait 5s: 10/s × 5 s = 50 ports needed, fewer than 100: no failure, and the verdict (which expects one) fails",
  ],
  run,
};
