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

/** Ranges shorter than this are masked byte by byte; a word view costs more than it saves. */
const WORD_THRESHOLD = 32;

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Key byte `i` (0..3) of a wire-order key. */
function keyByte(key: number, i: number): number {
  return (key >>> (24 - (i << 3))) & 0xff;
}

/**
 * The portable masker: bytes up to a 4-byte boundary, then 32-bit words through an
 * `Int32Array` view (unrolled by four), then the tail bytes.
 *
 * @example
 * ```ts
 * const data = new Uint8Array([0x48, 0x65, 0x6c, 0x6c, 0x6f]);
 * mask(data, 0, data.length, 0x37fa213d, 0); // RFC 6455 §5.7 key 37 fa 21 3d
 * // data is now 7f 9f 4d 51 58
 * ```
 */
export const mask: Masker = (buf, start, end, key, phase) => {
  let i = start;
  let p = phase & 3;
  if (end - start >= WORD_THRESHOLD && littleEndian) {
    // Byte-wise until the absolute address is 4-aligned.
    const base = buf.byteOffset;
    while (((base + i) & 3) !== 0) {
      buf[i] = buf[i]! ^ keyByte(key, p);
      i++;
      p = (p + 1) & 3;
    }
    // Little-endian word whose lowest byte is key byte p.
    const word =
      keyByte(key, p) |
      (keyByte(key, (p + 1) & 3) << 8) |
      (keyByte(key, (p + 2) & 3) << 16) |
      (keyByte(key, (p + 3) & 3) << 24);
    const words = (end - i) >>> 2;
    const view = new Int32Array(buf.buffer, base + i, words);
    const unrolled = words & ~3;
    let w = 0;
    for (; w < unrolled; w += 4) {
      view[w] = view[w]! ^ word;
      view[w + 1] = view[w + 1]! ^ word;
      view[w + 2] = view[w + 2]! ^ word;
      view[w + 3] = view[w + 3]! ^ word;
    }
    for (; w < words; w++) view[w] = view[w]! ^ word;
    i += words << 2;
    // Whole words keep the phase unchanged.
  }
  for (; i < end; i++) {
    buf[i] = buf[i]! ^ keyByte(key, p);
    p = (p + 1) & 3;
  }
};

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
