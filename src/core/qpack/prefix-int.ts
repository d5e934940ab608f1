/**
 * Prefixed integers (RFC 7541 §5.1, used by QPACK per RFC 9204 §4.1.1): a value that fits in
 * the low `prefix` bits of the first byte is stored there; otherwise those bits are all ones
 * and the rest follows in 7-bit groups, least significant first, with a continuation bit.
 */

/**
 * Values above 2^62 are refused by the reader. RFC 9204 §4.1.1: "QPACK implementations
 * MUST be able to decode integers up to and including 62 bits long"; above 2^53 a value reads
 * as the nearest number, which every limit refuses anyway (an index, a string length).
 */
export const MAX_PREFIX_INT: number = 2 ** 62;

/** Bytes the prefixed integer `value` takes with a `prefix`-bit prefix. */
export function prefixIntLength(value: number, prefix: number): number {
  const max = (1 << prefix) - 1;
  if (value < max) return 1;
  let rest = value - max;
  let n = 2;
  while (rest >= 0x80) {
    rest = Math.floor(rest / 0x80);
    n++;
  }
  return n;
}

/**
 * Write `value` with a `prefix`-bit prefix at `out[offset]`; `flags` are the bits above the
 * prefix in the first byte. Returns the offset after it.
 */
export function writePrefixInt(
  out: Uint8Array,
  offset: number,
  prefix: number,
  flags: number,
  value: number,
): number {
  const max = (1 << prefix) - 1;
  if (value < max) {
    out[offset] = flags | value;
    return offset + 1;
  }
  out[offset++] = flags | max;
  let rest = value - max;
  while (rest >= 0x80) {
    out[offset++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  out[offset++] = rest;
  return offset;
}

/**
 * Reads prefixed integers from a byte range, keeping its position. `read` returns the value,
 * -1 when the range ends inside the integer, or -2 when it is too large
 * ({@link MAX_PREFIX_INT}, or more than 10 continuation bytes).
 */
export class PrefixIntReader {
  /** The byte range being read. */
  bytes: Uint8Array = new Uint8Array(0);
  /** The position of the next byte to read. */
  at = 0;
  /** One past the last byte of the range. */
  end = 0;

  /** Start reading `bytes[start..end)`. */
  reset(bytes: Uint8Array, start: number, end: number): void {
    this.bytes = bytes;
    this.at = start;
    this.end = end;
  }

  /** The integer whose first byte is at `at`, with a `prefix`-bit prefix. */
  read(prefix: number): number {
    const bytes = this.bytes;
    let at = this.at;
    if (at >= this.end) return -1;
    const max = (1 << prefix) - 1;
    let value = bytes[at++]! & max;
    if (value < max) {
      this.at = at;
      return value;
    }
    let scale = 1;
    for (let n = 0; ; n++) {
      if (at >= this.end) return -1;
      if (n === 10) return -2;
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * scale;
      // Above 2^53 the sum is rounded: 2^62 - 1 reads as 2^62, still accepted.
      if (value > MAX_PREFIX_INT) return -2;
      if ((byte & 0x80) === 0) break;
      scale *= 0x80;
    }
    this.at = at;
    return value;
  }
}
