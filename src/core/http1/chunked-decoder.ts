/**
 * Decoder for the chunked transfer coding (RFC 9112 §7.1), a numeric state machine over bytes.
 *
 * @module
 */
import { CR, FIELD_VALUE, HEX_VALUE, HTAB, LF, SEMICOLON, SP } from './ascii.js';
import { HttpFailure } from './http-failure.js';

// States (numbers, not strings: the switch compiles to a jump table).
const SIZE_START = 0; // first hex digit of chunk-size
const SIZE = 1; // more hex digits
const SIZE_WS = 2; // BWS after chunk-size, before ';' or CR
const EXT = 3; // chunk-ext, ignored (RFC 9112 §7.1.1)
const SIZE_LF = 4; // LF ending the chunk-size line
const DATA = 5;
const DATA_CR = 6; // CRLF after chunk-data
const DATA_LF = 7;
const TRAILERS = 8; // last-chunk seen: the trailer section follows

/** {@link ChunkedDecoder.decode} consumed all input and needs more. */
export const CHUNK_NEED_MORE = 0;
/** {@link ChunkedDecoder.decode} found chunk data at `[dataStart, dataEnd)`. */
export const CHUNK_DATA = 1;
/** {@link ChunkedDecoder.decode} read the last chunk; the trailer section starts at the
 * returned position (RFC 9112 §7.1.2). */
export const CHUNK_TRAILERS = 2;
/** {@link ChunkedDecoder.decode} rejected the input; see {@link ChunkedDecoder.failure}. */
export const CHUNK_ERROR = 3;

// A chunk size at or above 2^49 would pass 2^53-1 with one more hex digit.
const SIZE_OVERFLOW = 2 ** 49;

/**
 * Removes chunk framing from a body, chunk by chunk, without copying data: `decode` reports
 * where the data of the current chunk lies in the bytes it was given. The trailer section is
 * left to the caller (it is a block of field lines, read like a head).
 *
 * Rules enforced, each rejected with a typed failure: chunk-size is 1*HEXDIG with no overflow
 * past 2^53-1 (RFC 9112 §7.1: "anticipate potentially large hexadecimal numerals"); chunk
 * extensions are skipped but may hold only SP, HTAB, VCHAR and obs-text (RFC 9112 §7.1.1);
 * each line and each chunk-data ends in CRLF; the size line is at most `maxLineBytes`; the sum
 * of chunk sizes is at most `maxBodyBytes`, checked when a size is read, before its data.
 *
 * @example
 * ```ts
 * import { ChunkedDecoder, CHUNK_DATA, CHUNK_TRAILERS } from './chunked-decoder.js';
 * const bytes = new TextEncoder().encode('5;ext=1\r\nhello\r\n0\r\n\r\n');
 * const decoder = new ChunkedDecoder(1024, 64);
 * let pos = decoder.decode(bytes, 0);
 * decoder.result === CHUNK_DATA; // true: 'hello' is bytes[decoder.dataStart, decoder.dataEnd)
 * pos = decoder.decode(bytes, pos);
 * decoder.result === CHUNK_TRAILERS; // true: the trailer section ('\r\n') starts at pos
 * ```
 */
export class ChunkedDecoder {
  readonly #maxBody: number;
  readonly #maxLine: number;
  #state = SIZE_START;
  #size = 0;
  #line = 0;
  #total = 0;
  #result = CHUNK_NEED_MORE;
  #dataStart = 0;
  #dataEnd = 0;
  #failure: HttpFailure | null = null;

  constructor(maxBodyBytes: number, maxLineBytes: number) {
    this.#maxBody = maxBodyBytes;
    this.#maxLine = maxLineBytes;
  }

  /** Starts a new body. */
  reset(): void {
    this.#state = SIZE_START;
    this.#size = 0;
    this.#line = 0;
    this.#total = 0;
    this.#result = CHUNK_NEED_MORE;
    this.#failure = null;
  }

  /** Outcome of the last {@link ChunkedDecoder.decode}: one of the `CHUNK_*` constants. */
  get result(): number {
    return this.#result;
  }

  /** Start of the chunk data found by the last decode (when `result` is `CHUNK_DATA`). */
  get dataStart(): number {
    return this.#dataStart;
  }

  /** End of the chunk data found by the last decode (when `result` is `CHUNK_DATA`). */
  get dataEnd(): number {
    return this.#dataEnd;
  }

  /** Why the last decode failed (when `result` is `CHUNK_ERROR`). */
  get failure(): HttpFailure | null {
    return this.#failure;
  }

  /** Decoded body bytes so far. */
  get total(): number {
    return this.#total;
  }

  /**
   * Reads `bytes` from `pos` until it finds data, the last chunk, an error, or the end of
   * `bytes`; returns the position after what it consumed and sets {@link ChunkedDecoder.result}.
   */
  decode(bytes: Uint8Array, pos: number): number {
    const end = bytes.length;
    let state = this.#state;
    let size = this.#size;
    let line = this.#line;
    const maxLine = this.#maxLine;
    while (pos < end) {
      const b = bytes[pos]!;
      switch (state) {
        case SIZE_START: {
          // chunk-size = 1*HEXDIG (RFC 9112 §7.1)
          const h = HEX_VALUE[b]!;
          if (h === 0) return this.#fail(HttpFailure.BAD_CHUNK_SIZE, pos);
          size = h - 1;
          line = 1;
          state = SIZE;
          pos++;
          break;
        }
        case SIZE: {
          const h = HEX_VALUE[b]!;
          if (h !== 0) {
            // RFC 9112 §7.1: guard against overflow and precision loss.
            if (size >= SIZE_OVERFLOW) return this.#fail(HttpFailure.CHUNK_SIZE_OVERFLOW, pos);
            size = size * 16 + (h - 1);
          } else if (b === CR) {
            state = SIZE_LF;
          } else if (b === SEMICOLON) {
            state = EXT;
          } else if (b === SP || b === HTAB) {
            // chunk-ext = *( BWS ";" BWS ext-name ... ): whitespace may precede ';'.
            state = SIZE_WS;
          } else {
            return this.#fail(HttpFailure.BAD_CHUNK_SIZE, pos);
          }
          if (b !== CR && ++line > maxLine) {
            return this.#fail(HttpFailure.CHUNK_LINE_TOO_LONG, pos);
          }
          pos++;
          break;
        }
        case SIZE_WS:
          // RFC 9112 §7.1: BWS is allowed only before a ';' (chunk-ext); "5 \r\n" is invalid,
          // and parsers disagreeing on it is how chunked bodies get smuggled.
          if (b === SEMICOLON) state = EXT;
          else if (b !== SP && b !== HTAB) {
            return this.#fail(HttpFailure.BAD_CHUNK_EXTENSION, pos);
          }
          if (++line > maxLine) return this.#fail(HttpFailure.CHUNK_LINE_TOO_LONG, pos);
          pos++;
          break;
        case EXT: {
          // RFC 9112 §7.1.1: a recipient MUST ignore unrecognized chunk extensions. We skip
          // them, but only over octets a field value may hold (no CTLs, no bare LF).
          const start = pos;
          let p = pos;
          while (p < end && FIELD_VALUE[bytes[p]!] !== 0) p++;
          line += p - start;
          if (line > maxLine) return this.#fail(HttpFailure.CHUNK_LINE_TOO_LONG, p);
          if (p === end) {
            pos = p;
            break;
          }
          if (bytes[p] !== CR) return this.#fail(HttpFailure.BAD_CHUNK_EXTENSION, p);
          state = SIZE_LF;
          pos = p + 1;
          break;
        }
        case SIZE_LF:
          // chunk = chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1)
          if (b !== LF) return this.#fail(HttpFailure.BARE_CR, pos);
          pos++;
          if (size === 0) {
            this.#state = TRAILERS;
            this.#size = 0;
            this.#result = CHUNK_TRAILERS;
            return pos;
          }
          // Checked before any data of this chunk is read.
          if (size > this.#maxBody - this.#total) {
            return this.#fail(HttpFailure.BODY_TOO_LARGE, pos);
          }
          this.#total += size;
          state = DATA;
          break;
        case DATA: {
          const n = Math.min(size, end - pos);
          this.#dataStart = pos;
          this.#dataEnd = pos + n;
          size -= n;
          pos += n;
          this.#state = size === 0 ? DATA_CR : DATA;
          this.#size = size;
          this.#line = line;
          this.#result = CHUNK_DATA;
          return pos;
        }
        case DATA_CR:
          // chunk-data is followed by CRLF (RFC 9112 §7.1)
          if (b !== CR) return this.#fail(HttpFailure.BAD_CHUNK_END, pos);
          state = DATA_LF;
          pos++;
          break;
        case DATA_LF:
          if (b !== LF) return this.#fail(HttpFailure.BAD_CHUNK_END, pos);
          state = SIZE_START;
          pos++;
          break;
        default:
          // TRAILERS: nothing more to decode; the caller reads the trailer section.
          this.#result = CHUNK_TRAILERS;
          return pos;
      }
    }
    this.#state = state;
    this.#size = size;
    this.#line = line;
    this.#result = state === TRAILERS ? CHUNK_TRAILERS : CHUNK_NEED_MORE;
    return pos;
  }

  #fail(failure: HttpFailure, pos: number): number {
    this.#failure = failure;
    this.#result = CHUNK_ERROR;
    return pos;
  }
}
