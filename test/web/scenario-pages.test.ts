// Every scenario in the playground, in real Chromium: the page loads without a console error, its ladder
// has exactly the trace's segments (number and flags, run by run), its verdict is the CLI's verdict, and
// opening the page's own URL again draws the same picture. A screenshot of each page is kept in
// test-artifacts/web/ for a human to look at.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { SCENARIOS, runScenario } from "../../src/scenarios/index.js";
import { verdictLine } from "../../src/cli/scenario-report.js";
import { flagNames } from "../../src/wire/segment.js";
import { ladderEvents } from "../../web/src/ladder-cut.js";
import { browserMissing, openBrowser, openPlayground, screenshot, js, type Browser } from "./browser.js";

const missing = browserMissing();
if (missing) console.log(`# skipping the playground browser tests: ${missing}`);

let browser: Browser | null = null;
before(async () => {
  if (!missing) browser = await openBrowser();
});
after(async () => {
  await browser?.close();
});

/** What a test compares between two loads of one URL: every ladder and every lit state. */
const PICTURE = `JSON.stringify({
  ladders: [...document.querySelectorAll("svg.ladder")].map((s) => s.outerHTML),
  lit: [...document.querySelectorAll("svg.fig5")].map((s) => s.getAttribute("data-host") + "=" + s.getAttribute("data-lit")),
  verdict: document.getElementById("verdict").textContent,
})`;

for (const scenario of SCENARIOS) {
  test(`${scenario.id} ${scenario.name} in the playground`, { skip: missing ?? false }, async () => {
    const result = runScenario(scenario, { seed: 1, profile: "linux" });
    const page = await browser!.newPage();
    const errors: string[] = [];
    await openPlayground(page, `${browser!.server.url}?scenario=${scenario.id}`, errors);
    await screenshot(page, scenario.id);

    const verdict = await js<string>(page, `document.getElementById("verdict").textContent`);
    assert.equal(verdict, verdictLine(result, false), "the verdict is the CLI's");

    const runs = await js<number>(page, `document.querySelectorAll("section.run").length`);
    assert.equal(runs, result.runs.length, "one pane per run");
    for (const [i, run] of result.runs.entries()) {
      const drawn = await js<string[]>(
        page,
        `[...document.querySelectorAll('svg.ladder[data-run="${i + 1}"] g.segment')].map((g) => g.getAttribute("data-host") + " " + g.getAttribute("data-flags"))`,
      );
      // The ladder draws the events `tcplab run` shows, up to LADDER_MAX_SEGMENTS segments.
      const traced = ladderEvents(run.shown).events.flatMap((e) =>
        e.kind === "segment-sent" ? [`${e.host} ${flagNames(e.seg.flags)}`] : [],
      );
      assert.deepEqual(
        drawn,
        traced,
        `run ${i + 1}: arrows = the trace's segments, in order, with their flags`,
      );
      const lost = await js<number>(
        page,
        `document.querySelectorAll('svg.ladder[data-run="${i + 1}"] g.segment.lost').length`,
      );
      const { omitted } = ladderEvents(run.shown);
      const cutNote = await js<string | null>(
        page,
        `document.querySelector('section.run[data-run="${i + 1}"] .ladder-cut')?.textContent ?? null`,
      );
      if (omitted > 0)
        assert.match(cutNote ?? "", new RegExp(`${omitted} more`), `run ${i + 1} says what it left out`);
      else assert.equal(cutNote, null, `run ${i + 1} leaves nothing out`);
      const ids = new Set(
        ladderEvents(run.shown).events.flatMap((e) => (e.kind === "segment-sent" ? [e.id] : [])),
      );
      const lostInTrace = ladderEvents(run.shown).events.filter(
        (e) => e.kind === "network" && e.action === "drop" && ids.has(e.id),
      ).length;
      assert.equal(lost, lostInTrace, `run ${i + 1}: segments the network dropped are drawn lost`);
    }

    // Step back a little so the URL carries a playback position too, then load that URL afresh.
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("ArrowLeft");
    const url = page.url();
    assert.match(url, /[?&]scenario=/);
    const picture = await js<string>(page, PICTURE);
    const again = await browser!.newPage();
    await openPlayground(again, url, errors);
    assert.equal(await js<string>(again, PICTURE), picture, "the URL reproduces the same picture");
    assert.deepEqual(errors, [], "no console errors");
    await page.close();
    await again.close();
  });
}

test(
  "the knobs' conditions reach the run: S6 on bsd, seed 2, 20 ms links, as `tcplab run` runs it",
  { skip: missing ?? false },
  async () => {
    const result = runScenario(SCENARIOS[5]!, { seed: 2, profile: "bsd", delay: 20_000 });
    const page = await browser!.newPage();
    const errors: string[] = [];
    await openPlayground(page, `${browser!.server.url}?scenario=S6&seed=2&profile=bsd&delay=20ms`, errors);
    assert.equal(
      await js<string>(page, `document.getElementById("verdict").textContent`),
      verdictLine(result, false),
    );
    const drawn = await js<number>(
      page,
      `document.querySelectorAll('svg.ladder[data-run="1"] g.segment').length`,
    );
    assert.equal(drawn, result.runs[0]!.shown.filter((e) => e.kind === "segment-sent").length);
    // Changing a knob in the form re-runs and puts the CLI's option name in the URL.
    await page.fill("#timeWait", "0");
    await page.press("#timeWait", "Enter");
    await page.waitForFunction(`location.search.includes("timeWait=0")`);
    const ablated = runScenario(SCENARIOS[5]!, { seed: 2, profile: "bsd", delay: 20_000, timeWait: 0 });
    assert.equal(
      await js<string>(page, `document.getElementById("verdict").textContent`),
      verdictLine(ablated, false),
    );
    assert.deepEqual(errors, []);
    await page.close();
  },
);
