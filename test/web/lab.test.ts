// The free lab in real Chromium: a lifecycle made of button clicks is run on the real engine and drawn.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { browserMissing, openBrowser, openPlayground, screenshot, js, type Browser } from "./browser.js";

const missing = browserMissing();
if (missing) console.log(`# skipping the free lab browser test: ${missing}`);

let browser: Browser | null = null;
before(async () => {
  if (!missing) browser = await openBrowser();
});
after(async () => {
  await browser?.close();
});

test(
  "free lab: listen, connect, write, close on both sides, until quiet",
  { skip: missing ?? false },
  async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    await openPlayground(page, `${browser!.server.url}?scenario=lab`, errors);
    const click = async (selector: string): Promise<void> => {
      const before = page.url();
      await page.click(selector);
      await page.waitForFunction(`location.href !== ${JSON.stringify(before)}`);
    };
    await click('[data-call="P:listen"]');
    await click('[data-call="A:connect"]');
    await click('[data-advance="10000"]');
    await click('[data-call="A:write"]');
    await click('[data-advance="10000"]');
    await click('[data-call="A:close"]');
    await click('[data-advance="10000"]');
    await click('[data-call="P:close"]');
    await click("#lab-quiet");
    const flags = await js<string[]>(
      page,
      `[...document.querySelectorAll("svg.ladder g.segment")].map((g) => g.getAttribute("data-host") + " " + g.getAttribute("data-flags"))`,
    );
    assert.deepEqual(flags.slice(0, 3), ["A SYN", "P SYN,ACK", "A ACK"], "the handshake");
    assert.ok(flags.includes("A FIN,ACK") && flags.includes("P FIN,ACK"), "both FINs");
    const a = await js<string>(
      page,
      `document.querySelector('svg.fig5[data-host="A"]').getAttribute("data-last")`,
    );
    assert.equal(a, "TIME_WAIT>CLOSED", "A, the first to close, went through TIME_WAIT to CLOSED");
    assert.match(page.url(), /lab=0/);
    // The lab's URL alone rebuilds it.
    const again = await browser!.newPage();
    await openPlayground(again, page.url(), errors);
    const flagsAgain = await js<string[]>(
      again,
      `[...document.querySelectorAll("svg.ladder g.segment")].map((g) => g.getAttribute("data-host") + " " + g.getAttribute("data-flags"))`,
    );
    assert.deepEqual(flagsAgain, flags);
    await screenshot(page, "lab");
    assert.deepEqual(errors, []);
    await page.close();
    await again.close();
  },
);

test(
  "free lab: a segment's details show both TCBs, and dropping it re-runs the lab with the fault",
  { skip: missing ?? false },
  async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    const lab = ["0us:P:listen", "0us:A:connect", "10ms:wait", "10ms:A:close", "20ms:P:close", "30ms:wait"]
      .map((l) => `lab=${encodeURIComponent(l)}`)
      .join("&");
    await openPlayground(page, `${browser!.server.url}?scenario=lab&${lab}`, errors);
    const last = await js<string>(
      page,
      `[...document.querySelectorAll('svg.ladder g.segment[data-host="A"]')].at(-1).getAttribute("data-i")`,
    );
    await page.click(`svg.ladder g.segment[data-i="${last}"] .hit`, { force: true });
    await page.waitForSelector("#details .details");
    const text = await js<string>(page, `document.getElementById("details").textContent`);
    assert.match(text, /A at that moment/);
    assert.match(text, /SND\.NXT/);
    await page.click("#details button.drop");
    await page.waitForFunction(`location.search.includes("drop=")`);
    const lost = await js<number>(page, `document.querySelectorAll("svg.ladder g.segment.lost").length`);
    assert.equal(lost, 1, "the lab's final ACK is now lost");
    assert.match(await js<string>(page, `document.querySelector(".faults").textContent`), /drop A#\d+/);
    assert.deepEqual(errors, []);
    await page.close();
  },
);
