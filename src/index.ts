// tcplab's main entry in Node: the engine, host, simulator, trace, views and pcap (./engine.ts) and the
// Node-style sockets and HTTP agent (./node.ts). Bundlers targeting browsers get ./engine.ts alone, through
// the "browser" condition of package.json's exports.
export * from "./engine.js";
export * from "./node.js";
