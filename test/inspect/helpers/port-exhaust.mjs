// Runs inside a namespace with a narrowed ip_local_port_range (port-budget test).
//   node port-exhaust.mjs exhaust       listen on 127.0.0.1:19000 and :19001; connect to :19000 and close
//                                       first (client-side TIME_WAIT) until connect() fails; then connect
//                                       once to :19001 to show the budget is per destination port.
//   node port-exhaust.mjs connect PORT  one connect() to 127.0.0.1:PORT, closed first by us.
//   node port-exhaust.mjs churn PORT N   N such connections one after another (N client-side TIME_WAIT).
// Prints one line `RESULT <json>` and exits.
import net from "node:net";

function connectOnce(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: "127.0.0.1" });
    s.once("connect", () => {
      const localPort = s.localPort;
      s.resume();
      s.end();
      s.once("close", () => resolve({ ok: true, localPort }));
    });
    s.once("error", (err) => resolve({ ok: false, code: err.code }));
  });
}

function listen(port) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((c) => c.resume());
    srv.once("error", reject);
    srv.listen(port, "127.0.0.1", () => resolve(srv));
  });
}

const mode = process.argv[2];
if (mode === "exhaust") {
  const servers = [await listen(19000), await listen(19001)];
  const ports = [];
  let failure = null;
  for (let i = 0; i < 10000 && failure === null; i++) {
    const r = await connectOnce(19000);
    if (r.ok) ports.push(r.localPort);
    else failure = r.code;
  }
  const other = await connectOnce(19001);
  for (const s of servers) s.close();
  console.log(
    `RESULT ${JSON.stringify({ connected: ports.length, distinctPorts: new Set(ports).size, failure, otherPort: other })}`,
  );
} else if (mode === "churn") {
  const port = Number(process.argv[3]);
  const srv = await listen(port);
  const results = [];
  for (let i = 0; i < Number(process.argv[4]); i++) results.push(await connectOnce(port));
  srv.close();
  console.log(`RESULT ${JSON.stringify({ ok: results.filter((r) => r.ok).length })}`);
} else if (mode === "connect") {
  const srv = await listen(Number(process.argv[3]));
  const r = await connectOnce(Number(process.argv[3]));
  srv.close();
  console.log(`RESULT ${JSON.stringify(r)}`);
} else {
  console.error("usage: port-exhaust.mjs exhaust | connect PORT | churn PORT N");
  process.exit(2);
}
