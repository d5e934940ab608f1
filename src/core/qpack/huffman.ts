/**
 * The HPACK Huffman code (RFC 7541 Appendix B), which QPACK uses for string literals
 * (RFC 9204 §4.1.2).
 *
 * The code is canonical: within one length, codes increase with the symbol, and each length's
 * first code follows the last code of the shorter lengths. So the code lengths alone (below,
 * from Appendix B) define it; the codes are derived once at load, and the tests check them
 * against the RFC's hex column and its Appendix C.4 examples.
 *
 * Decoding follows RFC 7541 §5.2: "A padding strictly longer than 7 bits MUST be treated as a
 * decoding error. A padding not corresponding to the most significant bits of the code for the
 * EOS symbol MUST be treated as a decoding error. A Huffman-encoded string literal containing the
 * EOS symbol MUST be treated as a decoding error."
 */

/** Code lengths in bits of symbols 0 to 255 and EOS (256), from RFC 7541 Appendix B. */
// biome-ignore format: a table
const LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0-15
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 16-31
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, // ' ' to '/'
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, // '0' to '?'
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, // '@' to 'O'
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, // 'P' to '_'
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, // '`' to 'o'
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, // 'p' to 127
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128-143
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144-159
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160-175
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176-191
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192-207
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208-223
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224-239
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240-255
  30, // EOS
];

import { latin1Decode } from './latin1.js';

const EOS = 256;
const MAX_LENGTH = 30;

/** Code of each symbol, right-aligned (Appendix B's "code as hex" column). */
const CODES = new Uint32Array(257);
{
  // Canonical assignment: by length, then by symbol.
  let code = 0;
  for (let length = 1; length <= MAX_LENGTH; length++) {
    for (let symbol = 0; symbol <= EOS; symbol++)
      if (LENGTHS[symbol] === length) CODES[symbol] = code++;
    code <<= 1;
  }
}

/** The Huffman code of `symbol` (0-256) and its length in bits, as Appendix B lists them. */
export function huffmanCode(symbol: number): {
  /** The code, right-aligned in the low `bits` bits (RFC 7541 Appendix B). */
  readonly code: number;
  /** Length of the code in bits, 5 to 30. */
  readonly bits: number;
} {
  return { code: CODES[symbol]!, bits: LENGTHS[symbol]! };
}

/** How many bytes the Huffman encoding of the Latin-1 string `text` takes. */
export function huffmanEncodedLength(text: string): number {
  let bits = 0;
  for (let i = 0; i < text.length; i++) bits += LENGTHS[text.charCodeAt(i) & 0xff]!;
  return (bits + 7) >>> 3;
}

/**
 * Write the Huffman encoding of the Latin-1 string `text` at `out[offset]`, padded with the
 * most significant bits of EOS (all ones, §5.2); returns the offset after it. The caller sizes
 * `out` with {@link huffmanEncodedLength}.
 */
export function huffmanEncode(text: string, out: Uint8Array, offset: number): number {
  let acc = 0; // pending bits, right-aligned; fewer than 8 between symbols
  let pending = 0;
  let at = offset;
  for (let i = 0; i < text.length; i++) {
    const symbol = text.charCodeAt(i) & 0xff;
    let code = CODES[symbol]!;
    let bits = LENGTHS[symbol]!;
    if (pending + bits > 31) {
      // Keep the accumulator within 31 bits: push the top of a long code first.
      const high = bits - 8;
      acc = (acc << high) | (code >>> 8);
      pending += high;
      while (pending >= 8) {
        pending -= 8;
        out[at++] = (acc >>> pending) & 0xff;
      }
      code &= 0xff;
      bits = 8;
    }
    acc = (acc << bits) | code;
    pending += bits;
    while (pending >= 8) {
      pending -= 8;
      out[at++] = (acc >>> pending) & 0xff;
    }
    acc &= (1 << pending) - 1;
  }
  if (pending > 0) out[at++] = ((acc << (8 - pending)) | (0xff >>> pending)) & 0xff;
  return at;
}

// Decoding walks the code tree four bits at a time: for each internal node (256 of them: 257
// leaves) and each nibble, a table gives the node reached, the symbol completed on the way (at
// most one: the shortest code has 5 bits) and whether EOS was met. A node is an acceptable end
// when it is the root or its path from the root is at most 7 one-bits (padding, §5.2).
const NONE = 0xffff;
/** Tree: children of internal node n at 2n (bit 0) and 2n + 1 (bit 1); a value >= 0x100 is the
 * leaf of symbol (value - 0x100). */
const CHILDREN = new Uint16Array(512);
const NEXT = new Uint8Array(256 * 16);
const EMIT = new Uint16Array(256 * 16).fill(NONE);
const EOS_SEEN = new Uint8Array(256 * 16);
const ACCEPT = new Uint8Array(256);

{
  let nodes = 1;
  for (let symbol = 0; symbol <= EOS; symbol++) {
    const code = CODES[symbol]!;
    const bits = LENGTHS[symbol]!;
    let node = 0;
    for (let b = bits - 1; b > 0; b--) {
      const slot = 2 * node + ((code >>> b) & 1);
      if (CHILDREN[slot] === 0) CHILDREN[slot] = nodes++;
      node = CHILDREN[slot]!;
    }
    CHILDREN[2 * node + (code & 1)] = 0x100 + symbol;
  }
  // Depth of the all-ones path: node k on it has depth k + 1 (node 0, the root, depth 0).
  ACCEPT[0] = 1;
  let ones = 0;
  for (let depth = 1; depth <= 7; depth++) {
    ones = CHILDREN[2 * ones + 1]!;
    ACCEPT[ones] = 1;
  }
  for (let node = 0; node < 256; node++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      const at = node * 16 + nibble;
      let n = node;
      for (let b = 3; b >= 0; b--) {
        const child = CHILDREN[2 * n + ((nibble >>> b) & 1)]!;
        if (child >= 0x100) {
          if (child - 0x100 === EOS) EOS_SEEN[at] = 1;
          else EMIT[at] = child - 0x100;
          n = 0;
        } else {
          n = child;
        }
      }
      NEXT[at] = n;
    }
  }
}

let scratch = new Uint8Array(256);

/**
 * Decode `bytes[start..end)` as a Huffman-encoded string literal into a Latin-1 string, or
 * return `undefined` for a decoding error (EOS in the string, padding over 7 bits or not all
 * ones). Never throws.
 */
export function huffmanDecode(bytes: Uint8Array, start: number, end: number): string | undefined {
  // At most 8/5 symbols per byte.
  const most = (((end - start) * 8) / 5) | 0;
  if (scratch.length < most) scratch = new Uint8Array(most * 2);
  const out = scratch;
  let n = 0;
  let state = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    let at = state * 16 + (byte >>> 4);
    if (EOS_SEEN[at] === 1) return undefined;
    let symbol = EMIT[at]!;
    if (symbol !== NONE) out[n++] = symbol;
    state = NEXT[at]!;
    at = state * 16 + (byte & 0x0f);
    if (EOS_SEEN[at] === 1) return undefined;
    symbol = EMIT[at]!;
    if (symbol !== NONE) out[n++] = symbol;
    state = NEXT[at]!;
  }
  // What is left is padding: at most 7 bits, all ones (the start of EOS).
  if (ACCEPT[state] !== 1) return undefined;
  return latin1Decode(out, 0, n);
}
