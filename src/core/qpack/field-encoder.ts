/**
 * Encoding a field section (RFC 9204 §4.5) with the static table only: this encoder never
 * inserts into the dynamic table (the peer's capacity does not matter: §2.1.1 lets an encoder
 * use the static table alone), so the prefix is Required Insert Count 0, Base 0 (`00 00`) and
 * no section ever blocks a stream or needs an acknowledgment.
 *
 * Each line takes the shortest of: an indexed line for an exact static match (§4.5.2), a
 * literal with a static name reference (§4.5.4), or a literal with a literal name (§4.5.6);
 * each string is Huffman-coded when that is shorter (§4.1.2). Names and values are Latin-1
 * strings (one byte per character); the caller has lower-cased and checked them.
 */
import { huffmanEncode, huffmanEncodedLength } from './huffman.js';
import { latin1Encode } from './latin1.js';
import { prefixIntLength, writePrefixInt } from './prefix-int.js';
import { staticExactIndex, staticNameIndex } from './static-table.js';

/** Field lines to encode, as `[name, value]` pairs in order. */
export type FieldLines = ReadonlyArray<readonly [name: string, value: string]>;

function stringLength(text: string, prefix: number): number {
  const huffman = huffmanEncodedLength(text);
  const length = Math.min(huffman, text.length);
  return prefixIntLength(length, prefix) + length;
}

function writeString(
  text: string,
  out: Uint8Array,
  at: number,
  prefix: number,
  flags: number,
): number {
  const huffman = huffmanEncodedLength(text);
  if (huffman < text.length) {
    at = writePrefixInt(out, at, prefix, flags | (1 << prefix), huffman);
    return huffmanEncode(text, out, at);
  }
  at = writePrefixInt(out, at, prefix, flags, text.length);
  return latin1Encode(text, out, at);
}

/** Bytes the encoded field section of `lines` takes. */
export function encodedFieldSectionLength(lines: FieldLines): number {
  let size = 2;
  for (const [name, value] of lines) {
    const exact = staticExactIndex(name, value);
    if (exact >= 0) {
      size += prefixIntLength(exact, 6);
      continue;
    }
    const index = staticNameIndex(name);
    if (index >= 0) size += prefixIntLength(index, 4) + stringLength(value, 7);
    else size += stringLength(name, 3) + stringLength(value, 7);
  }
  return size;
}

/**
 * Write the encoded field section of `lines` at `out[offset]` (sized with
 * {@link encodedFieldSectionLength}); returns the offset after it.
 */
export function writeFieldSection(lines: FieldLines, out: Uint8Array, offset: number): number {
  let at = offset;
  // §4.5.1: Required Insert Count 0; Delta Base 0 with sign 0.
  out[at++] = 0;
  out[at++] = 0;
  for (const [name, value] of lines) {
    const exact = staticExactIndex(name, value);
    if (exact >= 0) {
      // 1 T=1 index(6)
      at = writePrefixInt(out, at, 6, 0xc0, exact);
      continue;
    }
    const index = staticNameIndex(name);
    if (index >= 0) {
      // 0 1 N=0 T=1 index(4), then H + value length(7)
      at = writePrefixInt(out, at, 4, 0x50, index);
      at = writeString(value, out, at, 7, 0);
    } else {
      // 0 0 1 N=0 H length(3) name, then H + value length(7)
      at = writeString(name, out, at, 3, 0x20);
      at = writeString(value, out, at, 7, 0);
    }
  }
  return at;
}

/** The encoded field section of `lines` as new bytes. */
export function encodeFieldSection(lines: FieldLines): Uint8Array {
  const out = new Uint8Array(encodedFieldSectionLength(lines));
  writeFieldSection(lines, out, 0);
  return out;
}
