// Hand-made lines for what the captures do not contain: several owners, odd process names, ss timers in
// their quirky format, request socks (NEW_SYN_RECV), expired timers, UTF-16 PowerShell output.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseInput } from "../../src/inspect/parse/parse-input.js";
import { parseProcNetTcp } from "../../src/inspect/parse/proc-net-tcp.js";
import { analyze } from "../../src/inspect/analyze/analyze.js";

const opts = { source: "t", format: null, filterState: null, littleEndian: true } as const;
const enc = (s: string) => new TextEncoder().encode(s);

test("ss: several owners, names with spaces and parentheses, 4.540ms timers, uid", () => {
  const text = [
    "State      Recv-Q Send-Q Local Address:Port  Peer Address:Port Process",
    'ESTAB      0      0      10.0.0.1:5432      10.0.0.2:40000 users:(("postgres: main (x)",pid=10,fd=9),("pg dump",pid=11,fd=3)) timer:(keepalive,4.540ms,0) uid:70 ino:555 sk:1 <->',
    "FIN-WAIT-2 0      0      10.0.0.1:41000     10.0.0.2:80    timer:(timewait,59sec,0) ino:0 sk:2",
    "SYN-RECV   0      0      10.0.0.1:80        10.0.0.3:50000 timer:(on,708ms,1) ino:0 sk:3",
  ].join("\n");
  const snap = parseInput(enc(text), opts);
  const [estab, fw2, syn] = snap.sockets;
  assert.deepEqual(estab!.owners, [
    { command: "postgres: main (x)", pid: 10, fd: 9 },
    { command: "pg dump", pid: 11, fd: 3 },
  ]);
  assert.deepEqual(estab!.timer, { kind: "keepalive", secondsLeft: 4.54 });
  assert.equal(estab!.uid, 70);
  assert.equal(fw2!.minisock, "timewait");
  assert.equal(syn!.minisock, "request");
  assert.deepEqual(syn!.timer, { kind: "retransmit", secondsLeft: 0.708 });
  const a = analyze(snap);
  assert.equal(a.linux.newSynRecv, 1);
  assert.equal(a.finWait2.orphans, 1);
});

test("/proc/net/tcp: a request sock is SYN_RECEIVED with inode 0; an expired timer reads as 0", () => {
  const lines = [
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
    "   0: 0100007F:0050 0300000A:C350 03 00000000:00000000 01:00000064 00000002  1000        0 0 1 0000000000000000",
    "   1: 0100007F:0050 0300000A:C352 01 00000000:00000000 01:FFFFFFFFFFFFFFF6 00000000  1000        0 777 1 0000000000000000 20 4 30 10 -1",
  ].join("\n");
  const [req, est] = parseProcNetTcp(lines, { littleEndian: true, source: "t" });
  assert.equal(req!.state, "SYN_RECEIVED");
  assert.equal(req!.minisock, "request");
  assert.equal(req!.remote.address, "10.0.0.3");
  assert.equal(req!.remote.port, 50000);
  assert.deepEqual(req!.timer, { kind: "retransmit", secondsLeft: 1 });
  assert.equal(est!.timer!.secondsLeft, 0);
  assert.equal(est!.uid, 1000);
});

test("Get-NetTCPConnection saved by Windows PowerShell 5 `>` is UTF-16LE with a BOM", () => {
  const json = JSON.stringify([
    { LocalAddress: "::", LocalPort: 445, RemoteAddress: "::", RemotePort: 0, State: 2, OwningProcess: 4 },
    {
      LocalAddress: "192.168.0.2",
      LocalPort: 50000,
      RemoteAddress: "192.168.0.9",
      RemotePort: 443,
      State: "TimeWait",
      OwningProcess: 0,
    },
  ]);
  const body = Buffer.from(json, "utf16le");
  const snap = parseInput(Buffer.concat([Buffer.from([0xff, 0xfe]), body]), opts);
  assert.equal(snap.format, "powershell-json");
  assert.deepEqual(
    snap.sockets.map((s) => [s.state, s.owners.length]),
    [
      ["LISTEN", 1],
      ["TIME_WAIT", 0],
    ],
  );
});

test("Windows netstat: a state name that ran into its PID column is still read", () => {
  const text = [
    "Aktive Verbindungen",
    "  Proto  Lokale Adresse         Remoteadresse          Status           PID",
    "  TCP    10.0.0.5:8080          10.0.0.9:51004         SCHLIESSEN_WARTEN4242",
  ].join("\r\n");
  const snap = parseInput(enc(text), opts);
  assert.equal(snap.sockets[0]!.state, "CLOSE_WAIT");
  assert.equal(snap.sockets[0]!.owners[0]!.pid, 4242);
});

test("ss -anp without -t: the Netid column is read and only tcp rows count", () => {
  const text = [
    "Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process",
    'udp   UNCONN 0      0      0.0.0.0:5353       0.0.0.0:*         users:(("avahi",pid=5,fd=12))',
    "u_str ESTAB  0      0      * 1234             * 1235",
    'tcp   LISTEN 0      128    0.0.0.0:22         0.0.0.0:*         users:(("sshd",pid=9,fd=3))',
    "tcp   TIME-WAIT 0   0      10.0.0.1:22        10.0.0.7:51000",
  ].join("\n");
  const snap = parseInput(enc(text), opts);
  assert.equal(snap.format, "ss");
  assert.deepEqual(
    snap.sockets.map((s) => [s.state, s.local.port]),
    [
      ["LISTEN", 22],
      ["TIME_WAIT", 22],
    ],
  );
});

test("netstat -tanp as non-root: the notice about unidentified processes is skipped", () => {
  const text = [
    "(Not all processes could be identified, non-owned process info",
    " will not be shown, you would have to be root to see it all.)",
    "Active Internet connections (servers and established)",
    "Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name",
    "tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      -",
    "tcp        1      0 10.0.0.1:41000          10.0.0.2:80             CLOSE_WAIT  321/my app",
  ].join("\n");
  const snap = parseInput(enc(text), opts);
  assert.equal(snap.format, "netstat-linux");
  assert.deepEqual(snap.sockets[1]!.owners, [{ pid: 321, command: "my app", fd: null }]);
});
