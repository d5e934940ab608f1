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

const EOS = 256;
const MAX_LENGTH = 30;

/** Code of each symbol, right-aligned (Appendix B's "code as hex" column). */
const CODES = new Uint32Array(257);
/** Symbols sorted by (length, symbol): the canonical order. */
const SORTED = new Uint16Array(257);
/** For each length L: one past the largest code of length L (codes of length L are below). */
const LIMIT = new Int32Array(MAX_LENGTH + 1);
/** For each length L: SORTED index of its first symbol minus its first code. */
const OFFSET = new Int32Array(MAX_LENGTH + 1);

{
  let n = 0;
  let code = 0;
  for (let length = 1; length <= MAX_LENGTH; length++) {
    const first = code;
    OFFSET[length] = n - first;
    for (let symbol = 0; symbol <= EOS; symbol++) {
      if (LENGTHS[symbol] !== length) continue;
      CODES[symbol] = code++;
      SORTED[n++] = symbol;
    }
    LIMIT[length] = code;
    code <<= 1;
  }
}

/** The Huffman code of `symbol` (0-256) and its length in bits, as Appendix B lists them. */
export function huffmanCode(symbol: number): { readonly code: number; readonly bits: number } {
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

/**
 * Decode `bytes[start..end)` as a Huffman-encoded string literal into a Latin-1 string, or
 * return `undefined` for a decoding error (EOS in the string, padding over 7 bits or not all
 * ones). Never throws.
 */
export function huffmanDecode(bytes: Uint8Array, start: number, end: number): string | undefined {
  let out = '';
  let code = 0;
  let length = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    for (let bit = 7; bit >= 0; bit--) {
      code = (code << 1) | ((byte >>> bit) & 1);
      length++;
      // Canonical decode: a code of this length is below LIMIT[length]; a prefix of a longer
      // code is at or above it. The shortest code has 5 bits.
      if (length >= 5 && code < LIMIT[length]!) {
        const symbol = SORTED[OFFSET[length]! + code]!;
        if (symbol === EOS) return undefined;
        out += String.fromCharCode(symbol);
        code = 0;
        length = 0;
      } else if (length > MAX_LENGTH) {
        return undefined;
      }
    }
  }
  // What is left is padding: at most 7 bits, all ones (the start of EOS).
  if (length > 7 || code !== (1 << length) - 1) return undefined;
  return out;
}
