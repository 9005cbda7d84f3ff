import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ACK,
  CWR,
  ECE,
  FIN,
  FLAG_NAMES,
  PSH,
  RST,
  SYN,
  TCP_FLAGS,
  URG,
  flagNameList,
  flagNames,
  flagOfLetter,
  flagsFromNames,
  packetdrillFlags,
  tcpdumpFlags,
} from "../../src/wire/flags.js";

test("one table: the eight control bits in header order, each once", () => {
  assert.deepEqual(
    TCP_FLAGS.map((f) => f.bit),
    [FIN, SYN, RST, PSH, ACK, URG, ECE, CWR],
  );
  assert.deepEqual(
    TCP_FLAGS.map((f) => f.bit),
    [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80],
  );
  assert.equal(new Set(TCP_FLAGS.map((f) => f.letter)).size, 8);
});

test("RFC names: SYN first, as RFC 9293's figures write them", () => {
  assert.equal(flagNames(SYN | ACK), "SYN,ACK");
  assert.equal(flagNames(FIN | SYN), "SYN,FIN");
  assert.equal(flagNames(RST | ACK), "RST,ACK");
  assert.equal(flagNames(0), "");
  assert.deepEqual(FLAG_NAMES, ["SYN", "FIN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"]);
  for (let flags = 0; flags < 256; flags++) assert.equal(flagsFromNames(flagNameList(flags)), flags);
  assert.equal(flagsFromNames(["SYN", "NOPE"]), SYN);
});

test("tcpdump puts the ACK dot in header order, packetdrill puts it last", () => {
  assert.equal(tcpdumpFlags(URG | ACK), ".U");
  assert.equal(packetdrillFlags(URG | ACK), "U.");
  assert.equal(tcpdumpFlags(SYN | ACK), "S.");
  assert.equal(packetdrillFlags(SYN | ACK), "S.");
  assert.equal(packetdrillFlags(FIN | PSH | ACK), "FP.");
  assert.equal(tcpdumpFlags(0), "none");
  assert.equal(packetdrillFlags(0), "-");
  for (const f of TCP_FLAGS) assert.equal(flagOfLetter(f.letter), f.bit);
  assert.equal(flagOfLetter("X"), undefined);
});
