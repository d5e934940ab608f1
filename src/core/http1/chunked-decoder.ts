/**
 * Decoder for the chunked transfer coding (RFC 9112 §7.1), a numeric state machine over bytes.
 *
 * @module
 */
import { CR, HEX_VALUE, HTAB, LF, SEMICOLON, SP, TCHAR } from './ascii.js';
import { HttpFailure } from './http-failure.js';

// States (numbers, not strings: the switch compiles to a jump table).
const SIZE_START = 0; // first hex digit of chunk-size
const SIZE = 1; // more hex digits
const SIZE_WS = 2; // BWS after chunk-size: ';' must follow
const SIZE_LF = 3; // LF ending the chunk-size line
const DATA = 4;
const DATA_CR = 5; // CRLF after chunk-data
const DATA_LF = 6;
const TRAILERS = 7; // last-chunk seen: the trailer section follows
// chunk-ext (RFC 9112 §7.1.1), one state per place in its grammar:
//   chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//   chunk-ext-name = token
//   chunk-ext-val  = token / quoted-string
const EXT_NAME_START = 8; // after ';' (and BWS): a name must follow
const EXT_NAME = 9;
const EXT_NAME_WS = 10; // BWS after a name: '=' or ';' must follow
const EXT_VALUE_START = 11; // after '=' (and BWS): a value must follow
const EXT_TOKEN = 12; // a token value
const EXT_QUOTED = 13; // inside a quoted-string
const EXT_QUOTED_PAIR = 14; // after '\' inside a quoted-string
const EXT_QUOTED_END = 15; // after the closing DQUOTE
const EXT_VALUE_WS = 16; // BWS after a value: ';' must follow
const EXT_BAD = 0xff; // no transition: the octet breaks the grammar

const DQUOTE = 0x22;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;

/**
 * The chunk-ext state machine as a table: the state after octet `c` in state `s` is
 * `EXT_NEXT[((s - EXT_NAME_START) << 8) | c]`; `SIZE_LF` after the CR that ends the line where
 * the grammar allows it, `EXT_BAD` where nothing is allowed. Quoted-strings follow RFC 9110
 * §5.6.4 (qdtext, quoted-pair), so CTLs, a bare CR or LF, and DEL are rejected inside them too.
 */
const EXT_NEXT: Uint8Array = /* @__PURE__ */ makeExtTable();

function makeExtTable(): Uint8Array {
  const table = new Uint8Array((EXT_VALUE_WS - EXT_NAME_START + 1) << 8).fill(EXT_BAD);
  const set = (state: number, c: number, next: number): void => {
    table[((state - EXT_NAME_START) << 8) | c] = next;
  };
  for (let c = 0; c < 256; c++) {
    const ws = c === SP || c === HTAB;
    if (TCHAR[c] === 1) {
      set(EXT_NAME_START, c, EXT_NAME);
      set(EXT_NAME, c, EXT_NAME);
      set(EXT_VALUE_START, c, EXT_TOKEN);
      set(EXT_TOKEN, c, EXT_TOKEN);
    }
    if (ws) {
      // BWS (RFC 9110 §5.6.3) only where the grammar puts it: around ';' and '='.
      set(EXT_NAME_START, c, EXT_NAME_START);
      set(EXT_NAME, c, EXT_NAME_WS);
      set(EXT_NAME_WS, c, EXT_NAME_WS);
      set(EXT_VALUE_START, c, EXT_VALUE_START);
      set(EXT_TOKEN, c, EXT_VALUE_WS);
      set(EXT_QUOTED_END, c, EXT_VALUE_WS);
      set(EXT_VALUE_WS, c, EXT_VALUE_WS);
    }
    // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
    if (ws || c === 0x21 || (c >= 0x23 && c <= 0x7e && c !== BACKSLASH) || c >= 0x80) {
      set(EXT_QUOTED, c, EXT_QUOTED);
    }
    // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
    if (ws || (c >= 0x21 && c <= 0x7e) || c >= 0x80) set(EXT_QUOTED_PAIR, c, EXT_QUOTED);
  }
  for (const state of [EXT_NAME, EXT_NAME_WS, EXT_TOKEN, EXT_QUOTED_END, EXT_VALUE_WS]) {
    set(state, SEMICOLON, EXT_NAME_START);
  }
  set(EXT_NAME, EQUALS, EXT_VALUE_START);
  set(EXT_NAME_WS, EQUALS, EXT_VALUE_START);
  set(EXT_VALUE_START, DQUOTE, EXT_QUOTED);
  set(EXT_QUOTED, DQUOTE, EXT_QUOTED_END);
  set(EXT_QUOTED, BACKSLASH, EXT_QUOTED_PAIR);
  // The line may end after a name or a value, not after BWS, ';', '=' or inside a quote.
  set(EXT_NAME, CR, SIZE_LF);
  set(EXT_TOKEN, CR, SIZE_LF);
  set(EXT_QUOTED_END, CR, SIZE_LF);
  return table;
}

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
 * extensions are ignored but must follow their grammar (RFC 9112 §7.1.1); each line and each
 * chunk-data ends in CRLF; the size line, extensions included, is at most `maxLineBytes`; the
 * sum of chunk sizes is at most `maxBodyBytes`, checked when a size is read, before its data.
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
            state = EXT_NAME_START;
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
          if (b === SEMICOLON) state = EXT_NAME_START;
          else if (b !== SP && b !== HTAB) {
            return this.#fail(HttpFailure.BAD_CHUNK_EXTENSION, pos);
          }
          if (++line > maxLine) return this.#fail(HttpFailure.CHUNK_LINE_TOO_LONG, pos);
          pos++;
          break;
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
        case TRAILERS:
          // Nothing more to decode; the caller reads the trailer section.
          this.#result = CHUNK_TRAILERS;
          return pos;
        default:
          // The EXT_* states. RFC 9112 §7.1.1: a recipient MUST ignore unrecognized chunk
          // extensions, but only once they parse: a missing name, a stray octet or an open
          // quoted-string is where parsers disagree on where the size line ends.
          state = EXT_NEXT[((state - EXT_NAME_START) << 8) | b]!;
          if (state === EXT_BAD) return this.#fail(HttpFailure.BAD_CHUNK_EXTENSION, pos);
          // maxChunkLineBytes bounds the extensions with the size; the ending CR is not counted.
          if (state !== SIZE_LF && ++line > maxLine) {
            return this.#fail(HttpFailure.CHUNK_LINE_TOO_LONG, pos);
          }
          pos++;
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
