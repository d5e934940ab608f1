/**
 * Reads one message body after its head, for both readers: Content-Length, chunked (with the
 * trailer section) and close-delimited framing (RFC 9112 §6.3, §7.1).
 *
 * @module
 */
import { BodyFraming } from './body-framing.js';
import { CHUNK_DATA, CHUNK_ERROR, CHUNK_NEED_MORE, ChunkedDecoder } from './chunked-decoder.js';
import { parseFields } from './field-parser.js';
import { HeaderList } from './header-list.js';
import {
  type BodyEvent,
  END,
  type EndEvent,
  NEED_DATA,
  type NeedDataEvent,
} from './http-events.js';
import { HttpFailure } from './http-failure.js';
import type { HttpLimits } from './http-limits.js';
import {
  type InputQueue,
  SCAN_BARE_LF,
  SCAN_NEED_MORE,
  SCAN_TOO_MANY_LINES,
} from './input-queue.js';

const DONE = 0;
const LENGTH = 1;
const CHUNKED = 2;
const CLOSE = 3;
const TRAILERS = 4;
const END_NEXT = 5;

/** Body state of a reader (internal). `next` returns `null` on failure; see `failure`. */
export class BodyReader {
  readonly #queue: InputQueue;
  readonly #limits: HttpLimits;
  readonly #chunked: ChunkedDecoder;
  #state = DONE;
  #remaining = 0;
  #total = 0;
  #failure: HttpFailure | null = null;

  constructor(queue: InputQueue, limits: HttpLimits) {
    this.#queue = queue;
    this.#limits = limits;
    this.#chunked = new ChunkedDecoder(limits.maxBodyBytes, limits.maxChunkLineBytes);
  }

  /** Starts the body of a message just parsed (`length` for `LENGTH` framing). */
  start(framing: BodyFraming, length: number): void {
    this.#failure = null;
    this.#total = 0;
    switch (framing) {
      case BodyFraming.LENGTH:
        this.#remaining = length;
        this.#state = length === 0 ? END_NEXT : LENGTH;
        break;
      case BodyFraming.CHUNKED:
        this.#chunked.reset();
        this.#state = CHUNKED;
        break;
      case BodyFraming.CLOSE:
        this.#state = CLOSE;
        break;
      default:
        this.#state = END_NEXT;
    }
  }

  /** Why `next` returned `null`. */
  get failure(): HttpFailure | null {
    return this.#failure;
  }

  /** The next body event; `eof` says the peer has closed (no more bytes will come). */
  next(eof: boolean): BodyEvent | EndEvent | NeedDataEvent | null {
    const queue = this.#queue;
    switch (this.#state) {
      case LENGTH: {
        // RFC 9112 §6.3 item 6: exactly Content-Length octets.
        const data = queue.read(this.#remaining);
        if (data === null) return eof ? this.#fail(HttpFailure.EOF_IN_BODY) : NEED_DATA;
        this.#remaining -= data.length;
        if (this.#remaining === 0) this.#state = END_NEXT;
        return { type: 'body', data };
      }
      case CLOSE: {
        // RFC 9112 §6.3 item 8: the body is everything until the server closes. Bytes up to
        // the limit are delivered, the first byte past it fails (whatever the chunking).
        if (queue.isEmpty) {
          if (!eof) return NEED_DATA;
          this.#state = DONE;
          return END;
        }
        const allowed = this.#limits.maxBodyBytes - this.#total;
        if (allowed === 0) return this.#fail(HttpFailure.BODY_TOO_LARGE);
        const data = queue.read(allowed)!;
        this.#total += data.length;
        return { type: 'body', data };
      }
      case CHUNKED:
        return this.#nextChunk(eof);
      case TRAILERS:
        return this.#trailers(eof);
      case END_NEXT:
        this.#state = DONE;
        return END;
      default:
        return this.#fail(HttpFailure.EOF_IN_BODY);
    }
  }

  #nextChunk(eof: boolean): BodyEvent | EndEvent | NeedDataEvent | null {
    const queue = this.#queue;
    const decoder = this.#chunked;
    for (;;) {
      if (queue.isEmpty) return eof ? this.#fail(HttpFailure.EOF_IN_BODY) : NEED_DATA;
      const chunk = queue.chunk;
      const pos = decoder.decode(chunk, queue.offset);
      const result = decoder.result;
      if (result === CHUNK_ERROR) return this.#fail(decoder.failure!);
      queue.advanceTo(pos);
      if (result === CHUNK_DATA) {
        const start = decoder.dataStart;
        const end = decoder.dataEnd;
        const data = start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end);
        return { type: 'body', data };
      }
      if (result !== CHUNK_NEED_MORE) {
        this.#state = TRAILERS;
        return this.#trailers(eof);
      }
    }
  }

  // trailer-section = *( field-line CRLF ), then CRLF (RFC 9112 §7.1.2); read like a head.
  #trailers(eof: boolean): EndEvent | NeedDataEvent | null {
    const queue = this.#queue;
    const limits = this.#limits;
    const len = queue.scanBlock(limits.maxHeadBytes, limits.maxHeaders);
    if (len === SCAN_NEED_MORE) return eof ? this.#fail(HttpFailure.EOF_IN_BODY) : NEED_DATA;
    if (len < 0) {
      return this.#fail(
        len === SCAN_BARE_LF
          ? HttpFailure.BARE_LF
          : len === SCAN_TOO_MANY_LINES
            ? HttpFailure.TOO_MANY_TRAILERS
            : HttpFailure.TRAILERS_TOO_LARGE,
      );
    }
    queue.takeBlock(len);
    this.#state = DONE;
    if (len === 2) return END; // only the empty line: no trailers
    const bytes = queue.blockBytes;
    const offsets: number[] = [];
    const failure = parseFields(bytes, queue.blockStart, offsets, null, false);
    if (failure !== null) return this.#fail(failure);
    return { type: 'end', trailers: new HeaderList(bytes, offsets, offsets.length >> 2) };
  }

  #fail(failure: HttpFailure): null {
    this.#failure = failure;
    this.#state = DONE;
    return null;
  }
}
