// What an IPv6 TIME_WAIT record costs beside an IPv4 one (issue 17), measured as `npm run bench`
// measures IPv4's: growth of heap + ArrayBuffers (after forced GCs) while one host takes on N records.
//   node --expose-gc --import tsx bench/timewait-ipv6.ts [N]
// A record toward a peer whose address is already held costs the IPv4 columns plus its slot in the
// table's set of IPv6 slots; a record toward a peer no one else holds also makes the peer's address an
// entry of the address table, measured separately by interning N distinct addresses.
import { AddressTable } from "../src/wire/address-table.js";
import { fillTimeWait, heldBytes, pair, WIDE_PORTS } from "./workloads.js";

const n = Number(process.argv[2] ?? 200_000);

function perRecord(family: 4 | 6): number {
  const p = pair(1500, WIDE_PORTS, family);
  p.b.listen(80, {}, { onConnection: () => ({}) });
  fillTimeWait(p, 1000, 2000); // warm-up: code and the first small arrays
  const before = heldBytes();
  fillTimeWait(p, n, 3000);
  const after = heldBytes();
  if (p.a.timeWaitEntries < n) throw new Error(`only ${p.a.timeWaitEntries} records`);
  return (after - before) / n;
}

function perAddress(): number {
  const t = new AddressTable();
  const before = heldBytes();
  for (let i = 0; i < n; i++) t.intern(0x20010db8, i >>> 16, i & 0xffff, Math.imul(i, 0x9e3779b1) >>> 0);
  const after = heldBytes();
  if (t.size !== n) throw new Error("intern lost addresses");
  return (after - before) / n;
}

const v4 = perRecord(4);
const v6 = perRecord(6);
const addr = perAddress();
console.log(`TIME_WAIT records: ${n} per run`);
console.log(`IPv4 record:                          ${v4.toFixed(1)} bytes`);
console.log(`IPv6 record (peer address shared):    ${v6.toFixed(1)} bytes`);
console.log(`IPv6 peer address (address table):    ${addr.toFixed(1)} bytes per distinct address`);
console.log(`IPv6 record toward a distinct peer:   ${(v6 + addr).toFixed(1)} bytes`);
