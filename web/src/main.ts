// The playground page: runs a scenario with the real engine and simulator in this tab (the same code as
// `tcplab run`), and shows each run as an SVG ladder with state bands, RFC 9293 Figure 5 per host,
// timers, the checks and the verdict; playback, knobs, segment details and targeted faults on top.
import {
  SCENARIOS,
  findScenario,
  runScenario,
  type ScenarioResult,
  type ScenarioRun,
} from "../../src/scenarios/index.js";
import { verdictLine, runPassed } from "../../src/cli/scenario-report.js";
import { renderLadder } from "../../src/trace/ladder.js";
import { toJsonTrace } from "../../src/trace/json-trace.js";
import { formatClock } from "../../src/trace/duration.js";
import { parseDuration } from "../../src/trace/duration.js";
import { isConnectionStateEvent, type StateChangeEvent, type TraceEvent } from "../../src/tcp/events.js";
import type { World } from "../../src/scenarios/world.js";
import { segmentFaultName } from "../../src/scenarios/world.js";
import { DEFAULT_LINK_DELAY } from "../../src/sim/link.js";
import { parseQuery, toQuery, optionsOf, defaultState, type PageState } from "./url-state.js";
import { layoutLadder, type LadderLayout } from "./ladder-layout.js";
import { drawLadder, type LadderView } from "./ladder-svg.js";
import { drawFigure5, type Figure5 } from "./figure5-svg.js";
import { renderTimers, runningTimers } from "./timers.js";
import { renderDetails } from "./details.js";
import { drawAggregate } from "./aggregates.js";
import { arrowDefs, html } from "./svg.js";
import { tryNextItem } from "./try-next.js";
import { ladderEvents, LADDER_MAX_SEGMENTS } from "./ladder-cut.js";
import { renderLabControls } from "./lab.js";
import { runLab, parseLabScript } from "./lab-script.js";

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

interface RunPane {
  run: ScenarioRun;
  /** The events the ladder draws and the playback steps through (ladder-cut.ts). */
  events: TraceEvent[];
  index: number;
  layout: LadderLayout;
  view: LadderView | null;
  figures: Array<{ host: string; fig: Figure5 }>;
  timers: HTMLElement;
}

let state: PageState = defaultState();
let panes: RunPane[] = [];
let result: ScenarioResult | null = null;
let playing: number | null = null;

function showError(message: string | null): void {
  const box = $("error");
  box.hidden = message === null;
  box.textContent = message ?? "";
}

function syncUrl(): void {
  history.replaceState(null, "", toQuery(state));
}

function longestRun(): number {
  return Math.max(0, ...panes.map((p) => p.events.length));
}

/** The playback position: how many events of each run are shown (the last index shown). */
function cursor(): number {
  return state.step === null ? longestRun() - 1 : Math.min(state.step, longestRun() - 1);
}

function fillKnobs(): void {
  ($("scenario") as HTMLSelectElement).value = state.scenario;
  ($("profile") as HTMLSelectElement).value = state.raw.profile ?? "linux";
  for (const k of ["seed", "delay", "loss", "msl", "timeWait"] as const)
    ($(k) as HTMLInputElement).value = state.raw[k] ?? "";
  ($("absolute") as HTMLInputElement).checked = state.absolute;
  ($("text") as HTMLInputElement).checked = state.text;
  document.documentElement.dataset.theme = state.theme ?? "";
}

function download(name: string, type: string, data: BlobPart): void {
  const a = html("a", { href: URL.createObjectURL(new Blob([data], { type })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}

function nominalDelay(): number {
  return state.raw.delay ? parseDuration(state.raw.delay) : DEFAULT_LINK_DELAY;
}

/** Runs the scenario again, calling `observe` for every event of run `runIndex` (0-based). */
function replay(runIndex: number, observe: (e: TraceEvent, world: World) => void): void {
  if (state.scenario === "lab") {
    runLab(parseLabScript(state.lab), {
      ...optionsOf(state),
      observe: (_run, e, _i, world) => observe(e, world),
    });
    return;
  }
  const scenario = findScenario(state.scenario);
  if (!scenario) return;
  runScenario(scenario, {
    ...optionsOf(state),
    observe: (run, e, _i, world) => {
      if (run === runIndex + 1) observe(e, world);
    },
  });
}

/** Bumped by every render: a render still drawing its later runs stops when a newer one starts. */
let generation = 0;

/**
 * Runs the scenario and draws it. The first two runs are drawn at once (a scenario's main run and its
 * counterfactual); further runs (S12's profiles, S14's remedies) follow one per task, so the page is
 * usable while they are drawn. Resolves when every run is drawn.
 */
function render(): Promise<void> {
  const gen = ++generation;
  stop();
  const app = $("app");
  app.replaceChildren();
  panes = [];
  if (state.scenario === "lab") {
    let lab;
    try {
      lab = runLab(parseLabScript(state.lab), optionsOf(state));
    } catch (err) {
      showError(`lab: ${(err as Error).message} — starting an empty lab`);
      state.lab = [];
      lab = runLab([], optionsOf(state));
    }
    const controls = renderLabControls(state, lab, (script) => {
      state.lab = script;
      state.step = null;
      rerun();
    });
    if (state.faults.length > 0) controls.append(...faultList([lab.run]));
    app.append(controls);
    const box = html(
      "div",
      { class: "runs none" },
      buildPane(lab.run, 0, 760, "lab", () => null),
    );
    app.append(box);
    updatePlaybackRange();
    applyCursor();
    return Promise.resolve();
  }
  const scenario = findScenario(state.scenario);
  if (!scenario) {
    showError(`unknown scenario ${JSON.stringify(state.scenario)}; choose one from the list`);
    return Promise.resolve();
  }
  let options;
  try {
    options = optionsOf(state);
  } catch (err) {
    showError(`${(err as Error).message} — running with the defaults instead`);
    state.raw = {};
    options = optionsOf(state);
    fillKnobs();
    syncUrl();
  }
  // Port ranges of the hosts of each run, read while the runs happen (for the aggregate charts).
  const portRanges = new Map<string, number>();
  const simStart = performance.now();
  result = runScenario(scenario, {
    ...options,
    observe: (run, _e, index, world) => {
      if (index !== 0) return;
      for (const [name, host] of world.hosts)
        portRanges.set(`${run}:${name}`, host.profile.ephemeralPortHigh - host.profile.ephemeralPortLow + 1);
    },
  });

  // How long the engine and simulator took, apart from drawing (scripts/measure-web.ts prints it).
  document.body.dataset.simMs = String(Math.round(performance.now() - simStart));
  const intro = html(
    "section",
    { class: "intro" },
    html("h2", {}, `${scenario.id} ${scenario.name}: ${scenario.title}`),
    html("p", { class: "explain" }, scenario.explain),
  );
  if (scenario.tryNext && scenario.tryNext.length > 0) {
    intro.append(
      html("h3", {}, "Try next"),
      html("ul", { class: "try-next" }, ...scenario.tryNext.map((t) => tryNextItem(t))),
    );
  }
  if (state.faults.length > 0)
    intro.append(
      ...faultList(result.runs),
      html(
        "p",
        { class: "hint" },
        "The checks below describe the scenario without these faults, so some may now fail: that is the point.",
      ),
    );
  const verdict = html(
    "p",
    { class: `verdict ${result.passed ? "holds" : "fails"}`, id: "verdict" },
    verdictLine(result, false),
  );
  app.append(intro, verdict, legend());

  const runsBox = html("div", { class: `runs n${result.runs.length > 1 ? "many" : "one"}` });
  app.append(runsBox);
  // Two runs side by side from about 1340 px; narrower windows stack them, each as wide as fits.
  const room = Math.max(560, document.documentElement.clientWidth - 60);
  const width = result.runs.length > 1 && room >= 1280 ? 620 : Math.min(760, room);
  const later: Array<() => void> = [];
  result.runs.forEach((run, index) => {
    const pane = (): HTMLElement =>
      buildPane(run, index, width, scenario.name, (host) => portRanges.get(`${index + 1}:${host}`) ?? null);
    if (index < 2) {
      runsBox.append(pane());
      return;
    }
    const slot = html("section", { class: "run pending" }, `Drawing run ${index + 1}: ${run.title} …`);
    runsBox.append(slot);
    later.push(() => slot.replaceWith(pane()));
  });
  updatePlaybackRange();
  applyCursor();
  return new Promise((resolve) => {
    const next = (): void => {
      if (gen !== generation) return resolve();
      const job = later.shift();
      if (!job) {
        updatePlaybackRange();
        applyCursor();
        return resolve();
      }
      job();
      setTimeout(next, 0);
    };
    setTimeout(next, 0);
  });
}

/** One run's card: header, aggregate chart (thousands of connections), ladder, Figure 5, timers, checks. */
function buildPane(
  run: ScenarioRun,
  index: number,
  width: number,
  name: string,
  portRange: (host: string) => number | null,
): HTMLElement {
  const options = optionsOf(state);
  const card = html("section", { class: `run role-${run.role}`, "data-run": String(index + 1) });
  const passed = run.checks.filter((c) => c.pass).length;
  card.append(
    html(
      "h2",
      {},
      `Run ${index + 1}: ${run.title} `,
      html("span", { class: `badge ${run.role}` }, run.role),
      run.checks.length === 0
        ? ""
        : html(
            "span",
            { class: `badge ${runPassed(run) ? "pass" : "fail"}` },
            `${passed}/${run.checks.length} checks`,
          ),
    ),
  );
  const cut = ladderEvents(run.shown);
  const layout = layoutLadder(cut.events, run.events, run.hosts, nominalDelay(), width);
  const pane: RunPane = {
    run,
    events: cut.events,
    index,
    layout,
    view: null,
    figures: [],
    timers: html("div", { class: "timer-box" }),
  };
  if (run.events.length > run.shown.length * 4 && run.events.length > 2000) {
    const host = busiestHost(run);
    card.append(drawAggregate(run.events, host, portRange(host), width));
  }
  const ladderBox = html("div", { class: "ladder-box" });
  if (state.text) {
    ladderBox.append(
      html(
        "pre",
        { class: "text-ladder" },
        renderLadder(run.shown, { hosts: run.hosts, sequence: state.absolute ? "absolute" : "relative" }),
      ),
    );
  } else {
    pane.view = drawLadder(layout, cut.events, state.absolute ? "absolute" : "relative", index);
    ladderBox.append(pane.view.root);
    pane.view.root.addEventListener("click", (ev) => openSegment(pane, ev.target as Element));
    pane.view.root.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        ev.stopPropagation();
        openSegment(pane, ev.target as Element);
      }
    });
  }
  if (run.shown.length < run.events.length)
    ladderBox.prepend(
      html(
        "p",
        { class: "hint" },
        `The ladder shows ${run.shown.length} of ${run.events.length} events (as tcplab run does); the pcap and JSON downloads have them all.`,
      ),
    );
  if (cut.omitted > 0)
    ladderBox.append(
      html(
        "p",
        { class: "hint ladder-cut" },
        `The ladder stops after ${LADDER_MAX_SEGMENTS} segments: ${cut.omitted} more follow the same pattern (the text ladder, the pcap and the JSON trace have them all).`,
      ),
    );
  const side = html("div", { class: "side" });
  const figs = html("div", { class: "figures" });
  for (const spec of run.hosts) {
    const host = typeof spec === "string" ? spec : spec.name;
    const fig = drawFigure5(host);
    pane.figures.push({ host, fig });
    figs.append(html("figure", {}, fig.root));
  }
  side.append(html("h3", {}, "RFC 9293 Figure 5"), figs, html("h3", {}, "Timers"), pane.timers);
  const checks = html("ul", { class: "checks" });
  for (const c of run.checks)
    checks.append(
      html(
        "li",
        { class: c.pass ? "pass" : "fail" },
        html("strong", {}, c.pass ? "PASS " : "FAIL "),
        `${c.name}: `,
        html("span", {}, c.message),
      ),
    );
  const summary = html("ul", { class: "summary" }, ...run.summary.map((s) => html("li", {}, s)));
  const downloads = html("div", { class: "downloads" });
  const json = html("button", { type: "button" }, "JSON trace");
  json.addEventListener("click", () =>
    download(
      `${name}-run${index + 1}.json`,
      "application/json",
      JSON.stringify(
        toJsonTrace(run.events, {
          scenario: name,
          seed: options.seed,
          profile: options.profile,
          description: run.title,
        }),
        null,
        1,
      ),
    ),
  );
  downloads.append("Download: ", json);
  for (const spec of run.hosts) {
    const host = typeof spec === "string" ? spec : spec.name;
    const b = html("button", { type: "button" }, `pcap ${host}`);
    b.addEventListener("click", () =>
      download(
        `${name}-run${index + 1}-${host}.pcap`,
        "application/vnd.tcpdump.pcap",
        run.pcap(host) as BlobPart,
      ),
    );
    downloads.append(" ", b);
  }
  card.append(html("div", { class: "run-body" }, ladderBox, side));
  // The free lab has no checks: it is the learner's own story.
  if (run.checks.length > 0) card.append(html("h3", {}, "Checks"), checks);
  card.append(summary, downloads);
  panes.push(pane);
  return card;
}

/** The targeted faults in force, each with a remove button and whether it found its segment. */
function faultList(runs: readonly ScenarioRun[]): HTMLElement[] {
  const list = html("ul", { class: "faults" });
  state.faults.forEach((f, i) => {
    const hit = runs[f.run - 1]?.events.some((e) => e.kind === "network" && e.fault === segmentFaultName(f));
    const remove = html("button", { type: "button" }, "remove");
    remove.addEventListener("click", () => {
      state.faults.splice(i, 1);
      state.step = null;
      rerun();
    });
    list.append(
      html(
        "li",
        {},
        `run ${f.run}: ${segmentFaultName(f)}${hit ? "" : " — never acted (no such segment in this run)"} `,
        remove,
      ),
    );
  });
  return [html("h3", {}, "Targeted faults"), list];
}

/** What the marks of the ladder mean (the scenario texts speak of the text ladder's marks). */
function legend(): HTMLElement {
  return html(
    "p",
    { class: "legend-line" },
    "Ladder: → arrived · ✕ lost in the network (XXX in the text ladder) · ⟲ orange: retransmission · ○ refused by the receiver · " +
      "dotted: a copy made by the network, or delayed by a fault · coloured bands: each connection's state · grey bands: time skipped (~~~ in the text ladder). " +
      "Click a segment for its details.",
  );
}

/** The host with the most connection lives: the one whose story the aggregate chart tells. */
function busiestHost(run: ScenarioRun): string {
  const lives = new Map<string, number>();
  for (const e of run.events)
    if (isConnectionStateEvent(e) && e.from === "CLOSED") lives.set(e.host, (lives.get(e.host) ?? 0) + 1);
  return [...lives].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "A";
}

function openSegment(pane: RunPane, target: Element): void {
  const g = target.closest("g.segment");
  if (!g) return;
  const i = Number(g.getAttribute("data-i"));
  const arrow = pane.layout.arrows.find((a) => a.index === i);
  if (!arrow) return;
  closeDetails();
  g.classList.add("selected");
  const addFault = (action: "drop" | "delay", delay?: number): void => {
    state.faults.push({
      run: pane.index + 1,
      host: arrow.from,
      transmission: arrow.transmission,
      action,
      ...(delay ? { delay } : {}),
    });
    state.step = null;
    rerun();
  };
  const aside = $("details");
  const close = html(
    "button",
    { type: "button", class: "close", "aria-label": "close the details (Escape)" },
    "×",
  );
  close.addEventListener("click", () => closeDetails());
  aside.replaceChildren(close);
  aside.hidden = false;
  aside.append(
    renderDetails({
      arrow,
      shown: pane.events,
      runIndex: pane.index,
      replay: (observe) => replay(pane.index, observe),
      onDrop: () => addFault("drop"),
      onDelay: (text) => {
        try {
          const us = parseDuration(text);
          if (us <= 0) throw new Error("the delay must be longer than 0");
          addFault("delay", us);
        } catch (err) {
          showError(`delay: ${(err as Error).message}`);
        }
      },
    }),
  );
  close.focus();
}

function closeDetails(): void {
  const aside = $("details");
  aside.hidden = true;
  aside.replaceChildren();
  document.querySelectorAll("g.segment.selected").forEach((x) => x.classList.remove("selected"));
}

function updatePlaybackRange(): void {
  const scrub = $("scrub") as HTMLInputElement;
  scrub.max = String(Math.max(0, longestRun() - 1));
  scrub.value = String(cursor());
}

/** Show every run as it stands after event `cursor()`: fade the future, light Figure 5, count down timers. */
function applyCursor(): void {
  const k = cursor();
  ($("scrub") as HTMLInputElement).value = String(k);
  for (const p of panes) {
    const last = Math.min(k, p.events.length - 1);
    const at = p.events[last];
    if (p.view) {
      const y = p.layout.ys[last] ?? 0;
      for (const [i, el] of p.view.timed) {
        el.classList.toggle("future", i > last);
        // A state band grows with the playback: it ends at the cursor until its state is left.
        const end = el.getAttribute("data-y2");
        if (end !== null) {
          const top = Number(el.getAttribute("y"));
          const bottom = state.step === null ? Number(end) : Math.min(Number(end), Math.max(y, top + 2));
          el.setAttribute("height", String(Math.max(2, bottom - top)));
        }
      }
      // A segment in flight at the cursor is drawn as far as it has got.
      for (const f of p.view.flights) {
        const part = state.step === null || y >= f.y2 ? 1 : Math.max(0, (y - f.y1) / (f.y2 - f.y1 || 1));
        f.shaft.setAttribute("x2", String(f.x1 + (f.x2 - f.x1) * part));
        f.shaft.setAttribute("y2", String(f.y1 + (f.y2 - f.y1) * part));
        f.shaft.classList.toggle("flying", part < 1);
        f.shaft.style.visibility = part > 0 ? "" : "hidden"; // not yet sent: no stray arrowhead
      }
      p.view.cursor.setAttribute("y1", String(y));
      p.view.cursor.setAttribute("y2", String(y));
      p.view.cursor.classList.toggle("hidden", state.step === null);
    }
    for (const { host, fig } of p.figures) {
      let lastChange: StateChangeEvent | null = null;
      for (let i = last; i >= 0; i--) {
        const e = p.events[i]!;
        // A listener's own CLOSED → LISTEN (listener: true) is a state event like a connection's.
        if (e.kind === "state" && e.host === host) {
          lastChange = e;
          break;
        }
      }
      fig.show(lastChange);
    }
    p.timers.replaceChildren(renderTimers(runningTimers(p.events, last), at?.t ?? 0));
  }
  const first = panes[0]?.events[Math.min(k, (panes[0]?.events.length ?? 1) - 1)];
  $("position").textContent =
    panes.length > 0 ? `event ${k + 1}/${longestRun()} · t = ${formatClock(first?.t ?? 0)}` : "";
}

function setStep(k: number | null): void {
  const n = longestRun();
  state.step = k === null || k >= n - 1 ? (k === null ? null : n - 1) : Math.max(0, k);
  syncUrl();
  applyCursor();
}

function stop(): void {
  if (playing !== null) clearInterval(playing);
  playing = null;
  $("play").textContent = "▶ play";
}

function play(): void {
  if (playing !== null) return stop();
  if (cursor() >= longestRun() - 1) setStep(0);
  const speed = Number(($("speed") as HTMLSelectElement).value) || 1;
  $("play").textContent = "❚❚ pause";
  playing = window.setInterval(() => {
    if (cursor() >= longestRun() - 1) return stop();
    setStep(cursor() + 1);
  }, 500 / speed);
}

function rerun(): void {
  syncUrl();
  showError(null);
  fillKnobs();
  void render();
}

function readKnobs(): void {
  const next = ($("scenario") as HTMLSelectElement).value;
  if (next !== state.scenario) {
    state.faults = [];
    state.step = null;
  }
  state.scenario = next;
  state.raw = { profile: ($("profile") as HTMLSelectElement).value };
  for (const k of ["seed", "delay", "loss", "msl", "timeWait"] as const) {
    const v = ($(k) as HTMLInputElement).value.trim();
    if (v !== "") state.raw[k] = v;
  }
  if (state.raw.profile === "linux") delete state.raw.profile;
}

function boot(): void {
  document.body.prepend(arrowDefs());
  const select = $("scenario") as HTMLSelectElement;
  for (const s of SCENARIOS) select.append(html("option", { value: s.id }, `${s.id} ${s.name}`));
  select.append(html("option", { value: "lab" }, "Free lab: make your own lifecycle"));
  try {
    state = parseQuery(location.search);
  } catch (err) {
    showError(`${(err as Error).message} — the link's faults were ignored`);
    state = parseQuery(
      new URLSearchParams(
        [...new URLSearchParams(location.search)].filter(([k]) => k !== "drop" && k !== "delaySegment"),
      ).toString(),
    );
  }
  fillKnobs();
  $("knobs").addEventListener("submit", (ev) => {
    ev.preventDefault();
    readKnobs();
    rerun();
  });
  select.addEventListener("change", () => {
    readKnobs();
    rerun();
  });
  $("profile").addEventListener("change", () => {
    readKnobs();
    rerun();
  });
  $("absolute").addEventListener("change", () => {
    state.absolute = ($("absolute") as HTMLInputElement).checked;
    rerun();
  });
  $("text").addEventListener("change", () => {
    state.text = ($("text") as HTMLInputElement).checked;
    rerun();
  });
  $("theme").addEventListener("click", () => {
    const dark =
      state.theme === "dark" || (state.theme === null && matchMedia("(prefers-color-scheme: dark)").matches);
    state.theme = dark ? "light" : "dark";
    syncUrl();
    fillKnobs();
  });
  $("first").addEventListener("click", () => setStep(0));
  $("back").addEventListener("click", () => setStep(cursor() - 1));
  $("forward").addEventListener("click", () => setStep(cursor() + 1));
  $("last").addEventListener("click", () => setStep(null));
  $("play").addEventListener("click", () => play());
  $("scrub").addEventListener("input", () => setStep(Number(($("scrub") as HTMLInputElement).value)));
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && !$("details").hidden) {
      const selected = document.querySelector<SVGGElement>("g.segment.selected");
      closeDetails();
      selected?.focus();
      return;
    }
    const t = ev.target as HTMLElement;
    if (t.closest("input, select, textarea, button, [role=button]")) return;
    if (ev.key === "ArrowRight") setStep(cursor() + 1);
    else if (ev.key === "ArrowLeft") setStep(cursor() - 1);
    else if (ev.key === "Home") setStep(0);
    else if (ev.key === "End") setStep(null);
    else if (ev.key === " ") play();
    else return;
    ev.preventDefault();
  });
  syncUrl();
  // Milliseconds from the start of navigation (scripts/measure-web.ts reads them): to a usable page with the
  // first runs drawn, and to every run drawn (`data-ready`, which the tests wait for).
  const drawn = render();
  document.body.dataset.interactiveMs = String(Math.round(performance.now()));
  void drawn.then(() => {
    document.body.dataset.readyMs = String(Math.round(performance.now()));
    document.body.dataset.ready = "true";
  });
}

boot();
