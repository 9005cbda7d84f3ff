// Every scenario over IPv6 (`tcplab run <scenario> --ipv6`): the same verdict, and the same ladder and
// state timeline once each IPv6 address is written back as the IPv4 address it stands for. Two things
// are allowed to differ, and are normalised: the ephemeral ports (Linux picks them by a hash of the
// destination address, which is another address) and the run of spaces that lays out the columns
// (an IPv6 address is wider). ISNs and timestamp offsets are hashed over the addresses too: the ladder
// shows sequence numbers relative, and timestamps are compared relative to the first one printed. The MSS differs on
// one link MTU (IPv6's header is 20 bytes longer: 1440 against 1460 at MTU 1500), which changes how
// bulk data is cut into segments; so the ladders are compared with the IPv6 hosts on a 1520-byte MTU,
// the same MSS, and the verdicts at the same MTU as IPv4 too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SCENARIOS, runScenario, type ScenarioResult } from "../../src/scenarios/index.js";
import { renderLadder } from "../../src/trace/ladder.js";
import { renderTimeline } from "../../src/trace/timeline.js";
import { formatIPv4 } from "../../src/wire/address.js";
import { parseIPv6 } from "../../src/wire/address6.js";
import { scenarioIPv4 } from "../../src/scenarios/ipv6-addresses.js";

/** "[2001:db8::2]:80" → "10.0.0.2:80", "2001:db8::2" → "10.0.0.2". */
function backToIPv4(text: string): string {
  const toV4 = (v6: string): string => {
    const v4 = scenarioIPv4(parseIPv6(v6));
    assert.notEqual(v4, null, `${v6} stands for no IPv4 address`);
    return formatIPv4(v4!);
  };
  return text
    .replace(/\[(2001:db8:[0-9a-f:]*)\]/g, (_m, a: string) => toV4(a))
    .replace(/2001:db8:[0-9a-f:]*[0-9a-f]/g, (a) => toV4(a));
}

/** Ephemeral ports (32768-60999, Linux's range) renamed P1, P2... in order of first appearance. */
function normalise(text: string): string {
  const names = new Map<string, string>();
  let tsBase = -1;
  return text
    .replace(/(?<=(TSval|TS\.Recent|TSecr) )\d+/g, (v) => {
      if (tsBase < 0) tsBase = Number(v);
      return `ts${(Number(v) - tsBase) >>> 0}`;
    })
    .replace(/(?<=[:\s])(3[2-9]\d{3}|[45]\d{4}|60\d{3})\b/g, (p) => {
      if (!names.has(p)) names.set(p, `P${names.size + 1}`);
      return names.get(p)!;
    })
    .replace(/ +/g, " ");
}

function views(result: ScenarioResult): { verdicts: string[]; text: string } {
  const verdicts: string[] = [];
  let text = "";
  for (const run of result.runs) {
    for (const c of run.checks) verdicts.push(`${run.title}: ${c.name} ${c.pass ? "holds" : "fails"}`);
    text += `--- ${run.title}\n${renderLadder(run.shown, { hosts: run.hosts })}\n`;
    text += `${renderTimeline(run.shown, { hosts: run.hosts })}\n${run.summary.join("\n")}\n`;
  }
  return { verdicts, text };
}

for (const scenario of SCENARIOS) {
  test(`${scenario.id} over IPv6: same verdict, same ladder up to addresses`, () => {
    const v4 = views(runScenario(scenario, { seed: 1, profile: "linux" }));
    const sameMtu = runScenario(scenario, { seed: 1, profile: "linux", ipv6: true });
    assert.deepEqual(views(sameMtu).verdicts, v4.verdicts);
    assert.ok(
      sameMtu.runs.every((r) => r.checks.every((c) => c.pass)),
      "every check holds over IPv6",
    );
    const v6 = views(runScenario(scenario, { seed: 1, profile: "linux", ipv6: true, mtu: 1520 }));
    assert.deepEqual(v6.verdicts, v4.verdicts);
    assert.match(v6.text, /2001:db8::/, "the IPv6 run shows IPv6 addresses");
    assert.doesNotMatch(v6.text, /\b10\.0\.0\.\d\b/, "no IPv4 address is left in the IPv6 run");
    assert.equal(normalise(backToIPv4(v6.text)), normalise(v4.text));
  });
}
