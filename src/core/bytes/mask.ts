/**
 * WebSocket masking (RFC 6455 §5.3): XOR each payload byte with one of four key bytes.
 *
 * The key is passed as one 32-bit number holding the four key bytes in wire order
 * (`k0 << 24 | k1 << 16 | k2 << 8 | k3`), and `phase` says which key byte the first byte in the
 * range uses, so a payload that arrives in pieces can be unmasked piece by piece
 * (`phase = bytesDoneSoFar & 3`). Masking twice with the same key and phase is the identity.
 */

/** A masking function: XOR `buf[start..end)` in place; see the module comment for key/phase. */
export type Masker = (
  buf: Uint8Array,
  start: number,
  end: number,
  key: number,
  phase: number,
) => void;

/**
 * Ranges shorter than this are masked a byte at a time (unrolled by four, the key bytes in
 * locals). Longer ones go through an `Int32Array` view: creating the view costs about as much
 * as masking 50 bytes, and the word loop pays for it from about 96-128 bytes on
 * (`bench/platform-thresholds.bench.ts`, Node 20 on x86-64: tie at 96 B, words 15 % faster
 * at 128 B, twice as fast from 384 B).
 */
export const WORD_THRESHOLD = 128;

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** `key` rotated left by `bytes` key bytes: the wire-order key as seen from phase `bytes`. */
function rotate(key: number, bytes: number): number {
  const s = (bytes & 3) << 3;
  return s === 0 ? key | 0 : (key << s) | (key >>> (32 - s));
}

/**
 * The portable masker. Short ranges: a byte loop unrolled by four, with the four key bytes in
 * locals. Long ranges: bytes up to a 4-byte boundary, then 32-bit words through an `Int32Array`
 * view (unrolled by eight), then the tail bytes. Big-endian hosts use the byte loop throughout.
 *
 * @example
 * ```ts
 * const data = new Uint8Array([0x48, 0x65, 0x6c, 0x6c, 0x6f]);
 * mask(data, 0, data.length, 0x37fa213d, 0); // RFC 6455 §5.7 key 37 fa 21 3d
 * // data is now 7f 9f 4d 51 58
 * ```
 */
export const mask: Masker = (buf, start, end, key, phase) => {
  maskRange(buf, undefined, start, end, key, phase);
};

/**
 * A masker with one buffer whose `Int32Array` view is made once: a transport's reused read
 * buffer is unmasked in place read after read, and a view made per call (plus the `buffer` and
 * `byteOffset` lookups it needs) costs about as much as masking 512 bytes. Other buffers go to
 * `fallback`. `buffer` must start on a 4-byte boundary of its memory, else `fallback` is
 * returned as it is.
 *
 * @example
 * ```ts
 * const readBuffer = new Uint8Array(64 * 1024);
 * const masker = maskerWithBuffer(readBuffer, mask);
 * masker(readBuffer, 6, 518, 0x37fa213d, 0); // no view made for this call
 * ```
 */
export function maskerWithBuffer(buffer: Uint8Array, fallback: Masker): Masker {
  if (!littleEndian || (buffer.byteOffset & 3) !== 0) return fallback;
  const words = new Int32Array(buffer.buffer, buffer.byteOffset, buffer.length >>> 2);
  return (buf, start, end, key, phase) => {
    if (buf === buffer) maskRange(buf, words, start, end, key, phase);
    else fallback(buf, start, end, key, phase);
  };
}

/** The portable masker's work; `words`, when given, views all of `buf` from its start. */
function maskRange(
  buf: Uint8Array,
  words: Int32Array | undefined,
  start: number,
  end: number,
  key: number,
  phase: number,
): void {
  let k = rotate(key, phase);
  let i = start;
  if (end - start >= WORD_THRESHOLD && littleEndian) {
    // Bytes until the absolute address is 4-aligned (an Int32Array view must be aligned). A
    // view made once starts at `buf`'s own (aligned) start: its offset need not be looked up.
    const base = words === undefined ? buf.byteOffset : 0;
    const lead = (4 - ((base + i) & 3)) & 3;
    if (lead !== 0) {
      buf[i] = buf[i]! ^ (k >>> 24);
      if (lead > 1) buf[i + 1] = buf[i + 1]! ^ ((k >>> 16) & 0xff);
      if (lead > 2) buf[i + 2] = buf[i + 2]! ^ ((k >>> 8) & 0xff);
      i += lead;
      k = rotate(k, lead);
    }
    // The little-endian word whose lowest byte is the next key byte: `k` byte-swapped.
    const word = (k >>> 24) | ((k >>> 8) & 0xff00) | ((k << 8) & 0xff0000) | (k << 24);
    const count = (end - i) >>> 2;
    // A view made once starts at `buf`'s first byte (4-aligned), so word i >>> 2 is byte i.
    if (words !== undefined) xorWords(words, i >>> 2, count, word);
    else xorWords(new Int32Array(buf.buffer, base + i, count), 0, count, word);
    i += count << 2;
    // Whole words keep the phase unchanged: the tail starts with the same key byte.
  }
  const k0 = k >>> 24;
  const k1 = (k >>> 16) & 0xff;
  const k2 = (k >>> 8) & 0xff;
  const k3 = k & 0xff;
  const quads = i + ((end - i) & ~3);
  for (; i < quads; i += 4) {
    buf[i] = buf[i]! ^ k0;
    buf[i + 1] = buf[i + 1]! ^ k1;
    buf[i + 2] = buf[i + 2]! ^ k2;
    buf[i + 3] = buf[i + 3]! ^ k3;
  }
  if (i < end) {
    buf[i] = buf[i]! ^ k0;
    if (i + 1 < end) {
      buf[i + 1] = buf[i + 1]! ^ k1;
      if (i + 2 < end) buf[i + 2] = buf[i + 2]! ^ k2;
    }
  }
}

/** XOR `count` words of `view` from `from` with `word` (unrolled by eight). */
function xorWords(view: Int32Array, from: number, count: number, word: number): void {
  const last = from + count;
  const unrolled = from + (count & ~7);
  let w = from;
  for (; w < unrolled; w += 8) {
    view[w] = view[w]! ^ word;
    view[w + 1] = view[w + 1]! ^ word;
    view[w + 2] = view[w + 2]! ^ word;
    view[w + 3] = view[w + 3]! ^ word;
    view[w + 4] = view[w + 4]! ^ word;
    view[w + 5] = view[w + 5]! ^ word;
    view[w + 6] = view[w + 6]! ^ word;
    view[w + 7] = view[w + 7]! ^ word;
  }
  for (; w < last; w++) view[w] = view[w]! ^ word;
}

/**
 * Copy `src[srcStart..srcEnd)` into `dst` at `dstOffset`, masked with `key` from phase 0.
 * Used by the frame writer to mask a client payload without touching the caller's bytes.
 */
export function maskCopy(
  src: Uint8Array,
  srcStart: number,
  srcEnd: number,
  dst: Uint8Array,
  dstOffset: number,
  key: number,
  masker: Masker = mask,
): void {
  dst.set(src.subarray(srcStart, srcEnd), dstOffset);
  masker(dst, dstOffset, dstOffset + (srcEnd - srcStart), key, 0);
}
