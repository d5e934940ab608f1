/**
 * UTF-8 validation (RFC 3629), as required for text frames and close reasons by RFC 6455 §5.6
 * and §8.1.
 *
 * The rules are those of the WHATWG Encoding Standard's UTF-8 decoder, so a byte string is valid
 * here exactly when `new TextDecoder('utf-8', { fatal: true })` accepts it: no overlong forms, no
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF. The decoder's bounds also give the
 * earliest byte at which a string is known to be invalid, which is what lets
 * {@link Utf8Validator} fail fast on the first bad byte of a message that arrives in pieces.
 */

/** A whole-buffer validator: is every byte of `bytes` part of a valid UTF-8 sequence? */
export type Utf8Check = (bytes: Uint8Array) => boolean;

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** From word `w`, the first word with a non-ASCII byte (or the count): two words per step. */
function asciiWords(words: Int32Array, w: number): number {
  const count = words.length;
  while (w + 1 < count && ((words[w]! | words[w + 1]!) & 0x80808080) === 0) w += 2;
  while (w < count && (words[w]! & 0x80808080) === 0) w++;
  return w;
}

/** Inputs at least this long are scanned for ASCII a word at a time. */
const WORD_SCAN = 128;

/**
 * Validate `bytes[start..end)` as complete UTF-8. Portable; Node's `buffer.isUtf8` is faster for
 * long inputs and is injected by the Node adapter through the platform.
 *
 * ASCII runs are skipped four bytes at a time through one `Int32Array` view made per call (not
 * per run, which would allocate once per non-ASCII character of mixed text).
 */
export function isValidUtf8(bytes: Uint8Array, start = 0, end: number = bytes.length): boolean {
  let i = start;
  // Word view over the 4-aligned part of the range, for long inputs.
  let words: Int32Array | undefined;
  let aligned = 0;
  if (end - start >= WORD_SCAN && littleEndian) {
    aligned = start + ((4 - ((bytes.byteOffset + start) & 3)) & 3);
    words = new Int32Array(bytes.buffer, bytes.byteOffset + aligned, (end - aligned) >>> 2);
  }
  while (i < end) {
    if (words !== undefined) {
      // Bytes up to the next word boundary (the range may start unaligned), then whole words.
      while (i < end && (i < aligned || ((i - aligned) & 3) !== 0) && bytes[i]! < 0x80) i++;
      if (i >= aligned && ((i - aligned) & 3) === 0)
        i = aligned + (asciiWords(words, (i - aligned) >>> 2) << 2);
    }
    while (i < end && bytes[i]! < 0x80) i++;
    if (i >= end) return true;
    const b = bytes[i]!;
    let need: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lower = 0xa0;
      else if (b === 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lower = 0x90;
      else if (b === 0xf4) upper = 0x8f;
    } else return false;
    i++;
    for (; need > 0; need--, i++) {
      if (i >= end) return false;
      const c = bytes[i]!;
      if (c < lower || c > upper) return false;
      lower = 0x80;
      upper = 0xbf;
    }
  }
  return true;
}

/** The portable whole-buffer check, in the {@link Utf8Check} shape. */
export const isUtf8: Utf8Check = (bytes) => isValidUtf8(bytes, 0, bytes.length);

/**
 * Incremental UTF-8 validation for a message that arrives in pieces (fragments, or one frame
 * split across reads). `push` returns `false` as soon as a byte makes the text invalid, so a
 * bad message is rejected before the rest of it arrives (RFC 6455 §8.1 lets an endpoint fail as
 * soon as it sees invalid UTF-8). `finish` checks that no code point was left incomplete.
 *
 * The middle of each piece goes to a whole-buffer {@link Utf8Check} (Node's `isUtf8` when
 * injected); only the bytes of a code point cut by a piece boundary run through the
 * byte-at-a-time decoder state here.
 *
 * @example
 * ```ts
 * const v = new Utf8Validator();
 * v.push(new Uint8Array([0xe2, 0x82]), 0, 2); // true: "€" is not finished yet
 * v.push(new Uint8Array([0xac]), 0, 1);       // true
 * v.finish();                                 // true
 * ```
 */
export class Utf8Validator {
  #need = 0;
  #lower = 0x80;
  #upper = 0xbf;
  readonly #check: Utf8Check;

  /**
   * `check` validates whole buffers on the fast path (a native `isUtf8` when the platform has one);
   * default the portable {@link isUtf8}.
   */
  constructor(check: Utf8Check = isUtf8) {
    this.#check = check;
  }

  /** The decoder state as one number, to {@link restore} after a rejected piece. */
  save(): number {
    return this.#need | (this.#lower << 8) | (this.#upper << 16);
  }

  /** Return to a state from {@link save}. */
  restore(state: number): void {
    this.#need = state & 0xff;
    this.#lower = (state >>> 8) & 0xff;
    this.#upper = (state >>> 16) & 0xff;
  }

  /** Forget any partial code point; ready for a new message. */
  reset(): void {
    this.#need = 0;
    this.#lower = 0x80;
    this.#upper = 0xbf;
  }

  /** Validate the next piece `bytes[start..end)`. `false` means the text is invalid. */
  push(bytes: Uint8Array, start: number, end: number): boolean {
    let i = start;
    // Finish a code point begun in an earlier piece.
    while (this.#need > 0 && i < end) {
      if (!this.#step(bytes[i]!)) return false;
      i++;
    }
    if (i >= end) return true;
    // Cut before a trailing lead byte whose sequence is not complete in this piece.
    let cut = end;
    for (let k = 1; k <= 3 && end - k >= i; k++) {
      const b = bytes[end - k]!;
      if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
      if (b >= 0xc0) {
        const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
        if (k < length) cut = end - k;
      }
      break;
    }
    if (cut > i) {
      const ok =
        i === 0 && cut === bytes.length ? this.#check(bytes) : this.#check(bytes.subarray(i, cut));
      if (!ok) return false;
    }
    for (i = cut; i < end; i++) if (!this.#step(bytes[i]!)) return false;
    return true;
  }

  /** `true` when the bytes so far end on a code point boundary. Resets for the next message. */
  finish(): boolean {
    const ok = this.#need === 0;
    this.reset();
    return ok;
  }

  /** One byte through the WHATWG UTF-8 decoder state; `false` on an invalid byte. */
  #step(b: number): boolean {
    if (this.#need === 0) {
      if (b < 0x80) return true;
      if (b >= 0xc2 && b <= 0xdf) this.#need = 1;
      else if (b >= 0xe0 && b <= 0xef) {
        this.#need = 2;
        if (b === 0xe0) this.#lower = 0xa0;
        else if (b === 0xed) this.#upper = 0x9f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        this.#need = 3;
        if (b === 0xf0) this.#lower = 0x90;
        else if (b === 0xf4) this.#upper = 0x8f;
      } else return false;
      return true;
    }
    if (b < this.#lower || b > this.#upper) return false;
    this.#lower = 0x80;
    this.#upper = 0xbf;
    this.#need--;
    return true;
  }
}
