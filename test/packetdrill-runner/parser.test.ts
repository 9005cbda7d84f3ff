// The packetdrill parser: the constructs of the subset, errors with line and column, and no crash on
// any input (every failure is a PacketdrillParseError or an UNSUPPORTED, never a TypeError).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { propertyRuns } from "../e2e/property-runs.js";
import { parseScript } from "../../src/packetdrill/parser.js";
import { PacketdrillParseError, PacketdrillUnsupported } from "../../src/packetdrill/errors.js";

test("times: absolute, relative, *, ranges, blocking ends", () => {
  const s = parseScript(
    [
      "0.1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3",
      "+.25 listen(3, 1) = 0",
      "* > S. 0:0(0) ack 1 <...>",
      "1.0~1.5 > . 1:1(0) ack 1",
      "+0.1~+0.3 > F. 1:1(0) ack 1",
      "+0...0.200 read(4, ..., 10) = 10",
    ].join("\n"),
  );
  assert.deepEqual(
    s.events.map((e) => e.time),
    [
      { kind: "absolute", usecs: 100000 },
      { kind: "relative", usecs: 250000 },
      { kind: "any" },
      { kind: "absolute-range", usecs: 1000000, endUsecs: 1500000 },
      { kind: "relative-range", usecs: 100000, endUsecs: 300000 },
      { kind: "relative", usecs: 0 },
    ],
  );
  const read = s.events[5]!;
  assert.equal(read.type === "syscall" && read.syscall.endUsecs, 200000);
});

test("packets: flags, seq ranges, ack, win, options in written order", () => {
  const s = parseScript(
    "0 < S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>\n" +
      "+0 > P. 1:1001(1000) ack 1 <nop,nop,sack 1:101 201:301>\n" +
      "+0 < R 1:1(0) win 0\n",
  );
  const [a, b, c] = s.events.map((e) => (e.type === "packet" ? e.packet : undefined));
  assert.deepEqual(a!.options, [
    { kind: "mss", value: 1460 },
    { kind: "sackOK" },
    { kind: "TS", val: 100, ecr: 0 },
    { kind: "nop" },
    { kind: "wscale", value: 7 },
  ]);
  assert.equal(a!.flags, 0x12);
  assert.equal(b!.len, 1000);
  assert.equal(b!.win, undefined, "an outbound window not written is not checked");
  assert.deepEqual(b!.options![2], {
    kind: "sack",
    blocks: [
      [1, 101],
      [201, 301],
    ],
  });
  assert.equal(c!.flags, 0x04);
});

test("system calls: structs, iovecs, lists, errno and notes", () => {
  const s = parseScript(
    "0 setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8) = 0\n" +
      "+0 sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 1000}], msg_flags=0}, 0) = 1000\n" +
      "+0 poll([{fd=4, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1\n" +
      "+0 read(4, ..., 100) = -1 ECONNRESET (Connection reset by peer)\n",
  );
  const calls = s.events.map((e) => (e.type === "syscall" ? e.syscall : undefined));
  assert.equal(calls[0]!.args[3]!.kind, "struct");
  assert.equal(calls[1]!.args[1]!.kind, "struct");
  assert.equal(calls[2]!.args[0]!.kind, "list");
  assert.equal(calls[3]!.errno, "ECONNRESET");
  assert.deepEqual(calls[3]!.result, { kind: "int", value: -1, text: "-1" });
});

test("init and cleanup commands, in-script options", () => {
  const s = parseScript(
    "--tolerance_usecs=10000\n`sysctl -q net.ipv4.tcp_sack=0`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n`true`\n",
  );
  assert.deepEqual(s.options, [{ name: "tolerance_usecs", value: "10000", line: 1 }]);
  assert.equal(s.initCommand?.command, "sysctl -q net.ipv4.tcp_sack=0");
  assert.equal(s.cleanupCommand?.command, "true");
});

function parseError(src: string): PacketdrillParseError {
  try {
    parseScript(src);
  } catch (err) {
    if (err instanceof PacketdrillParseError) return err;
    throw err;
  }
  throw new Error("expected a parse error");
}

test("errors say line and column", () => {
  let e = parseError("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 > S. 0:0(0) ack <...>\n");
  assert.deepEqual([e.line, e.column], [2, 20]);
  e = parseError("0 < S 0:0(0) <mss 1460>\n");
  assert.match(e.detail, /window must be specified/);
  e = parseError("* < S 0:0(0) win 100\n");
  assert.match(e.detail, /only be used with outbound packets/);
  e = parseError("0 < S 0:0(0) win 100 <...>\n");
  assert.match(e.detail, /<\.\.\.> for TCP options can only be used with outbound packets/);
  e = parseError("0 > S 0:5(0)\n");
  assert.match(e.detail, /inconsistent TCP sequence numbers/);
  e = parseError('0 write(3, "abc, 3) = 3\n');
  assert.match(e.detail, /unterminated string/);
});

test("no input crashes the parser", () => {
  const alphabet = fc.constantFrom(
    ...'0123456789 +.~*<>()[]{},=|:-`\n"%'.split(""),
    "S",
    "ack ",
    "win ",
    "socket",
    "...",
    "nop",
    "TS val ",
    "ecr ",
    "%{",
    "}%",
    "//",
  );
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 60 }), (parts) => {
      try {
        parseScript(parts.join(""));
      } catch (err) {
        if (!(err instanceof PacketdrillParseError) && !(err instanceof PacketdrillUnsupported)) throw err;
      }
    }),
    propertyRuns(3000),
  );
});

test("no script crashes the sim runner: any mix of lines ends in PASS, FAIL, UNSUPPORTED or ERROR", async () => {
  const { runPacketdrillText } = await import("../../src/packetdrill/index.js");
  const lines = fc.constantFrom(
    "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3",
    "+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
    "+0 bind(3, ..., ...) = 0",
    "+0 listen(3, 1) = 0",
    "+0 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>",
    "+0 > S. 0:0(0) ack 1 <...>",
    "+.01 < . 1:1(0) ack 1 win 257",
    "+.01 < . 1:1(0) ack 1 win 257 <nop,nop,TS val 2 ecr 9>",
    "+0 accept(3, ..., ...) = 4",
    "+0...0.1 accept(3, ..., ...) = 4",
    "+0 write(4, ..., 1000) = 1000",
    "+0 > P. 1:1001(1000) ack 1",
    "+0 < P. 1:101(100) ack 1 win 257",
    "+0 read(4, ..., 100) = 100",
    "+0...0.5 read(4, ..., 100) = 100",
    "+0 close(4) = 0",
    "+0 close(3) = 0",
    "+0 shutdown(4, SHUT_RD) = 0",
    "+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)",
    "+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0",
    "+0 > S 0:0(0) <...>",
    "+0 < S. 0:0(0) ack 1 win 100 <mss 1000>",
    "+0 < R. 1:1(0) ack 1 win 0",
    "+0 < F. 1:1(0) ack 1 win 257",
    "* > F. 1:1(0) ack 2",
    "+0 poll([{fd=4, events=POLLIN, revents=POLLIN}], 1, 100) = 1",
    "+0 getsockopt(4, SOL_TCP, TCP_INFO, {tcpi_state=1}, [...]) = 0",
    "+0 ioctl(4, SIOCOUTQ, [0]) = 0",
    "+0 setsockopt(4, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=1}, 8) = 0",
    "+1 > . 1:1(0) ack 1",
  );
  await fc.assert(
    fc.asyncProperty(fc.array(lines, { minLength: 1, maxLength: 14 }), async (ls) => {
      const r = await runPacketdrillText("fuzz.pkt", ls.join("\n") + "\n");
      assert.ok(["PASS", "FAIL", "UNSUPPORTED", "ERROR"].includes(r.result));
    }),
    propertyRuns(300),
  );
});
