// TCP options: writing them in Linux's exact byte layout, and parsing them strictly.
//
// Layout (linux-profile.md "Option layout", Linux tcp_options_write): every option group is
// padded with NOPs to a 32-bit word on its own, in this order:
//   MSS                       <mss>
//   timestamps + SACK-perm    <sackOK,TS>           (SACK-permitted rides in the TS word's padding)
//   timestamps alone          <nop,nop,TS>
//   SACK-perm without TS      <nop,nop,sackOK>
//   window scale              <nop,wscale>
//   SACK blocks               <nop,nop,sack ...>
// Because each group is whole words, the option area never needs trailing padding.
import type { TcpOptions } from "./segment.js";
import { DecodeFault } from "./decode-error.js";

export const OPT_EOL = 0;
export const OPT_NOP = 1;
export const OPT_MSS = 2;
export const OPT_WSCALE = 3;
export const OPT_SACK_PERMITTED = 4;
export const OPT_SACK = 5;
export const OPT_TIMESTAMP = 8;

/** Data offset is 4 bits of 32-bit words: 60 bytes of header, 20 fixed, 40 for options. */
export const TCP_OPTION_SPACE = 40;
const SACK_BLOCK_BYTES = 8;
const SACK_HEADER_BYTES = 4; // <nop,nop,kind,len>

/** Bytes used by everything but SACK blocks. */
function fixedOptionBytes(opts: TcpOptions): number {
  let n = 0;
  if (opts.mss !== undefined) n += 4;
  if (opts.timestamp !== undefined) n += 12;
  else if (opts.sackPermitted) n += 4;
  if (opts.wscale !== undefined) n += 4;
  return n;
}

/**
 * How many of opts.sack's blocks are sent: as many as fit in the 40-byte option space after
 * the other options (RFC 2018 §3: at most 3 with timestamps, 4 without), the first ones first
 * because the sender puts the most recent block first.
 */
export function sackBlocksThatFit(opts: TcpOptions): number {
  const blocks = opts.sack;
  if (blocks === undefined || blocks.length === 0) return 0;
  const room = Math.floor((TCP_OPTION_SPACE - fixedOptionBytes(opts) - SACK_HEADER_BYTES) / SACK_BLOCK_BYTES);
  return room <= 0 ? 0 : Math.min(room, blocks.length);
}

/** Length in bytes of the option area as writeOptions lays it out (a multiple of 4, at most 40). */
export function optionsLength(opts: TcpOptions): number {
  const blocks = sackBlocksThatFit(opts);
  return fixedOptionBytes(opts) + (blocks > 0 ? SACK_HEADER_BYTES + blocks * SACK_BLOCK_BYTES : 0);
}

function put32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
}

/** Write the option area at out[at..]; returns the bytes written (== optionsLength(opts)). Fields must be validated. */
export function writeOptions(opts: TcpOptions, out: Uint8Array, at: number): number {
  const start = at;
  if (opts.mss !== undefined) {
    out[at] = OPT_MSS;
    out[at + 1] = 4;
    out[at + 2] = opts.mss >>> 8;
    out[at + 3] = opts.mss;
    at += 4;
  }
  const ts = opts.timestamp;
  if (ts !== undefined) {
    if (opts.sackPermitted) {
      out[at] = OPT_SACK_PERMITTED;
      out[at + 1] = 2;
    } else {
      out[at] = OPT_NOP;
      out[at + 1] = OPT_NOP;
    }
    out[at + 2] = OPT_TIMESTAMP;
    out[at + 3] = 10;
    put32(out, at + 4, ts.val);
    put32(out, at + 8, ts.ecr);
    at += 12;
  } else if (opts.sackPermitted) {
    out[at] = OPT_NOP;
    out[at + 1] = OPT_NOP;
    out[at + 2] = OPT_SACK_PERMITTED;
    out[at + 3] = 2;
    at += 4;
  }
  if (opts.wscale !== undefined) {
    out[at] = OPT_NOP;
    out[at + 1] = OPT_WSCALE;
    out[at + 2] = 3;
    out[at + 3] = opts.wscale;
    at += 4;
  }
  const blocks = sackBlocksThatFit(opts);
  if (blocks > 0) {
    const sack = opts.sack!;
    out[at] = OPT_NOP;
    out[at + 1] = OPT_NOP;
    out[at + 2] = OPT_SACK;
    out[at + 3] = 2 + blocks * SACK_BLOCK_BYTES;
    at += 4;
    for (let b = 0; b < blocks; b++) {
      const block = sack[b]!;
      put32(out, at, block[0]);
      put32(out, at + 4, block[1]);
      at += 8;
    }
  }
  return at - start;
}

/** A rejected option area. A class (not a result wrapper) so the success path allocates nothing extra. */
/** A rejected option (the one fault class of the wire layer, under the name this file always used). */
export const OptionFault = DecodeFault;
export type OptionFault = DecodeFault;

function get32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/**
 * Parse the option area bytes[start, end). EOL ends the list (RFC 9293 §3.2); NOP is one byte;
 * any other kind carries a length byte counting kind and length (MUST-68: unknown kinds are
 * skipped by that length). A length below 2 or running past the header is malformed
 * (bad-option-length); a known kind with the wrong length is bad-option-value.
 * When an option repeats, the last occurrence wins. Returns `noOptions` when nothing was found.
 */
export function parseOptions(
  bytes: Uint8Array,
  start: number,
  end: number,
  noOptions: TcpOptions,
): TcpOptions | OptionFault {
  let opts: TcpOptions | undefined;
  let i = start;
  while (i < end) {
    const kind = bytes[i]!;
    if (kind === OPT_EOL) break;
    if (kind === OPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return new OptionFault("bad-option-length", `option kind ${kind} has no length byte`);
    const len = bytes[i + 1]!;
    if (len < 2) return new OptionFault("bad-option-length", `option kind ${kind} has length ${len}`);
    if (i + len > end) {
      return new OptionFault("bad-option-length", `option kind ${kind} length ${len} runs past the header`);
    }
    switch (kind) {
      case OPT_MSS:
        if (len !== 4) return new OptionFault("bad-option-value", `MSS option length ${len}, expected 4`);
        (opts ??= {}).mss = (bytes[i + 2]! << 8) | bytes[i + 3]!;
        break;
      case OPT_WSCALE:
        if (len !== 3)
          return new OptionFault("bad-option-value", `window scale option length ${len}, expected 3`);
        (opts ??= {}).wscale = bytes[i + 2]!;
        break;
      case OPT_SACK_PERMITTED:
        if (len !== 2) {
          return new OptionFault("bad-option-value", `SACK-permitted option length ${len}, expected 2`);
        }
        (opts ??= {}).sackPermitted = true;
        break;
      case OPT_SACK: {
        if (len < 2 + SACK_BLOCK_BYTES || (len - 2) % SACK_BLOCK_BYTES !== 0) {
          return new OptionFault(
            "bad-option-value",
            `SACK option length ${len}, expected 2 + 8·n with n ≥ 1`,
          );
        }
        const sack: Array<[number, number]> = [];
        for (let at = i + 2; at < i + len; at += SACK_BLOCK_BYTES)
          sack.push([get32(bytes, at), get32(bytes, at + 4)]);
        (opts ??= {}).sack = sack;
        break;
      }
      case OPT_TIMESTAMP:
        if (len !== 10)
          return new OptionFault("bad-option-value", `timestamp option length ${len}, expected 10`);
        (opts ??= {}).timestamp = { val: get32(bytes, i + 2), ecr: get32(bytes, i + 6) };
        break;
      default:
        break;
    }
    i += len;
  }
  return opts ?? noOptions;
}
