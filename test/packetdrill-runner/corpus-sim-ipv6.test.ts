// The corpus on --target sim over IPv6 (--ip-version 6, Linux's packetdrill conventions: MTU 1520 so the
// MSS stays 1460): every script gives the verdict it gives over IPv4, except the few whose expectation is
// IPv4's own and differs on Linux over IPv6 too — each of those checked on the kernel target, and the
// IPv6 behaviour they meet kept as a script of its own in test/packetdrill/ipv6/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPacketdrillFile } from "../../src/packetdrill/index.js";
import { CORPUS_DIR, corpusScripts } from "./corpus.js";

/** Scripts that expect an IPv4-only value; Linux over IPv6 fails them the same way (--target kernel). */
const IPV4_ONLY: Record<string, string> = {
  // The default send MSS without an MSS option: 536 over IPv4, 1220 over IPv6 (ipv6/peer-no-mss-option.pkt).
  "handshake/passive-open-peer-no-options.pkt": "TCP_MAXSEG 1220",
  // The SYN-cookie MSS table: IPv6's starts at 1220 (ipv6/syncookie-mss-table.pkt).
  "syncookies/cookie-no-timestamps-mss-only.pkt": "TCP_MAXSEG 1220",
  // The same table: a peer's 1460 comes back as 1440, 1428 with timestamps.
  "syncookies/cookie-options-in-tsval.pkt": "TCP_MAXSEG 1428",
  // The same table: 1428-byte segments, so the 2000-byte write is cut elsewhere and the first segment
  // seen carries PSH (Linux over IPv6 fails line 23 with the same PSH).
  "syncookies/cookie-echo-restores-sack-and-wscale.pkt": "PSH",
};

test("every corpus script on --target sim over IPv6: the IPv4 verdict, but for IPv4-only expectations", async () => {
  const scripts = corpusScripts();
  const differ: string[] = [];
  for (const rel of scripts) {
    const v4 = await runPacketdrillFile(join(CORPUS_DIR, rel));
    const v6 = await runPacketdrillFile(join(CORPUS_DIR, rel), { ipVersion: 6 });
    const same = v4.result === v6.result && v4.line === v6.line;
    if (rel in IPV4_ONLY) {
      assert.equal(v4.result, "PASS", rel);
      assert.equal(v6.result, "FAIL", `${rel} should meet IPv6's ${IPV4_ONLY[rel]}`);
      assert.match(`${v6.detail ?? ""}`, new RegExp(IPV4_ONLY[rel]!.split(" ").pop()!), rel);
    } else if (!same) {
      differ.push(
        `${rel}: IPv4 ${v4.result}:${v4.line ?? ""}, IPv6 ${v6.result}:${v6.line ?? ""} ${v6.detail ?? ""}`,
      );
    }
  }
  assert.deepEqual(differ, []);
});
