/**
 * QUIC variable-length integers (RFC 9000 §16), as HTTP/3 uses them for frame types, frame
 * lengths, stream types, setting identifiers and values, and stream or push IDs.
 *
 * The two most significant bits of the first byte give the encoding's length (1, 2, 4 or 8
 * bytes); the rest, in network byte order, is the value. Values are JavaScript numbers: an
 * 8-byte value above 2^53 reads as the nearest number, which is always above every limit this
 * code checks, so it is refused where a limit applies and treated as unknown where it names a
 * type or setting.
 *
 * Reading is streaming-safe: {@link readVarint} returns -1 when the bytes it needs have not all
 * arrived, and a caller keeps the partial bytes until they do ({@link VarintAccumulator} does
 * that byte by byte).
 */

/** The largest value a varint holds: 2^62 - 1 (RFC 9000 §16), as the nearest number. */
export const MAX_VARINT: number = 2 ** 62 - 1;

/** How many bytes the varint whose first byte is `first` takes: 1, 2, 4 or 8. */
export function varintSize(first: number): number {
  return 1 << (first >>> 6);
}

/** How many bytes the shortest encoding of `value` takes (RFC 9000 §16, Table 4). */
export function varintLength(value: number): number {
  if (value < 0x40) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x4000_0000) return 4;
  return 8;
}

/**
 * The varint at `bytes[offset]`, or -1 when it does not end before `end`. Never throws: the
 * caller checks that `offset < end`.
 */
export function readVarint(bytes: Uint8Array, offset: number, end: number = bytes.length): number {
  if (offset >= end) return -1;
  const first = bytes[offset]!;
  const size = 1 << (first >>> 6);
  if (offset + size > end) return -1;
  let value = first & 0x3f;
  if (size === 1) return value;
  if (size === 2) return (value << 8) | bytes[offset + 1]!;
  if (size === 4)
    return (
      ((value << 24) |
        (bytes[offset + 1]! << 16) |
        (bytes[offset + 2]! << 8) |
        bytes[offset + 3]!) >>>
      0
    );
  // 8 bytes: the high 30 bits times 2^32 plus the low 32 bits, exact up to 2^53.
  value =
    ((value << 24) |
      (bytes[offset + 1]! << 16) |
      (bytes[offset + 2]! << 8) |
      bytes[offset + 3]!) >>>
    0;
  const low =
    ((bytes[offset + 4]! << 24) |
      (bytes[offset + 5]! << 16) |
      (bytes[offset + 6]! << 8) |
      bytes[offset + 7]!) >>>
    0;
  return value * 0x1_0000_0000 + low;
}

/**
 * Write `value` (an integer in 0 … 2^53 - 1) at `out[offset]` in its shortest encoding and
 * return the offset after it. The caller sizes `out` with {@link varintLength}.
 */
export function writeVarint(out: Uint8Array, offset: number, value: number): number {
  if (value < 0x40) {
    out[offset] = value;
    return offset + 1;
  }
  if (value < 0x4000) {
    out[offset] = 0x40 | (value >>> 8);
    out[offset + 1] = value & 0xff;
    return offset + 2;
  }
  if (value < 0x4000_0000) {
    out[offset] = 0x80 | (value >>> 24);
    out[offset + 1] = (value >>> 16) & 0xff;
    out[offset + 2] = (value >>> 8) & 0xff;
    out[offset + 3] = value & 0xff;
    return offset + 4;
  }
  const high = Math.floor(value / 0x1_0000_0000);
  const low = value >>> 0;
  out[offset] = 0xc0 | (high >>> 24);
  out[offset + 1] = (high >>> 16) & 0xff;
  out[offset + 2] = (high >>> 8) & 0xff;
  out[offset + 3] = high & 0xff;
  out[offset + 4] = low >>> 24;
  out[offset + 5] = (low >>> 16) & 0xff;
  out[offset + 6] = (low >>> 8) & 0xff;
  out[offset + 7] = low & 0xff;
  return offset + 8;
}

/**
 * Collects one varint from bytes that arrive in pieces: `push` a byte at a time until it returns
 * `true`, then read `value`. `reset()` starts the next one. Allocates once.
 */
export class VarintAccumulator {
  readonly #bytes = new Uint8Array(8);
  #have = 0;
  #need = 0;
  /** The value, once `push` returned `true`. */
  value = 0;

  /** Add one byte; `true` when the varint is complete. */
  push(byte: number): boolean {
    if (this.#have === 0) this.#need = varintSize(byte);
    this.#bytes[this.#have++] = byte;
    if (this.#have < this.#need) return false;
    this.value = readVarint(this.#bytes, 0, this.#have);
    return true;
  }

  /** Have some bytes of a varint arrived and not yet completed it? */
  get partial(): boolean {
    return this.#have > 0 && this.#have < this.#need;
  }

  /** Forget the bytes pushed so far. */
  reset(): void {
    this.#have = 0;
    this.#need = 0;
  }
}
