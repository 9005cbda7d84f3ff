// A listener whose application stops accepting, for the accept-queue test.
//   node listen-stall.mjs server PORT BACKLOG   listen, print READY, then block the event loop so nothing
//                                              is ever accept()ed: the kernel completes handshakes into the
//                                              accept queue until it holds BACKLOG + 1, then drops SYNs.
//   node listen-stall.mjs client PORT N         start N connects at once; print READY once the queue is
//                                              full (the connects that completed), then hold everything.
/* global setInterval */
import net from "node:net";

const [role, portText, nText] = process.argv.slice(2);
const port = Number(portText);
if (role === "server") {
  const srv = net.createServer(() => {});
  srv.listen({ port, host: "127.0.0.1", backlog: Number(nText) }, () => {
    console.log(`READY ${JSON.stringify({ pid: process.pid })}`);
    // Block this thread for good, a moment after READY has been written out.
    setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0), 50);
  });
} else if (role === "client") {
  const sockets = [];
  let connected = 0;
  for (let i = 0; i < Number(nText); i++) {
    const s = net.connect({ port, host: "127.0.0.1" });
    s.on("error", () => {});
    s.once("connect", () => connected++);
    sockets.push(s);
  }
  setTimeout(() => console.log(`READY ${JSON.stringify({ pid: process.pid, connected })}`), 500);
  setInterval(() => {}, 1 << 30);
} else {
  console.error("usage: listen-stall.mjs server PORT BACKLOG | client PORT N");
  process.exit(2);
}
