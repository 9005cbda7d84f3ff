// The playground's interactions in real Chromium, as the issue states them: in S3, dropping the final
// ACK makes P retransmit its FIN and A answer from TIME_WAIT (S6's behaviour), in the ladder and on
// Figure 5; with TIME_WAIT 0 the same drop draws an RST; stepping moves the lit state of Figure 5 one
// transition at a time.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { findScenario, runScenario } from "../../src/scenarios/index.js";
import { validateJsonTrace, fromJsonTrace } from "../../src/trace/json-validate.js";
import { browserMissing, openBrowser, openPlayground, screenshot, js, type Browser } from "./browser.js";

const missing = browserMissing();
if (missing) console.log(`# skipping the playground interaction tests: ${missing}`);

let browser: Browser | null = null;
before(async () => {
  if (!missing) browser = await openBrowser();
});
after(async () => {
  await browser?.close();
});

const segmentsOf = (run: number): string =>
  `[...document.querySelectorAll('svg.ladder[data-run="${run}"] g.segment')].map((g) => ({
    i: Number(g.getAttribute("data-i")), host: g.getAttribute("data-host"), flags: g.getAttribute("data-flags"),
    cls: g.getAttribute("class") }))`;

interface Seg {
  i: number;
  host: string;
  flags: string;
  cls: string;
}

const lit = (host: string): string =>
  `(() => { const f = document.querySelector('svg.fig5[data-host="${host}"]');
    return { lit: f.getAttribute("data-lit"), last: f.getAttribute("data-last"),
             box: f.querySelector(".box.lit").getAttribute("data-state") }; })()`;

test("S3: drop the final ACK, then take TIME_WAIT away", { skip: missing ?? false }, async () => {
  const page = await browser!.newPage();
  const errors: string[] = [];
  await openPlayground(page, `${browser!.server.url}?scenario=S3`, errors);
  const before = await js<Seg[]>(page, segmentsOf(1));
  const finalAck = before.filter((s) => s.host === "A").at(-1)!;
  assert.equal(finalAck.flags, "ACK", "A's last segment in S3 is the final ACK");
  assert.ok(!before.some((s) => s.cls.includes("retransmission")), "plain S3 retransmits nothing");

  // Click it, read its details, drop it.
  await page.click(`svg.ladder[data-run="1"] g.segment[data-i="${finalAck.i}"] .hit`, { force: true });
  await page.waitForSelector(".details");
  const details = await js<string>(page, `document.querySelector(".details").textContent`);
  assert.match(details, /SND\.NXT/, "both ends' TCB are shown");
  assert.match(details, /why\s*ack/);
  await page.click(".details button.drop");
  await page.waitForFunction(`location.search.includes("drop=1%3AA%3A")`);
  const after = await js<Seg[]>(page, segmentsOf(1));
  const lost = after.filter((s) => s.cls.split(" ").includes("lost"));
  assert.deepEqual(
    lost.map((s) => `${s.host} ${s.flags}`),
    ["A ACK"],
    "the final ACK is drawn lost",
  );
  const refin = after.find(
    (s) => s.host === "P" && s.flags.includes("FIN") && s.cls.includes("retransmission"),
  );
  assert.ok(refin, "P retransmits its FIN");
  const answer = after.find((s) => s.i > refin.i && s.host === "A");
  assert.equal(answer?.flags, "ACK", "A answers the retransmitted FIN with an ACK");

  // Figure 5 when the retransmitted FIN is sent: A is in TIME_WAIT, P in LAST_ACK.
  await page.fill("#scrub", String(refin.i));
  assert.equal((await js<{ lit: string }>(page, lit("A"))).lit, "TIME_WAIT");
  assert.equal((await js<{ lit: string }>(page, lit("P"))).lit, "LAST_ACK");
  await page.click("#last");
  assert.deepEqual(await js<{ last: string; box: string }>(page, lit("P")), {
    lit: "CLOSED",
    last: "LAST_ACK>CLOSED",
    box: "CLOSED",
  });
  await screenshot(page, "S3-drop-final-ack");

  // Without TIME_WAIT the same retransmitted FIN finds nothing on A: A answers RST.
  await page.fill("#timeWait", "0");
  await page.click("#rerun");
  await page.waitForFunction(`location.search.includes("timeWait=0")`);
  const noTw = await js<Seg[]>(page, segmentsOf(1));
  assert.ok(
    noTw.some((s) => s.cls.split(" ").includes("lost") && s.host === "A"),
    "the drop is still in place",
  );
  const rst = noTw.find((s) => s.host === "A" && s.flags.includes("RST"));
  assert.ok(rst, "A answers the retransmitted FIN with an RST");
  const p = await js<{ last: string; lit: string }>(page, lit("P"));
  assert.equal(p.last, "LAST_ACK>CLOSED");
  const caption = await js<string>(
    page,
    `document.querySelector('svg.fig5[data-host="P"] .fig5-caption').textContent`,
  );
  assert.match(caption, /rcv RST/, "P's last transition was caused by the RST");
  const litArrows = await js<number>(
    page,
    `document.querySelectorAll('svg.fig5[data-host="P"] .edge.lit:not(.extra)').length`,
  );
  assert.equal(
    litArrows,
    0,
    "an RST is not Figure 5's 'rcv ACK of FIN' arrow: it is drawn as an extra, dashed one",
  );
  await screenshot(page, "S3-drop-final-ack-no-time-wait");
  assert.deepEqual(errors, []);
  await page.close();
});

test(
  "stepping moves the lit state one Figure 5 transition at a time",
  { skip: missing ?? false },
  async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    await openPlayground(page, `${browser!.server.url}?scenario=S3`, errors);
    const n = await js<number>(page, `Number(document.getElementById("scrub").max) + 1`);
    await page.click("#first");
    const seen: Record<string, string[]> = { A: [], P: [] };
    const prev: Record<string, { lit: string | null; last: string | null }> = {
      A: await js(page, lit("A")),
      P: await js(page, lit("P")),
    };
    for (const host of ["A", "P"]) if (prev[host]!.lit !== "CLOSED") seen[host]!.push(prev[host]!.lit!);
    for (let k = 1; k < n; k++) {
      await page.click("#forward");
      const position = await js<string>(page, `document.getElementById("scrub").value`);
      assert.equal(Number(position), k, "one step is one event");
      for (const host of ["A", "P"]) {
        const now = await js<{ lit: string | null; last: string | null }>(page, lit(host));
        if (now.last !== prev[host]!.last || now.lit !== prev[host]!.lit) {
          // The new transition starts where the previous one ended (a listener's child starts at LISTEN).
          const [from, to] = (now.last ?? "").split(">");
          assert.equal(to, now.lit);
          const start = prev[host]!.lit ?? "CLOSED";
          assert.ok(
            from === start || (from === "CLOSED" && to === "SYN_RECEIVED" && start === "LISTEN"),
            `${host} at step ${k}: ${now.last} does not start at the previously lit ${start}`,
          );
          seen[host]!.push(to!);
        }
        prev[host] = now;
      }
    }
    assert.deepEqual(seen.A, ["SYN_SENT", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT", "CLOSED"]);
    assert.deepEqual(seen.P, ["LISTEN", "SYN_RECEIVED", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED"]);
    assert.deepEqual(errors, []);
    await page.close();
  },
);

test(
  "keyboard: a segment opens with Enter, closes with Escape; arrows step",
  { skip: missing ?? false },
  async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    await openPlayground(page, `${browser!.server.url}?scenario=S2`, errors);
    await page.focus("svg.ladder g.segment");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#details:not([hidden]) .details");
    assert.match(await js<string>(page, `document.querySelector("#details").textContent`), /why\s*syn/);
    await page.keyboard.press("Escape");
    assert.equal(await js<boolean>(page, `document.getElementById("details").hidden`), true);
    assert.equal(
      await js<string>(page, `document.activeElement.getAttribute("class")`),
      "segment",
      "focus returns",
    );
    await page.focus("#scrub");
    await page.keyboard.press("Home");
    await page.keyboard.press("ArrowRight");
    assert.equal(await js<string>(page, `document.getElementById("scrub").value`), "1");
    assert.match(page.url(), /step=1/);
    assert.deepEqual(errors, []);
    await page.close();
  },
);

test(
  "downloads: the run's JSON trace validates and equals the CLI's run; pcap files are pcap",
  { skip: missing ?? false },
  async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    await openPlayground(page, `${browser!.server.url}?scenario=S6`, errors);
    const save = async (label: string): Promise<Buffer> => {
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click(`section.run[data-run="2"] .downloads button:text-is("${label}")`),
      ]);
      return readFile((await download.path())!);
    };
    const json = JSON.parse((await save("JSON trace")).toString("utf8")) as unknown;
    const checked = validateJsonTrace(json);
    assert.ok(checked.ok, "the download is a valid tcplab-trace");
    const cli = runScenario(findScenario("S6")!, { seed: 1, profile: "linux" }).runs[1]!;
    assert.deepEqual(fromJsonTrace(json).events, cli.events, "the same events as the CLI's run 2");
    const pcap = await save("pcap P");
    assert.deepEqual([...pcap.subarray(0, 4)], [...cli.pcap("P").subarray(0, 4)]);
    assert.deepEqual(Buffer.from(cli.pcap("P")), pcap, "byte for byte the CLI's pcap");
    assert.deepEqual(errors, []);
    await page.close();
  },
);

test("play runs the playback forward and pause stops it", { skip: missing ?? false }, async () => {
  const page = await browser!.newPage();
  const errors: string[] = [];
  await openPlayground(page, `${browser!.server.url}?scenario=S5`, errors);
  await page.selectOption("#speed", "10");
  await page.click("#play"); // at the end: play starts over from the first event
  await page.waitForFunction(`Number(document.getElementById("scrub").value) >= 3`);
  assert.match(await js<string>(page, `document.getElementById("play").textContent`), /pause/);
  await page.click("#play");
  assert.match(await js<string>(page, `document.getElementById("play").textContent`), /play/);
  await page.screenshot({
    path: "test-artifacts/web/S5-paused.png",
    clip: { x: 0, y: 0, width: 1400, height: 700 },
  });
  assert.match(page.url(), /step=\d+/);
  assert.deepEqual(errors, []);
  await page.close();
});
