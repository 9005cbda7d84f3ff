// The wire layer: segments, addresses, the IPv4/IPv6 TCP codecs, checksums, pcap and tcpdump-style text.
export * from "./segment.js";
export * from "./flags.js";
export * from "./address.js";
export * from "./decode-error.js";
export * from "./encode-error.js";
export * from "./checksum.js";
export * from "./options.js";
export * from "./ipv4.js";
export * from "./codec.js";
export * from "./pcap.js";
export * from "./format.js";
export * from "./address6.js";
export * from "./segment6.js";
export * from "./ipv6.js";
export * from "./codec6.js";
