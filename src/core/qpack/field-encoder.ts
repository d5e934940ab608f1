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
import { writePrefixInt } from './prefix-int.js';
import { staticExactIndex, staticNameIndex } from './static-table.js';

/** Field lines to encode, as `[name, value]` pairs in order. */
export type FieldLines = ReadonlyArray<readonly [name: string, value: string]>;

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

/**
 * An upper bound of the bytes the encoded field section of `lines` takes, cheap to compute
 * (string lengths only): size `out` for {@link writeFieldSection} with it.
 */
export function fieldSectionBound(lines: FieldLines): number {
  // Per line: up to 6 bytes of prefixed integer for each of two strings (or an index), and each
  // string raw at worst.
  let size = 2;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    size += 12 + line[0].length + line[1].length;
  }
  return size;
}

/**
 * Write the encoded field section of `lines` at `out[offset]` (sized with
 * {@link fieldSectionBound}); returns the offset after it. Each string's Huffman length is
 * computed once.
 */
export function writeFieldSection(lines: FieldLines, out: Uint8Array, offset: number): number {
  let at = offset;
  // §4.5.1: Required Insert Count 0; Delta Base 0 with sign 0.
  out[at++] = 0;
  out[at++] = 0;
  for (let i = 0; i < lines.length; i++) {
    const [name, value] = lines[i]!;
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

let scratch = new Uint8Array(1024);

/**
 * Encode `lines` into a scratch buffer owned by this module and return a view of it, valid
 * until the next call: the caller copies it where it belongs (a frame).
 */
export function encodeFieldSectionView(lines: FieldLines): Uint8Array {
  const bound = fieldSectionBound(lines);
  if (scratch.length < bound) scratch = new Uint8Array(Math.max(bound, scratch.length * 2));
  return scratch.subarray(0, writeFieldSection(lines, scratch, 0));
}

/** The encoded field section of `lines` as new bytes. */
export function encodeFieldSection(lines: FieldLines): Uint8Array {
  return encodeFieldSectionView(lines).slice();
}
