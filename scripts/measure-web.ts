// How long each scenario's playground page takes to become interactive in headless Chromium on this
// machine: navigation start to the page's marks — the scenario simulated, its first two runs drawn and
// the controls live ("interactive"), and every run drawn ("ready").
// Prints one line per scenario: `npx tsx scripts/measure-web.ts [S3 S14 ...]`. A measurement, not a test.
import { SCENARIOS } from "../src/scenarios/index.js";
import { browserMissing, openBrowser, js } from "../test/web/browser.js";

const missing = browserMissing();
if (missing) {
  console.log(`cannot measure: ${missing}`);
  process.exit(0);
}
const ids = process.argv.slice(2);
const browser = await openBrowser();
try {
  for (const s of SCENARIOS.filter((x) => ids.length === 0 || ids.includes(x.id))) {
    const times: number[] = [];
    const sims: number[] = [];
    const alls: number[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await browser.newPage();
      await page.goto(`${browser.server.url}?scenario=${s.id}`);
      await page.waitForSelector("body[data-ready]");
      times.push(Number(await js<string>(page, "document.body.dataset.interactiveMs")));
      alls.push(Number(await js<string>(page, "document.body.dataset.readyMs")));
      sims.push(Number(await js<string>(page, "document.body.dataset.simMs")));
      await page.close();
    }
    times.sort((a, b) => a - b);
    sims.sort((a, b) => a - b);
    alls.sort((a, b) => a - b);
    console.log(
      `${s.id.padEnd(4)} ${s.name.padEnd(26)} interactive: median ${times[1]} ms (min ${times[0]}, max ${times[2]}); ` +
        `of which simulating: median ${sims[1]} ms; every run drawn: median ${alls[1]} ms`,
    );
  }
} finally {
  await browser.close();
}
